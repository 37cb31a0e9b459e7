#pragma once
// Degraded modes: every place where OFS takes a slower or weaker path than the one configured or
// designed for (STYLE.md: "a test of the degraded case, a warning log, and a counter"). Each has an id
// here; NoteFallback counts it and logs a warning the first time it happens in the process; /metrics
// exports every count as ofs_fallbacks_total{path="<name>"}, 0 while the intended path is taken.
//
// The counts are one process-wide table rather than objects handed down: fallbacks are noted from
// places that have no OFS context to hand them (RocksDB's memtable factory and memtable callbacks, the
// allocator set up before main, RocksDB option tuning), and a fallback is a property of the binary and
// its host, shared by every component that takes the path.
// Thread-safety: all functions may be called from any thread; NoteFallback is lock-free after its
// first call per path.

#include <cstdint>
#include <string_view>

namespace ofs {

enum class Fallback : uint8_t {
  // Hashed memtable point lookups through MemTableRep::Get (slower) because RocksDB's LookupKey did not
  // have the layout hashed_memtable.cc reads.
  kMemtableLookupKey,
  // RocksDB's skip list created where the hashed memtable was configured (a prefix extractor, another
  // comparator, or a RocksDB version the hashed memtable was not verified with).
  kMemtableSkipList,
  // RocksDB was built without LZ4: table files are compressed with Snappy (or not at all).
  kCompression,
  // Transparent huge pages were asked of the allocator but are not in effect (kernel mode "never",
  // MALLOC_CONF override, or an allocator without them).
  kHugePages,
  // rocksdb.row_cache_mb = -1 but the memory available could not be read: the row cache is off.
  kRowCacheUnsized,
  // A row larger than a row-cache shard's share: never cached, every read of it goes to RocksDB.
  kRowCacheRowTooLarge,
  // The file system refused to preallocate WAL space: WAL appends are not guaranteed room ahead of the
  // disk-space reserve.
  kWalPreallocation,
  // A clean close could not flush the memtables: the next start replays the WAL.
  kCloseFlush,
  // SQLite did not switch the metadata store to WAL journaling (rollback journal: readers wait for
  // writers).
  kMetadataJournal,
  // A response the client accepts gzipped could not be compressed (zlib out of memory, or a body above
  // what zlib takes in one call): it was sent uncompressed.
  kUncompressedResponse,
  kCount_,
};

// The `path` label: "memtable_lookup_key", ...
std::string_view FallbackName(Fallback fallback);
// Counts one occurrence; the first of each path in the process is logged as a warning with `detail`
// (what happened and what to do about it).
void NoteFallback(Fallback fallback, std::string_view detail);
uint64_t FallbackCount(Fallback fallback);

}  // namespace ofs
