#include "storage/rocksdb/rocks_store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "base/fallback.h"
#include "base/log.h"
#include "storage/request_check.h"
#include "storage/rocksdb/health_listener.h"
#include "storage/rocksdb/key_codec.h"
#include "storage/rocksdb/rocks_options.h"
#include "storage/rocksdb/rocks_status.h"
#include "storage/rocksdb/row_cache.h"
#include "storage/rocksdb/row_codec.h"
#include "storage/rocksdb/space_guard.h"
#include "storage/rocksdb/tenant_registry.h"

namespace ofs::storage {

using rocks::FromRocks;

struct RocksStore::State {
  // Closes the instances newest first; the guard, the tuning and the listener outlive them (their
  // files report to the guard, their env is the tuning's).
  ~State() {
    while (!dbs.empty()) dbs.pop_back();
  }

  RocksStoreOptions options;
  const Clock* clock = nullptr;
  DiskReserve* disk = nullptr;                  // null: no reserve
  rocksdb::WriteOptions write_options;          // Durability::kDurable
  rocksdb::WriteOptions applied_write_options;  // Durability::kApplied: never waits for the disk (sync off)
  std::shared_ptr<rocks::HealthListener> health;
  std::unique_ptr<rocks::SpaceGuard> guard;
  rocks::RocksTuning tuning;
  std::unique_ptr<rocks::RowCache> row_cache;  // null when off; shared by every instance (same CF ids)

  // The current instance. While it is read-only `may_switch` is set and every call holds switch_mu
  // shared; reopening for writing holds it exclusively while it swaps the instance, then clears
  // may_switch for good (a writable store never goes back to read-only). So a writable store's calls
  // pay one load of a flag that never changes.
  std::atomic<bool> may_switch{false};
  mutable std::shared_mutex switch_mu;
  std::atomic<Db*> current{nullptr};
  std::vector<std::unique_ptr<Db>> dbs;  // the open instances; guarded by switch_mu
  std::mutex reopen_mu;                  // one reopen at a time
  // A failed reopen (for another reason than space: it replays the WAL each time) waits this long.
  std::chrono::steady_clock::time_point next_reopen;  // guarded by reopen_mu
  uint64_t disk_listener = 0;                         // DiskReserve listener id; 0 = none
};

struct RocksStore::Db {
  Db(State* state, bool read_only) : state(state), read_only(read_only) {}
  ~Db() {
    syncer.reset();  // serves its last waiters while the database is open
    if (!read_only && db && tenants) CloseFlush();
    tenants.reset();  // column-family handles go before the database
    if (db) db->Close().PermitUncheckedError();
  }

  // A clean close flushes: the next open then replays no WAL. Replayed memtables are flushed one file
  // each (memtables_per_flush does not apply to recovery), which would leave up to 2 x parts small L0
  // files and a slower start. Best effort, and skipped when the disk reserve has no room for the
  // memtables or a background error stopped writes: the WAL is then replayed (the close_flush fallback).
  void CloseFlush() {
    std::vector<rocksdb::ColumnFamilyHandle*> all = tenants->All();
    if (queue != nullptr) all.push_back(queue);
    uint64_t memtable_bytes = 0;
    for (rocksdb::ColumnFamilyHandle* cf : all) {
      uint64_t bytes = 0;
      if (db->GetIntProperty(cf, rocksdb::DB::Properties::kCurSizeAllMemTables, &bytes))
        memtable_bytes += bytes;
    }
    if (memtable_bytes == 0) return;
    Status skip = state->health->Check();
    if (skip.ok() && state->disk != nullptr) skip = state->disk->Admit(memtable_bytes, "closing flush");
    if (skip.ok()) {
      rocksdb::FlushOptions flush;
      flush.allow_write_stall = true;
      skip = FromRocks(db->Flush(flush, all), "closing flush");
    }
    if (!skip.ok()) {
      NoteFallback(Fallback::kCloseFlush, "the store closed without flushing its memtables (" +
                                              skip.ToString() + "): the next start replays the WAL");
    }
  }

  State* const state;
  const bool read_only;
  std::unique_ptr<rocksdb::DB> db;
  std::unique_ptr<rocks::TenantRegistry> tenants;
  std::unique_ptr<rocks::WalSyncer> syncer;  // null when read-only or sync_writes is off
  // The ingestion queue's column family (owned by `tenants`, which destroys every handle it was given);
  // null when a read-only open found none.
  rocksdb::ColumnFamilyHandle* queue = nullptr;
};

// The current instance for the duration of one call (see State::may_switch).
class RocksStore::DbRef {
 public:
  explicit DbRef(const State& state) {
    if (state.may_switch.load(std::memory_order_acquire)) lock_ = std::shared_lock(state.switch_mu);
    db_ = state.current.load(std::memory_order_acquire);
  }
  Db& operator*() const { return *db_; }
  Db* operator->() const { return db_; }

 private:
  std::shared_lock<std::shared_mutex> lock_;
  Db* db_ = nullptr;
};

namespace {

std::string_view View(const rocksdb::Slice& slice) { return {slice.data(), slice.size()}; }

// Start-up only (never an answer): the cause keeps RocksDB's paths, which the operator needs here.
Status OpenFailed(std::string cause) {
  return Status(ErrorCode::kStoreUnavailable, "cannot open the RocksDB store", std::move(cause));
}

// The ingestion queue's column family (RocksStore::QueueAppend); not a tenant name ("tenant:" prefix).
constexpr const char* kQueueFamily = "ofs:queue";

// The column families of an existing database; just the default one for a new database (when the
// database exists but cannot be listed, DB::Open reports the real problem).
std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies(const rocks::RocksTuning& tuning,
                                                            const std::string& path) {
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(tuning.db, path, &names).ok())
    names = {rocksdb::kDefaultColumnFamilyName};
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (std::string& name : names) {
    const bool queue = name == kQueueFamily;
    descriptors.emplace_back(std::move(name), queue ? tuning.queue_family : tuning.column_family);
  }
  return descriptors;
}

// Per-thread buffers of MultiGet, reused across calls. Values are unpinned and emptied when a call
// ends, so no block-cache handle outlives the call (or the database) and no stale bytes reach the next
// call (RocksDB merges into a value's own buffer without clearing it).
struct ReadBuffers {
  std::string keys;
  std::vector<size_t> key_ends;
  std::vector<rocksdb::Slice> slices;
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
  std::vector<rocks::ColumnSlot> slots;
  std::vector<rocks::RowCache::Key> cache_keys;  // one per request key
  // Keys the row cache missed: their request index and fill ticket; their store keys.
  std::vector<size_t> missed;
  std::vector<uint64_t> tickets;
  std::vector<rocksdb::Slice> missed_slices;
  std::string cached_row;  // the cached form of a row read from RocksDB
};

class Unpin {
 public:
  explicit Unpin(std::vector<rocksdb::PinnableSlice>* values) : values_(values) {}
  ~Unpin() {
    for (rocksdb::PinnableSlice& value : *values_) {
      value.Reset();
      value.GetSelf()->clear();
    }
  }
  Unpin(const Unpin&) = delete;
  Unpin& operator=(const Unpin&) = delete;

 private:
  std::vector<rocksdb::PinnableSlice>* values_;
};

// Encodes the keys of `req` into buffers->slices.
void EncodeReadKeys(const ReadRequest& req, size_t key_count, ReadBuffers* buffers) {
  const size_t width = req.table->key_columns.size();
  buffers->keys.clear();
  buffers->key_ends.clear();
  for (size_t i = 0; i < key_count; ++i) {
    rocks::AppendRowKey(*req.table, req.keys.subspan(i * width, width), &buffers->keys);
    buffers->key_ends.push_back(buffers->keys.size());
  }
  buffers->slices.clear();
  for (size_t i = 0, begin = 0; i < key_count; begin = buffers->key_ends[i++]) {
    buffers->slices.emplace_back(buffers->keys.data() + begin, buffers->key_ends[i] - begin);
  }
}

Status Corrupt(std::string_view what) {
  return Status(ErrorCode::kInternal, "corrupt row in the RocksDB store", std::string(what));
}

Status InvalidPageToken() {
  return Status(ErrorCode::kReadFeatureGroupPartitionRequest, "invalid page token",
                "the token does not belong to this partition");
}

// A token is the key of the last row a page returned: a well-formed key inside the partition.
Status CheckPageToken(const model::TableSpec& table, std::string_view prefix, std::string_view token) {
  if (token.empty()) return Status::Ok();
  std::string values;
  std::vector<size_t> ends;
  if (token.size() <= prefix.size() || !token.starts_with(prefix) ||
      !rocks::DecodeRowKey(table, token, &values, &ends).ok()) {
    return InvalidPageToken();
  }
  return Status::Ok();
}

// Fills one page of a partition scan from an iterator positioned at its first candidate row.
class PageReader {
 public:
  PageReader(const ScanRequest& req, int64_t now_micros, ScanResult* out)
      : req_(req), now_micros_(now_micros), out_(out) {
    rocks::SelectColumns(req.column_ids, req.table->key_columns.size(), &slots_);
  }

  Status Read(rocksdb::Iterator* it, std::string_view prefix) {
    for (; it->Valid() && View(it->key()).starts_with(prefix); it->Next()) {
      const std::optional<bool> live = rocks::RowLiveAt(View(it->value()), now_micros_);
      if (!live) return Corrupt("malformed cells");
      if (!*live) continue;
      if (out_->rows.rows() == req_.limit) {  // a further live row: the page ends before it
        out_->next_page_token = last_key_;
        break;
      }
      OFS_RETURN_IF_ERROR(Append(View(it->key()), View(it->value())));
    }
    return FromRocks(it->status(), "scan");
  }

 private:
  Status Append(std::string_view key, std::string_view value) {
    OFS_RETURN_IF_ERROR(rocks::DecodeRowKey(*req_.table, key, &key_values_, &key_ends_));
    const size_t row = out_->rows.AddRow(true);
    for (size_t i = 0, begin = 0; i < key_ends_.size(); begin = key_ends_[i++]) {
      out_->rows.SetCell(row, i, std::string_view(key_values_).substr(begin, key_ends_[i] - begin));
    }
    bool live = false;
    if (!rocks::CopyLiveCells(value, slots_, now_micros_, row, &out_->rows, &live))
      return Corrupt("malformed cells");
    last_key_.assign(key);
    return Status::Ok();
  }

  const ScanRequest& req_;
  const int64_t now_micros_;
  ScanResult* out_;
  std::vector<rocks::ColumnSlot> slots_;
  std::string key_values_;
  std::vector<size_t> key_ends_;
  std::string last_key_;
};

// Room a new column family needs: a MANIFEST record and a new OPTIONS file (~10 KiB per family).
constexpr uint64_t kNamespaceBytes = 1 << 20;

Status ReadOnly() {
  return Status(ErrorCode::kStoreUnavailable, "the store is read-only: writes are refused",
                "it opened while the disk was full; writes resume once free space on the data directory's "
                "file system rises above the reserve");
}

Status WalFailed() {
  return Status(ErrorCode::kStoreUnavailable, "a WAL write failed: writes are refused until a restart",
                "the write-ahead log could not be appended to (see the server log)");
}

// OK unless a WAL append failed (space_guard.h) or a WAL sync failed (wal_syncer.h): from then on writes
// are refused and Health reports it, until a restart.
Status WalHealth(const rocks::SpaceGuard& guard, const rocks::WalSyncer* syncer) {
  if (guard.wal_failed()) return WalFailed();
  if (syncer == nullptr) return Status::Ok();
  Status synced = syncer->Health();
  if (synced.ok()) return synced;
  return Status(ErrorCode::kStoreUnavailable, "a WAL sync failed: writes are refused until a restart",
                std::string(synced.cause().empty() ? synced.message() : synced.cause()));
}

}  // namespace

RocksStore::RocksStore(std::unique_ptr<State> state) : state_(std::move(state)) {}

RocksStore::~RocksStore() {
  if (state_->disk_listener != 0) state_->disk->RemoveListener(state_->disk_listener);
}

namespace {

// Opens one instance over state.options.path; `status` is RocksDB's (the caller tells a full disk from
// other failures).
rocksdb::Status OpenInstance(const rocks::RocksTuning& tuning, const std::string& path, bool read_only,
                             std::vector<rocksdb::ColumnFamilyHandle*>* handles, rocksdb::DB** db) {
  const std::vector<rocksdb::ColumnFamilyDescriptor> families = ColumnFamilies(tuning, path);
  return read_only ? rocksdb::DB::OpenForReadOnly(tuning.db, path, families, handles, db)
                   : rocksdb::DB::Open(tuning.db, path, families, handles, db);
}

}  // namespace

Result<std::unique_ptr<RocksStore>> RocksStore::Open(const RocksStoreOptions& options) {
  if (options.path.empty()) return OpenFailed("no path configured");
  if (options.clock == nullptr) return OpenFailed("no clock configured");
  auto state = std::make_unique<State>();
  state->options = options;
  state->clock = options.clock;
  state->disk = options.disk_reserve;
  state->write_options.sync = options.sync_writes;
  state->health = std::make_shared<rocks::HealthListener>();
  // One preallocation of WAL space covers about an eighth of a memtable's writes.
  state->guard = std::make_unique<rocks::SpaceGuard>(
      options.disk_reserve, std::clamp<uint64_t>(options.write_buffer_bytes / 8, 1 << 20, 16 << 20));
  state->tuning = rocks::MakeRocksTuning(options, state->health, state->guard->Wrap(options.file_system));
  if (options.row_cache_bytes > 0)
    state->row_cache = std::make_unique<rocks::RowCache>(options.row_cache_bytes);

  if (options.create_if_missing) {
    // RocksDB's own file logger would have created it before Open lists it (info_log.h).
    std::error_code ignored;  // DB::Open reports what is wrong with the path
    std::filesystem::create_directories(options.path, ignored);
  }
  bool read_only = options.disk_reserve != nullptr && !options.disk_reserve->Admits(1);
  std::unique_ptr<RocksStore> store(new RocksStore(std::move(state)));
  if (!read_only) {
    const rocksdb::Status opened = store->OpenDb(/*read_only=*/false);
    if (opened.IsNoSpace()) {
      OFS_LOG_WARN("storage", "cannot open {} for writing, the disk is full ({}): opening it read-only",
                   options.path, opened.ToString());
      read_only = true;
    } else if (!opened.ok()) {
      return OpenFailed(opened.ToString());
    }
  }
  if (read_only) {
    const rocksdb::Status opened = store->OpenDb(/*read_only=*/true);
    if (!opened.ok()) return OpenFailed(opened.ToString());
    OFS_LOG_WARN("storage",
                 "{} opened read-only: the disk is below its reserve; reads are served, writes "
                 "refused until free space returns (then it reopens for writing by itself)",
                 options.path);
    if (options.disk_reserve != nullptr) {
      store->state_->disk_listener =
          options.disk_reserve->AddListener([raw = store.get()](bool full) { raw->OnDiskPoll(full); });
    }
  }
  return store;
}

rocksdb::Status RocksStore::OpenDb(bool read_only) {
  State& state = *state_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = OpenInstance(state.tuning, state.options.path, read_only, &handles, &raw);
  if (!status.ok()) return status;
  auto db = std::make_unique<Db>(&state, read_only);
  db->db.reset(raw);
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    if (handle->GetName() == kQueueFamily) db->queue = handle;
  }
  if (db->queue == nullptr && !read_only) {
    const rocksdb::Status created =
        raw->CreateColumnFamily(state.tuning.queue_family, kQueueFamily, &db->queue);
    if (!created.ok()) {
      for (rocksdb::ColumnFamilyHandle* handle : handles)
        raw->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
      return created;
    }
    handles.push_back(db->queue);
  }
  db->tenants = std::make_unique<rocks::TenantRegistry>(raw, state.tuning.column_family, handles, read_only);
  if (!read_only && state.options.sync_writes) {
    rocks::SpaceGuard* guard = state.guard.get();
    db->syncer = std::make_unique<rocks::WalSyncer>([raw, guard] {
      // After a failed WAL append RocksDB's SyncWAL aborts the process (space_guard.h).
      if (guard->wal_failed()) return WalFailed();
      return FromRocks(raw->SyncWAL(), "WAL sync");
    });
  }
  std::unique_ptr<Db> previous;
  {
    std::unique_lock lock(state.switch_mu);
    if (!state.dbs.empty()) {
      previous = std::move(state.dbs.back());
      state.dbs.pop_back();
    }
    state.dbs.push_back(std::move(db));
    state.current.store(state.dbs.back().get(), std::memory_order_release);
    state.may_switch.store(read_only, std::memory_order_release);
  }
  // No call uses the previous (read-only) instance any more: they held switch_mu shared, and later
  // ones see the new instance.
  previous.reset();
  return status;
}

void RocksStore::OnDiskPoll(bool full) {
  if (full || !state_->may_switch.load(std::memory_order_acquire)) return;
  std::lock_guard reopen(state_->reopen_mu);
  if (!state_->may_switch.load(std::memory_order_acquire)) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < state_->next_reopen) return;
  const rocksdb::Status opened = OpenDb(/*read_only=*/false);
  if (opened.ok()) {
    OFS_LOG_INFO("storage", "{} reopened for writing: the disk has room again", state_->options.path);
    return;
  }
  // Space may vanish again between the poll and the open; any other failure is not worth a WAL replay
  // every poll.
  if (!opened.IsNoSpace()) state_->next_reopen = now + std::chrono::seconds(10);
  OFS_LOG_EVERY_N_SEC(60, OFS_LOG_WARN, "storage", "{} stays read-only, reopening it for writing failed: {}",
                      state_->options.path, opened.ToString());
}

bool RocksStore::read_only() const { return DbRef(*state_)->read_only; }

void RocksStore::MultiGet(const ReadRequest& req, RowSet* out, Completion done) { done(Read(req, out)); }

void RocksStore::ScanPartition(const ScanRequest& req, ScanResult* out, Completion done) {
  done(Scan(req, out));
}

void RocksStore::Write(const WriteRequest& req, Completion done) { done(Apply(req)); }

void RocksStore::SyncWrites(Completion done, SyncStart start) {
  rocks::WalSyncer* syncer =
      DbRef(*state_)->syncer.get();  // a writable instance lives until the store closes
  if (syncer == nullptr) {
    done(Status::Ok());
    return;
  }
  syncer->AfterSync(std::move(done), start);
}

void RocksStore::StartSyncs() {
  if (rocks::WalSyncer* syncer = DbRef(*state_)->syncer.get()) syncer->StartSyncs();
}

rocks::WalSyncer::Stats RocksStore::GetWalSyncStats() const {
  const DbRef db(*state_);
  return db->syncer == nullptr ? rocks::WalSyncer::Stats{} : db->syncer->GetStats();
}

Result<rocksdb::ColumnFamilyHandle*> RocksStore::Namespace(Db& db, std::string_view tenant) {
  if (rocksdb::ColumnFamilyHandle* cf = db.tenants->Find(tenant)) return cf;
  if (db.read_only) return ReadOnly();
  if (state_->disk != nullptr)
    OFS_RETURN_IF_ERROR(state_->disk->Admit(kNamespaceBytes, "new tenant namespace"));
  return db.tenants->FindOrCreate(tenant);
}

Status RocksStore::EnsureTable(std::string_view tenant, const model::TableSpec& /*table*/) {
  DbRef db(*state_);
  return Namespace(*db, tenant).status();
}

Status RocksStore::Health() {
  const DbRef db(*state_);
  if (db->read_only) return ReadOnly();
  OFS_RETURN_IF_ERROR(WalHealth(*state_->guard, db->syncer.get()));  // final: reported first
  OFS_RETURN_IF_ERROR(state_->health->Check());
  return db->tenants->Health();
}

Status RocksStore::Read(const ReadRequest& req, RowSet* out) {
  OFS_RETURN_IF_ERROR(CheckReadRequest(req));
  const size_t key_count = req.keys.size() / req.table->key_columns.size();
  out->Reset(req.column_ids.size());
  for (size_t i = 0; i < key_count; ++i) out->AddRow(false);
  const DbRef db(*state_);
  rocksdb::ColumnFamilyHandle* cf = db->tenants->Find(req.tenant);
  if (cf == nullptr || key_count == 0) return Status::Ok();
  thread_local ReadBuffers buffers;
  EncodeReadKeys(req, key_count, &buffers);
  rocks::SelectColumns(req.column_ids, 0, &buffers.slots);
  const int64_t now = state_->clock->NowMicros();
  // Decodes a RocksDB value (stored form) or a cache hit (cached form) into row `row` of *out.
  const auto copy_row = [&](std::string_view bytes, size_t row) {
    bool live = false;
    const bool ok = rocks::CopyLiveCells(bytes, buffers.slots, now, row, out, &live);
    if (!ok) return Corrupt("malformed cells");
    if (live) out->SetFound(row);
    return Status::Ok();
  };

  // Cache pass: hits are decoded straight from the cache; misses take a ticket before the store is read.
  buffers.missed.clear();
  buffers.tickets.clear();
  buffers.missed_slices.clear();
  rocks::RowCache* cache = state_->row_cache.get();
  if (cache != nullptr) {
    buffers.cache_keys.clear();
    for (size_t i = 0; i < key_count; ++i) {
      buffers.cache_keys.push_back(rocks::RowCache::MakeKey(cf->GetID(), View(buffers.slices[i])));
    }
    Status decoded;
    auto visit = [&](size_t i, const std::string_view* row) {
      if (row != nullptr) {
        if (decoded.ok()) decoded = copy_row(*row, i);
        return;
      }
      buffers.tickets.push_back(cache->Ticket(buffers.cache_keys[i]));
      buffers.missed.push_back(i);
      buffers.missed_slices.push_back(buffers.slices[i]);
    };
    cache->ReadMany(buffers.cache_keys, visit);
    OFS_RETURN_IF_ERROR(decoded);
  } else {
    for (size_t i = 0; i < key_count; ++i) {
      buffers.missed.push_back(i);
      buffers.missed_slices.push_back(buffers.slices[i]);
    }
  }
  const size_t missed = buffers.missed.size();
  if (missed == 0) return Status::Ok();

  // Store pass over the misses.
  buffers.values.resize(missed);
  buffers.statuses.resize(missed);
  Unpin unpin(&buffers.values);
  if (missed == 1) {
    // One key: Get costs ~0.4-0.9 µs less than a MultiGet of one (bench: ofs_rocks_read_bench).
    buffers.statuses[0] =
        db->db->Get(rocksdb::ReadOptions(), cf, buffers.missed_slices[0], &buffers.values[0]);
  } else {
    db->db->MultiGet(rocksdb::ReadOptions(), cf, missed, buffers.missed_slices.data(), buffers.values.data(),
                     buffers.statuses.data());
  }
  for (size_t j = 0; j < missed; ++j) {
    if (buffers.statuses[j].IsNotFound()) continue;
    OFS_RETURN_IF_ERROR(FromRocks(buffers.statuses[j], "read"));
    const std::string_view stored = View(buffers.values[j]);
    OFS_RETURN_IF_ERROR(copy_row(stored, buffers.missed[j]));
    if (cache != nullptr && rocks::EncodeCachedRow(stored, now, &buffers.cached_row)) {
      cache->Fill(buffers.cache_keys[buffers.missed[j]], buffers.tickets[j], buffers.cached_row);
    }
  }
  return Status::Ok();
}

Status RocksStore::Scan(const ScanRequest& req, ScanResult* out) {
  OFS_RETURN_IF_ERROR(CheckScanRequest(req));
  out->rows.Reset(req.table->key_columns.size() + req.column_ids.size());
  out->next_page_token.clear();
  std::string prefix;
  rocks::AppendPartitionPrefix(*req.table, req.partition_key, req.clustering_prefix, &prefix);
  OFS_RETURN_IF_ERROR(CheckPageToken(*req.table, prefix, req.page_token));
  const DbRef db(*state_);
  rocksdb::ColumnFamilyHandle* cf = db->tenants->Find(req.tenant);
  if (cf == nullptr) return Status::Ok();

  rocksdb::ReadOptions options;
  std::string upper;
  rocksdb::Slice upper_slice;
  if (rocks::PrefixSuccessor(prefix, &upper)) {
    upper_slice = upper;
    options.iterate_upper_bound = &upper_slice;
  }
  std::unique_ptr<rocksdb::Iterator> it(db->db->NewIterator(options, cf));
  if (req.page_token.empty()) {
    it->Seek(prefix);
  } else {
    it->Seek(rocksdb::Slice(req.page_token.data(), req.page_token.size()));
    if (it->Valid() && View(it->key()) == req.page_token) it->Next();
  }
  return PageReader(req, state_->clock->NowMicros(), out).Read(it.get(), prefix);
}

Status RocksStore::Apply(const WriteRequest& req) {
  OFS_RETURN_IF_ERROR(CheckWriteRequest(req));
  const DbRef db(*state_);
  if (db->read_only) return ReadOnly();
  OFS_RETURN_IF_ERROR(WalHealth(*state_->guard, db->syncer.get()));
  for (const WriteRow& row : req.rows) OFS_RETURN_IF_ERROR(rocks::CheckCells(row.cells));
  if (req.rows.empty()) return Status::Ok();
  OFS_ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * cf, Namespace(*db, req.tenant));
  const int64_t expire_at = rocks::ExpireAt(req.write_time_micros, req.table->ttl_seconds);
  rocksdb::WriteBatch batch;
  thread_local std::string keys;  // every row key, back to back (the row cache is invalidated after commit)
  thread_local std::vector<size_t> key_ends;
  thread_local std::string value;
  thread_local std::vector<rocks::CellView> scratch;
  keys.clear();
  key_ends.clear();
  for (const WriteRow& row : req.rows) {
    const size_t begin = keys.size();
    value.clear();
    rocks::AppendRowKey(*req.table, row.key, &keys);
    key_ends.push_back(keys.size());
    rocks::EncodeWrittenRow(row.cells, req.write_time_micros, expire_at, &scratch, &value);
    const rocksdb::Slice key(keys.data() + begin, keys.size() - begin);
    OFS_RETURN_IF_ERROR(FromRocks(batch.Merge(cf, key, value), "write"));
  }
  // Nothing reaches RocksDB unless the disk reserve admits it and its WAL record has preallocated space.
  const uint64_t wal_bytes = rocks::SpaceGuard::WalBytes(batch.GetDataSize());
  if (state_->disk != nullptr) OFS_RETURN_IF_ERROR(state_->disk->Admit(wal_bytes, "write"));
  OFS_ASSIGN_OR_RETURN(const rocks::SpaceGuard::Reservation reservation,
                       state_->guard->ReserveWal(wal_bytes));
  const rocksdb::WriteOptions& options =
      req.durability == Durability::kApplied ? state_->applied_write_options : state_->write_options;
  Status written = FromRocks(db->db->Write(options, &batch), "write");
  // Invalidated even when the write failed: RocksDB may have applied it before reporting the error (a
  // failed WAL sync), and a needless invalidation only costs a cache miss.
  if (state_->row_cache != nullptr) {
    thread_local std::vector<rocks::RowCache::Key> cache_keys;
    cache_keys.clear();
    for (size_t i = 0, begin = 0; i < key_ends.size(); begin = key_ends[i++]) {
      const std::string_view key = std::string_view(keys).substr(begin, key_ends[i] - begin);
      cache_keys.push_back(rocks::RowCache::MakeKey(cf->GetID(), key));
    }
    state_->row_cache->InvalidateMany(cache_keys);
  }
  return written;
}

namespace {

// A queue entry's key: the log's id, then the sequence number big-endian (so keys sort by sequence).
std::string QueueKey(uint8_t log, uint64_t sequence) {
  std::string key(9, '\0');
  key[0] = static_cast<char>(log);
  for (int i = 0; i < 8; ++i) key[1 + i] = static_cast<char>(sequence >> (56 - 8 * i));
  return key;
}

uint64_t QueueSequence(const rocksdb::Slice& key) {
  uint64_t sequence = 0;
  for (size_t i = 1; i < 9 && i < key.size(); ++i) sequence = (sequence << 8) | static_cast<uint8_t>(key[i]);
  return sequence;
}

Status QueueMissing() {
  return Status(ErrorCode::kStoreUnavailable, "the ingestion queue is not available",
                "the store opened read-only before the queue existed");
}

}  // namespace

Status RocksStore::QueueAppend(uint8_t log, uint64_t first_sequence, std::span<const std::string> entries,
                               Durability durability) {
  const DbRef db(*state_);
  if (db->read_only) return ReadOnly();
  OFS_RETURN_IF_ERROR(WalHealth(*state_->guard, db->syncer.get()));
  if (db->queue == nullptr) return QueueMissing();
  rocksdb::WriteBatch batch;
  for (size_t i = 0; i < entries.size(); ++i) {
    OFS_RETURN_IF_ERROR(
        FromRocks(batch.Put(db->queue, QueueKey(log, first_sequence + i), entries[i]), "queue append"));
  }
  // As Apply: nothing reaches RocksDB unless the disk reserve admits it and its WAL record has room.
  const uint64_t wal_bytes = rocks::SpaceGuard::WalBytes(batch.GetDataSize());
  if (state_->disk != nullptr) OFS_RETURN_IF_ERROR(state_->disk->Admit(wal_bytes, "queue append"));
  OFS_ASSIGN_OR_RETURN(const rocks::SpaceGuard::Reservation reservation,
                       state_->guard->ReserveWal(wal_bytes));
  const rocksdb::WriteOptions& options =
      durability == Durability::kApplied ? state_->applied_write_options : state_->write_options;
  return FromRocks(db->db->Write(options, &batch), "queue append");
}

Status RocksStore::QueueRead(uint8_t log, uint64_t from_sequence, size_t max,
                             std::vector<std::pair<uint64_t, std::string>>* out) {
  const DbRef db(*state_);
  if (db->queue == nullptr) return Status::Ok();  // nothing was ever queued
  const std::string upper = QueueKey(static_cast<uint8_t>(log + 1), 0);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = log == 0xff ? nullptr : &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->db->NewIterator(options, db->queue));
  for (it->Seek(QueueKey(log, from_sequence)); it->Valid() && max > 0; it->Next(), --max)
    out->emplace_back(QueueSequence(it->key()), it->value().ToString());
  return FromRocks(it->status(), "queue read");
}

Status RocksStore::QueueTrim(uint8_t log, uint64_t below_sequence) {
  const DbRef db(*state_);
  if (db->read_only) return ReadOnly();
  if (db->queue == nullptr) return QueueMissing();
  return FromRocks(db->db->DeleteRange(state_->applied_write_options, db->queue, QueueKey(log, 0),
                                       QueueKey(log, below_sequence)),
                   "queue trim");
}

Result<std::pair<uint64_t, uint64_t>> RocksStore::QueueBounds(uint8_t log) {
  const DbRef db(*state_);
  if (db->queue == nullptr) return std::pair<uint64_t, uint64_t>{0, 0};
  const std::string upper = QueueKey(static_cast<uint8_t>(log + 1), 0);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = log == 0xff ? nullptr : &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->db->NewIterator(options, db->queue));
  it->Seek(QueueKey(log, 0));
  if (!it->Valid()) {
    OFS_RETURN_IF_ERROR(FromRocks(it->status(), "queue read"));
    return std::pair<uint64_t, uint64_t>{0, 0};
  }
  const uint64_t first = QueueSequence(it->key());
  it->SeekToLast();  // the last key below the upper bound
  if (!it->Valid()) OFS_RETURN_IF_ERROR(FromRocks(it->status(), "queue read"));
  return std::pair<uint64_t, uint64_t>{first, it->Valid() ? QueueSequence(it->key()) + 1 : first + 1};
}

Status RocksStore::Flush() {
  const DbRef db(*state_);
  if (db->read_only) return ReadOnly();
  const std::vector<rocksdb::ColumnFamilyHandle*> all = db->tenants->All();
  if (all.empty()) return Status::Ok();
  return FromRocks(db->db->Flush(rocksdb::FlushOptions(), all), "flush");
}

// Two passes: the first folds merge operands into full rows (the full merge drops expired cells), the
// second runs the compaction filter over those rows and removes the ones left without a live cell
// (RocksDB never filters the output of the compaction that produced it).
Status RocksStore::CompactAll() {
  OFS_RETURN_IF_ERROR(Flush());
  const DbRef db(*state_);
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* cf : db->tenants->All()) {
    for (int pass = 0; pass < 2; ++pass) {
      OFS_RETURN_IF_ERROR(FromRocks(db->db->CompactRange(options, cf, nullptr, nullptr), "compaction"));
    }
  }
  return Status::Ok();
}

Result<uint64_t> RocksStore::CountStoredRows(std::string_view tenant) {
  const DbRef db(*state_);
  rocksdb::ColumnFamilyHandle* cf = db->tenants->Find(tenant);
  if (cf == nullptr) return uint64_t{0};
  std::unique_ptr<rocksdb::Iterator> it(db->db->NewIterator(rocksdb::ReadOptions(), cf));
  uint64_t rows = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
  OFS_RETURN_IF_ERROR(FromRocks(it->status(), "scan"));
  return rows;
}

RocksStore::EngineStats RocksStore::GetEngineStats() const {
  EngineStats stats;
  uint64_t value = 0;
  const DbRef db(*state_);
  stats.read_only = db->read_only ? 1 : 0;
  for (rocksdb::ColumnFamilyHandle* cf : db->tenants->All()) {
    const auto add = [&](const std::string& property, uint64_t* sum) {
      if (db->db->GetIntProperty(cf, property, &value)) *sum += value;
    };
    add(rocksdb::DB::Properties::kCurSizeAllMemTables, &stats.memtable_bytes);
    add(rocksdb::DB::Properties::kNumImmutableMemTable, &stats.immutable_memtables);
    std::string l0_files;  // a string property: GetIntProperty does not serve it
    if (db->db->GetProperty(cf, rocksdb::DB::Properties::kNumFilesAtLevelPrefix + std::string("0"),
                            &l0_files)) {
      stats.l0_files += std::strtoull(l0_files.c_str(), nullptr, 10);
    }
    add(rocksdb::DB::Properties::kLiveSstFilesSize, &stats.live_table_bytes);
    add(rocksdb::DB::Properties::kEstimatePendingCompactionBytes, &stats.pending_compaction_bytes);
  }
  if (db->db->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &value)) stats.writes_stopped = value;
  if (db->db->GetIntProperty(rocksdb::DB::Properties::kActualDelayedWriteRate, &value)) {
    stats.delayed_write_rate = value;
  }
  return stats;
}

rocks::RowCache::Stats RocksStore::GetRowCacheStats() const {
  return state_->row_cache != nullptr ? state_->row_cache->GetStats() : rocks::RowCache::Stats{};
}

uint64_t RocksStore::WalHeadroomForTests() const { return state_->guard->WalHeadroom(); }

}  // namespace ofs::storage
