#pragma once
// OnlineStore: the seam between the serving path and a feature-value engine (RocksDB embedded,
// Cassandra/ScyllaDB remote). Batch-oriented and asynchronous: every data operation takes a completion
// that an embedded engine calls inline before returning and a remote engine calls later, once, from a
// thread of its own (the serving path hands it to the request's event loop, http/resumer.h). A store
// that always completes inline says so (CompletesInline), which lets callers keep request state in
// per-thread scratch; callers of any other store never assume inline completion.
//
// Semantics every implementation honours (API.md section 5; storage/testing/conformance.h checks them):
// - Write upserts the supplied cells only; other columns keep their values. Per cell, the value with
//   the greater write time wins (ties: the greater value bytes win, so replays are idempotent).
// - A cell written at time t under a table TTL of s seconds is invisible from t + s on.
// - A point read returns, per key, whether a row exists (any live cell, key-only rows included) and the
//   newest live value of each requested column.
// - A partition scan returns the partition's rows in clustering order (those with the requested
//   clustering-column prefix, when one is given).
// - A write's completion with OK means the write is durable (WAL) or at the configured consistency.
// Values cross the interface as canonical value bytes (codec/value_codec.h). Tenants name storage
// clusters / namespaces: data written under one tenant is invisible under another.
// Thread-safety: all methods may be called concurrently from any thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/table_spec.h"

namespace ofs::storage {

using Completion = std::function<void(Status)>;

// Rows of cells, reused across requests (Reset keeps capacity): values live in one arena.
class RowSet {
 public:
  void Reset(size_t columns) {
    columns_ = columns;
    found_.clear();
    cells_.clear();
    arena_.clear();
  }
  // Appends a row with every cell null; returns its index.
  size_t AddRow(bool found) {
    found_.push_back(found ? 1 : 0);
    cells_.resize(cells_.size() + columns_);
    return found_.size() - 1;
  }
  void SetFound(size_t row) { found_[row] = 1; }
  void SetCell(size_t row, size_t column, std::string_view value) {
    cells_[row * columns_ + column] =
        CellRef{static_cast<uint32_t>(arena_.size()), static_cast<int32_t>(value.size())};
    arena_.append(value);
  }
  size_t rows() const { return found_.size(); }
  size_t columns() const { return columns_; }
  bool found(size_t row) const { return found_[row] != 0; }
  // nullopt when the cell has no live value.
  std::optional<std::string_view> cell(size_t row, size_t column) const {
    const CellRef& ref = cells_[row * columns_ + column];
    if (ref.size < 0) return std::nullopt;
    return std::string_view(arena_.data() + ref.offset, static_cast<size_t>(ref.size));
  }

 private:
  struct CellRef {
    uint32_t offset = 0;
    int32_t size = -1;  // -1 = null
  };
  size_t columns_ = 0;
  std::vector<uint8_t> found_;
  std::vector<CellRef> cells_;
  std::string arena_;
};

// Point reads of many keys of one table.
struct ReadRequest {
  std::string_view tenant;
  const model::TableSpec* table = nullptr;
  // key_count * table->key_columns.size() canonical value bytes, row-major (all key columns, in order).
  std::span<const std::string_view> keys;
  std::span<const uint32_t> column_ids;  // requested value columns (ids from table->value_columns)
};

// All rows of one partition, in clustering order, a page at a time.
struct ScanRequest {
  std::string_view tenant;
  const model::TableSpec* table = nullptr;
  std::string_view partition_key;        // canonical value bytes of key_columns[0]
  std::span<const uint32_t> column_ids;  // requested value columns
  std::string_view page_token;           // "" = from the start; else a token a previous scan returned
  size_t limit = 0;                      // rows at most per page (> 0)
  // Canonical value bytes of the leading clustering columns (key_columns[1], [2], ...) every returned
  // row must have: a scan of a primary-key prefix longer than the partition key (Darwin's `WHERE k1 = ?
  // AND k2 = ?`). Fewer values than clustering columns; empty = the whole partition. A page token is
  // valid only with the prefix it was returned for.
  std::span<const std::string_view> clustering_prefix = {};
};

struct ScanResult {
  // Columns: every key column (declared order) then column_ids (requested order). One row per stored
  // row that has at least one live cell or is a live key-only row.
  RowSet rows;
  std::string next_page_token;  // "" when the partition is exhausted
};

struct Cell {
  uint32_t column_id = 0;
  std::string_view value;  // canonical value bytes
};

struct WriteRow {
  std::span<const std::string_view> key;  // one value per key column, declared order
  std::span<const Cell> cells;            // value columns only (may be empty: a key-only row)
};

// When a write completes.
enum class Durability : uint8_t {
  kDurable,  // once the batch is durable
  // Once the batch is applied (visible to reads), possibly before it is durable: the caller calls
  // SyncWrites and acknowledges only after that completes. Lets many requests share one disk sync.
  kApplied,
};

// When SyncWrites may start the disk sync that completes it.
enum class SyncStart : uint8_t {
  kNow,
  // At the caller's next StartSyncs() (or a few milliseconds later without one). A caller that serves
  // a batch of requests (an event loop) defers each request's sync and calls StartSyncs() once after the
  // batch, so that one sync covers every write of the batch.
  kAtStartSyncs,
};

struct WriteRequest {
  std::string_view tenant;
  const model::TableSpec* table = nullptr;
  int64_t write_time_micros = 0;  // last-write-wins timestamp of every cell in the batch
  std::span<const WriteRow> rows;
  Durability durability = Durability::kDurable;
};

class OnlineStore {
 public:
  virtual ~OnlineStore() = default;

  // Fills `out` with one row per key (found flag + one cell per requested column), then calls done.
  // `out` and every span in `req` must stay valid until done is called.
  virtual void MultiGet(const ReadRequest& req, RowSet* out, Completion done) = 0;
  virtual void ScanPartition(const ScanRequest& req, ScanResult* out, Completion done) = 0;
  // Applies every row atomically as one batch: all rows become durable or none do. done runs as
  // req.durability says.
  virtual void Write(const WriteRequest& req, Completion done) = 0;
  // Calls done once every write of this store completed before this call is durable (writes made with
  // Durability::kApplied). It may run inline or later on another thread. Stores whose writes are always
  // durable when they complete need not override it.
  virtual void SyncWrites(Completion done, SyncStart /*start*/) { done(Status::Ok()); }
  // Starts the syncs that SyncWrites calls with SyncStart::kAtStartSyncs deferred. Cheap when there are
  // none. Any thread.
  virtual void StartSyncs() {}
  // True when MultiGet, ScanPartition and Write always call their completion before returning (an
  // embedded engine). Constant for the store's lifetime.
  virtual bool CompletesInline() const { return false; }

  // Schema hook: makes `table` usable on `tenant`. Creates the table if it is missing, adds the columns
  // it lacks (existing columns are left as they are: never dropped, renamed or retyped), and sets the
  // table's TTL to table.ttl_seconds (Cassandra: CREATE TABLE IF NOT EXISTS, ALTER TABLE ADD, ALTER
  // TABLE WITH default_time_to_live; embedded engines may only prepare a namespace). Idempotent: a
  // second call with the same spec changes nothing, so a caller may always retry.
  // Admin calls it BEFORE it commits the metadata change that needs the table (admin/README.md,
  // "Storage before metadata"), with the spec the catalog will build after that commit. Such a spec has
  // every name, type, key order and the TTL, but ids may be 0 (not yet assigned by the metadata store):
  // an implementation uses names, types and the TTL only, never `id` or `ColumnSpec::id`.
  // May block for a remote engine's round trips (schema agreement included): callers run it off the
  // event loop (admin runs on its worker pool). Errors: STORE-UNAVAILABLE when the engine cannot be
  // reached or refused the change (the reason in the cause).
  virtual Status EnsureTable(std::string_view tenant, const model::TableSpec& table) = 0;
  // Reachability check for /health: OK or STORE-UNAVAILABLE with the reason. May block for a remote
  // engine's round trip: the application calls it from its health monitor thread only, never from an
  // event loop (GET /health answers from the monitor's last result).
  virtual Status Health() = 0;
};

}  // namespace ofs::storage
