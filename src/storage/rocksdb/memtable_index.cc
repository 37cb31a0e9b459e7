#include "storage/rocksdb/memtable_index.h"

#include <bit>
#include <functional>

namespace ofs::storage::rocks::memtable {

HashedLog::HashedLog(size_t bucket_count) : bucket_mask_(bucket_count - 1) {}

HashedLog::~HashedLog() {
  delete[] buckets_.load(std::memory_order_relaxed);
  for (auto& chunk : chunks_) delete[] chunk.load(std::memory_order_relaxed);
}

uint64_t HashedLog::Hash(std::string_view user_key) { return std::hash<std::string_view>{}(user_key); }

// Chunk c holds indexes [kFirstChunk (2^c - 1), kFirstChunk (2^(c+1) - 1)).
std::pair<int, size_t> HashedLog::Locate(size_t i) {
  const int chunk = std::bit_width(i / kFirstChunk + 1) - 1;
  return {chunk, i - kFirstChunk * ((size_t{1} << chunk) - 1)};
}

void HashedLog::Append(const char* key) {
  std::atomic<uint64_t>* buckets = buckets_.load(std::memory_order_relaxed);
  if (buckets == nullptr) {
    buckets = new std::atomic<uint64_t>[bucket_mask_ + 1]();
    buckets_.store(buckets, std::memory_order_release);
    bytes_.fetch_add((bucket_mask_ + 1) * sizeof(std::atomic<uint64_t>), std::memory_order_relaxed);
  }
  const size_t i = size_.load(std::memory_order_relaxed);
  const auto [c, offset] = Locate(i);
  Slot* chunk = chunks_[c].load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = new Slot[kFirstChunk << c];
    chunks_[c].store(chunk, std::memory_order_relaxed);  // published by the release stores below
    bytes_.fetch_add((kFirstChunk << c) * sizeof(Slot), std::memory_order_relaxed);
  }
  const uint64_t hash = Hash(ParseMemtableKey(key).user_key);
  std::atomic<uint64_t>& head = buckets[hash & bucket_mask_];
  chunk[offset] = Slot{key, (hash >> kTagShift) << kTagShift | head.load(std::memory_order_relaxed)};
  head.store(i + 1, std::memory_order_release);  // the chain first: what Size() counts is in its chain
  size_.store(i + 1, std::memory_order_release);
}

}  // namespace ofs::storage::rocks::memtable
