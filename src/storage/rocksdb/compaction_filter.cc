#include "storage/rocksdb/compaction_filter.h"

#include <string>
#include <string_view>

#include "storage/rocksdb/row_codec.h"

namespace ofs::storage::rocks {
namespace {

class ExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  explicit ExpiryFilter(int64_t now_micros) : now_micros_(now_micros) {}

  Decision FilterV2(int /*level*/, const rocksdb::Slice& /*key*/, ValueType type, const rocksdb::Slice& value,
                    std::string* new_value, std::string* /*skip_until*/) const override {
    if (type != ValueType::kValue) return Decision::kKeep;
    switch (DropExpiredCells(std::string_view(value.data(), value.size()), now_micros_, new_value)) {
      case ExpiryOutcome::kRewritten:
        return Decision::kChangeValue;
      case ExpiryOutcome::kNoLiveCell:
        return Decision::kRemove;
      case ExpiryOutcome::kUnchanged:
      case ExpiryOutcome::kMalformed:
        break;
    }
    return Decision::kKeep;
  }
  const char* Name() const override { return "ofs.ExpiryFilter"; }

 private:
  int64_t now_micros_;
};

}  // namespace

std::unique_ptr<rocksdb::CompactionFilter> ExpiryFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context& /*context*/) {
  return std::make_unique<ExpiryFilter>(clock_->NowMicros());
}

}  // namespace ofs::storage::rocks
