// Tenants of feature groups (API.md sections 2 and 4): read and change one version's tenants, list
// tenant names, list the groups on a tenant, and move every group of a tenant to another. Tenant
// changes prepare the entity's table on the new read/write tenants.

#include <set>

#include "admin/handler_support.h"
#include "admin/handlers.h"
#include "admin/model_json.h"
#include "admin/scope.h"
#include "base/strings.h"

namespace ofs::admin {
namespace {

using http::Method;
constexpr ErrorCode kCode = ErrorCode::kInvalidRequest;

void WriteGroupTenant(const model::FeatureGroupMetadata& group, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("featureGroupName");
  out.String(group.name);
  out.Key("version");
  out.String(group.version);
  out.Key("tenant");
  WriteTenantConfig(group.tenant, out);
  out.EndObject();
}

// "read" | "write" | "consume" (case-insensitive), as the store names them.
Result<std::string> ParseTenantType(std::string_view type) {
  for (const char* kind : {"read", "write", "consume"}) {
    if (EqualsIgnoreCase(type, kind)) return std::string(kind);
  }
  return Status(kCode, "invalid tenant type '" + std::string(type) + "'",
                "tenant types are read, write, consume");
}

const std::string& TenantOf(const model::TenantConfig& tenant, std::string_view type) {
  return type == "read" ? tenant.read : type == "write" ? tenant.write : tenant.consume;
}

// ?name=&version= -> {"featureGroupName", "version", "tenant"}
Status GetTenant(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, RequiredQueryParam(call.request, "name"));
  OFS_ASSIGN_OR_RETURN(std::optional<std::string> version, VersionParam(call.request));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, deps.store->GetFeatureGroup(name, version));
  return Respond(response, [&](codec::JsonWriter& out) { WriteGroupTenant(group, out); });
}

// The Kafka topic a group's async writes go to: its consume tenant's topic (API.md section 6: one topic
// per consume tenant, the default tenant's topic is "default").
std::string TopicOf(const model::TenantConfig& tenant) {
  return tenant.consume == model::kDefaultTenant ? std::string("default") : tenant.consume;
}

// {name} or ?name=, optional ?version= -> {"featureGroupName", "topic"}
Status GetTopic(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(std::optional<std::string> version, VersionParam(call.request));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, deps.store->GetFeatureGroup(name, version));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("featureGroupName");
    out.String(group.name);
    out.Key("topic");
    out.String(TopicOf(group.tenant));
    out.EndObject();
  });
}

struct SetTenantBody {
  std::string name;
  std::optional<std::string> version;
  TenantPatch tenant;
  bool has_tenant = false;
};

Result<SetTenantBody> ParseSetTenantBody(const http::Request& request) {
  SetTenantBody body;
  OFS_RETURN_IF_ERROR(
      ForEachBodyField(request, kCode, false, [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "name")) return ReadOptionalText(v, &body.name, kCode, "name");
        if (EqualsIgnoreCase(key, "version")) return ReadOptionalVersion(v, &body.version, kCode);
        if (EqualsIgnoreCase(key, "tenant") && !IsNull(v)) {
          body.has_tenant = true;
          return ParseTenantPatch(v, kCode, &body.tenant);
        }
        return Status::Ok();
      }));
  if (body.name.empty()) return Status(kCode, "name is required");
  if (!body.has_tenant) return Status(kCode, "tenant is required", "{\"read\", \"write\", \"consume\"}");
  return body;
}

// Body {"name", "version"?, "tenant": {"read"?, "write"?, "consume"?}}; unset fields keep their value.
Status SetTenant(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(SetTenantBody body, ParseSetTenantBody(call.request));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group,
                       deps.store->GetFeatureGroup(body.name, body.version));
  model::TenantConfig tenant = group.tenant;
  body.tenant.ApplyTo(&tenant);
  // Every version before (whichever the change touches), the changed version's tenants after.
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  const model::TenantConfig* after[] = {&tenant};
  OFS_RETURN_IF_ERROR(scope.ChangeGroup(group.name, after));
  OFS_RETURN_IF_ERROR(
      deps.store->SetFeatureGroupTenant(group.name, group.version, tenant, deps.clock->NowMillis()));
  OFS_RETURN_IF_ERROR(Publish(deps));
  OFS_RETURN_IF_ERROR(EnsureTables(deps, group.feature_group.entity_name, {tenant.read, tenant.write}));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata updated,
                       deps.store->GetFeatureGroup(group.name, group.version));
  return Respond(response, [&](codec::JsonWriter& out) { WriteGroupTenant(updated, out); });
}

// Sorted distinct tenant names of every group version, the default tenant always included; a scoped
// token sees only its own tenants among them.
Status ListTenants(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> groups, deps.store->ListFeatureGroups(0));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  std::set<std::string> names = {model::kDefaultTenant};
  for (const auto& g : groups) names.insert({g.tenant.read, g.tenant.write, g.tenant.consume});
  std::erase_if(names, [&](const std::string& name) { return !scope.SeesTenant(name); });
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartArray();
    for (const auto& n : names) out.String(n);
    out.EndArray();
  });
}

// ?tenant-name=&tenant-type=read|write|consume -> metadata of every group version using that tenant
// (of the groups the caller may use).
Status ListGroupsOfTenant(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string tenant, RequiredQueryParam(call.request, "tenant-name"));
  OFS_ASSIGN_OR_RETURN(std::string type_text, RequiredQueryParam(call.request, "tenant-type"));
  OFS_ASSIGN_OR_RETURN(std::string type, ParseTenantType(type_text));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> groups, scope.ListFeatureGroups(0));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartArray();
    for (const auto& g : groups) {
      if (TenantOf(g.tenant, type) == tenant) WriteFeatureGroupMetadata(g, out);
    }
    out.EndArray();
  });
}

struct MoveBody {
  std::string type;
  std::string from;
  std::string to;
};

Result<MoveBody> ParseMoveBody(const http::Request& request) {
  MoveBody body;
  std::string type_text;
  OFS_RETURN_IF_ERROR(
      ForEachBodyField(request, kCode, false, [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "tenantType")) return ReadOptionalText(v, &type_text, kCode, "tenantType");
        if (EqualsIgnoreCase(key, "currentTenant")) {
          return ReadOptionalText(v, &body.from, kCode, "currentTenant");
        }
        if (EqualsIgnoreCase(key, "newTenant")) return ReadOptionalText(v, &body.to, kCode, "newTenant");
        return Status::Ok();
      }));
  if (type_text.empty() || body.from.empty() || body.to.empty()) {
    return Status(kCode, "tenantType, currentTenant and newTenant are required");
  }
  OFS_ASSIGN_OR_RETURN(body.type, ParseTenantType(type_text));
  if (!IsValidTenantName(body.to)) {
    return Status(kCode, "invalid tenant name '" + body.to + "'", "use 1-64 characters of [A-Za-z0-9_.-]");
  }
  return body;
}

// Prepares the tables of every entity whose groups now read or write on `tenant`.
Status EnsureTenantTables(const AdminDeps& deps, std::string_view type, std::string_view tenant) {
  if (type == "consume") return Status::Ok();  // a consume tenant names a topic, not a storage cluster
  std::shared_ptr<const catalog::Snapshot> snapshot = deps.catalog->CurrentShared();
  if (!snapshot) return Status::Ok();
  std::set<std::string> entities;
  for (const auto& group : snapshot->groups()) {
    if (group->entity != nullptr && TenantOf(group->meta.tenant, type) == tenant) {
      entities.insert(group->entity->meta.name);
    }
  }
  for (const auto& entity : entities) OFS_RETURN_IF_ERROR(EnsureTables(deps, entity, {tenant}));
  return Status::Ok();
}

// Body {"tenantType", "currentTenant", "newTenant"} -> {"updated": n}. A scoped token needs both tenants
// and every group the move changes in its scope (nothing moves otherwise).
Status MoveTenant(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(MoveBody body, ParseMoveBody(call.request));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.MoveTenant(body.type, body.from, body.to));
  OFS_ASSIGN_OR_RETURN(int64_t updated,
                       deps.store->MoveTenant(body.type, body.from, body.to, deps.clock->NowMillis()));
  OFS_RETURN_IF_ERROR(Publish(deps));
  OFS_RETURN_IF_ERROR(EnsureTenantTables(deps, body.type, body.to));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("updated");
    out.Int(updated);
    out.EndObject();
  });
}

}  // namespace

void RegisterTenantRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  using api::Role;
  endpoint.Add("tenant_get", Role::kReader,
               {{Method::kGet, "/v1/tenant"}, {Method::kGet, "/feature-group/tenant", true}},
               Bind(deps, &GetTenant));
  endpoint.Add("tenant_set", Role::kAdmin,
               {{Method::kPost, "/v1/tenant"}, {Method::kPost, "/feature-group/tenant", true}},
               Bind(deps, &SetTenant));
  endpoint.Add("tenant_list", Role::kReader, {{Method::kGet, "/tenant/list", true}},
               Bind(deps, &ListTenants));
  endpoint.Add("tenant_groups", Role::kReader, {{Method::kGet, "/tenant/feature-group/all", true}},
               Bind(deps, &ListGroupsOfTenant));
  endpoint.Add("tenant_move", Role::kAdmin, {{Method::kPut, "/tenant/all", true}}, Bind(deps, &MoveTenant));
  endpoint.Add(
      "topic", Role::kReader,
      {{Method::kGet, "/v1/feature-group/{name}/topic"}, {Method::kGet, "/feature-group/topic", true}},
      Bind(deps, &GetTopic));
}

}  // namespace ofs::admin
