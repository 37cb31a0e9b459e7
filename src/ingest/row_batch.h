#pragma once
// RowBatch: the rows of a batch of ingestion records (API.md section 6), decoded against a catalog
// snapshot and written to the OnlineStore. It is the consumer's whole data path, shared by `ofs consume`,
// the consumer inside `ofs standalone --kafka`, and the drain of the embedded queue:
//
//   Add(record) for each record  ->  a row, or a Rejection (the caller dead-letters the record)
//   Write(store)                 ->  one store write per (group version, write time, replication),
//                                    all in flight at once; OK once every row is written
//
// Decoding (record_decoding.h) is strict: a record without the headers it needs, naming a group or
// version the catalog lacks, an archived group, a column the group lacks, a missing key column, a value
// that does not convert (JSON null included) or a body that is not the JSON the format says is rejected
// with its reason, and changes nothing.
// Write time: the `ofs-write-time` header (microseconds) when present, else the record's timestamp
// (milliseconds), else the time of decoding; so a replay of an older record never overwrites a newer
// value (last write wins by write time), and a replay of the same record changes nothing.
// Not thread-safe; one per consumer thread, reused across batches (Clear keeps capacity).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "catalog/catalog.h"
#include "ingest/record.h"
#include "storage/online_store.h"

namespace ofs::ingest {

// Why a record was not applied: a short label (a metric label value) and the message.
struct Rejection {
  std::string_view reason;  // one of the kReason* constants
  std::string message;
};

inline constexpr std::string_view kReasonMalformed = "malformed";           // not the format's JSON
inline constexpr std::string_view kReasonMissingHeader = "missing_header";  // v2 without its group header
inline constexpr std::string_view kReasonUnknownGroup = "unknown_group";    // group or version unknown
inline constexpr std::string_view kReasonArchived = "archived";             // group archived
inline constexpr std::string_view kReasonSchema = "schema";                 // unknown / missing column
inline constexpr std::string_view kReasonBadValue = "bad_value";            // a value does not convert
inline constexpr std::string_view kReasonTooLarge = "too_large";            // over a configured limit

struct RowBatchLimits {
  size_t max_value_bytes = 1 << 20;  // a record's value, at most
};

class RowBatch {
 public:
  RowBatch(const Clock* clock, RowBatchLimits limits) : clock_(clock), limits_(limits) {}

  // The snapshot rows are decoded against until the next Clear (pinned: rows point into it).
  void Use(std::shared_ptr<const catalog::Snapshot> snapshot) {
    snapshot_ = std::move(snapshot);
    names_group_ = nullptr;  // the caches point into the previous snapshot
    last_group_.reset();
  }
  const catalog::Snapshot* snapshot() const { return snapshot_.get(); }

  // Decodes `record` and adds its row. On a rejection nothing is added.
  // Precondition: Use() was called.
  std::optional<Rejection> Add(const Record& record);

  // Adds one row given as a flat JSON object of plain column names (v2's value) of `group` (of the
  // snapshot in Use) at `write_time`, written to the group's read tenant too when `replicate`. Callers
  // that resolve the group themselves (the legacy /ofs/async-batch-write route) use it.
  std::optional<Rejection> AddRow(const catalog::GroupEntry& group, std::string_view json_object,
                                  int64_t write_time, bool replicate) {
    return AddRowObject(json_object, group, write_time, replicate, "Features");
  }

  size_t rows() const { return row_count_; }
  // Writes every row added since Clear: one store write per distinct (group version, write time, tenant),
  // all started together and applied, then one SyncWrites for them all; OK once every row is durable.
  // Blocks until then; the first failure is returned (the caller retries the whole batch: writes are
  // idempotent).
  Status Write(storage::OnlineStore& store);
  // Forgets the rows (keeps capacity and the snapshot).
  void Clear();

 private:
  struct Bucket {
    std::vector<uint32_t> key_spans;   // per row: `width` (offset, size) pairs into bytes_, flattened
    std::vector<uint32_t> cell_spans;  // per cell: (column id, offset, size)
    std::vector<uint32_t> row_cells;   // per row: index of its first cell triple (+ sentinel at write)
  };
  using BucketKey = std::tuple<const catalog::GroupEntry*, int64_t /*write time*/, bool /*replicate*/>;

  std::optional<Rejection> AddV2(const Record& record, const catalog::GroupEntry& group, int64_t write_time,
                                 bool replicate);
  std::optional<Rejection> AddV1(const Record& record, int64_t write_time);
  std::optional<Rejection> AddRowObject(std::string_view json, const catalog::GroupEntry& group,
                                        int64_t write_time, bool replicate, std::string_view what);
  int64_t WriteTimeOf(const Record& record) const;

  const Clock* clock_;
  RowBatchLimits limits_;
  std::shared_ptr<const catalog::Snapshot> snapshot_;
  std::map<BucketKey, Bucket> buckets_;
  std::string bytes_;   // canonical values of every row
  std::string padded_;  // a record's JSON with simdjson's padding
  // Column lookups by the exact name a record used, for the group of the last row (records of a batch
  // mostly share their group and names; GroupEntry::Find lower-cases each name).
  const catalog::GroupEntry* names_group_ = nullptr;
  // The last v2 group lookup: (name as sent, version) -> the entry, or nullptr when unknown.
  std::optional<const catalog::GroupEntry*> last_group_;
  std::string last_group_name_;
  std::optional<int64_t> last_group_version_;
  std::vector<std::pair<std::string, const catalog::ResolvedColumn*>> names_;
  // `position`: the field's index in its row. Rows of one producer list their fields in one order, so the
  // name cached at that position is tried first (one comparison instead of a scan of every name).
  const catalog::ResolvedColumn* FindColumn(const catalog::GroupEntry& group, std::string_view name,
                                            size_t position);
  size_t row_count_ = 0;
};

}  // namespace ofs::ingest
