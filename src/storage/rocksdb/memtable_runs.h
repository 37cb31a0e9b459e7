#pragma once
// Sorted runs of RocksDB memtable keys, the ordered side of the hashed memtable (hashed_memtable.h):
// the key order, sorting a batch of keys, the policy that keeps runs few, and an iterator over runs.
//
// A memtable key (what RocksDB hands a MemTableRep): varint32 length of the internal key, the internal
// key (user key + 8-byte trailer, sequence << 8 | type, fixed64 little-endian), then the value.
// RocksDB writes them, so they are trusted and not bounds-checked.

#include <rocksdb/memtablerep.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace ofs::storage::rocks::memtable {

struct ParsedKey {
  std::string_view user_key;
  uint64_t trailer = 0;  // sequence << 8 | type
};

ParsedKey ParseInternalKey(const char* data, size_t size);
ParsedKey ParseMemtableKey(const char* key);

// RocksDB's internal-key order under the BytewiseComparator: user key ascending (unsigned bytes, a
// prefix first), then trailer descending (the newest version first). <0, 0, >0.
int Compare(const ParsedKey& a, const ParsedKey& b);
bool Less(const char* a, const char* b);  // of two memtable keys

using KeyRun = std::vector<const char*>;  // memtable keys in internal-key order
using RunSet = std::vector<std::shared_ptr<const KeyRun>>;

// Sorts memtable keys in internal-key order.
void SortKeys(KeyRun* keys);

// Runs covering a growing set of keys. Sizes more than double from each run to the one before it
// (newest to oldest), so there are at most ~log2(keys) runs, and each key is moved O(log keys) times.
class SortedRuns {
 public:
  static constexpr size_t kMaxRuns = 48;

  // Adds `sorted` (in internal-key order, no key already present) as the newest run, then merges
  // the newest two runs while the newest is at least half the size of the one before it.
  void Add(KeyRun sorted);
  // Merges every run into one.
  void MergeAll();
  const RunSet& runs() const { return runs_; }

 private:
  void MergeNewestTwo();
  RunSet runs_;  // oldest (largest) first
};

// Iterates the union of a RunSet (at most SortedRuns::kMaxRuns runs, no key in two) in internal-key
// order, both ways, with the MemTableRep::Iterator contract: Next and Prev only while Valid().
class RunsIterator : public rocksdb::MemTableRep::Iterator {
 public:
  RunsIterator() = default;  // over no runs until Reset
  explicit RunsIterator(std::shared_ptr<const RunSet> runs) { Reset(std::move(runs)); }

  // Iterates `runs` from now on; not positioned (a seek must follow).
  void Reset(std::shared_ptr<const RunSet> runs);

  bool Valid() const override { return current_ >= 0; }
  const char* key() const override { return (*run_[current_])[pos_[current_]]; }
  void Next() override;
  void Prev() override;
  void Seek(const rocksdb::Slice& internal_key, const char* memtable_key) override;
  void SeekForPrev(const rocksdb::Slice& internal_key, const char* memtable_key) override;
  void SeekToFirst() override;
  void SeekToLast() override;

 private:
  bool InRun(size_t r) const;
  ptrdiff_t LowerBound(size_t r, const ParsedKey& target) const;  // first position >= target
  ptrdiff_t UpperBound(size_t r, const ParsedKey& target) const;  // first position > target
  void PickSmallest();
  void PickLargest();

  std::shared_ptr<const RunSet> runs_;
  size_t count_ = 0;
  const KeyRun* run_[SortedRuns::kMaxRuns] = {};
  ptrdiff_t pos_[SortedRuns::kMaxRuns] = {};  // per run; outside [0, size) = exhausted that way
  int current_ = -1;                          // run holding the current key; -1 = not valid
  bool forward_ = true;                       // other runs sit after the current key (else before)
};

}  // namespace ofs::storage::rocks::memtable
