// Darwin's legacy serving route POST /ofs/async-batch-write, which Darwin's Kafka consumer posts every v1
// batch to (so an existing Darwin consumer fleet can write through OFS during a migration). Despite its
// name it is synchronous. Shapes (Darwin's LegacyBatchWriteFeaturesRequest / LegacyFeatureStoreResponse):
//
//   {"Body": [{"EntityName": "u", "Entities": ["id"], "FeatureGroup": "g", "Features": {"id": 1, "v": 2}}]}
//   200 {"code": 200, "data": {"Success": true, "Message": "Total successfulRecords: N",
//        "Successful_records": N, "Failed_records": [{"Success": false, "Err": "...", "Record": {...}}]}}
//
// Each record is one row of the latest version of FeatureGroup (names matched in any letter case, as
// Darwin lower-cased them); the entity fields are not used. A record that fails (unknown group, a bad
// value or name) is listed with its reason and the others are written, all at one write time, replicated
// to the read tenant as Darwin did. Deliberate deviation: a store failure answers 503 STORE-UNAVAILABLE
// (Darwin's consumer retries a non-200 answer) where Darwin listed every record as failed.

#include "serving/legacy_handler.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "api/json_read.h"
#include "base/strings.h"
#include "codec/json_writer.h"
#include "ingest/row_batch.h"
#include "serving/group_resolver.h"

namespace ofs::serving {
namespace {

constexpr ErrorCode kCode = ErrorCode::kWriteFeatureGroupRequest;

struct LegacyRecord {
  std::string_view raw;  // the record as sent (a view into the body)
  std::string group;
  std::string features;  // raw JSON object
  std::string error;     // why it failed; empty when written
};

Status ReadRecord(std::string_view raw, LegacyRecord* record) {
  bool has_features = false;
  OFS_RETURN_IF_ERROR(
      api::ForEachRootField(raw, 1, kCode, "Body[]", [&](std::string_view key, api::JsonValue value) {
        if (EqualsIgnoreCase(key, "FeatureGroup")) {
          std::string_view name;
          OFS_RETURN_IF_ERROR(api::ReadString(std::move(value), &name, kCode, "FeatureGroup"));
          record->group.assign(name);
        } else if (EqualsIgnoreCase(key, "Features")) {
          std::string_view features;
          OFS_RETURN_IF_ERROR(api::ReadRawContainer(std::move(value), &features, kCode, "Features"));
          record->features.assign(features);
          has_features = true;
        }
        return Status::Ok();
      }));
  if (record->group.empty()) return Status(kCode, "FeatureGroup is required");
  if (!has_features) return Status(kCode, "Features is required");
  return Status::Ok();
}

Status LegacyBatchWrite(const ServingDeps& deps, const api::Call& call, http::Response& response) {
  std::vector<LegacyRecord> records;
  bool has_body = false;
  OFS_RETURN_IF_ERROR(api::ForEachRootField(
      call.request.body, 0, kCode, "request body", [&](std::string_view key, api::JsonValue value) {
        if (!EqualsIgnoreCase(key, "Body")) return Status::Ok();
        has_body = true;
        api::od::array body;
        if (auto error = std::move(value).get_array().get(body)) return api::JsonError(error, kCode, "Body");
        for (auto element : body) {
          if (records.size() >= deps.limits.max_rows_per_write) {
            return Status(kCode, "too many records in one request (limit " +
                                     std::to_string(deps.limits.max_rows_per_write) + ")");
          }
          LegacyRecord& record = records.emplace_back();
          OFS_RETURN_IF_ERROR(api::ReadRawContainer(element, &record.raw, kCode, "Body[]"));
        }
        return Status::Ok();
      }));
  if (!has_body) return Status(kCode, "Body is required");
  for (LegacyRecord& record : records) {
    if (Status read = ReadRecord(record.raw, &record); !read.ok()) record.error = std::string(read.message());
  }
  std::shared_ptr<const catalog::Snapshot> snapshot = deps.catalog->CurrentShared();
  if (snapshot == nullptr) return Status(ErrorCode::kMetastoreUnavailable, "catalog not loaded yet");
  // On a serve node, a group created on `ofs admin` a moment ago may be missing from the catalog: one
  // check of the metadata store (this runs on a worker thread: it may block) before a record fails for it.
  if (deps.refresher != nullptr) {
    const bool missing = std::any_of(records.begin(), records.end(), [&](const LegacyRecord& r) {
      return r.error.empty() && snapshot->FindGroup(r.group, std::nullopt) == nullptr;
    });
    if (missing && deps.refresher->RefreshNow().ok()) snapshot = deps.catalog->CurrentShared();
  }
  thread_local ingest::RowBatch batch(nullptr, ingest::RowBatchLimits{.max_value_bytes = SIZE_MAX});
  batch.Clear();
  batch.Use(snapshot);
  const int64_t write_time = deps.write_clock->Next();
  for (LegacyRecord& record : records) {
    if (!record.error.empty()) continue;
    Result<const catalog::GroupEntry*> group =
        ResolveGroup(*snapshot, record.group, "", /*darwin=*/true, call.principal, nullptr);
    if (!group.ok()) {
      if (group.status().code() == ErrorCode::kForbidden) return group.status();
      record.error = std::string(group.status().message());
      continue;
    }
    if (auto rejection = batch.AddRow(**group, record.features, write_time, /*replicate=*/true)) {
      record.error = rejection->message;
    }
  }
  Status written = batch.Write(*deps.store);
  batch.Clear();
  OFS_RETURN_IF_ERROR(written);

  size_t successful = 0;
  for (const LegacyRecord& record : records) successful += record.error.empty() ? 1 : 0;
  codec::JsonWriter out(&response.body);
  out.StartObject();
  out.Key("code");
  out.Int(200);
  out.Key("data");
  out.StartObject();
  out.Key("Success");
  out.Bool(true);
  out.Key("Message");
  out.String("Total successfulRecords: " + std::to_string(successful));
  out.Key("Successful_records");
  out.Int(static_cast<int64_t>(successful));
  out.Key("Failed_records");
  out.StartArray();
  for (const LegacyRecord& record : records) {
    if (record.error.empty()) continue;
    out.StartObject();
    out.Key("Success");
    out.Bool(false);
    out.Key("Err");
    out.String(record.error);
    out.Key("Record");
    out.Raw(record.raw);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  out.EndObject();
  return Status::Ok();
}

}  // namespace

void RegisterLegacyRoutes(api::Endpoint& endpoint, const ServingDeps& deps) {
  endpoint.Add("legacy_batch_write", api::Role::kWriter,
               {{http::Method::kPost, "/ofs/async-batch-write", true}},
               api::Offload(deps.offload, [deps](const api::Call& call, http::Response& response) {
                 return LegacyBatchWrite(deps, call, response);
               }));
}

}  // namespace ofs::serving
