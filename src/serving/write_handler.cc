// Synchronous writes (API.md section 3, "Write"). All rows are parsed and converted before anything is
// written: a request that fails validation changes nothing; rows whose values do not convert are
// reported in failedRows (with the reason in failedRowErrors) while the others are written as one
// atomic, durable store batch. The request is decoded in one pass, whatever its field order: names and
// value scalars are kept as views into the parsed body and converted once the group is resolved.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "api/headers.h"
#include "api/json_read.h"
#include "base/strings.h"
#include "codec/value_codec.h"
#include "ingest/record.h"
#include "ingest/topics.h"
#include "serving/group_resolver.h"
#include "serving/handlers.h"

namespace ofs::serving {
namespace {

constexpr ErrorCode kRequestError = ErrorCode::kWriteFeatureGroupRequest;
constexpr ErrorCode kSchemaError = ErrorCode::kFeatureGroupSchemaValidation;

struct PendingCell {
  uint32_t column_id;
  Span value;
};

// One write request (or batch-write batch): its working memory and the StoreUnit steps. Operation 0
// writes the group's write tenant; operation 1, when the group replicates to a distinct read tenant,
// writes that one with the same timestamp, concurrently. The thread's instance keeps its capacity.
struct GroupWrite : StoreUnit {
  std::vector<std::string_view> names;                  // features.names as sent (views: Prepare only)
  std::string names_text;                               // the same, owned, for the answer
  std::string run_id;                                   // "runId" (write-async's run-id header)
  std::vector<Span> name_spans;                         // into names_text
  ScalarRows rows;                                      // features.values as sent
  std::vector<const catalog::ResolvedColumn*> columns;  // per name
  std::vector<uint8_t> key_seen;                        // per key column: named yet
  std::string bytes;                                    // canonical values of every accepted row
  std::vector<Span> keys;                               // accepted rows x key width, declared order
  std::vector<PendingCell> cells;                       // accepted rows' value cells
  std::vector<uint32_t> cell_start;                     // per accepted row: first cell index (+ sentinel)
  std::vector<uint8_t> accepted;                        // per request row
  std::vector<std::string> errors;                      // per failed row, in order
  std::vector<std::string_view> key_views;
  std::vector<storage::Cell> store_cells;
  std::vector<storage::WriteRow> store_rows;
  const catalog::GroupEntry* group = nullptr;  // pinned by the caller's snapshot
  RequestWrites* writes = nullptr;
  storage::WriteRequest request;
  std::string_view tenants[kMaxOperations];  // the catalog's strings
  size_t operations = 0;
  metrics::Counter* partial_dual_writes = nullptr;

  Status Prepare(const UnitContext& context, std::string_view json) override;
  size_t Operations() const override { return operations; }
  void Start(const ServingDeps& deps, size_t op, storage::Completion done) override {
    storage::WriteRequest one = request;
    one.tenant = tenants[op];
    deps.store->Write(one, std::move(done));
  }
  Status Finish(std::span<const Status> statuses, codec::JsonWriter& out) override;
  metrics::Histogram* Latency(const StoreProbe& probe) const override { return probe.write; }
  std::string_view Tenant(size_t op) const override { return tenants[op]; }

  void Reset() {
    group = nullptr;
    writes = nullptr;
    operations = 0;
    names.clear();
    names_text.clear();
    run_id.clear();
    name_spans.clear();
    rows.Clear();
    columns.clear();
    bytes.clear();
    keys.clear();
    cells.clear();
    cell_start.clear();
    accepted.clear();
    errors.clear();
    key_views.clear();
    store_cells.clear();
    store_rows.clear();
  }
};

using WriteScratch = GroupWrite;

// The request's write time: the client's `ofs-write-time` header (microseconds since the epoch; an OFS
// extension for writers that replay, such as the Spark DataSource, whose retried tasks must not overwrite
// newer values), else the next tick of the node's WriteClock. A client's time must be positive and at most
// limits.max_write_time_ahead_micros ahead of this node's clock and not before kEarliestClientWriteTime (a
// time in milliseconds or seconds by mistake would otherwise be taken, and lose to every value); it takes no
// part in the WriteClock's ordering (a client choosing times orders its own writes).
constexpr int64_t kEarliestClientWriteTime = 1'000'000'000'000'000;  // 2001-09-09 in microseconds
Status RequestWriteTime(const UnitContext& context, int64_t* micros) {
  std::string_view header = api::TrimJsonWhitespace(context.call.request.Header(ingest::kWriteTimeHeader));
  if (header.empty()) {
    *micros = context.deps.write_clock->Next();
    return Status::Ok();
  }
  int64_t value = 0;
  const int64_t latest = context.deps.clock->NowMicros() + context.deps.limits.max_write_time_ahead_micros;
  if (!ParseInt64(header, &value) || value < kEarliestClientWriteTime || value > latest) {
    return Status(
        kRequestError,
        "header " + std::string(ingest::kWriteTimeHeader) + " must be microseconds since the epoch, " +
            "from 2001-09-09 to at most serving.max_write_time_ahead_ms ahead of the server's clock; got '" +
            std::string(header) + "'");
  }
  *micros = value;
  return Status::Ok();
}

Status ResolveNames(const catalog::GroupEntry& group, WriteScratch& s) {
  const size_t width = group.entity->table.key_columns.size();
  std::vector<uint8_t>& key_seen = s.key_seen;
  key_seen.assign(width, 0);
  for (std::string_view name : s.names) {
    const catalog::ResolvedColumn* column = group.Find(name);
    if (column == nullptr) {
      return Status(kSchemaError, "unknown column '" + std::string(name) + "' in features.names",
                    "feature group " + group.meta.name + " " + group.meta.version + " has no such column");
    }
    for (const auto* seen : s.columns) {
      if (seen == column)
        return Status(kSchemaError, "duplicate column '" + std::string(name) + "' in features.names");
    }
    if (column->key_index >= 0) key_seen[static_cast<size_t>(column->key_index)] = 1;
    s.columns.push_back(column);
  }
  for (size_t k = 0; k < width; ++k) {
    if (!key_seen[k]) {
      return Status(kSchemaError, "features.names lacks primary key column '" +
                                      group.entity->table.key_columns[k].name + "'");
    }
  }
  return Status::Ok();
}

// Converts one row's values (`values`, one per resolved column); on the first bad value records the
// reason and sets *accepted = false. The row's bytes are rolled back by the caller when it fails.
void ConvertRow(std::span<const codec::JsonScalar> values, size_t row_index, const catalog::GroupEntry& group,
                WriteScratch& s, bool* accepted) {
  const size_t width = group.entity->table.key_columns.size();
  const size_t key_base = s.keys.size();
  s.keys.resize(key_base + width);
  *accepted = true;
  for (size_t col = 0; col < values.size(); ++col) {
    const catalog::ResolvedColumn* column = s.columns[col];
    auto offset = static_cast<uint32_t>(s.bytes.size());
    Status converted = codec::AppendValue(column->type, values[col], &s.bytes);
    if (!converted.ok()) {
      *accepted = false;
      s.keys.resize(key_base);
      s.errors.push_back("row " + std::to_string(row_index) + ": column '" + column->name +
                         "': " + std::string(converted.message()));
      return;
    }
    Span span{offset, static_cast<uint32_t>(s.bytes.size() - offset)};
    if (column->key_index >= 0) {
      s.keys[key_base + static_cast<size_t>(column->key_index)] = span;
    } else {
      s.cells.push_back(PendingCell{column->id, span});
    }
  }
}

// Converts every row: checks its width, then its values against the resolved columns.
Status ConvertRows(const catalog::GroupEntry& group, WriteScratch& s) {
  const size_t width = s.columns.size();
  size_t next_value = 0;
  for (size_t row = 0; row < s.rows.rows(); ++row) {
    if (s.rows.widths[row] != width) {
      return Status(kSchemaError, "features.values row " + std::to_string(row) + " has " +
                                      std::to_string(s.rows.widths[row]) + " values, expected " +
                                      std::to_string(width));
    }
    const size_t bytes_before = s.bytes.size();
    const size_t cells_before = s.cells.size();
    bool accepted = false;
    ConvertRow(std::span<const codec::JsonScalar>(s.rows.values).subspan(next_value, width), row, group, s,
               &accepted);
    next_value += width;
    if (accepted) {
      s.cell_start.push_back(static_cast<uint32_t>(cells_before));
    } else {
      s.bytes.resize(bytes_before);
      s.cells.resize(cells_before);
    }
    s.accepted.push_back(accepted ? 1 : 0);
  }
  s.cell_start.push_back(static_cast<uint32_t>(s.cells.size()));
  return Status::Ok();
}

void BuildStoreRows(const catalog::GroupEntry& group, WriteScratch& s) {
  const size_t width = group.entity->table.key_columns.size();
  std::string_view bytes(s.bytes);
  for (const Span& span : s.keys) s.key_views.push_back(bytes.substr(span.offset, span.size));
  for (const PendingCell& cell : s.cells) {
    s.store_cells.push_back(storage::Cell{cell.column_id, bytes.substr(cell.value.offset, cell.value.size)});
  }
  const size_t accepted_rows = s.cell_start.size() - 1;
  for (size_t r = 0; r < accepted_rows; ++r) {
    std::span<const std::string_view> key(s.key_views.data() + r * width, width);
    std::span<const storage::Cell> cells(s.store_cells.data() + s.cell_start[r],
                                         s.cell_start[r + 1] - s.cell_start[r]);
    s.store_rows.push_back(storage::WriteRow{key, cells});
  }
}

void WriteResponse(const catalog::GroupEntry& group, const WriteScratch& s, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("featureGroupName");
  out.String(group.meta.name);
  out.Key("featureGroupVersion");
  out.String(group.meta.version);
  out.Key("featureColumns");
  out.StartArray();
  for (const Span& name : s.name_spans)
    out.String(std::string_view(s.names_text).substr(name.offset, name.size));
  out.EndArray();
  out.Key("successfulRows");
  out.StartArray();
  for (size_t row = 0; row < s.accepted.size(); ++row) {
    if (s.accepted[row]) out.Raw(s.rows.Echo(row));
  }
  out.EndArray();
  out.Key("failedRows");
  out.StartArray();
  for (size_t row = 0; row < s.accepted.size(); ++row) {
    if (!s.accepted[row]) out.Raw(s.rows.Echo(row));
  }
  out.EndArray();
  if (!s.errors.empty()) {
    out.Key("failedRowErrors");
    out.StartArray();
    for (const auto& e : s.errors) out.String(e);
    out.EndArray();
  }
  out.EndObject();
}

Status GroupWrite::Prepare(const UnitContext& context, std::string_view json) {
  GroupWrite& s = *this;
  s.Reset();
  const ServingDeps& deps = context.deps;
  const api::Call& call = context.call;
  writes = context.writes;
  GroupRef ref;
  bool has_features = false;
  OFS_RETURN_IF_ERROR(api::ForEachRootField(
      json, 1, kRequestError, "request body", [&](std::string_view key, api::JsonValue value) {
        bool handled = false;
        OFS_RETURN_IF_ERROR(ReadGroupRefField(key, value, kRequestError, &ref, &handled));
        if (!handled && EqualsIgnoreCase(key, "runId")) {  // write-async's run-id header
          std::string_view text;
          bool present = false;
          OFS_RETURN_IF_ERROR(
              api::ReadOptionalString(std::move(value), &text, &present, kRequestError, "runId"));
          s.run_id.assign(text);
          return Status::Ok();
        }
        if (handled || !EqualsIgnoreCase(key, "features")) return Status::Ok();
        has_features = true;  // a repeated field replaces the earlier one
        return ReadNamesAndRows(std::move(value), kRequestError, "features", deps.limits.max_rows_per_write,
                                "too many rows in one write", &s.names, &s.rows);
      }));
  if (!ref.has_name) return Status(kRequestError, "featureGroupName is required");
  if (!has_features) return Status(kRequestError, "features is required");

  OFS_ASSIGN_OR_RETURN(group, ResolveGroup(context.snapshot, ref.name, ref.version, call.darwin,
                                           call.principal, context.deps.catalog));
  const model::TenantConfig& tenant = group->meta.tenant;
  OFS_RETURN_IF_ERROR(ResolveNames(*group, s));
  OFS_RETURN_IF_ERROR(ConvertRows(*group, s));
  BuildStoreRows(*group, s);
  for (std::string_view name : s.names) {
    s.name_spans.push_back(
        Span{static_cast<uint32_t>(s.names_text.size()), static_cast<uint32_t>(name.size())});
    s.names_text.append(name);
  }
  if (!s.store_rows.empty()) {
    // Both tenants get the same timestamp, so replicated cells compare equal on either cluster.
    int64_t write_time = 0;
    OFS_RETURN_IF_ERROR(RequestWriteTime(context, &write_time));
    request = storage::WriteRequest{tenant.write, &group->entity->table, write_time, s.store_rows};
    if (writes->defer_durability) request.durability = storage::Durability::kApplied;
    tenants[operations++] = tenant.write;
    if (tenant.read != tenant.write && api::FlagHeader(call.request, "replicate-write", true)) {
      tenants[operations++] = tenant.read;
      partial_dual_writes = StoreProbe::For(deps.registry, tenant.write).partial_dual_writes;
    }
  }
  return Status::Ok();
}

// A dual write that reached one tenant and not the other is the request's error, naming both: the client
// retries (writes are idempotent: the same cells at a newer time), and ofs_dual_write_partial_total counts
// it.
Status GroupWrite::Finish(std::span<const Status> statuses, codec::JsonWriter& out) {
  size_t failed = 0;
  for (const Status& status : statuses) failed += status.ok() ? 0 : 1;
  if (failed < statuses.size()) writes->applied = true;
  if (failed == statuses.size() && failed > 0) return statuses[0];
  if (failed > 0) {
    const size_t bad = statuses[0].ok() ? 1 : 0;
    partial_dual_writes->Inc();
    return Status(ErrorCode::kStoreUnavailable,
                  "written to tenant '" + std::string(tenants[1 - bad]) + "' but not to tenant '" +
                      std::string(tenants[bad]) + "': " + std::string(statuses[bad].message()),
                  "dual write incomplete; retry the write");
  }
  WriteResponse(*group, *this, out);
  return Status::Ok();
}

// POST /v1/feature-group/write-async (API.md section 3): the write's validation and conversion, then one
// operation that produces each accepted row as a v2 record (API.md section 6) to the group's consume-tenant
// topic through deps.async_sink, answered once every record is acknowledged. The rows reach the store
// through a consumer (ingest/consumer.h) at this request's write time, carried in the ofs-write-time
// header: the same time a synchronous write would have given them.
struct AsyncGroupWrite final : GroupWrite {
  std::vector<ingest::Record> records;
  std::string topic;
  size_t produced = 0;

  Status Prepare(const UnitContext& context, std::string_view json) override {
    records.clear();
    produced = 0;
    OFS_RETURN_IF_ERROR(GroupWrite::Prepare(context, json));
    operations = 0;  // GroupWrite's store writes are replaced by one produce
    // After validation: a bad request is answered as such wherever it is sent.
    if (context.deps.async_sink == nullptr) {
      return Status(ErrorCode::kStoreUnavailable, "asynchronous writes are not available on this node",
                    "start it with --kafka (kafka.bootstrap); only ofs standalone queues them without Kafka");
    }
    topic = context.snapshot.TopicOfTenant(group->meta.tenant.consume, context.deps.topic_prefix);
    if (store_rows.empty()) return Status::Ok();
    const int64_t write_time = request.write_time_micros;
    const bool replicate = api::FlagHeader(context.call.request, "replicate-write", true);
    const size_t width = names.size();
    const size_t key_width = group->entity->table.key_columns.size();
    size_t accepted_row = 0;
    size_t failed_before = 0;  // failed rows before `row`: where its reason goes in `errors`
    for (size_t row = 0; row < accepted.size(); ++row) {
      if (!accepted[row]) {
        ++failed_before;
        continue;
      }
      ingest::Record& record = records.emplace_back();
      codec::JsonWriter out(&record.value);
      out.StartObject();
      for (size_t col = 0; col < width; ++col) {
        out.Key(names[col]);
        const codec::JsonScalar& value = rows.values[row * width + col];
        switch (value.kind) {
          case codec::JsonScalar::Kind::kNull:
            out.Null();
            break;
          case codec::JsonScalar::Kind::kBool:
            out.Bool(value.boolean);
            break;
          case codec::JsonScalar::Kind::kNumber:
            out.Raw(value.text);
            break;
          default:
            out.String(value.text);
            break;  // strings (containers never convert)
        }
      }
      out.EndObject();
      // Keyed by the partition key's value, so the updates of a key stay in order on one partition.
      record.key.assign(key_views[accepted_row * key_width]);
      record.timestamp_ms = write_time / 1000;
      record.headers = {{std::string(ingest::kSdkVersionHeader), "v2"},
                        {std::string(ingest::kGroupNameHeader), group->meta.name},
                        {std::string(ingest::kGroupVersionHeader), group->meta.version},
                        {std::string(ingest::kRunIdHeader), run_id},
                        {std::string(ingest::kReplicatedWritesHeader), replicate ? "true" : "false"},
                        {std::string(ingest::kWriteTimeHeader), std::to_string(write_time)}};
      ++accepted_row;
      // A record Kafka (or a consumer) would refuse fails its row here, not the whole request later.
      if (record.value.size() > context.deps.limits.max_async_record_bytes) {
        errors.insert(errors.begin() + static_cast<std::ptrdiff_t>(failed_before),
                      "row " + std::to_string(row) + ": " + std::to_string(record.value.size()) +
                          " bytes as a record, over ingest.max_record_bytes (" +
                          std::to_string(context.deps.limits.max_async_record_bytes) + ")");
        accepted[row] = 0;
        ++failed_before;
        records.pop_back();
      }
    }
    operations = records.empty() ? 0 : 1;
    return Status::Ok();
  }
  void Start(const ServingDeps& deps, size_t /*op*/, storage::Completion done) override {
    produced = records.size();
    deps.async_sink->Produce(topic, std::move(records), std::move(done));
  }
  Status Finish(std::span<const Status> statuses, codec::JsonWriter& out) override {
    if (!statuses.empty() && !statuses[0].ok()) return statuses[0];
    out.StartObject();
    out.Key("accepted");
    out.Int(static_cast<int64_t>(produced));
    out.Key("featureGroupName");
    out.String(group->meta.name);
    out.Key("featureGroupVersion");
    out.String(group->meta.version);
    out.Key("topic");
    out.String(topic);
    out.Key("failedRows");
    out.StartArray();
    for (size_t row = 0; row < accepted.size(); ++row) {
      if (!accepted[row]) out.Raw(rows.Echo(row));
    }
    out.EndArray();
    if (!errors.empty()) {
      out.Key("failedRowErrors");
      out.StartArray();
      for (const auto& e : errors) out.String(e);
      out.EndArray();
    }
    out.EndObject();
    return Status::Ok();
  }
  metrics::Histogram* Latency(const StoreProbe& probe) const override { return probe.produce; }
  std::string_view Tenant(size_t /*op*/) const override { return group->meta.tenant.consume; }
};

}  // namespace

const UnitFactory kAsyncWrites{
    []() -> StoreUnit& {
      thread_local AsyncGroupWrite unit;
      return unit;
    },
    []() -> std::unique_ptr<StoreUnit> { return std::make_unique<AsyncGroupWrite>(); }};

const UnitFactory kWrites{[]() -> StoreUnit& {
                            thread_local GroupWrite unit;
                            return unit;
                          },
                          []() -> std::unique_ptr<StoreUnit> { return std::make_unique<GroupWrite>(); }};

Status AwaitDurability(const ServingDeps& deps, const http::Request& request, const RequestWrites& writes) {
  if (!writes.defer_durability || !writes.applied) return Status::Ok();
  // Shared with the completion, which may run inline (here, before SyncWrites returns) or on the
  // store's thread before or after this thread suspends the request: the mutex orders the two.
  struct Wait {
    std::mutex mu;
    bool done = false;
    Status status;
    http::Resumer resumer;
  };
  auto wait = std::make_shared<Wait>();
  // The embedded store's WAL is every tenant's: its sync failures count under the default tenant.
  const StoreProbe& probe = StoreProbe::For(deps.registry, model::kDefaultTenant);
  deps.store->SyncWrites(
      [wait, latency = probe.sync, errors = probe.errors,
       start = std::chrono::steady_clock::now()](Status status) {
        latency->ObserveNanos(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
                .count());
        if (!status.ok()) errors->Inc();
        std::unique_lock<std::mutex> lock(wait->mu);
        if (!wait->resumer.valid()) {
          wait->done = true;
          wait->status = std::move(status);
          return;
        }
        http::Resumer resumer = std::move(wait->resumer);
        lock.unlock();
        resumer.Resume(std::move(status));
      },
      storage::SyncStart::kAtStartSyncs);  // the serving loop calls StartSyncs after its batch
  std::lock_guard<std::mutex> lock(wait->mu);
  if (wait->done) return std::move(wait->status);
  wait->resumer = request.Suspend();
  return Status::Ok();
}

int64_t WriteClock::Next() {
  const int64_t now = clock_->NowMicros();
  int64_t prev = last_.load(std::memory_order_relaxed);
  int64_t next = 0;
  do {
    next = std::max(now, prev + 1);
  } while (!last_.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  return next;
}

}  // namespace ofs::serving
