#pragma once
// The hashed side of the hashed memtable (hashed_memtable.h): an append-only log of memtable keys with
// a hash index over their user keys. One writer at a time, any number of concurrent readers.
//
// The log is an array of 16-byte slots (key pointer, older entry of the same bucket, 20 bits of the
// hash), in chunks that double in size so it grows without moving; buckets hold the index of their
// newest entry. Nothing is written into the memtable's arena beside RocksDB's own bytes.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "storage/rocksdb/memtable_runs.h"

namespace ofs::storage::rocks::memtable {

class HashedLog {
 public:
  // `bucket_count`: a power of two. The bucket array (8 bytes each) is allocated by the first Append,
  // so an idle memtable (a tenant that never writes) costs nothing.
  explicit HashedLog(size_t bucket_count);
  ~HashedLog();
  HashedLog(const HashedLog&) = delete;
  HashedLog& operator=(const HashedLog&) = delete;

  // Writer only. `key` is a memtable key that outlives this log. Readers see the entry once Append
  // returns (release/acquire); an entry Size() counts is also in its bucket's chain.
  void Append(const char* key);

  size_t Size() const { return size_.load(std::memory_order_acquire); }
  // The i-th appended key; i < a Size() this thread has read.
  const char* At(size_t i) const { return SlotAt(i).key; }

  // Calls visit(key) on every entry whose user key is `user_key`, newest first, until visit returns
  // false.
  template <typename Visit>
  void ForEachVersion(std::string_view user_key, Visit&& visit) const;

  // Heap bytes: buckets and log chunks. Changes only with Append.
  size_t Bytes() const { return bytes_.load(std::memory_order_relaxed); }

  static uint64_t Hash(std::string_view user_key);

 private:
  struct Slot {
    const char* key;
    uint64_t older_and_tag;  // low 44 bits: index + 1 of the bucket's next older entry (0 = none);
                             // high 20 bits: the hash's top bits
  };
  static constexpr size_t kFirstChunk = 1024;
  static constexpr int kChunks = 40;  // kFirstChunk * 2^40 slots: beyond any memory
  static constexpr int kTagShift = 44;
  static constexpr uint64_t kIndexMask = (uint64_t{1} << kTagShift) - 1;

  static std::pair<int, size_t> Locate(size_t i);
  const Slot& SlotAt(size_t i) const {
    const auto [chunk, offset] = Locate(i);
    return chunks_[chunk].load(std::memory_order_relaxed)[offset];
  }

  const size_t bucket_mask_;
  std::atomic<std::atomic<uint64_t>*> buckets_{nullptr};  // index + 1 of each bucket's newest entry
  std::atomic<Slot*> chunks_[kChunks] = {};
  std::atomic<size_t> size_{0};
  std::atomic<size_t> bytes_{0};
};

template <typename Visit>
void HashedLog::ForEachVersion(std::string_view user_key, Visit&& visit) const {
  const std::atomic<uint64_t>* buckets = buckets_.load(std::memory_order_acquire);
  if (buckets == nullptr) return;
  const uint64_t hash = Hash(user_key);
  const uint64_t tag = hash >> kTagShift;
  for (uint64_t next = buckets[hash & bucket_mask_].load(std::memory_order_acquire); next != 0;) {
    const Slot& slot = SlotAt(next - 1);
    if ((slot.older_and_tag >> kTagShift) == tag && ParseMemtableKey(slot.key).user_key == user_key) {
      if (!visit(slot.key)) return;
    }
    next = slot.older_and_tag & kIndexMask;
  }
}

}  // namespace ofs::storage::rocks::memtable
