#pragma once
// A RocksDB memtable representation for a store written in random key order and read mostly by key:
// writes append, point reads hash, and sorting waits until something iterates.
//
// RocksDB's default memtable is a skip list: every insert walks it from the top, ~20 key comparisons
// that are mostly cache misses for random keys. With 100-row durable writes on one core that walk was
// ~36% of the core (docs/benchmarks.md). This representation instead
//   - appends each entry to a log (an array of entry pointers) and prepends it to the chain of its
//     hash bucket (hash of the user key): an insert costs one hash and two stores;
//   - answers point lookups (MemTableRep::Get) from the bucket chain: the entries of one user key,
//     newest first (memtable_index.h);
//   - sorts for iterators (flushes, partition reads) on demand. A sort covers the entries appended
//     since the last one and is kept as a sorted run; runs are merged while the newest is at least half
//     the size of the one before, so an iterator merges at most ~log2(entries) runs and each entry is
//     moved O(log entries) times over the memtable's life. Once the memtable is read-only (full, waiting
//     for its flush) the next iterator merges everything into one run.
//
// Contracts (RocksDB 7.8's MemTable):
//   - built against RocksDB 7.8 (checked at build time: kHashedMemTableSupported). It relies on 7.8's
//     private behaviour (the LookupKey layout, iterators placed in RocksDB's arena being destroyed but
//     not freed), which no public header states; on any other version the factory hands out RocksDB's
//     skip list instead, a slower but correct memtable, rather than refusing to build: counted and
//     logged once as the memtable_skip_list fallback (base/fallback.h), so a newer RocksDB shows up in
//     /metrics before anyone re-verifies this file against it;
//   - the column family orders keys with the default BytewiseComparator and has no prefix extractor;
//     otherwise the factory hands out the skip list too (checked when a memtable is created; the same
//     fallback);
//   - DBOptions::allow_concurrent_memtable_write = false (one writer at a time; RocksDB refuses to
//     open otherwise);
//   - Get reads RocksDB's LookupKey, whose definition is not installed: hashed_memtable.cc checks its
//     layout on every call. A call that fails the check goes through MemTableRep::Get with an iterator
//     Get owns (RocksDB's version never frees the one it asks for), counted and logged once as the
//     memtable_lookup_key fallback;
//   - an iterator reads the entries present at its last seek (a Refresh()ed iterator sees new writes
//     once it seeks again, as RocksDB's iterators always do after Refresh);
//   - GetDynamicPrefixIterator, without a prefix extractor, serves one user key's entries, which is
//     how RocksDB uses it then (successive-merge counting, in-place updates).

#include <rocksdb/memtablerep.h>
#include <rocksdb/version.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ofs::storage::rocks {

// `bucket_count` (rounded up to a power of two, at least 1024): hash buckets per memtable, 8 bytes
// each, allocated with the memtable and counted in its memory. About one per entry a memtable holds.
std::shared_ptr<rocksdb::MemTableRepFactory> NewHashedMemTableFactory(size_t bucket_count);

// The RocksDB versions the hashed memtable was verified with.
constexpr bool HashedMemTableSupports(int major, int minor) { return major == 7 && minor == 8; }
inline constexpr bool kHashedMemTableSupported = HashedMemTableSupports(ROCKSDB_MAJOR, ROCKSDB_MINOR);

// Tests: point lookups take the LookupKey fallback as if the layout were unknown.
void ForceLookupKeyFallbackForTests(bool force);
// Tests: one-key iterators alive (the fallback's, and those RocksDB asks for to count merge operands).
int64_t PointIteratorsAliveForTests();

// The name the factory reports (rocksdb::MemTableRepFactory::Name), also written to the OPTIONS file.
inline constexpr const char* kHashedMemTableName = "OfsHashedMemTable";

}  // namespace ofs::storage::rocks
