// Partition reads (API.md section 3, "Partition read"): every row of one partition in clustering
// order, a page at a time. Without `limit` a page holds up to ServingLimits::max_partition_rows rows;
// `nextPageToken` (base64 of the store's opaque token) is present only when more rows remain. Rows
// whose requested non-key columns are all null are skipped.

#include <chrono>
#include <string>
#include <vector>

#include "api/json_read.h"
#include "base/strings.h"
#include "codec/value_codec.h"
#include "serving/group_resolver.h"
#include "serving/handlers.h"

namespace ofs::serving {
namespace {

constexpr ErrorCode kRequestError = ErrorCode::kReadFeatureGroupPartitionRequest;
constexpr ErrorCode kSchemaError = ErrorCode::kFeatureGroupSchemaValidation;

struct PartitionScratch {
  std::vector<const catalog::ResolvedColumn*> columns;
  std::vector<uint32_t> value_column_ids;
  std::vector<int> cell_index;  // per requested column: its column in the scan result
  std::vector<std::string_view> names;
  std::string partition_key;
  std::string page_token;
  storage::ScanResult result;

  void Reset() {
    columns.clear();
    value_column_ids.clear();
    cell_index.clear();
    names.clear();
    partition_key.clear();
    page_token.clear();
  }
};

PartitionScratch& Scratch() {
  thread_local PartitionScratch scratch;
  return scratch;
}

// Resolves featureColumns; cell_index maps each requested column to its cell in the scan result (key
// columns first, then the requested value columns).
Status ParseColumns(std::string_view json, const catalog::GroupEntry& group, PartitionScratch& s) {
  OFS_RETURN_IF_ERROR(ResolveFeatureColumns(json, group, kRequestError, &s.columns, &s.value_column_ids));
  int next_value = static_cast<int>(group.entity->table.key_columns.size());
  for (const catalog::ResolvedColumn* column : s.columns) {
    s.cell_index.push_back(column->key_index >= 0 ? column->key_index : next_value++);
  }
  return Status::Ok();
}

// partitionKey: {"names": [partition key column], "values": [value]}.
Status ParsePartitionKey(std::string_view json, const catalog::GroupEntry& group, PartitionScratch& s) {
  std::string_view values_json;
  OFS_RETURN_IF_ERROR(ReadNamesAndValues(json, 3, kRequestError, "partitionKey", &s.names, &values_json));
  const model::ColumnSpec& partition_column = group.entity->table.key_columns[0];
  api::od::document doc;
  api::od::array array;
  OFS_RETURN_IF_ERROR(api::IterateArray(values_json, 4, &doc, &array, kRequestError, "partitionKey.values"));
  int values = 0;
  for (auto element : array) {
    codec::JsonScalar scalar;
    std::string_view raw;
    OFS_RETURN_IF_ERROR(api::ReadScalar(element, &scalar, &raw));
    if (values++ > 0) continue;
    Status converted = codec::AppendValue(partition_column.type, scalar, &s.partition_key);
    if (!converted.ok()) {
      return Status(kSchemaError,
                    "partition key '" + partition_column.name + "': " + std::string(converted.message()));
    }
  }
  if (s.names.size() != 1 || !EqualsIgnoreCase(s.names[0], partition_column.name) || values != 1) {
    return Status(kSchemaError, "partitionKey must name exactly the partition key column '" +
                                    partition_column.name + "' with one value");
  }
  return Status::Ok();
}

void WriteRows(const catalog::GroupEntry& group, const PartitionScratch& s, codec::JsonWriter& out) {
  const storage::RowSet& rows = s.result.rows;
  const size_t width = group.entity->table.key_columns.size();
  out.StartObject();
  out.Key("featureGroupName");
  out.String(group.meta.name);
  out.Key("featureGroupVersion");
  out.String(group.meta.version);
  out.Key("features");
  out.StartArray();
  for (size_t r = 0; r < rows.rows(); ++r) {
    if (!s.value_column_ids.empty()) {
      bool any = false;
      for (size_t c = 0; c < s.value_column_ids.size() && !any; ++c)
        any = rows.cell(r, width + c).has_value();
      if (!any) continue;
    }
    out.StartArray();
    for (size_t c = 0; c < s.columns.size(); ++c) {
      if (auto cell = rows.cell(r, static_cast<size_t>(s.cell_index[c]))) {
        codec::WriteValueJson(s.columns[c]->type, *cell, &out);
      } else {
        out.Null();
      }
    }
    out.EndArray();
  }
  out.EndArray();
  if (!s.result.next_page_token.empty()) {
    std::string token;
    codec::Base64Encode(s.result.next_page_token, &token);
    out.Key("nextPageToken");
    out.String(token);
  }
  out.EndObject();
}

}  // namespace

Status ReadPartition(const ServingDeps& deps, const api::Call& call, const catalog::Snapshot& snapshot,
                     std::string_view json, codec::JsonWriter& out) {
  PartitionScratch& s = Scratch();
  s.Reset();
  api::od::document doc;
  api::od::object object;
  OFS_RETURN_IF_ERROR(api::IterateObject(json, 1, &doc, &object, kRequestError));
  GroupRef ref;
  std::string_view columns_json, key_json, token;
  bool has_token = false;
  int64_t limit = 0;
  OFS_RETURN_IF_ERROR(api::ForEachField(
      object, kRequestError, "request body", [&](std::string_view key, api::JsonValue value) {
        bool handled = false;
        OFS_RETURN_IF_ERROR(ReadGroupRefField(key, value, kRequestError, &ref, &handled));
        if (handled) return Status::Ok();
        if (EqualsIgnoreCase(key, "featureColumns")) {
          return api::ReadRawContainer(std::move(value), &columns_json, kRequestError, "featureColumns");
        }
        if (EqualsIgnoreCase(key, "partitionKey")) {
          return api::ReadRawContainer(std::move(value), &key_json, kRequestError, "partitionKey");
        }
        if (EqualsIgnoreCase(key, "limit")) {
          OFS_RETURN_IF_ERROR(api::ReadInt64(std::move(value), &limit, kRequestError, "limit"));
          return limit < 1 ? Status(kRequestError, "limit must be at least 1") : Status::Ok();
        }
        if (EqualsIgnoreCase(key, "pageToken")) {
          return api::ReadOptionalString(std::move(value), &token, &has_token, kRequestError, "pageToken");
        }
        return Status::Ok();
      }));
  if (!ref.has_name) return Status(kRequestError, "featureGroupName is required");
  if (columns_json.empty()) return Status(kRequestError, "featureColumns is required");
  if (key_json.empty()) return Status(kRequestError, "partitionKey is required");
  if (!token.empty() && !codec::Base64Decode(token, &s.page_token)) {
    return Status(kRequestError, "invalid pageToken",
                  "pass the nextPageToken of the previous page unchanged");
  }

  OFS_ASSIGN_OR_RETURN(const catalog::GroupEntry* group,
                       ResolveGroup(snapshot, ref.name, ref.version, call.darwin, call.principal));
  OFS_RETURN_IF_ERROR(ParseColumns(columns_json, *group, s));
  OFS_RETURN_IF_ERROR(ParsePartitionKey(key_json, *group, s));

  size_t page = deps.limits.max_partition_rows;
  if (limit > 0 && static_cast<uint64_t>(limit) < page) page = static_cast<size_t>(limit);
  storage::ScanRequest request{group->meta.tenant.read, &group->entity->table, s.partition_key,
                               s.value_column_ids,      s.page_token,          page};
  const StoreProbe& probe = StoreProbe::For(deps.registry);
  OFS_RETURN_IF_ERROR(CallStore(
      probe, probe.scan,
      [&](storage::Completion done) { deps.store->ScanPartition(request, &s.result, std::move(done)); },
      kRequestError));
  WriteRows(*group, s, out);
  return Status::Ok();
}

}  // namespace ofs::serving
