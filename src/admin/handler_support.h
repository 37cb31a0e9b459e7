#pragma once
// Internal to admin: what the handler files share — request parameters, body field iteration, the
// success envelope, and publishing a mutation (catalog refresh).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/admin.h"
#include "admin/json_fields.h"
#include "api/envelope.h"
#include "codec/json_writer.h"
#include "model/types.h"

namespace ofs::admin {

// An admin handler with its dependencies passed explicitly; Bind adapts it to api::ApiHandler, run on
// deps.offload's worker pool.
using AdminHandler = Status (*)(const AdminDeps& deps, const api::Call& call, http::Response& response);
api::ApiHandler Bind(const AdminDeps& deps, AdminHandler handler);

// Writes {"data": <what write emits>} and returns OK.
template <typename Write>
Status Respond(http::Response& response, Write&& write) {
  codec::JsonWriter out = api::BeginData(response);
  write(out);
  api::EndData(out);
  return Status::Ok();
}

// Writes what `write` emits, wrapped in {"metadata": ...} on Darwin paths (Darwin's metadata answers).
template <typename Write>
void WrapMetadata(const api::Call& call, codec::JsonWriter& out, Write&& write) {
  if (call.darwin) {
    out.StartObject();
    out.Key("metadata");
  }
  write();
  if (call.darwin) out.EndObject();
}

// {"data": {"state": "<state>"}}: the Darwin answer of a state change (its request body).
Status RespondState(http::Response& response, model::State state);

// --- request parameters (INVALID_REQUEST on every problem) ---

// The query parameter, or INVALID_REQUEST when it is absent or empty.
Result<std::string> RequiredQueryParam(const http::Request& request, std::string_view name);
// The {name} path segment on v1 paths, else the required `name` query parameter.
Result<std::string> NameParam(const api::Call& call);
// The `version` query parameter: nullopt (latest) when absent, empty or "null".
Result<std::optional<std::string>> VersionParam(const http::Request& request);
// An integer query parameter within [min, max]; `fallback` when absent or empty. Errors carry `code`.
Result<int64_t> IntQueryParam(const http::Request& request, std::string_view name, int64_t fallback,
                              int64_t min, int64_t max, ErrorCode code);

// The group version `name` / `version` names (nullopt = latest). On Darwin paths an unknown version is
// FEATURE-GROUP-NOT-FOUND-EXCEPTION (404), as Darwin answered; /v1 paths keep
// FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION. Other store errors pass through.
Result<model::FeatureGroupMetadata> LookupGroup(const AdminDeps& deps, const api::Call& call,
                                                std::string_view name,
                                                std::optional<std::string_view> version);

// --- bodies ---

// Calls `each` for every field of the request body's root object (parser slot 0). An empty body is an
// empty object when `optional`, else an error with `code`.
Status ForEachBodyField(const http::Request& request, ErrorCode code, bool optional,
                        const FieldVisitor& each);
// The "state" of a state-change body; INVALID_REQUEST when missing or not LIVE/ARCHIVED.
Result<model::State> StateBody(const http::Request& request);

// --- publishing mutations ---

// Refreshes the catalog after a committed mutation so that serving sees it at once. Mutations that
// change storage go through SchemaChange (schema_change.h) instead.
Status Publish(const AdminDeps& deps);

}  // namespace ofs::admin
