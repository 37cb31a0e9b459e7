// Ingestion run records (API.md section 4): recorded per feature-group version, listed newest first.

#include "admin/handler_support.h"
#include "admin/handlers.h"
#include "admin/model_json.h"
#include "admin/scope.h"

namespace ofs::admin {
namespace {

using http::Method;

constexpr int64_t kDefaultRuns = 100;
constexpr int64_t kMaxRuns = 1000;
constexpr int64_t kDarwinRuns = 5;  // Darwin's run-data listing: the newest five

// Darwin's answer of a recorded run: the request body {"name", "version"? (as sent, normalized),
// "runId", "timeTaken", "count", "sampleData"?, "errorMessage", "status"}.
void WriteDarwinRunBody(const RunCreate& create, std::string_view name, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("name");
  out.String(name);
  if (create.version) {
    out.Key("version");
    out.String(*create.version);
  }
  WriteRunFields(create.run, out);
  out.EndObject();
}

// Darwin's listed run: {"name", "version", "runId", "timeTaken", "count", "sampleData"?,
// "errorMessage", "status", "timestamp" (epoch ms it was recorded)}.
void WriteDarwinRun(const model::RunRecord& run, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("name");
  out.String(run.feature_group_name);
  out.Key("version");
  out.String(run.feature_group_version);
  WriteRunFields(run, out);
  out.Key("timestamp");
  out.Int(run.created_at);
  out.EndObject();
}

// Body {"name"? (Darwin; the v1 path names the group), "version"?, "runId", "timeTaken", "count",
// "sampleData", "errorMessage", "status"}; the run is recorded against the resolved version (absent
// = latest). Answers the stored record (Darwin path: the body). The body is JSON whatever the
// Content-Type says (Darwin's Spark writer sends JSON labelled application/x-www-form-urlencoded).
Status AddRun(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(RunCreate create, ParseRunCreate(call.request.body));
  std::string name(call.params.Get("name"));
  if (name.empty() && create.name) name = *create.name;
  if (name.empty()) return Status(ErrorCode::kInvalidRequest, "name is required");
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, LookupGroup(deps, call, name, create.version));
  model::RunRecord& run = create.run;
  run.feature_group_name = group.name;
  run.feature_group_version = group.version;
  run.created_at = deps.clock->NowMillis();
  OFS_RETURN_IF_ERROR(deps.store->AddRun(run));
  if (call.darwin)
    return Respond(response, [&](codec::JsonWriter& out) { WriteDarwinRunBody(create, name, out); });
  return Respond(response, [&](codec::JsonWriter& out) { WriteRunRecord(run, out); });
}

// ?version= (absent = latest) &limit= (default 100, at most 1000) -> [runs, newest first].
// Darwin path: the newest five, in Darwin's run shape (WriteDarwinRun); no limit parameter.
Status ListRuns(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(std::optional<std::string> version, VersionParam(call.request));
  int64_t limit = kDarwinRuns;
  if (!call.darwin) {
    OFS_ASSIGN_OR_RETURN(
        limit, IntQueryParam(call.request, "limit", kDefaultRuns, 1, kMaxRuns, ErrorCode::kInvalidRequest));
  }
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, LookupGroup(deps, call, name, version));
  OFS_ASSIGN_OR_RETURN(std::vector<model::RunRecord> runs,
                       deps.store->ListRuns(group.name, std::string_view(group.version), limit));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartArray();
    for (const auto& run : runs) call.darwin ? WriteDarwinRun(run, out) : WriteRunRecord(run, out);
    out.EndArray();
  });
}

}  // namespace

void RegisterRunRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  using api::Role;
  endpoint.Add(
      "run_add", Role::kWriter,
      {{Method::kPost, "/v1/feature-group/{name}/runs"}, {Method::kPost, "/feature-group/run-data", true}},
      Bind(deps, &AddRun));
  endpoint.Add(
      "run_list", Role::kReader,
      {{Method::kGet, "/v1/feature-group/{name}/runs"}, {Method::kGet, "/feature-group/run-data", true}},
      Bind(deps, &ListRuns));
}

}  // namespace ofs::admin
