// Point reads (API.md section 3, "Read"). Hot path: no per-request allocation in steady state — the
// per-thread scratch keeps its capacity, the response is written straight into the response buffer.
// The request is decoded in one pass, whatever its field order: names and key values are kept as views
// into the parsed body and converted once the group (and so the key types) is known.

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "api/json_read.h"
#include "base/strings.h"
#include "codec/value_codec.h"
#include "serving/group_resolver.h"
#include "serving/handlers.h"

namespace ofs::serving {
namespace {

constexpr ErrorCode kRequestError = ErrorCode::kReadFeatureGroupRequest;
constexpr ErrorCode kSchemaError = ErrorCode::kFeatureGroupSchemaValidation;

// One read request (or multi-read batch): its working memory and the StoreUnit steps. The thread's
// instance keeps its capacity across requests.
struct PointRead final : StoreUnit {
  std::vector<const catalog::ResolvedColumn*> columns;  // requested, in order
  std::vector<uint32_t> value_column_ids;               // requested value columns
  std::vector<int> value_index;                // per requested column: index in value_column_ids, -1 for keys
  std::vector<std::string_view> column_names;  // featureColumns as sent
  std::vector<std::string_view> key_names;     // primaryKeys.names as sent
  ScalarRows key_rows;                         // primaryKeys.values as sent
  std::vector<int> name_to_key;                // per primaryKeys.names entry: key index
  std::vector<uint8_t> key_seen;               // per key column: named yet
  std::string key_bytes;                       // canonical key values of every row
  std::vector<Span> key_spans;                 // row-major, declared key order
  std::vector<uint8_t> convertible;
  std::vector<int32_t> store_row;  // per request row: its row in `rows`, -1 if not sent
  std::vector<std::string_view> key_views;
  storage::RowSet rows;
  const catalog::GroupEntry* group = nullptr;  // pinned by the caller's snapshot
  storage::ReadRequest request;
  int32_t sent = 0;  // keys sent to the store

  Status Prepare(const UnitContext& context, std::string_view json) override;
  size_t Operations() const override { return sent > 0 ? 1 : 0; }
  void Start(const ServingDeps& deps, size_t /*op*/, storage::Completion done) override {
    deps.store->MultiGet(request, &rows, std::move(done));
  }
  Status Finish(std::span<const Status> statuses, codec::JsonWriter& out) override;
  metrics::Histogram* Latency(const StoreProbe& probe) const override { return probe.multiget; }
  std::string_view Tenant(size_t /*op*/) const override { return request.tenant; }

  void Reset() {
    group = nullptr;
    sent = 0;
    key_names.clear();
    key_rows.Clear();
    column_names.clear();
    columns.clear();
    value_column_ids.clear();
    value_index.clear();
    name_to_key.clear();
    key_bytes.clear();
    key_spans.clear();
    convertible.clear();
    store_row.clear();
    key_views.clear();
  }
};

using ReadScratch = PointRead;

// Resolves featureColumns; value_index maps each requested column to its cell in the store's answer.
Status ResolveColumns(const catalog::GroupEntry& group, ReadScratch& s) {
  OFS_RETURN_IF_ERROR(
      ResolveFeatureColumns(s.column_names, group, kRequestError, &s.columns, &s.value_column_ids));
  int next_value = 0;
  for (const catalog::ResolvedColumn* column : s.columns) {
    s.value_index.push_back(column->key_index >= 0 ? -1 : next_value++);
  }
  return Status::Ok();
}

Status ResolveKeyNames(const std::vector<std::string_view>& names, const catalog::GroupEntry& group,
                       ReadScratch& s) {
  const auto& keys = group.entity->table.key_columns;
  std::vector<uint8_t>& seen = s.key_seen;
  seen.assign(keys.size(), 0);
  for (std::string_view name : names) {
    const catalog::ResolvedColumn* column = group.Find(name);
    if (column == nullptr || column->key_index < 0) {
      return Status(kSchemaError,
                    "'" + std::string(name) + "' is not a primary key column of " + group.entity->meta.name);
    }
    if (seen[static_cast<size_t>(column->key_index)]++) {
      return Status(kSchemaError, "duplicate key column '" + std::string(name) + "' in primaryKeys.names");
    }
    s.name_to_key.push_back(column->key_index);
  }
  if (names.size() != keys.size()) {
    std::string expected;
    for (const auto& k : keys) expected += (expected.empty() ? "" : ", ") + k.name;
    return Status(kSchemaError, "primaryKeys.names must name every primary key column: " + expected);
  }
  return Status::Ok();
}

// Converts every row's key values to canonical key bytes (declared key order); a row with a value that
// does not convert is answered as a failed key.
Status ConvertKeyRows(const catalog::GroupEntry& group, ReadScratch& s) {
  const auto& keys = group.entity->table.key_columns;
  const size_t width = s.name_to_key.size();
  s.key_spans.resize(s.key_rows.rows() * width);
  size_t next_value = 0;
  for (size_t row = 0; row < s.key_rows.rows(); ++row) {
    if (s.key_rows.widths[row] != width) {
      return Status(kSchemaError, "primaryKeys.values row " + std::to_string(row) + " has " +
                                      std::to_string(s.key_rows.widths[row]) + " values, expected " +
                                      std::to_string(width));
    }
    bool ok = true;
    for (size_t col = 0; col < width && ok; ++col) {
      const auto key = static_cast<size_t>(s.name_to_key[col]);
      const auto offset = static_cast<uint32_t>(s.key_bytes.size());
      ok = codec::AppendValue(keys[key].type, s.key_rows.values[next_value + col], &s.key_bytes).ok();
      s.key_spans[row * width + key] = Span{offset, static_cast<uint32_t>(s.key_bytes.size() - offset)};
    }
    next_value += width;
    s.convertible.push_back(ok ? 1 : 0);
  }
  return Status::Ok();
}

void WriteResponse(const catalog::GroupEntry& group, const ReadScratch& s, codec::JsonWriter& out) {
  const size_t width = group.entity->table.key_columns.size();
  out.StartObject();
  out.Key("featureGroupName");
  out.String(group.meta.name);
  out.Key("featureGroupVersion");
  out.String(group.meta.version);
  out.Key("successfulKeys");
  out.StartArray();
  const size_t rows = s.convertible.size();
  auto succeeded = [&](size_t row) {
    int32_t r = s.store_row[row];
    if (r < 0 || !s.rows.found(static_cast<size_t>(r))) return false;
    if (s.value_column_ids.empty()) return true;
    for (size_t c = 0; c < s.value_column_ids.size(); ++c) {
      if (s.rows.cell(static_cast<size_t>(r), c)) return true;
    }
    return false;
  };
  for (size_t row = 0; row < rows; ++row) {
    if (!succeeded(row)) continue;
    auto r = static_cast<size_t>(s.store_row[row]);
    out.StartObject();
    out.Key("key");
    out.Raw(s.key_rows.Echo(row));
    out.Key("features");
    out.StartArray();
    for (size_t c = 0; c < s.columns.size(); ++c) {
      const catalog::ResolvedColumn* column = s.columns[c];
      if (s.value_index[c] < 0) {
        const Span& span = s.key_spans[row * width + static_cast<size_t>(column->key_index)];
        codec::WriteValueJson(column->type, std::string_view(s.key_bytes).substr(span.offset, span.size),
                              &out);
      } else if (auto cell = s.rows.cell(r, static_cast<size_t>(s.value_index[c]))) {
        codec::WriteValueJson(column->type, *cell, &out);
      } else {
        out.Null();
      }
    }
    out.EndArray();
    out.EndObject();
  }
  out.EndArray();
  out.Key("failedKeys");
  out.StartArray();
  for (size_t row = 0; row < rows; ++row) {
    if (!succeeded(row)) out.Raw(s.key_rows.Echo(row));
  }
  out.EndArray();
  out.EndObject();
}

Status PointRead::Prepare(const UnitContext& context, std::string_view json) {
  PointRead& s = *this;
  s.Reset();
  const ServingDeps& deps = context.deps;
  const api::Call& call = context.call;
  GroupRef ref;
  bool has_columns = false, has_keys = false;
  OFS_RETURN_IF_ERROR(api::ForEachRootField(
      json, 1, kRequestError, "request body", [&](std::string_view key, api::JsonValue value) {
        bool handled = false;
        OFS_RETURN_IF_ERROR(ReadGroupRefField(key, value, kRequestError, &ref, &handled));
        if (handled) return Status::Ok();
        // A repeated field replaces the earlier one (last wins, as in the admin API's decoding).
        if (EqualsIgnoreCase(key, "featureColumns")) {
          has_columns = true;
          s.column_names.clear();
          return api::ReadStringArray(std::move(value), &s.column_names, kRequestError, "featureColumns");
        }
        if (EqualsIgnoreCase(key, "primaryKeys")) {
          has_keys = true;
          return ReadNamesAndRows(std::move(value), kRequestError, "primaryKeys",
                                  deps.limits.max_keys_per_read, "too many keys in one read", &s.key_names,
                                  &s.key_rows);
        }
        return Status::Ok();
      }));
  if (!ref.has_name) return Status(kRequestError, "featureGroupName is required");
  if (!has_columns) return Status(kRequestError, "featureColumns is required");
  if (!has_keys) return Status(kRequestError, "primaryKeys is required");

  OFS_ASSIGN_OR_RETURN(group, ResolveGroup(context.snapshot, ref.name, ref.version, call.darwin,
                                           call.principal, context.deps.catalog));
  OFS_RETURN_IF_ERROR(ResolveColumns(*group, s));
  OFS_RETURN_IF_ERROR(ResolveKeyNames(s.key_names, *group, s));
  OFS_RETURN_IF_ERROR(ConvertKeyRows(*group, s));

  // Keys of convertible rows go to the store, in declared key order.
  const size_t width = group->entity->table.key_columns.size();
  for (size_t row = 0; row < s.convertible.size(); ++row) {
    if (!s.convertible[row]) {
      s.store_row.push_back(-1);
      continue;
    }
    s.store_row.push_back(sent++);
    for (size_t k = 0; k < width; ++k) {
      const Span& span = s.key_spans[row * width + k];
      s.key_views.push_back(std::string_view(s.key_bytes).substr(span.offset, span.size));
    }
  }
  s.rows.Reset(s.value_column_ids.size());
  request =
      storage::ReadRequest{group->meta.tenant.read, &group->entity->table, s.key_views, s.value_column_ids};
  return Status::Ok();
}

Status PointRead::Finish(std::span<const Status> statuses, codec::JsonWriter& out) {
  if (!statuses.empty() && !statuses[0].ok()) return statuses[0];
  WriteResponse(*group, *this, out);
  return Status::Ok();
}

}  // namespace

const UnitFactory kPointReads{[]() -> StoreUnit& {
                                thread_local PointRead unit;
                                return unit;
                              },
                              []() -> std::unique_ptr<StoreUnit> { return std::make_unique<PointRead>(); }};

const StoreProbe& StoreProbe::For(metrics::Registry* registry, std::string_view tenant) {
  // Per thread: the probes of one registry, keyed by its instance id (tests create registries at addresses
  // earlier ones had), one per tenant. Tenants are few (the catalog's), so a linear scan; deque: the
  // references handed out stay valid while it grows.
  struct Entry {
    std::string tenant;
    StoreProbe probe;
  };
  thread_local uint64_t cached_registry = 0;
  thread_local std::deque<Entry> cached;
  if (cached_registry != registry->instance_id()) {
    cached.clear();
    cached_registry = registry->instance_id();
  }
  for (const Entry& entry : cached) {
    if (entry.tenant == tenant) return entry.probe;
  }
  const char* help = "Online store operation latency";
  const std::string name(tenant);
  const auto op = [&](const char* op) -> metrics::Histogram* {
    return &registry->GetHistogram("ofs_store_operation_duration_seconds", help,
                                   {{"op", op}, {"tenant", name}});
  };
  cached.push_back(Entry{
      name,
      StoreProbe{
          op("multiget"), op("scan"), op("write"), op("produce"),
          &registry->GetHistogram("ofs_store_operation_duration_seconds", help, {{"op", "sync"}}),
          &registry->GetCounter("ofs_store_errors_total", "Online store operations that failed",
                                {{"tenant", name}}),
          &registry->GetCounter("ofs_dual_write_partial_total",
                                "Dual writes (replicate-write) that reached one tenant and not the other")}});
  return cached.back().probe;
}

}  // namespace ofs::serving
