#pragma once
// RowCache: RocksStore's cache of whole stored rows, in front of RocksDB (storage/README.md, "Row cache").
// A hit answers a point read with one hash probe instead of RocksDB's Get (superversion, memtables, one
// row-cache probe per table file that may hold the key): 0.3-0.45 µs instead of 3.5-4.7 µs on 100k-1M rows
// (ofs_storage_rocksdb_bench). It holds the key's merged row as RocksDB's Get returned it, in the compact
// cached form of row_codec.h (no write times, expired cells dropped); expiry is applied at read time.
// The cache itself stores opaque bytes.
//
// Why not RocksDB's caches: its row cache sits below the memtables and per table file (a Get walks the
// superversion and probes once per candidate file, ~4 µs); its LRUCache as a standalone cache pays LRU
// list upkeep on every hit (0.7-1.2 µs per lookup on 1M entries: BM_RocksLruCacheLookup), and HyperClockCache
// (7.8) charges a fixed slot table sized for block-sized entries (half of a 1 GiB cache for 256-byte rows).
// This one is an open-addressing table per shard with CLOCK eviction: 56 bytes charged per row beyond its
// key and cached bytes (header, slot at ~70% load, allocator header).
//
// Consistency with writes (the fill protocol): a reader that misses takes a Ticket, reads RocksDB, then
// Fills; a writer Invalidates every key it wrote after its batch has committed and before it is
// acknowledged. Fill inserts only when no Invalidate of the key's stripe happened since the ticket, and
// Fill / Invalidate of one key serialise on its shard's lock, so a row read before a write committed is
// either rejected or erased afterwards: no read that starts after a write was acknowledged sees older
// data than that write (same guarantee as reading RocksDB directly).
//
// Keys: (space, key bytes); RocksStore uses the column family id as space. Entries larger than a shard's
// share of the capacity are not cached. Thread-safety: every method may be called concurrently.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace ofs::storage::rocks {

class RowCache {
 public:
  // `capacity_bytes` > 0 bounds the bytes of cached entries (key, row and per-entry overhead).
  explicit RowCache(size_t capacity_bytes);
  ~RowCache();
  RowCache(const RowCache&) = delete;
  RowCache& operator=(const RowCache&) = delete;

  // A key and its hash, computed once per request key.
  struct Key {
    uint32_t space = 0;
    std::string_view bytes;
    uint64_t hash = 0;
  };
  static Key MakeKey(uint32_t space, std::string_view bytes);

  // Copies the cached row of `key` into *row and returns true; false on a miss (*row unspecified).
  bool Read(const Key& key, std::string* row);

  // What ReadMany reports for keys[index]: `row` is the cached row, or nullptr on a miss. A hit is
  // reported under its shard's lock, so the row is valid only during the call and the visitor must not
  // call into this cache; a miss is reported without the lock (taking a Ticket there is fine).
  // A non-owning reference to a callable, as cheap to pass as a function pointer.
  class RowVisitor {
   public:
    template <typename F>
    requires(!std::same_as<std::remove_cvref_t<F>, RowVisitor>)  // copies stay copies
        RowVisitor(F& visitor)  // NOLINT(google-explicit-constructor): passed inline, like std::function_ref
        : object_(&visitor), call_([](void* object, size_t index, const std::string_view* row) {
            (*static_cast<F*>(object))(index, row);
          }) {}
    void operator()(size_t index, const std::string_view* row) const { call_(object_, index, row); }

   private:
    void* object_;
    void (*call_)(void*, size_t, const std::string_view*);
  };

  // Visits every key in order, like Read without the copy: the visitor decodes the row in place.
  // Batches overlap their memory accesses: while key i is visited, the slot of key i + 8 and the entry
  // of key i + 4 are being prefetched, so keys of a batch no longer wait for memory one after another
  // (BM_RowCacheReadMany100 against BM_RowCacheRead100Serial).
  void ReadMany(std::span<const Key> keys, RowVisitor visitor);

  // Taken before reading a missed key from the store; passed to Fill afterwards.
  uint64_t Ticket(const Key& key) const;
  // Caches `row` (the store's merged row for `key`) unless `key` was invalidated since `ticket`.
  void Fill(const Key& key, uint64_t ticket, std::string_view row);
  // Called after a write of `key` committed, before it is acknowledged: drops the cached row and voids
  // every ticket taken for it before now.
  void Invalidate(const Key& key);
  // Invalidate of every key, with ReadMany's prefetching (a write's rows: BM_RowCacheInvalidateMany100).
  void InvalidateMany(std::span<const Key> keys);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t fills = 0;
    uint64_t rejected_fills = 0;  // a write raced the read: not cached
    uint64_t evictions = 0;
    uint64_t entries = 0;
    uint64_t bytes = 0;  // charged bytes, <= capacity_bytes
    uint64_t capacity_bytes = 0;
  };
  Stats GetStats() const;
  size_t capacity_bytes() const { return capacity_bytes_; }

 private:
  struct Shard;
  Shard& ShardOf(uint64_t hash) const;
  // Starts loading `key`'s home slot into the CPU cache. Lock-free: it reads the table's address racily,
  // which is harmless for a prefetch (it never faults and changes nothing).
  void PrefetchSlot(const Key& key) const;
  // Starts loading the first bytes of the entry in `key`'s slot, if any (takes the shard's lock to find it).
  void PrefetchEntry(const Key& key) const;
  // Calls visitor(index, row or nullptr) for `key` (see RowVisitor for the locking).
  void Visit(const Key& key, size_t index, const RowVisitor& visitor);
  // Calls step(i) for every index of `keys` in order, prefetching the slots and entries of later keys.
  template <typename Step>
  void ForEachPrefetched(std::span<const Key> keys, Step&& step) const;

  const size_t capacity_bytes_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace ofs::storage::rocks
