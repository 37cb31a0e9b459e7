#pragma once
// RocksStore: the embedded OnlineStore on RocksDB (ARCHITECTURE.md section 4; storage/README.md).
// - One column family per tenant ("tenant:<name>"), created on first write or EnsureTable; a tenant
//   without one has no rows. Reopening discovers the existing ones.
// - Row key = table id + order-preserving key columns (key_codec.h); value = the row's cells
//   (row_codec.h), written as merge operands combined last-write-wins (merge_operator.h).
// - TTL: cells carry their expire-at; reads hide expired cells, compaction reclaims them.
// - Point reads go through the row cache (row_cache.h) when it is on; writes invalidate the rows they
//   wrote after committing, before completing.
// - Completions are called inline, on the calling thread, before the method returns, except
//   SyncWrites with sync_writes on: it completes on the WAL syncer's thread after the next fsync
//   (wal_syncer.h), shared by every caller waiting at that moment.
// - Errors: RocksDB failures are STORE-UNAVAILABLE with RocksDB's message as cause; corrupt stored
//   data and broken request preconditions are kInternal.
// Thread-safety: every method may be called concurrently. RocksDB headers stay out of this header.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "storage/online_store.h"
#include "storage/rocksdb/row_cache.h"
#include "storage/rocksdb/wal_syncer.h"

namespace ofs::storage {

struct RocksStoreOptions {
  std::string path;                         // database directory
  size_t block_cache_bytes = 512ull << 20;  // LRU cache of uncompressed blocks, index and filter blocks
  // Cache of whole rows in front of RocksDB (0 = off; row_cache.h): a hit skips RocksDB entirely.
  // Filled by point reads, invalidated by writes; a cap, allocated as rows are read.
  size_t row_cache_bytes = 0;
  // true: a write is acknowledged after its WAL record is fsynced (Durability::kDurable writes: each
  // fsyncs, concurrent ones share it through RocksDB's write group; kApplied writes + SyncWrites: one
  // fsync on the syncer thread for all waiting callers). false: acknowledged after the write() to the
  // WAL, which survives a process crash but not a machine crash; SyncWrites completes at once.
  bool sync_writes = true;
  int bloom_bits_per_key = 10;  // whole-key Bloom filter; 10 bits = ~1% false positives
  bool create_if_missing = true;
  const Clock* clock = SystemClock::Default();  // TTL time source; not owned, outlives the store
  int max_open_files = -1;                      // -1: keep every table file open
  int max_background_jobs = 2;                  // flush + compaction threads
  // Write buffer per column family: the bytes of writes a flush turns into one L0 table file. It is
  // split into `memtables_per_flush` memtables of write_buffer_bytes / memtables_per_flush each (fewer
  // when that would be under 256 KiB); writes go to the newest, a flush merges the full ones. Small
  // memtables keep a skip list (MemTable::kSkipList) in the CPU cache; the hashed memtable does as well
  // or better with one (rocks_options.cc says what each bought).
  size_t write_buffer_bytes = 64ull << 20;
  int memtables_per_flush = 1;  // 1..64; 1 = one memtable of write_buffer_bytes
  // How a memtable holds its entries. kHashed (hashed_memtable.h): inserts append and hash, point
  // reads hash, iterators sort on demand; kSkipList: RocksDB's default skip list, sorted on insert.
  enum class MemTable { kHashed, kSkipList };
  MemTable memtable = MemTable::kHashed;
};

class RocksStore final : public OnlineStore {
 public:
  // Opens (or creates) the database at options.path. Errors: STORE-UNAVAILABLE with RocksDB's reason
  // (missing directory without create_if_missing, lock held by another process, I/O errors, ...).
  static Result<std::unique_ptr<RocksStore>> Open(const RocksStoreOptions& options);
  // Closes the database; no call may be in flight.
  ~RocksStore() override;

  void MultiGet(const ReadRequest& req, RowSet* out, Completion done) override;
  void ScanPartition(const ScanRequest& req, ScanResult* out, Completion done) override;
  void Write(const WriteRequest& req, Completion done) override;
  void SyncWrites(Completion done, SyncStart start) override;
  void StartSyncs() override;
  Status EnsureTable(std::string_view tenant, const model::TableSpec& table) override;
  // OK unless a background error (failed flush, compaction or WAL write) or a failed WAL sync of the
  // group commit stopped writes.
  Status Health() override;

  // Operations and tests: flushes every tenant's memtable to table files.
  Status Flush();
  // Operations and tests: flushes, then compacts every tenant completely, reclaiming every expired
  // cell and every row without a live cell. Rewrites all data twice: slow on large stores.
  Status CompactAll();
  // Diagnostics and tests, O(rows): stored keys of a tenant, including rows whose cells all expired
  // but are not reclaimed yet.
  Result<uint64_t> CountStoredRows(std::string_view tenant);

  // Row cache figures for /metrics; all zero when the cache is off. Locks each cache shard briefly.
  rocks::RowCache::Stats GetRowCacheStats() const;
  // Group-commit figures for /metrics; zero when sync_writes is off.
  rocks::WalSyncer::Stats GetWalSyncStats() const;

  // RocksDB's own state for /metrics and tests, summed over every tenant's column family.
  struct EngineStats {
    uint64_t memtable_bytes = 0;            // all memtables, the active and the full ones not yet flushed
    uint64_t immutable_memtables = 0;       // full memtables waiting for a flush
    uint64_t l0_files = 0;                  // table files in level 0 (each flush adds one)
    uint64_t live_table_bytes = 0;          // table files of the current version
    uint64_t pending_compaction_bytes = 0;  // RocksDB's estimate of what compaction still has to rewrite
    uint64_t delayed_write_rate = 0;        // bytes/s RocksDB throttles writes to; 0 while not throttled
    uint64_t writes_stopped = 0;            // 1 while a write stall holds every write
  };
  EngineStats GetEngineStats() const;

 private:
  struct Db;  // the RocksDB objects (rocks_store.cc)
  explicit RocksStore(std::unique_ptr<Db> db);

  Status Read(const ReadRequest& req, RowSet* out);
  Status Scan(const ScanRequest& req, ScanResult* out);
  Status Apply(const WriteRequest& req);
  // OK unless a WAL sync failed (wal_syncer.h): from then on writes are refused and Health reports it.
  Status SyncHealth() const;

  std::unique_ptr<Db> db_;
};

}  // namespace ofs::storage
