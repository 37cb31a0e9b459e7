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
// - Errors: RocksDB failures are STORE-UNAVAILABLE with RocksDB's message, without file paths, as cause;
//   corrupt stored data and broken request preconditions are kInternal.
// - Disk space (storage/README.md, "Disk space"): with a DiskReserve, a write or a new tenant is
//   refused (STORE-UNAVAILABLE) before RocksDB writes anything when it would take the file system below
//   the reserve; every WAL byte lands in preallocated space (space_guard.h). Opened while the disk is
//   below the reserve (or when opening for writing fails for lack of space), the store opens read-only:
//   reads are served, writes refused, and it reopens for writing by itself on the DiskReserve's poll
//   thread once the disk has room again.
// Thread-safety: every method may be called concurrently. RocksDB headers stay out of this header.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/disk_reserve.h"
#include "base/status.h"
#include "storage/online_store.h"
#include "storage/rocksdb/row_cache.h"
#include "storage/rocksdb/wal_syncer.h"

namespace rocksdb {
class ColumnFamilyHandle;
class FileSystem;
class Status;
}  // namespace rocksdb

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
  // Free space kept on the file system (base/disk_reserve.h); not owned, outlives the store. Null: no
  // reserve (WAL space is still preallocated ahead of every write).
  DiskReserve* disk_reserve = nullptr;
  // The file system under OFS's space guard; null = RocksDB's default. Tests inject faults here.
  std::shared_ptr<rocksdb::FileSystem> file_system;
};

class RocksStore final : public OnlineStore {
 public:
  // Opens (or creates) the database at options.path, read-only when the disk is below the reserve
  // (see above). Errors: STORE-UNAVAILABLE with RocksDB's reason (missing directory without
  // create_if_missing, lock held by another process, I/O errors, no space to create a new database ...).
  static Result<std::unique_ptr<RocksStore>> Open(const RocksStoreOptions& options);
  // Closes the database; no call may be in flight. The closing flush is skipped when the disk reserve
  // has no room for it (the next start replays the WAL).
  ~RocksStore() override;

  void MultiGet(const ReadRequest& req, RowSet* out, Completion done) override;
  void ScanPartition(const ScanRequest& req, ScanResult* out, Completion done) override;
  void Write(const WriteRequest& req, Completion done) override;
  void SyncWrites(Completion done, SyncStart start) override;
  void StartSyncs() override;
  Status EnsureTable(std::string_view tenant, const model::TableSpec& table) override;
  // OK unless the store is read-only (opened on a full disk), a background error (failed flush,
  // compaction or WAL write) or a failed WAL sync of the group commit stopped writes, or a tenant's
  // column family could not be created. Causes carry no file paths.
  Status Health() override;
  bool CompletesInline() const override { return true; }
  // True while the store serves reads only because it opened on a full disk.
  bool read_only() const;

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
    uint64_t read_only = 0;                 // 1 while the store is read-only (it opened on a full disk)
  };
  EngineStats GetEngineStats() const;
  // The ingestion queue of `ofs standalone` without Kafka (ingest/queue/embedded_queue.h): ordered logs of
  // opaque entries in a column family of their own ("ofs:queue": no merges, no TTL), written through the
  // same WAL, disk reserve and group commit as writes (Durability as for Write; SyncWrites makes kApplied
  // appends durable). Entries are addressed by (log, sequence number); a log's numbers only grow.
  // Errors as Write's. Thread-safety: as every method; callers order their own appends.
  Status QueueAppend(uint8_t log, uint64_t first_sequence, std::span<const std::string> entries,
                     Durability durability);
  // Appends to *out the entries of `log` from `from_sequence` on, at most `max`, in order.
  Status QueueRead(uint8_t log, uint64_t from_sequence, size_t max,
                   std::vector<std::pair<uint64_t, std::string>>* out);
  // Deletes the entries of `log` below `below_sequence` (not synced: a crash may bring them back).
  Status QueueTrim(uint8_t log, uint64_t below_sequence);
  // The first sequence number held in `log` and the one after its last; {0, 0} when it is empty.
  Result<std::pair<uint64_t, uint64_t>> QueueBounds(uint8_t log);

  // Tests: preallocated WAL bytes not yet written (space_guard.h).
  uint64_t WalHeadroomForTests() const;

 private:
  struct State;  // what every database instance of the store shares (rocks_store.cc)
  struct Db;     // one open RocksDB instance, read-only or read-write
  class DbRef;   // the current instance, held for one call
  explicit RocksStore(std::unique_ptr<State> state);

  Status Read(const ReadRequest& req, RowSet* out);
  Status Scan(const ScanRequest& req, ScanResult* out);
  Status Apply(const WriteRequest& req);
  // The tenant's column family, created when missing: a new one is refused while the disk reserve has no
  // room for its MANIFEST and OPTIONS records.
  Result<rocksdb::ColumnFamilyHandle*> Namespace(Db& db, std::string_view tenant);
  // Opens an instance and makes it the current one (closing a read-only one it replaces).
  rocksdb::Status OpenDb(bool read_only);
  // On the DiskReserve's poll thread: reopens a read-only store for writing once the disk has room.
  void OnDiskPoll(bool full);

  std::unique_ptr<State> state_;
};

}  // namespace ofs::storage
