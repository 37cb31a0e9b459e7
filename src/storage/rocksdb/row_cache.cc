#include "storage/rocksdb/row_cache.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <vector>

#include "base/fallback.h"

namespace ofs::storage::rocks {
namespace {

constexpr int kShardBits = 6;  // 64 shards: lock contention stays negligible with a few serving threads
constexpr size_t kShards = size_t{1} << kShardBits;
constexpr size_t kStripesPerShard = 256;  // ticket generations: a write voids only its stripe's tickets
constexpr size_t kInitialSlots = 64;      // per shard; doubles at 70% load
// ReadMany's prefetch distances (in keys): a slot is loaded 8 keys before its visit and its entry, found
// through the then-cached slot, 4 keys before. A visit in the server decodes a row (0.1-0.3 µs), so 4
// keys cover a memory latency; 16/8 and 24/12 (with 2-3 prefetched lines) measured no better and 32/16
// worse at 1M rows (BM_RowCacheReadMany100, which does less per key than the server).
constexpr size_t kSlotPrefetchDistance = 8;
constexpr size_t kEntryPrefetchDistance = 4;
constexpr size_t kEntryPrefetchLines = 4;  // 256 bytes: header, key and a row of ~10 features
// Bytes charged per entry beyond its key and row: the entry header, its slot (at ~70% load) and the
// allocator's own header.
constexpr size_t kEntryOverhead = sizeof(uint32_t) * 4 + 24 + 16;

// One allocation per entry: header, key bytes, row bytes.
struct Entry {
  uint32_t space;
  uint32_t key_size;
  uint32_t row_size;
  bool referenced;  // CLOCK bit: set by hits, cleared by the eviction hand
  // The key bytes, then the row bytes, follow the header in the same allocation.

  const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
  char* bytes() { return reinterpret_cast<char*>(this + 1); }
  std::string_view key() const { return {bytes(), key_size}; }
  std::string_view row() const { return {bytes() + key_size, row_size}; }
  size_t charge() const { return key_size + row_size + kEntryOverhead; }
};

Entry* NewEntry(const RowCache::Key& key, std::string_view row) {
  void* memory = std::malloc(sizeof(Entry) + key.bytes.size() + row.size());
  if (memory == nullptr) throw std::bad_alloc();
  Entry* entry = static_cast<Entry*>(memory);
  entry->space = key.space;
  entry->key_size = static_cast<uint32_t>(key.bytes.size());
  entry->row_size = static_cast<uint32_t>(row.size());
  entry->referenced = false;
  std::memcpy(entry->bytes(), key.bytes.data(), key.bytes.size());
  std::memcpy(entry->bytes() + key.bytes.size(), row.data(), row.size());
  return entry;
}

// Slot of the open-addressing table: the key's hash (0 = empty; hashes are never 0) and its entry.
struct Slot {
  uint64_t hash = 0;
  Entry* entry = nullptr;
};

}  // namespace

// A linear-probing table (backward-shift deletion, so no tombstones) with a CLOCK hand over its slots.
// Everything but the ticket generations is guarded by `mu`.
struct RowCache::Shard {
  ~Shard() {
    for (Slot& slot : slots) std::free(slot.entry);
  }

  size_t Home(uint64_t hash) const { return static_cast<size_t>(hash) & (slots.size() - 1); }

  // Index of `key`'s slot, or of the empty slot ending its probe sequence.
  size_t Find(const Key& key) const {
    const size_t mask = slots.size() - 1;
    for (size_t i = Home(key.hash);; i = (i + 1) & mask) {
      const Slot& slot = slots[i];
      if (slot.hash == 0) return i;
      if (slot.hash == key.hash && slot.entry->space == key.space && slot.entry->key() == key.bytes) return i;
    }
  }

  void Grow() {
    std::vector<Slot> old(slots.size() * 2);
    old.swap(slots);
    for (const Slot& slot : old) {
      if (slot.hash == 0) continue;
      size_t i = Home(slot.hash);
      while (slots[i].hash != 0) i = (i + 1) & (slots.size() - 1);
      slots[i] = slot;
    }
    hand = 0;
    PublishTable();
  }

  // Publishes the table's address and mask for the lock-free PrefetchSlot.
  void PublishTable() {
    table_address.store(reinterpret_cast<uintptr_t>(slots.data()), std::memory_order_relaxed);
    table_mask.store(slots.size() - 1, std::memory_order_relaxed);
  }

  // The address of `hash`'s home slot, computed from a possibly stale table (never dereferenced here).
  // Integer arithmetic, not pointer arithmetic: an old address with a new mask may point past the old
  // table, which is harmless for a prefetch but undefined for a pointer.
  const void* HomeSlotAddress(uint64_t hash) const {
    const size_t index = static_cast<size_t>(hash) & table_mask.load(std::memory_order_relaxed);
    // NOLINTNEXTLINE(performance-no-int-to-ptr): see above
    return reinterpret_cast<const void*>(table_address.load(std::memory_order_relaxed) +
                                         index * sizeof(Slot));
  }

  // Frees the entry at `i` and shifts later members of its probe run back so lookups stay correct.
  void RemoveAt(size_t i) {
    const size_t mask = slots.size() - 1;
    bytes -= slots[i].entry->charge();
    --entries;
    std::free(slots[i].entry);
    slots[i] = Slot{};
    for (size_t j = (i + 1) & mask; slots[j].hash != 0; j = (j + 1) & mask) {
      const size_t home = Home(slots[j].hash);
      // The entry at j may move to i when its home is not in the cyclic range (i, j].
      const bool home_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (home_between) continue;
      slots[i] = slots[j];
      slots[j] = Slot{};
      i = j;
    }
  }

  // CLOCK: evicts unreferenced entries (clearing reference bits on the way) until `incoming` more bytes
  // fit. Terminates: every eviction shrinks the table, and two sweeps without one clear every bit.
  void MakeRoom(size_t incoming) {
    while (bytes + incoming > capacity && entries > 0) {
      hand &= slots.size() - 1;
      Slot& slot = slots[hand];
      if (slot.hash == 0) {
        ++hand;
      } else if (slot.entry->referenced) {
        slot.entry->referenced = false;
        ++hand;
      } else {
        RemoveAt(hand);  // the slot now holds a shifted entry (or nothing): look at it again
        ++evictions;
      }
    }
  }

  void Insert(const Key& key, std::string_view row) {
    const size_t charge = key.bytes.size() + row.size() + kEntryOverhead;
    if (charge > capacity) {
      NoteFallback(Fallback::kRowCacheRowTooLarge,
                   "a row larger than a row-cache shard's share (rocksdb.row_cache_mb / 64) is not cached: "
                   "every read of it goes to RocksDB; raise rocksdb.row_cache_mb if such rows are hot");
      return;
    }
    size_t i = Find(key);
    if (slots[i].hash != 0) RemoveAt(i);  // a concurrent reader filled it first: keep the newest
    MakeRoom(charge);
    if ((entries + 1) * 10 > slots.size() * 7) Grow();
    i = Find(key);
    slots[i] = Slot{key.hash, NewEntry(key, row)};
    bytes += charge;
    ++entries;
  }

  std::atomic<uint64_t>& Generation(uint64_t hash) { return generations[(hash >> 32) % kStripesPerShard]; }

  mutable std::mutex mu;
  std::vector<Slot> slots = std::vector<Slot>(kInitialSlots);
  // Copies of slots.data() and slots.size() - 1 for PrefetchSlot, which reads them without `mu`.
  std::atomic<uintptr_t> table_address{reinterpret_cast<uintptr_t>(slots.data())};
  std::atomic<size_t> table_mask{kInitialSlots - 1};
  size_t hand = 0;
  size_t capacity = 0;
  size_t bytes = 0;
  size_t entries = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t fills = 0;
  uint64_t rejected_fills = 0;
  uint64_t evictions = 0;
  // Bumped under `mu` by Invalidate; read without it by Ticket.
  std::atomic<uint64_t> generations[kStripesPerShard] = {};
};

RowCache::RowCache(size_t capacity_bytes)
    : capacity_bytes_(capacity_bytes), shards_(std::make_unique<Shard[]>(kShards)) {
  for (size_t i = 0; i < kShards; ++i) shards_[i].capacity = capacity_bytes / kShards;
}

RowCache::~RowCache() = default;

RowCache::Key RowCache::MakeKey(uint32_t space, std::string_view bytes) {
  // libstdc++'s string hash (Murmur2-based); the space is mixed in so that tenants spread apart.
  uint64_t hash = std::hash<std::string_view>{}(bytes);
  hash ^= (uint64_t{space} + 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
  hash ^= hash >> 31;
  return Key{space, bytes, hash == 0 ? 1 : hash};
}

RowCache::Shard& RowCache::ShardOf(uint64_t hash) const { return shards_[hash >> (64 - kShardBits)]; }

bool RowCache::Read(const Key& key, std::string* row) {
  bool hit = false;
  auto copy = [&](size_t, const std::string_view* cached) {
    if (cached == nullptr) return;
    row->assign(*cached);
    hit = true;
  };
  Visit(key, 0, copy);
  return hit;
}

template <typename Step>
void RowCache::ForEachPrefetched(std::span<const Key> keys, Step&& step) const {
  const size_t n = keys.size();
  if (n == 1) {  // nothing to overlap with
    step(size_t{0});
    return;
  }
  for (size_t i = 0; i < n && i < kSlotPrefetchDistance; ++i) PrefetchSlot(keys[i]);
  for (size_t i = 0; i < n && i < kEntryPrefetchDistance; ++i) PrefetchEntry(keys[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + kSlotPrefetchDistance < n) PrefetchSlot(keys[i + kSlotPrefetchDistance]);
    if (i + kEntryPrefetchDistance < n) PrefetchEntry(keys[i + kEntryPrefetchDistance]);
    step(i);
  }
}

void RowCache::ReadMany(std::span<const Key> keys, RowVisitor visitor) {
  ForEachPrefetched(keys, [&](size_t i) { Visit(keys[i], i, visitor); });
}

void RowCache::InvalidateMany(std::span<const Key> keys) {
  ForEachPrefetched(keys, [&](size_t i) { Invalidate(keys[i]); });
}

void RowCache::PrefetchSlot(const Key& key) const {
  __builtin_prefetch(ShardOf(key.hash).HomeSlotAddress(key.hash));
}

void RowCache::PrefetchEntry(const Key& key) const {
  Shard& shard = ShardOf(key.hash);
  std::lock_guard lock(shard.mu);
  // The first slot with the key's hash: comparing the key itself would wait for the very entry this is
  // about to prefetch. A hash collision only prefetches the wrong entry.
  const size_t mask = shard.slots.size() - 1;
  for (size_t i = shard.Home(key.hash); shard.slots[i].hash != 0; i = (i + 1) & mask) {
    if (shard.slots[i].hash != key.hash) continue;
    const char* bytes = reinterpret_cast<const char*>(shard.slots[i].entry);
    for (size_t line = 0; line < kEntryPrefetchLines; ++line) __builtin_prefetch(bytes + line * 64);
    return;
  }
}

void RowCache::Visit(const Key& key, size_t index, const RowVisitor& visitor) {
  Shard& shard = ShardOf(key.hash);
  {
    std::lock_guard lock(shard.mu);
    const Slot& slot = shard.slots[shard.Find(key)];
    if (slot.hash != 0) {
      ++shard.hits;
      slot.entry->referenced = true;
      const std::string_view row = slot.entry->row();
      visitor(index, &row);
      return;
    }
    ++shard.misses;
  }
  visitor(index, nullptr);
}

uint64_t RowCache::Ticket(const Key& key) const {
  return ShardOf(key.hash).Generation(key.hash).load(std::memory_order_acquire);
}

void RowCache::Fill(const Key& key, uint64_t ticket, std::string_view row) {
  Shard& shard = ShardOf(key.hash);
  std::lock_guard lock(shard.mu);
  if (shard.Generation(key.hash).load(std::memory_order_relaxed) != ticket) {
    ++shard.rejected_fills;
    return;
  }
  ++shard.fills;
  shard.Insert(key, row);
}

void RowCache::Invalidate(const Key& key) {
  Shard& shard = ShardOf(key.hash);
  std::lock_guard lock(shard.mu);
  shard.Generation(key.hash).fetch_add(1, std::memory_order_release);
  const size_t i = shard.Find(key);
  if (shard.slots[i].hash != 0) shard.RemoveAt(i);
}

RowCache::Stats RowCache::GetStats() const {
  Stats stats;
  stats.capacity_bytes = capacity_bytes_;
  for (size_t i = 0; i < kShards; ++i) {
    const Shard& shard = shards_[i];
    std::lock_guard lock(shard.mu);
    stats.hits += shard.hits;
    stats.misses += shard.misses;
    stats.fills += shard.fills;
    stats.rejected_fills += shard.rejected_fills;
    stats.evictions += shard.evictions;
    stats.entries += shard.entries;
    stats.bytes += shard.bytes;
  }
  return stats;
}

}  // namespace ofs::storage::rocks
