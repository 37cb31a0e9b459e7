// Tenants of feature groups (API.md sections 2 and 4): read and change a group's tenants (v1: one
// version; Darwin: every version), list tenant names per type, list the groups on a tenant, move every
// group of a tenant to another, and the Kafka topic of a group. Tenant changes prepare the entity's
// table on the new read/write tenants.

#include <set>

#include "admin/handler_support.h"
#include "admin/handlers.h"
#include "admin/model_json.h"
#include "admin/schema_change.h"
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

// The tenant of `kind` ("read" | "write" | "consume").
const std::string& TenantOf(const model::TenantConfig& tenant, std::string_view type) {
  return type == "read" ? tenant.read : type == "write" ? tenant.write : tenant.consume;
}

// A tenant type: Darwin's name (READER, WRITER, CONSUMER, ALL) and the store's kind ("read", "write",
// "consume"; empty for ALL).
struct TenantType {
  std::string_view darwin;
  std::string_view kind;
};

constexpr TenantType kTenantTypes[] = {
    {"READER", "read"}, {"WRITER", "write"}, {"CONSUMER", "consume"}, {"ALL", ""}};

// READER | WRITER | CONSUMER | ALL (Darwin's names), or read | write | consume (the store's), in any
// letter case. ALL only when `allow_all`.
Result<TenantType> ParseTenantType(std::string_view text, bool allow_all) {
  for (const TenantType& type : kTenantTypes) {
    if (type.kind.empty() && !allow_all) continue;
    if (EqualsIgnoreCase(text, type.darwin) || (!type.kind.empty() && EqualsIgnoreCase(text, type.kind))) {
      return type;
    }
  }
  return Status(kCode, "invalid tenant type '" + std::string(text) + "'",
                allow_all ? "tenant types are READER, WRITER, CONSUMER, ALL"
                          : "tenant types are READER, WRITER, CONSUMER");
}

// True when the `type` tenant of `tenant` is `name` (any of the three for ALL).
bool UsesTenant(const model::TenantConfig& tenant, const TenantType& type, std::string_view name) {
  if (type.kind.empty()) return tenant.read == name || tenant.write == name || tenant.consume == name;
  return TenantOf(tenant, type.kind) == name;
}

// {"featureGroupName", "tenantConfig"}: Darwin's tenant of a group.
void WriteDarwinGroupTenant(std::string_view name, const model::TenantConfig& tenant,
                            codec::JsonWriter& out) {
  out.StartObject();
  out.Key("featureGroupName");
  out.String(name);
  out.Key("tenantConfig");
  WriteTenantConfig(tenant, out);
  out.EndObject();
}

// v1: ?name=&version= -> {"featureGroupName", "version", "tenant"}.
// Darwin: ?feature-group-name= -> {"featureGroupName", "tenantConfig"} of the latest version.
Status GetTenant(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  if (call.darwin) {
    OFS_ASSIGN_OR_RETURN(std::string name, RequiredQueryParam(call.request, "feature-group-name"));
    OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
    OFS_RETURN_IF_ERROR(scope.UseGroup(name));
    OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, LookupGroup(deps, call, name, std::nullopt));
    return Respond(response,
                   [&](codec::JsonWriter& out) { WriteDarwinGroupTenant(group.name, group.tenant, out); });
  }
  OFS_ASSIGN_OR_RETURN(std::string name, RequiredQueryParam(call.request, "name"));
  OFS_ASSIGN_OR_RETURN(std::optional<std::string> version, VersionParam(call.request));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, LookupGroup(deps, call, name, version));
  return Respond(response, [&](codec::JsonWriter& out) { WriteGroupTenant(group, out); });
}

// The Kafka topic a group's async writes go to: its consume tenant's registered topic, else
// default-tenant's, else "default" (catalog::Snapshot::TopicOfTenant; docs/ingestion.md, "Topics").
std::string TopicOf(const AdminDeps& deps, const model::TenantConfig& tenant) {
  std::shared_ptr<const catalog::Snapshot> snapshot = deps.catalog->CurrentShared();
  return snapshot ? snapshot->TopicOfTenant(tenant.consume, deps.topic_prefix)
                  : deps.topic_prefix + "default";
}

// {name} or ?name=, optional ?version= -> {"featureGroupName", "topic"}
Status GetTopic(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(std::optional<std::string> version, VersionParam(call.request));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, LookupGroup(deps, call, name, version));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("featureGroupName");
    out.String(group.name);
    out.Key("topic");
    out.String(TopicOf(deps, group.tenant));
    out.EndObject();
  });
}

// Darwin's legacy GET /feature-group/{name}/topic (its SDKs call it): the latest version's topic in
// Darwin's legacy envelope {"message": "...", "data": {"topic"}} instead of the usual {"data": ...}.
// Errors keep the usual error envelope.
Status GetTopicLegacy(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, LookupGroup(deps, call, name, std::nullopt));
  codec::JsonWriter out(&response.body);
  out.StartObject();
  out.Key("message");
  out.String("Feature Group Topic Details Fetched Successfully");
  out.Key("data");
  out.StartObject();
  out.Key("topic");
  out.String(TopicOf(deps, group.tenant));
  out.EndObject();
  out.EndObject();
  return Status::Ok();
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

// Darwin's body {"featureGroupName", "tenantConfig": {"read"?, "write"?, "consume"?}}.
Result<SetTenantBody> ParseDarwinSetTenantBody(const http::Request& request) {
  SetTenantBody body;
  OFS_RETURN_IF_ERROR(
      ForEachBodyField(request, kCode, false, [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "featureGroupName")) {
          return ReadOptionalText(v, &body.name, kCode, "featureGroupName");
        }
        if (EqualsIgnoreCase(key, "tenantConfig") && !IsNull(v)) {
          body.has_tenant = true;
          return ParseTenantPatch(v, kCode, &body.tenant);
        }
        return Status::Ok();
      }));
  if (body.name.empty()) return Status(kCode, "featureGroupName is required");
  if (!body.has_tenant) {
    return Status(kCode, "tenantConfig is required", "{\"read\", \"write\", \"consume\"}");
  }
  return body;
}

// Prepares `entity`'s table, as committed, on the read and write tenants of `tenant` (a consume tenant
// names a Kafka topic, not storage).
Status PrepareOnTenants(SchemaChange& change, std::string_view entity, const model::TenantConfig& tenant) {
  const catalog::EntityEntry* entry = change.before().FindEntity(entity);
  if (entry == nullptr) return Status::Ok();  // a group without its entity: nothing to prepare
  return change.Prepare(entry->table, {tenant.read, tenant.write});
}

// The error of the commit of versions[failed], saying which versions were changed before it.
Status PartlyCommitted(const Status& error, const std::vector<model::FeatureGroupMetadata>& versions,
                       size_t failed) {
  if (failed == 0) return error;
  std::string done;
  for (size_t i = 0; i < failed; ++i) done += (i == 0 ? "" : ", ") + versions[i].version;
  std::string cause(error.cause());
  cause += std::string(cause.empty() ? "" : "; ") + "versions " + done + " were changed before the failure";
  return Status(error.code(), std::string(error.message()), std::move(cause));
}

// Darwin: the body's tenantConfig over the latest version's tenants, applied to EVERY version of the
// group (each version in its own commit); answers {"featureGroupName", "tenantConfig"} with the
// tenants now set (the body when it names all three).
Status SetDarwinTenant(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(SetTenantBody body, ParseDarwinSetTenantBody(call.request));
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> versions,
                       deps.store->ListFeatureGroupVersions(body.name));
  if (versions.empty()) {
    return Status(ErrorCode::kFeatureGroupNotFound, "feature group '" + body.name + "' not found");
  }
  model::TenantConfig tenant = versions.back().tenant;
  body.tenant.ApplyTo(&tenant);
  // Every version before, and every version after (they all end with `tenant`).
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  const model::TenantConfig* after[] = {&tenant};
  OFS_RETURN_IF_ERROR(scope.ChangeGroup(body.name, after));
  OFS_ASSIGN_OR_RETURN(SchemaChange change, SchemaChange::Begin(deps));
  OFS_RETURN_IF_ERROR(PrepareOnTenants(change, versions.back().feature_group.entity_name, tenant));
  for (size_t i = 0; i < versions.size(); ++i) {
    const model::FeatureGroupMetadata& version = versions[i];
    Status committed =
        deps.store->SetFeatureGroupTenant(version.name, version.version, tenant, deps.clock->NowMillis());
    if (!committed.ok()) return change.Fail(PartlyCommitted(committed, versions, i));
  }
  OFS_RETURN_IF_ERROR(change.Publish("the tenants of every version of feature group '" +
                                     versions.back().name + "' were changed"));
  return Respond(response, [&](codec::JsonWriter& out) { WriteDarwinGroupTenant(body.name, tenant, out); });
}

// v1 body {"name", "version"?, "tenant": {"read"?, "write"?, "consume"?}} sets one version (absent =
// latest); unset fields keep their value. Darwin: SetDarwinTenant.
Status SetTenant(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  if (call.darwin) return SetDarwinTenant(deps, call, response);
  OFS_ASSIGN_OR_RETURN(SetTenantBody body, ParseSetTenantBody(call.request));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, LookupGroup(deps, call, body.name, body.version));
  model::TenantConfig tenant = group.tenant;
  body.tenant.ApplyTo(&tenant);
  // Every version before (whichever the change touches), the changed version's tenants after.
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  const model::TenantConfig* after[] = {&tenant};
  OFS_RETURN_IF_ERROR(scope.ChangeGroup(group.name, after));
  OFS_ASSIGN_OR_RETURN(SchemaChange change, SchemaChange::Begin(deps));
  OFS_RETURN_IF_ERROR(PrepareOnTenants(change, group.feature_group.entity_name, tenant));
  Status committed =
      deps.store->SetFeatureGroupTenant(group.name, group.version, tenant, deps.clock->NowMillis());
  if (!committed.ok()) return change.Fail(std::move(committed));
  OFS_RETURN_IF_ERROR(change.Publish("the tenants of feature group '" + group.name + "' version " +
                                     group.version + " were changed"));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata updated,
                       deps.store->GetFeatureGroup(group.name, group.version));
  return Respond(response, [&](codec::JsonWriter& out) { WriteGroupTenant(updated, out); });
}

// {"tenants": [{"tenantType": "READER", "names": [...]}, WRITER, CONSUMER]}: per type, the sorted
// distinct tenants the group versions use (Darwin's shape); a scoped token sees only its own tenants.
Status ListTenants(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> groups, deps.store->ListFeatureGroups(0));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("tenants");
    out.StartArray();
    for (const TenantType& type : kTenantTypes) {
      if (type.kind.empty()) continue;
      std::set<std::string> names;
      for (const auto& g : groups) names.insert(TenantOf(g.tenant, type.kind));
      std::erase_if(names, [&](const std::string& name) { return !scope.SeesTenant(name); });
      out.StartObject();
      out.Key("tenantType");
      out.String(type.darwin);
      out.Key("names");
      out.StartArray();
      for (const auto& name : names) out.String(name);
      out.EndArray();
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
  });
}

// ?tenant-name=&tenant-type=READER|WRITER|CONSUMER|ALL (default ALL) -> {"featureGroups": [metadata of
// every group version using that tenant as that type]} (of the groups the caller may use).
Status ListGroupsOfTenant(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string tenant, RequiredQueryParam(call.request, "tenant-name"));
  std::string type_text;
  call.request.QueryParam("tenant-type", &type_text);
  OFS_ASSIGN_OR_RETURN(TenantType type, ParseTenantType(type_text.empty() ? "ALL" : type_text, true));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> groups, scope.ListFeatureGroups(0));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("featureGroups");
    out.StartArray();
    for (const auto& g : groups) {
      if (UsesTenant(g.tenant, type, tenant)) WriteFeatureGroupMetadata(g, out);
    }
    out.EndArray();
    out.EndObject();
  });
}

struct MoveBody {
  TenantType type;
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
  OFS_ASSIGN_OR_RETURN(body.type, ParseTenantType(type_text, /*allow_all=*/false));
  if (!IsValidTenantName(body.to)) {
    return Status(kCode, "invalid tenant name '" + body.to + "'", "use 1-64 characters of [A-Za-z0-9_.-]");
  }
  return body;
}

// Prepares, on `to`, the table of every entity with a group version whose `type` tenant is `from` (the
// versions a move will point at `to`). A consume tenant names a Kafka topic: nothing to prepare.
Status PrepareMove(SchemaChange& change, std::string_view type, std::string_view from, std::string_view to) {
  if (type == "consume" || from == to) return Status::Ok();
  std::set<const catalog::EntityEntry*> moving;
  for (const auto& group : change.before().groups()) {
    if (group->entity != nullptr && TenantOf(group->meta.tenant, type) == from) moving.insert(group->entity);
  }
  for (const auto& entity : change.before().entities()) {  // in the catalog's order
    if (moving.contains(entity.get())) OFS_RETURN_IF_ERROR(change.Prepare(entity->table, {to}));
  }
  return Status::Ok();
}

// Body {"tenantType" (READER | WRITER | CONSUMER), "currentTenant", "newTenant"}: points every group
// version's tenant of that type from currentTenant to newTenant. Answers the body (tenantType in
// Darwin's upper-case spelling) and, an OFS addition, "updated": the number of versions changed. A
// scoped token needs both tenants and every group the move changes in its scope (nothing moves
// otherwise).
Status MoveTenant(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(MoveBody body, ParseMoveBody(call.request));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.MoveTenant(body.type.kind, body.from, body.to));
  OFS_ASSIGN_OR_RETURN(SchemaChange change, SchemaChange::Begin(deps));
  OFS_RETURN_IF_ERROR(PrepareMove(change, body.type.kind, body.from, body.to));
  Result<int64_t> updated =
      deps.store->MoveTenant(body.type.kind, body.from, body.to, deps.clock->NowMillis());
  if (!updated.ok()) return change.Fail(std::move(updated).TakeStatus());
  OFS_RETURN_IF_ERROR(change.Publish(std::to_string(*updated) + " group versions were moved from " +
                                     std::string(body.type.kind) + " tenant '" + body.from + "' to '" +
                                     body.to + "'"));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("tenantType");
    out.String(body.type.darwin);
    out.Key("currentTenant");
    out.String(body.from);
    out.Key("newTenant");
    out.String(body.to);
    out.Key("updated");
    out.Int(*updated);
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
  endpoint.Add("topic_legacy", Role::kReader, {{Method::kGet, "/feature-group/{name}/topic", true}},
               Bind(deps, &GetTopicLegacy));
}

}  // namespace ofs::admin
