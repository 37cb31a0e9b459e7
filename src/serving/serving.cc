#include "serving/serving.h"

#include <string>

#include "api/envelope.h"
#include "api/json_read.h"
#include "base/strings.h"
#include "serving/handlers.h"

namespace ofs::serving {
namespace {

using http::Method;

Result<const catalog::Snapshot*> CurrentSnapshot(const ServingDeps& deps) {
  const catalog::Snapshot* snapshot = deps.catalog->Current();
  if (snapshot == nullptr) {
    return Result<const catalog::Snapshot*>(ErrorCode::kMetastoreUnavailable, "catalog not loaded yet");
  }
  return snapshot;
}

using OneHandler = Status (*)(const ServingDeps&, const api::Call&, const catalog::Snapshot&,
                              std::string_view, codec::JsonWriter&);

// {"data": <payload of one request>}
api::ApiHandler Single(const ServingDeps& deps, OneHandler one) {
  return [deps, one](const api::Call& call, http::Response& response) -> Status {
    OFS_ASSIGN_OR_RETURN(const catalog::Snapshot* snapshot, CurrentSnapshot(deps));
    codec::JsonWriter out = api::BeginData(response);
    OFS_RETURN_IF_ERROR(one(deps, call, *snapshot, call.request.body, out));
    api::EndData(out);
    return Status::Ok();
  };
}

// Reads the raw JSON of each element of the body's "batches" array (parser slot 0).
Status ForEachBatch(const ServingDeps& deps, std::string_view body, ErrorCode code,
                    const std::function<void(std::string_view batch)>& each) {
  bool has_batches = false;
  OFS_RETURN_IF_ERROR(
      api::ForEachRootField(body, 0, code, "request body", [&](std::string_view key, api::JsonValue value) {
        if (!EqualsIgnoreCase(key, "batches")) return Status::Ok();
        has_batches = true;
        api::od::array batches;
        auto error = std::move(value).get_array().get(batches);
        if (error) return api::JsonError(error, code, "batches (expected an array)");
        size_t count = 0;
        for (auto element : batches) {
          if (++count > deps.limits.max_batches) {
            return Status(code, "too many batches (limit " + std::to_string(deps.limits.max_batches) + ")");
          }
          std::string_view batch;
          OFS_RETURN_IF_ERROR(api::ReadRawContainer(element, &batch, code, "batches[]"));
          each(batch);
        }
        return Status::Ok();
      }));
  if (!has_batches) return Status(code, "batches is required");
  return Status::Ok();
}

// Best effort: the featureGroupName / featureGroupVersion of a failed batch, for its error entry.
void WriteBatchIdentity(std::string_view batch, codec::JsonWriter& out) {
  api::od::document doc;
  api::od::object object;
  if (!api::IterateObject(batch, 1, &doc, &object, ErrorCode::kInvalidRequest).ok()) return;
  for (auto field : object) {
    std::string_view key, value;
    if (field.unescaped_key().get(key)) return;
    bool name = EqualsIgnoreCase(key, "featureGroupName");
    bool version = EqualsIgnoreCase(key, "featureGroupVersion");
    if ((name || version) && !field.value().get_string().get(value)) {
      out.Key(name ? "featureGroupName" : "featureGroupVersion");
      out.String(value);
    }
  }
}

Status MultiRead(const ServingDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(const catalog::Snapshot* snapshot, CurrentSnapshot(deps));
  codec::JsonWriter out = api::BeginData(response);
  out.StartArray();
  bool first = true;
  OFS_RETURN_IF_ERROR(ForEachBatch(deps, call.request.body, ErrorCode::kMultiReadFeatureGroupRequest,
                                   [&](std::string_view batch) {
                                     if (!first) response.body.push_back(',');
                                     first = false;
                                     size_t item_start = response.body.size();
                                     codec::JsonWriter item(&response.body);
                                     Status status = ReadOne(deps, call, *snapshot, batch, item);
                                     if (status.ok()) return;
                                     // A failing batch does not fail the others: replace its partial output
                                     // by an error entry.
                                     response.body.resize(item_start);
                                     codec::JsonWriter error(&response.body);
                                     error.StartObject();
                                     WriteBatchIdentity(batch, error);
                                     error.Key("error");
                                     error.String(status.message());
                                     error.EndObject();
                                   }));
  out.EndArray();
  api::EndData(out);
  return Status::Ok();
}

Status BatchWrite(const ServingDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(const catalog::Snapshot* snapshot, CurrentSnapshot(deps));
  RequestWrites writes{call.request.CanSuspend()};
  // Failed batches are collected aside and appended after the successful ones.
  thread_local std::string failed;
  failed.clear();
  codec::JsonWriter failed_out(&failed);
  codec::JsonWriter out = api::BeginData(response);
  out.StartObject();
  out.Key("batches");
  out.StartArray();
  bool first = true;
  OFS_RETURN_IF_ERROR(ForEachBatch(deps, call.request.body, ErrorCode::kWriteFeatureGroupRequest,
                                   [&](std::string_view batch) {
                                     size_t mark = response.body.size();
                                     if (!first) response.body.push_back(',');
                                     codec::JsonWriter item(&response.body);
                                     Status status = WriteOne(deps, call, *snapshot, batch, item, &writes);
                                     if (status.ok()) {
                                       first = false;
                                       return;
                                     }
                                     response.body.resize(mark);
                                     failed_out.StartObject();
                                     failed_out.Key("error");
                                     failed_out.String(status.message());
                                     failed_out.Key("code");
                                     failed_out.String(ErrorCodeName(status.code()));
                                     failed_out.Key("batch");
                                     failed_out.Raw(batch);
                                     failed_out.EndObject();
                                   }));
  out.EndArray();
  out.Key("failedBatches");
  out.StartArray();
  response.body.append(failed);
  out.EndArray();
  out.EndObject();
  api::EndData(out);
  return AwaitDurability(deps, call.request, writes);
}

Status Write(const ServingDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(const catalog::Snapshot* snapshot, CurrentSnapshot(deps));
  RequestWrites writes{call.request.CanSuspend()};
  codec::JsonWriter out = api::BeginData(response);
  OFS_RETURN_IF_ERROR(WriteOne(deps, call, *snapshot, call.request.body, out, &writes));
  api::EndData(out);
  return AwaitDurability(deps, call.request, writes);
}

}  // namespace

void RegisterServingRoutes(api::Endpoint& endpoint, const ServingDeps& registration) {
  using api::Role;
  ServingDeps deps = registration;
  deps.write_clock = std::make_shared<WriteClock>(deps.clock);
  endpoint.Add("read", Role::kReader,
               {{Method::kPost, "/v1/feature-group/read"},
                {Method::kGet, "/v1/feature-group/read"},
                {Method::kGet, "/feature-group/read-features", true},
                {Method::kPost, "/feature-group/read-features", true}},
               Single(deps, &ReadOne));
  endpoint.Add(
      "multi_read", Role::kReader,
      {{Method::kPost, "/v1/feature-group/multi-read"},
       {Method::kGet, "/v1/feature-group/multi-read"},
       {Method::kGet, "/feature-group/multi-read-features", true},
       {Method::kPost, "/feature-group/multi-read-features", true}},
      [deps](const api::Call& call, http::Response& response) { return MultiRead(deps, call, response); });
  endpoint.Add("partition_read", Role::kReader,
               {{Method::kPost, "/v1/feature-group/partition/read"},
                {Method::kGet, "/v1/feature-group/partition/read"},
                {Method::kGet, "/feature-group/read-partition", true},
                {Method::kPost, "/feature-group/read-partition", true}},
               Single(deps, &ReadPartition));
  endpoint.Add(
      "write", Role::kWriter,
      {{Method::kPost, "/v1/feature-group/write"}, {Method::kPost, "/feature-group/write-features-v2", true}},
      [deps](const api::Call& call, http::Response& response) { return Write(deps, call, response); });
  endpoint.Add(
      "batch_write", Role::kWriter,
      {{Method::kPost, "/v1/feature-group/batch-write"},
       {Method::kPost, "/feature-group/write-features-v1", true}},
      [deps](const api::Call& call, http::Response& response) { return BatchWrite(deps, call, response); });
}

}  // namespace ofs::serving
