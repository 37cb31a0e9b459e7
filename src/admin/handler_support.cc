#include "admin/handler_support.h"

#include <memory>
#include <string>

#include "base/strings.h"

namespace ofs::admin {

api::ApiHandler Bind(const AdminDeps& deps, AdminHandler handler) {
  return api::Offload(deps.offload, [deps, handler](const api::Call& call, http::Response& response) {
    Status status = handler(deps, call, response);
    // The catalog now holds this request's change (a mutation refreshes it before answering).
    if (status.ok() && deps.catalog != nullptr) {
      if (std::shared_ptr<const catalog::Snapshot> snapshot = deps.catalog->CurrentShared()) {
        response.headers.emplace_back(catalog::kCatalogVersionHeader,
                                      std::to_string(snapshot->change_counter()));
      }
    }
    return status;
  });
}

Status RespondState(http::Response& response, model::State state) {
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("state");
    out.String(model::StateName(state));
    out.EndObject();
  });
}

Result<std::string> RequiredQueryParam(const http::Request& request, std::string_view name) {
  std::string value;
  if (!request.QueryParam(name, &value) || value.empty()) {
    return Status(ErrorCode::kInvalidRequest, "query parameter '" + std::string(name) + "' is required");
  }
  return value;
}

Result<std::string> NameParam(const api::Call& call) {
  std::string_view from_path = call.params.Get("name");
  if (!from_path.empty()) return std::string(from_path);
  return RequiredQueryParam(call.request, "name");
}

Result<std::optional<std::string>> VersionParam(const http::Request& request) {
  std::string value;
  if (!request.QueryParam("version", &value) || value.empty() || value == "null") {
    return std::optional<std::string>();
  }
  OFS_ASSIGN_OR_RETURN(std::string version, NormalizeVersion(value));
  return std::optional<std::string>(std::move(version));
}

Result<int64_t> IntQueryParam(const http::Request& request, std::string_view name, int64_t fallback,
                              int64_t min, int64_t max, ErrorCode code) {
  std::string text;
  if (!request.QueryParam(name, &text) || text.empty()) return fallback;
  int64_t value = 0;
  if (!ParseInt64(text, &value) || value < min || value > max) {
    return Status(code, "query parameter '" + std::string(name) + "' must be an integer in [" +
                            std::to_string(min) + ", " + std::to_string(max) + "], got '" + text + "'");
  }
  return value;
}

Result<model::FeatureGroupMetadata> LookupGroup(const AdminDeps& deps, const api::Call& call,
                                                std::string_view name,
                                                std::optional<std::string_view> version) {
  Result<model::FeatureGroupMetadata> group = deps.store->GetFeatureGroup(name, version);
  if (call.darwin && !group.ok() && group.status().code() == ErrorCode::kFeatureGroupVersionNotFound) {
    return Status(ErrorCode::kFeatureGroupNotFound, std::string(group.status().message()),
                  std::string(group.status().cause()));
  }
  return group;
}

Status ForEachBodyField(const http::Request& request, ErrorCode code, bool optional,
                        const FieldVisitor& each) {
  if (optional && api::TrimJsonWhitespace(request.body).empty()) return Status::Ok();
  return ForEachRootField(request.body, code, each);
}

Result<model::State> StateBody(const http::Request& request) {
  std::string text;
  OFS_RETURN_IF_ERROR(ForEachBodyField(
      request, ErrorCode::kInvalidRequest, false, [&](std::string_view key, od::value value) -> Status {
        if (!EqualsIgnoreCase(key, "state")) return Status::Ok();
        return ReadOptionalText(value, &text, ErrorCode::kInvalidRequest, "state");
      }));
  if (text.empty()) {
    return Status(ErrorCode::kInvalidRequest, "state is required", "state is LIVE or ARCHIVED");
  }
  std::optional<model::State> state = model::ParseState(text);
  if (!state) {
    return Status(ErrorCode::kInvalidRequest, "invalid state '" + text + "'", "state is LIVE or ARCHIVED");
  }
  return *state;
}

Status Publish(const AdminDeps& deps) { return deps.catalog->Refresh(); }

}  // namespace ofs::admin
