#pragma once
// The RocksDB merge operator of row values (row_codec.h): combines cells per column, last write wins.
// Merging is commutative, associative and idempotent, so operands may be combined in any grouping and
// a replayed write changes nothing.
// - Full merges (reads, and compactions that reach the key's oldest entry) see the key's whole history
//   and also drop cells expired at the clock's now.
// - Partial merges see only some operands and keep expired cells: an expired cell still hides older
//   cells of its column that other operands may hold.
// Malformed operands fail the merge (RocksDB reports Corruption) rather than silently lose data.
// Stateless apart from the clock; thread-safe.

#include <rocksdb/merge_operator.h>

#include <deque>
#include <string>

#include "base/clock.h"

namespace ofs::storage::rocks {

class CellMergeOperator final : public rocksdb::MergeOperator {
 public:
  // `clock` is not owned and outlives the operator.
  explicit CellMergeOperator(const Clock* clock) : clock_(clock) {}

  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override;
  bool PartialMergeMulti(const rocksdb::Slice& key, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger* logger) const override;
  // Stable: RocksDB records it in the OPTIONS file of the database.
  const char* Name() const override { return "ofs.CellMergeOperator"; }

 private:
  const Clock* clock_;
};

}  // namespace ofs::storage::rocks
