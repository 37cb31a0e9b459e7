// Partition reads (API.md section 3, "Partition read"): every row of one partition in clustering
// order, a page at a time. Without `limit` a page holds up to ServingLimits::max_partition_rows rows;
// `nextPageToken` (base64 of the store's opaque token) is present only when more rows remain. Rows
// whose requested non-key columns are all null are skipped.
//
// The Darwin path also takes a primary-key PREFIX (k1 = ? AND k2 = ?, as Darwin's CQL allowed): the
// store scans only the rows with those leading clustering values (ScanRequest::clustering_prefix), so
// paging and costs are those of a partition of just these rows.

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

// One partition read: its working memory and the StoreUnit steps. The thread's instance keeps its
// capacity across requests.
struct PartitionRead final : StoreUnit {
  std::vector<const catalog::ResolvedColumn*> columns;
  std::vector<uint32_t> value_column_ids;
  std::vector<int> cell_index;  // per requested column: its column in the scan result
  std::vector<std::string_view> names;
  // Canonical bytes of the requested key prefix, by key column: [0] is the partition key, [1..] the
  // clustering columns a Darwin prefix read fixes (prefix_size of them in all). Strings keep their
  // capacity across requests.
  std::vector<std::string> key_values;
  size_t prefix_size = 0;
  std::vector<std::string_view> clustering;  // views of key_values[1, prefix_size): the store's prefix
  std::string page_token;
  storage::ScanResult result;
  const catalog::GroupEntry* group = nullptr;  // pinned by the caller's snapshot
  storage::ScanRequest request;

  Status Prepare(const UnitContext& context, std::string_view json) override;
  size_t Operations() const override { return 1; }
  void Start(const ServingDeps& deps, size_t /*op*/, storage::Completion done) override {
    deps.store->ScanPartition(request, &result, std::move(done));
  }
  Status Finish(std::span<const Status> statuses, codec::JsonWriter& out) override;
  metrics::Histogram* Latency(const StoreProbe& probe) const override { return probe.scan; }
  std::string_view Tenant(size_t /*op*/) const override { return request.tenant; }
  ErrorCode ClientStoreError() const override { return kRequestError; }  // a page token it refused

  void Reset() {
    group = nullptr;
    columns.clear();
    value_column_ids.clear();
    cell_index.clear();
    names.clear();
    prefix_size = 0;
    page_token.clear();
  }
  const std::string& partition_key() const { return key_values[0]; }
};

using PartitionScratch = PartitionRead;

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

// partitionKey: {"names": [key columns], "values": [one value per name]}. /v1: exactly the partition
// key column. Darwin (`prefix`): the first N primary-key columns in any order, N >= 1.
Status ParsePartitionKey(std::string_view json, const catalog::GroupEntry& group, bool prefix,
                         PartitionScratch& s) {
  std::string_view values_json;
  OFS_RETURN_IF_ERROR(ReadNamesAndValues(json, 3, kRequestError, "partitionKey", &s.names, &values_json));
  const std::vector<model::ColumnSpec>& keys = group.entity->table.key_columns;
  const auto refused = [&] {
    if (!prefix) {
      return Status(kSchemaError, "partitionKey must name exactly the partition key column '" + keys[0].name +
                                      "' with one value");
    }
    return Status(kSchemaError, "partitionKey must name a prefix of the primary key columns (" +
                                    keys[0].name + ", ...) with one value each");
  };
  if (s.names.empty() || s.names.size() > (prefix ? keys.size() : 1)) return refused();
  // key index of each name; the names must be exactly key columns 0..N-1 (in any order).
  thread_local std::vector<size_t> index_of_name;
  index_of_name.clear();
  uint64_t named = 0;  // bit per key column (tables have far fewer than 64 key columns)
  for (std::string_view name : s.names) {
    size_t k = 0;
    while (k < keys.size() && !EqualsIgnoreCase(keys[k].name, name)) ++k;
    if (k >= s.names.size() || k >= 64 || (named & (uint64_t{1} << k)) != 0) return refused();
    named |= uint64_t{1} << k;
    index_of_name.push_back(k);
  }
  if (s.key_values.size() < s.names.size()) s.key_values.resize(s.names.size());
  api::od::document doc;
  api::od::array array;
  OFS_RETURN_IF_ERROR(api::IterateArray(values_json, 4, &doc, &array, kRequestError, "partitionKey.values"));
  size_t values = 0;
  for (auto element : array) {
    codec::JsonScalar scalar;
    std::string_view raw;
    OFS_RETURN_IF_ERROR(api::ReadScalar(element, &scalar, &raw));
    if (values++ >= s.names.size()) continue;
    const model::ColumnSpec& column = keys[index_of_name[values - 1]];
    std::string& bytes = s.key_values[index_of_name[values - 1]];
    bytes.clear();
    Status converted = codec::AppendValue(column.type, scalar, &bytes);
    if (!converted.ok()) {
      return Status(kSchemaError, "partition key '" + column.name + "': " + std::string(converted.message()));
    }
  }
  if (values != s.names.size()) return refused();
  s.prefix_size = s.names.size();
  return Status::Ok();
}

void BeginRows(const catalog::GroupEntry& group, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("featureGroupName");
  out.String(group.meta.name);
  out.Key("featureGroupVersion");
  out.String(group.meta.version);
  out.Key("features");
  out.StartArray();
}

// Writes the scanned rows [from, to) (those with a requested non-key value; all when only key columns
// were requested).
void WriteRows(const catalog::GroupEntry& group, const PartitionScratch& s, size_t from, size_t to,
               codec::JsonWriter& out) {
  const storage::RowSet& rows = s.result.rows;
  const size_t width = group.entity->table.key_columns.size();
  for (size_t r = from; r < to; ++r) {
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
}

void EndRows(std::string_view next_page_token, codec::JsonWriter& out) {
  out.EndArray();
  if (!next_page_token.empty()) {
    std::string token;
    codec::Base64Encode(next_page_token, &token);
    out.Key("nextPageToken");
    out.String(token);
  }
  out.EndObject();
}

Status PartitionRead::Prepare(const UnitContext& context, std::string_view json) {
  PartitionRead& s = *this;
  s.Reset();
  const ServingDeps& deps = context.deps;
  const api::Call& call = context.call;
  GroupRef ref;
  std::string_view columns_json, key_json, token;
  bool has_token = false;
  int64_t limit = 0;
  OFS_RETURN_IF_ERROR(api::ForEachRootField(
      json, 1, kRequestError, "request body", [&](std::string_view key, api::JsonValue value) {
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

  OFS_ASSIGN_OR_RETURN(group, ResolveGroup(context.snapshot, ref.name, ref.version, call.darwin,
                                           call.principal, context.deps.catalog));
  OFS_RETURN_IF_ERROR(ParseColumns(columns_json, *group, s));
  OFS_RETURN_IF_ERROR(ParsePartitionKey(key_json, *group, /*prefix=*/call.darwin, s));

  size_t page = deps.limits.max_partition_rows;
  if (limit > 0 && static_cast<uint64_t>(limit) < page) page = static_cast<size_t>(limit);
  request = storage::ScanRequest{group->meta.tenant.read, &group->entity->table, s.partition_key(),
                                 s.value_column_ids,      s.page_token,          page};
  // A Darwin prefix read: the store seeks to the rows with the leading clustering values.
  s.clustering.assign(s.key_values.begin() + 1,
                      s.key_values.begin() + static_cast<std::ptrdiff_t>(s.prefix_size));
  request.clustering_prefix = s.clustering;
  return Status::Ok();
}

Status PartitionRead::Finish(std::span<const Status> statuses, codec::JsonWriter& out) {
  if (!statuses.empty() && !statuses[0].ok()) return statuses[0];
  BeginRows(*group, out);
  WriteRows(*group, *this, 0, result.rows.rows(), out);
  EndRows(result.next_page_token, out);
  return Status::Ok();
}

}  // namespace

const UnitFactory kPartitionReads{
    []() -> StoreUnit& {
      thread_local PartitionRead unit;
      return unit;
    },
    []() -> std::unique_ptr<StoreUnit> { return std::make_unique<PartitionRead>(); }};

}  // namespace ofs::serving
