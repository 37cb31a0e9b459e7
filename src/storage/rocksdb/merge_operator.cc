#include "storage/rocksdb/merge_operator.h"

#include <string_view>
#include <vector>

#include "storage/rocksdb/row_codec.h"

namespace ofs::storage::rocks {
namespace {

std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

}  // namespace

bool CellMergeOperator::FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const {
  const int64_t now = clock_->NowMicros();
  // The common case on reads of bulk-loaded data: one write and nothing under it. When none of its cells
  // has expired, the merge result is the operand itself; RocksDB then uses it without a copy.
  if (in.existing_value == nullptr && in.operand_list.size() == 1 &&
      IsWellFormedAndLiveAt(View(in.operand_list.front()), now)) {
    out->existing_operand = in.operand_list.front();
    return true;
  }
  thread_local std::vector<std::string_view> rows;  // per-thread working space, no allocation per merge
  rows.clear();
  if (in.existing_value != nullptr) rows.push_back(View(*in.existing_value));
  for (const rocksdb::Slice& operand : in.operand_list) rows.push_back(View(operand));
  out->new_value.clear();  // RocksDB may hand over a reused buffer (a PinnableSlice's own string)
  return MergeRows(rows, now, &out->new_value);
}

bool CellMergeOperator::PartialMergeMulti(const rocksdb::Slice& /*key*/,
                                          const std::deque<rocksdb::Slice>& operands, std::string* new_value,
                                          rocksdb::Logger* /*logger*/) const {
  thread_local std::vector<std::string_view> rows;
  rows.clear();
  for (const rocksdb::Slice& operand : operands) rows.push_back(View(operand));
  new_value->clear();
  return MergeRows(rows, std::nullopt, new_value);
}

}  // namespace ofs::storage::rocks
