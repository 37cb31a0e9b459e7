#pragma once
// Reclaims expired data during compaction (TTL, API.md section 2), reading time from the store's clock.
// - Values (a key's fully merged row, its oldest entry): expired cells are dropped; a row left with no
//   live cell is removed (RocksDB turns the removal into a tombstone, so nothing older reappears).
// - Merge operands are kept as they are: an operand is not the key's whole history, and an expired
//   cell in it must keep hiding older cells of its column until a full merge folds them together
//   (that full merge drops expired cells itself, see merge_operator.h).
// - Malformed values are kept untouched: reads report them, compaction never destroys evidence.
// The factory is thread-safe; each filter is used by one compaction thread.

#include <rocksdb/compaction_filter.h>

#include <memory>

#include "base/clock.h"

namespace ofs::storage::rocks {

class ExpiryFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  // `clock` is not owned and outlives the factory.
  explicit ExpiryFilterFactory(const Clock* clock) : clock_(clock) {}

  // Each filter judges expiry at the time it was created (the start of its compaction).
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  const char* Name() const override { return "ofs.ExpiryFilterFactory"; }

 private:
  const Clock* clock_;
};

}  // namespace ofs::storage::rocks
