// Bulk load jobs (docs/ingestion.md, "Load jobs"): POST /v1/load records a job that workers (`ofs populate`,
// the one inside `ofs standalone`) run; GET /v1/load/{id} and GET /v1/load tell how far they are.

#include <charconv>

#include "admin/handler_support.h"
#include "admin/handlers.h"
#include "admin/scope.h"
#include "base/strings.h"
#include "populate/load_request.h"

namespace ofs::admin {
namespace {

using http::Method;

constexpr int64_t kDefaultJobs = 20;
constexpr int64_t kMaxJobs = 1000;

// {"id", "state", "tablePath", "featureGroupName", "featureGroupVersion", "runId", "tableVersion"?,
//  "filesDone", "filesTotal", "rowsLoaded", "rowsFailed", "rowsTotal"?, "rowsPerSecond", "etaSeconds"?,
//  "error"?, "errorSample"?, "createdAt", "startedAt"?, "finishedAt"?, "sink"}
void WriteJob(const model::LoadJob& job, int64_t now_ms, codec::JsonWriter& out) {
  Result<populate::LoadRequest> request = populate::DecodeStoredLoadRequest(job.request);
  const populate::LoadSink sink = request.ok() ? request->sink : populate::LoadSink::kAuto;
  out.StartObject();
  out.Key("id");
  out.Int(job.id);
  out.Key("state");
  out.String(job.state);
  out.Key("tablePath");
  out.String(job.table_path);
  out.Key("featureGroupName");
  out.String(job.group_name);
  out.Key("featureGroupVersion");
  out.String(job.group_version);
  out.Key("runId");
  out.String(job.run_id);
  if (job.table_version >= 0) {
    out.Key("tableVersion");
    out.Int(job.table_version);
  }
  out.Key("filesDone");
  out.Int(job.files_done);
  out.Key("filesTotal");
  out.Int(job.files_total);
  out.Key("rowsLoaded");
  out.Int(job.rows_loaded);
  out.Key("rowsFailed");
  out.Int(job.rows_failed);
  if (job.rows_total >= 0) {
    out.Key("rowsTotal");
    out.Int(job.rows_total);
  }
  // Rate over the job's running time (to its end once it ended); ETA from the rows still to go.
  const int64_t end = job.finished_at > 0 ? job.finished_at : now_ms;
  const double seconds =
      job.started_at > 0 ? static_cast<double>(std::max<int64_t>(1, end - job.started_at)) / 1000 : 0;
  const int64_t done = job.rows_loaded + job.rows_failed;
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  out.Key("rowsPerSecond");
  out.Int(static_cast<int64_t>(rate));
  if (job.state == model::kLoadRunning && job.rows_total >= 0 && rate > 0) {
    out.Key("etaSeconds");
    out.Int(
        static_cast<int64_t>(static_cast<double>(std::max<int64_t>(0, job.rows_total - done)) / rate + 0.5));
  }
  if (!job.error.empty()) {
    out.Key("error");
    out.String(job.error);
  }
  if (!job.error_sample.empty()) {
    out.Key("errorSample");
    out.String(job.error_sample);
  }
  out.Key("createdAt");
  out.Int(job.created_at);
  if (job.started_at > 0) {
    out.Key("startedAt");
    out.Int(job.started_at);
  }
  if (job.finished_at > 0) {
    out.Key("finishedAt");
    out.Int(job.finished_at);
  }
  out.Key("sink");
  out.String(sink == populate::LoadSink::kKafka ? "kafka" : "store");  // a stored auto loads into the store
  out.EndObject();
}

// Body: populate/load_request.h. The group (and its version, default the latest) must exist and be LIVE
// now; the job keeps the resolved version. Answers {"id", "state"}.
Status CreateLoad(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(populate::LoadRequest request, populate::DecodeLoadRequest(call.request.body));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(request.group_name));
  std::optional<std::string_view> version;
  if (request.group_version) version = *request.group_version;
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group,
                       deps.store->GetFeatureGroup(request.group_name, version));
  if (group.state == model::State::kArchived) {
    return Status(ErrorCode::kFeatureGroupState,
                  "feature group " + group.name + " " + group.version + " is archived: no loads");
  }
  request.group_version = group.version;
  if (request.sink == populate::LoadSink::kAuto) {
    // Kafka when the group's consume tenant has a registered topic (a consumer fleet takes its writes) and
    // this node has Kafka; the workers then produce to it (docs/ingestion.md, "Loads through Kafka").
    request.sink = populate::LoadSink::kStore;
    if (deps.topics != nullptr) {
      OFS_ASSIGN_OR_RETURN(std::vector<model::ConsumerTopic> topics, deps.store->ListConsumerTopics());
      for (const model::ConsumerTopic& topic : topics) {
        if (topic.tenant == group.tenant.consume) request.sink = populate::LoadSink::kKafka;
      }
    }
  }
  const int64_t now = deps.clock->NowMillis();
  model::LoadJob job;
  job.group_name = group.name;
  job.group_version = group.version;
  job.table_path = request.table_path;
  job.run_id = request.run_id.empty() ? "load-" + std::to_string(now) : request.run_id;
  job.write_time_ms = request.timestamp_ms.value_or(now);
  job.created_at = now;
  job.request = populate::EncodeLoadRequest(request);
  OFS_ASSIGN_OR_RETURN(model::LoadJob created, deps.store->CreateLoadJob(job));
  if (deps.load_created) deps.load_created();
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("id");
    out.Int(created.id);
    out.Key("state");
    out.String(created.state);
    out.EndObject();
  });
}

Result<int64_t> JobIdParam(const api::Call& call) {
  const std::string_view text = call.params.Get("id");
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return Status(ErrorCode::kInvalidRequest,
                  "load job id '" + std::string(text) + "' is not a positive integer");
  }
  return id;
}

Status GetLoad(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(int64_t id, JobIdParam(call));
  OFS_ASSIGN_OR_RETURN(model::LoadJob job, deps.store->GetLoadJob(id));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(job.group_name));
  return Respond(response, [&](codec::JsonWriter& out) { WriteJob(job, deps.clock->NowMillis(), out); });
}

// ?limit= (default 20, at most 1000) &featureGroupName= (any letter case) &featureGroupVersion= &state= (each
// optional) -> the newest jobs first (of the groups a scoped token may use), filtered before the limit
// applies, among the newest 1000 jobs.
Status ListLoads(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(int64_t limit, IntQueryParam(call.request, "limit", kDefaultJobs, 1, kMaxJobs,
                                                    ErrorCode::kInvalidRequest));
  std::string group_filter, version_filter, state_filter;  // empty: any
  call.request.QueryParam("featureGroupName", &group_filter);
  call.request.QueryParam("featureGroupVersion", &version_filter);
  call.request.QueryParam("state", &state_filter);
  // The newest kMaxJobs, filtered by scope, then `limit` of them: a scoped token sees its own jobs even
  // when other tenants' are newer.
  OFS_ASSIGN_OR_RETURN(std::vector<model::LoadJob> jobs, deps.store->ListLoadJobs(kMaxJobs));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  const int64_t now = deps.clock->NowMillis();
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartArray();
    int64_t written = 0;
    for (const model::LoadJob& job : jobs) {
      if (written == limit) break;
      if (!group_filter.empty() && !EqualsIgnoreCase(job.group_name, group_filter))
        continue;  // as names match
      if (!version_filter.empty() && job.group_version != version_filter) continue;
      if (!state_filter.empty() && job.state != state_filter) continue;
      if (!scope.UseGroup(job.group_name).ok()) continue;
      WriteJob(job, now, out);
      ++written;
    }
    out.EndArray();
  });
}

}  // namespace

void RegisterLoadRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  using api::Role;
  endpoint.Add("load_create", Role::kWriter, {{Method::kPost, "/v1/load"}}, Bind(deps, &CreateLoad));
  endpoint.Add("load_get", Role::kReader, {{Method::kGet, "/v1/load/{id}"}}, Bind(deps, &GetLoad));
  endpoint.Add("load_list", Role::kReader, {{Method::kGet, "/v1/load"}}, Bind(deps, &ListLoads));
}

}  // namespace ofs::admin
