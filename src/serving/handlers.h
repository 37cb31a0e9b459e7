#pragma once
// Handler entry points of the serving API, one per operation. Each takes the JSON text of one request
// (the body, or one batch of a multi-request) and appends its payload to `out`; errors are returned
// without partial output being meaningful (callers truncate).

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/endpoint.h"
#include "api/json_read.h"
#include "codec/json_writer.h"
#include "serving/serving.h"

namespace ofs::serving {

// The store writes of one write request. When the request can be suspended (defer_durability), its
// writes complete once applied and AwaitDurability makes them durable before the request is answered:
// requests in flight together then share one disk sync (group commit) instead of paying one each, and
// the serving thread serves other requests while the disk works. Otherwise each write completes
// durable, as the store's Write does by default.
struct RequestWrites {
  bool defer_durability = false;
  bool applied = false;  // a store write was applied
};

// What a unit's Prepare sees of its request. Views are valid during Prepare only.
struct UnitContext {
  const ServingDeps& deps;
  const api::Call& call;
  const catalog::Snapshot& snapshot;
  RequestWrites* writes;  // write units: outlives the unit
};

struct StoreProbe;

// One group's share of a serving request (the request, or one batch of a multi-read / batch write), in
// three steps, so that its store operations can run inline (an embedded store) or complete later on
// another thread while the request is suspended (a remote store):
// - Prepare parses, validates and converts on the loop thread (parser slots 1..4). Whatever it keeps is
//   owned by the unit or by the catalog snapshot the caller pins: never a view into a parser slot.
// - Start(op) starts store operation `op` (< Operations()); its completion runs once, on any thread.
// - Finish writes the payload from the operations' statuses (one per operation), on the loop thread.
// A unit is reused (Prepare resets it) but never moved while its operations run.
class StoreUnit {
 public:
  static constexpr size_t kMaxOperations = 2;  // a dual write: the write tenant and the read tenant

  virtual ~StoreUnit() = default;
  virtual Status Prepare(const UnitContext& context, std::string_view json) = 0;
  virtual size_t Operations() const = 0;
  virtual void Start(const ServingDeps& deps, size_t op, storage::Completion done) = 0;
  virtual Status Finish(std::span<const Status> statuses, codec::JsonWriter& out) = 0;
  // The latency histogram of this unit's operations, and the store error that is the client's (not
  // counted as a store failure).
  virtual metrics::Histogram* Latency(const StoreProbe& probe) const = 0;
  virtual ErrorCode ClientStoreError() const { return ErrorCode::kOk; }
  // The tenant operation `op` goes to (the probe's `tenant` label), valid until the unit is prepared again.
  virtual std::string_view Tenant(size_t op) const = 0;
};

// The units of each operation: the calling thread's own (for stores that complete inline: its capacity
// is reused across requests), or a new one (for a request that suspends while its operations run).
struct UnitFactory {
  StoreUnit& (*thread)();
  std::unique_ptr<StoreUnit> (*make)();
};
extern const UnitFactory kPointReads;      // read_handler.cc
extern const UnitFactory kPartitionReads;  // partition_handler.cc
extern const UnitFactory kWrites;          // write_handler.cc
extern const UnitFactory kAsyncWrites;     // write_handler.cc (write-async)

// Called once the response is written: when writes were applied with deferred durability, waits for the
// store's sync. A sync that completes inline is returned (its error is the request's); otherwise the
// request is suspended, and answered with the response written, or the sync's error instead, when the
// sync completes. A write is visible to reads once applied, a moment before it is acknowledged.
Status AwaitDurability(const ServingDeps& deps, const http::Request& request, const RequestWrites& writes);

// A byte range of a per-thread scratch buffer (offsets survive the buffer's reallocation).
struct Span {
  uint32_t offset;
  uint32_t size;
};

// Rows of JSON scalars as a request sent them (primaryKeys.values, features.values). Values are views
// into the parsed body: valid while its parser slot is not reused on this thread.
struct ScalarRows {
  std::vector<codec::JsonScalar> values;  // row-major
  std::vector<uint32_t> widths;           // values per row
  std::string echo;                       // every row's raw JSON, to answer with
  std::vector<Span> echo_spans;           // per row, into `echo`

  size_t rows() const { return widths.size(); }
  std::string_view Echo(size_t row) const {
    return std::string_view(echo).substr(echo_spans[row].offset, echo_spans[row].size);
  }
  void Clear() {
    values.clear();
    widths.clear();
    echo.clear();
    echo_spans.clear();
  }
};

// Reads an object {"names": [str], "values": [[scalar, ...], ...]} in place (one pass, no re-parse) into
// *names and *rows, which it clears first; a repeated field replaces the earlier one. Not an object, a
// missing field or a wrong shape -> `code` naming `what`; a row that is not an array ->
// FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION; more than `max_rows` rows -> `code`, "<too_many> (limit N)".
Status ReadNamesAndRows(api::JsonValue value, ErrorCode code, std::string_view what, size_t max_rows,
                        std::string_view too_many, std::vector<std::string_view>* names, ScalarRows* rows);

// How a request names its group: "featureGroupName" and the optional "featureGroupVersion" (null or
// absent = latest).
struct GroupRef {
  std::string_view name;
  std::string_view version;
  bool has_name = false;
};

// Reads `key`'s value into *ref when the key is one of GroupRef's fields (case-insensitive).
// *handled says whether it was; errors carry `code`.
Status ReadGroupRefField(std::string_view key, api::JsonValue value, ErrorCode code, GroupRef* ref,
                         bool* handled);

// Reads an object {"names": [str], "values": <array>} (the partition read's partitionKey) from its raw
// JSON with parser `slot`: appends the names to *names and returns the raw JSON of "values" in *values_json
// (to be decoded once the names are resolved). Missing either -> `code`, naming `what`.
Status ReadNamesAndValues(std::string_view json, int slot, ErrorCode code, std::string_view what,
                          std::vector<std::string_view>* names, std::string_view* values_json);

// Resolves a request's "featureColumns" (raw JSON array, parser slot 2) against the group: appends each
// column to *columns and, for value (non-key) columns, its storage id to *value_column_ids, both in
// request order. Unknown or duplicate names -> FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION; an empty
// list or a wrong shape -> `request_code`.
Status ResolveFeatureColumns(std::string_view json, const catalog::GroupEntry& group, ErrorCode request_code,
                             std::vector<const catalog::ResolvedColumn*>* columns,
                             std::vector<uint32_t>* value_column_ids);
// The same for names already read from the request (views into its parsed body).
Status ResolveFeatureColumns(std::span<const std::string_view> names, const catalog::GroupEntry& group,
                             ErrorCode request_code, std::vector<const catalog::ResolvedColumn*>* columns,
                             std::vector<uint32_t>* value_column_ids);

// A tenant's store operation metrics (ofs_store_operation_duration_seconds{op, tenant},
// ofs_store_errors_total{tenant}), created once per registry, tenant and thread.
struct StoreProbe {
  metrics::Histogram* multiget;
  metrics::Histogram* scan;
  metrics::Histogram* write;
  metrics::Histogram* produce;  // write-async: until Kafka (or the embedded queue) acknowledged every row
  metrics::Histogram* sync;  // a request's wait for the store's group-commit sync (every tenant's: no label)
  metrics::Counter* errors;
  metrics::Counter* partial_dual_writes;  // dual writes that reached one tenant only (no label)
  // The probe of `tenant`. The reference is valid until the next call on this thread with another
  // registry: callers copy the pointers they keep.
  static const StoreProbe& For(metrics::Registry* registry, std::string_view tenant);
};

// Runs one store operation `op(completion)` of a store that completes inline (CompletesInline), records
// its latency in `latency`, and returns its status; a completion that has not run when `op` returns is a
// bug (kInternal). Failures other than `expected` (a client error the store reports, e.g. a bad page
// token) count in probe.errors. Stores that complete later go through the suspending path (serving.cc).
template <typename Op>
Status CallStore(const StoreProbe& probe, metrics::Histogram* latency, Op&& op,
                 ErrorCode expected = ErrorCode::kOk) {
  Status result;
  bool completed = false;
  auto start = std::chrono::steady_clock::now();
  op([&](Status status) {
    result = std::move(status);
    completed = true;
  });
  latency->ObserveNanos(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
  if (!completed) return Status(ErrorCode::kInternal, "a store that completes inline completed later");
  if (!result.ok() && result.code() != expected) probe.errors->Inc();
  return result;
}

}  // namespace ofs::serving
