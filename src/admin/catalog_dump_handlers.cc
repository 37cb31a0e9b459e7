// Catalog dumps (API.md section 4) for serving nodes and Darwin clients: the v1 catalog (plain JSON)
// and the six Darwin dumps, whose payload is a string holding the JSON, raw-deflate compressed and
// base64 encoded unless the request sends `compressed-response: false`. A tenant-scoped caller gets
// only the groups and entities it may use (admin/scope.h).

#include <limits>

#include "admin/handler_support.h"
#include "admin/handlers.h"
#include "admin/model_json.h"
#include "admin/scope.h"
#include "api/headers.h"
#include "codec/raw_deflate.h"
#include "codec/value_codec.h"

namespace ofs::admin {
namespace {

using http::Method;

enum class Dump { kEntities, kFeatureGroups, kVersions };

// ?<name>= epoch ms (>= 0); `required` makes it mandatory, else it defaults to 0 (everything).
Result<int64_t> SinceParam(const http::Request& request, std::string_view name, bool required) {
  if (required) OFS_RETURN_IF_ERROR(RequiredQueryParam(request, name).status());
  return IntQueryParam(request, name, 0, 0, std::numeric_limits<int64_t>::max(), ErrorCode::kInvalidRequest);
}

// Writes `"key": [...]` of one dump kind, with everything updated at or after since_ms.
Status WriteDump(const Scope& scope, Dump dump, int64_t since_ms, codec::JsonWriter& out) {
  switch (dump) {
    case Dump::kEntities: {
      OFS_ASSIGN_OR_RETURN(std::vector<model::EntityMetadata> items, scope.ListEntities(since_ms));
      out.Key("entities");
      out.StartArray();
      for (const auto& item : items) WriteEntityMetadata(item, out);
      out.EndArray();
      return Status::Ok();
    }
    case Dump::kFeatureGroups: {
      OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> items, scope.ListFeatureGroups(since_ms));
      out.Key("featureGroups");
      out.StartArray();
      for (const auto& item : items) WriteFeatureGroupMetadata(item, out);
      out.EndArray();
      return Status::Ok();
    }
    case Dump::kVersions: {
      OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupVersion> items, scope.ListVersionHeads(since_ms));
      out.Key("versions");
      out.StartArray();
      for (const auto& item : items) WriteFeatureGroupVersion(item, out);
      out.EndArray();
      return Status::Ok();
    }
  }
  return Status(ErrorCode::kInternal, "unknown dump kind");
}

// GET /v1/catalog?since= -> {"entities", "featureGroups", "versions"} (plain JSON).
Status CatalogV1(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(int64_t since, SinceParam(call.request, "since", /*required=*/false));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  codec::JsonWriter out = api::BeginData(response);
  out.StartObject();
  for (Dump dump : {Dump::kEntities, Dump::kFeatureGroups, Dump::kVersions}) {
    OFS_RETURN_IF_ERROR(WriteDump(scope, dump, since, out));
  }
  out.EndObject();
  api::EndData(out);
  return Status::Ok();
}

// A Darwin dump: {"data": "<JSON text, or base64 of its raw deflate>"}.
Status DarwinDump(const AdminDeps& deps, const api::Call& call, http::Response& response, Dump dump,
                  bool updated) {
  int64_t since = 0;
  if (updated) {
    OFS_ASSIGN_OR_RETURN(since, SinceParam(call.request, "timestamp", /*required=*/true));
  }
  const bool compressed = api::FlagHeader(call.request, "compressed-response", true);
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  std::string json;
  codec::JsonWriter doc(&json);
  doc.StartObject();
  OFS_RETURN_IF_ERROR(WriteDump(scope, dump, since, doc));
  doc.EndObject();
  std::string encoded;
  if (compressed) {
    std::string deflated;
    OFS_RETURN_IF_ERROR(codec::RawDeflate(json, &deflated));
    codec::Base64Encode(deflated, &encoded);
  }
  return Respond(response, [&](codec::JsonWriter& out) { out.String(compressed ? encoded : json); });
}

template <Dump kDump, bool kUpdated>
Status DumpHandler(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  return DarwinDump(deps, call, response, kDump, kUpdated);
}

}  // namespace

void RegisterCatalogDumpRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  using api::Role;
  endpoint.Add("catalog", Role::kReader, {{Method::kGet, "/v1/catalog"}}, Bind(deps, &CatalogV1));
  endpoint.Add("dump_entities", Role::kReader, {{Method::kGet, "/entity/all", true}},
               Bind(deps, &DumpHandler<Dump::kEntities, false>));
  endpoint.Add("dump_entities_updated", Role::kReader, {{Method::kGet, "/entity/all-updated", true}},
               Bind(deps, &DumpHandler<Dump::kEntities, true>));
  endpoint.Add("dump_feature_groups", Role::kReader, {{Method::kGet, "/feature-group/all", true}},
               Bind(deps, &DumpHandler<Dump::kFeatureGroups, false>));
  endpoint.Add("dump_feature_groups_updated", Role::kReader,
               {{Method::kGet, "/feature-group/all-updated", true}},
               Bind(deps, &DumpHandler<Dump::kFeatureGroups, true>));
  endpoint.Add("dump_versions", Role::kReader, {{Method::kGet, "/feature-group/version/all", true}},
               Bind(deps, &DumpHandler<Dump::kVersions, false>));
  endpoint.Add("dump_versions_updated", Role::kReader,
               {{Method::kGet, "/feature-group/version/all-updated", true}},
               Bind(deps, &DumpHandler<Dump::kVersions, true>));
}

}  // namespace ofs::admin
