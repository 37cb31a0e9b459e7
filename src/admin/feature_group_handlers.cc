// Feature groups (API.md section 4): create / upgrade (metadata + storage), register (metadata only),
// metadata reads, schema, versions, state changes and the entity TTL set through a group.

#include "admin/handler_support.h"
#include "admin/handlers.h"
#include "admin/model_json.h"
#include "admin/schema_change.h"
#include "admin/scope.h"
#include "api/headers.h"
#include "base/strings.h"
#include "model/validation.h"

namespace ofs::admin {
namespace {

using http::Method;

// The group version the request names, once the caller may use the group (api/tenant_scope.h).
Result<model::FeatureGroupMetadata> GroupFromParams(const AdminDeps& deps, const api::Call& call) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(std::optional<std::string> version, VersionParam(call.request));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  return LookupGroup(deps, call, name, version);
}

// The group's latest version; nullopt when the group does not exist.
Result<std::optional<model::FeatureGroupMetadata>> LatestVersion(const AdminDeps& deps,
                                                                 std::string_view name) {
  Result<model::FeatureGroupMetadata> latest = deps.store->GetFeatureGroup(name, std::nullopt);
  if (latest.ok()) return std::optional<model::FeatureGroupMetadata>(std::move(latest).value());
  if (latest.status().code() == ErrorCode::kFeatureGroupNotFound) {
    return std::optional<model::FeatureGroupMetadata>();
  }
  return latest.status();
}

// The tenant of a new version: the body's fields over the defaults, or (upgrade) over the tenant of
// the latest version.
void ResolveTenant(const std::optional<model::FeatureGroupMetadata>& latest, bool upgrade,
                   FeatureGroupCreate* create) {
  if (upgrade && latest) create->meta.tenant = latest->tenant;
  create->tenant.ApplyTo(&create->meta.tenant);
}

// The version the store will create from `meta` (its name as first written, its version name), or
// nullopt when the store will refuse it (MetadataStore::CreateFeatureGroup: the group exists and this
// is no upgrade, or it has versioning off or another entity; the entity is archived), in which case
// storage is left alone and the commit answers the store's error.
std::optional<model::FeatureGroupMetadata> NextVersion(
    const std::optional<model::FeatureGroupMetadata>& latest, bool upgrade,
    const model::EntityMetadata& entity, const model::FeatureGroupMetadata& meta) {
  if (entity.state == model::State::kArchived) return std::nullopt;
  model::FeatureGroupMetadata next = meta;
  if (!latest) {
    next.version = model::VersionName(1);
    return next;
  }
  if (!upgrade || !latest->feature_group.version_enabled ||
      !EqualsIgnoreCase(latest->feature_group.entity_name, entity.name)) {
    return std::nullopt;
  }
  next.name = latest->name;
  next.version = model::VersionName(model::ParseVersion(latest->version).value_or(0) + 1);
  return next;
}

// Decodes, validates and records a group version (v1, or the next one with header `upgrade: true`);
// `with_storage` first adds the version's columns to the entity's table on the version's read and
// write tenants. Answers {"featureGroup", "version"}.
Status CreateGroup(const AdminDeps& deps, const api::Call& call, http::Response& response,
                   bool with_storage) {
  OFS_ASSIGN_OR_RETURN(FeatureGroupCreate create, ParseFeatureGroupCreate(call.request.body));
  const bool upgrade = api::FlagHeader(call.request, "upgrade", false);
  model::FeatureGroupMetadata& meta = create.meta;
  OFS_ASSIGN_OR_RETURN(model::EntityMetadata entity, deps.store->GetEntity(meta.feature_group.entity_name));
  meta.feature_group.entity_name = entity.name;  // as first written
  OFS_RETURN_IF_ERROR(model::ValidateFeatureGroup(meta.feature_group, entity.entity));
  OFS_ASSIGN_OR_RETURN(std::optional<model::FeatureGroupMetadata> latest, LatestVersion(deps, meta.name));
  ResolveTenant(latest, upgrade, &create);
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.CreateVersion(meta.name, entity.name, meta.tenant));
  OFS_ASSIGN_OR_RETURN(SchemaChange change, SchemaChange::Begin(deps));
  std::optional<model::FeatureGroupMetadata> next = NextVersion(latest, upgrade, entity, meta);
  if (with_storage && next) {
    // The entity's table as committed (every version of every group on it; the entity's own when the
    // catalog has not caught up with it: EnsureTable adds missing columns only), plus this version's.
    const catalog::EntityEntry* entry = change.before().FindEntity(entity.name);
    model::TableSpec table = entry != nullptr ? entry->table : catalog::EntityTable(entity);
    catalog::AppendGroupColumns(*next, &table);
    OFS_RETURN_IF_ERROR(change.Prepare(table, {meta.tenant.read, meta.tenant.write}));
  }
  Result<model::FeatureGroupMetadata> created =
      deps.store->CreateFeatureGroup(meta, upgrade, deps.clock->NowMillis());
  if (!created.ok()) return change.Fail(std::move(created).TakeStatus());
  OFS_RETURN_IF_ERROR(
      change.Publish("feature group '" + created->name + "' version " + created->version + " was created"));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("featureGroup");
    WriteFeatureGroup(created->feature_group, out);
    out.Key("version");
    out.String(created->version);
    out.EndObject();
  });
}

Status Create(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  return CreateGroup(deps, call, response, /*with_storage=*/true);
}

Status Register(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  return CreateGroup(deps, call, response, /*with_storage=*/false);
}

// The version's metadata; Darwin path: wrapped in {"metadata": ...}, as Darwin answered.
Status GetMetadata(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, GroupFromParams(deps, call));
  return Respond(response, [&](codec::JsonWriter& out) {
    WrapMetadata(call, out, [&] { WriteFeatureGroupMetadata(group, out); });
  });
}

// Darwin GET /feature-group?name=&version=: {"featureGroup", "version"} only.
Status GetGroupOnly(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, GroupFromParams(deps, call));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("featureGroup");
    WriteFeatureGroup(group.feature_group, out);
    out.Key("version");
    out.String(group.version);
    out.EndObject();
  });
}

// {"schema": [entity columns, group columns], "primaryKeys", "version", "featureGroupType"}; an
// archived version answers FEATURE-GROUP-STATE-EXCEPTION.
Status GetSchema(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, GroupFromParams(deps, call));
  if (group.state == model::State::kArchived) {
    return Status(ErrorCode::kFeatureGroupState,
                  "feature group '" + group.name + "' version " + group.version + " is archived");
  }
  OFS_ASSIGN_OR_RETURN(model::EntityMetadata entity, deps.store->GetEntity(group.feature_group.entity_name));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("schema");
    out.StartArray();
    for (const auto& column : entity.entity.features) WriteFeatureColumn(column, out);
    for (const auto& column : group.feature_group.features) WriteFeatureColumn(column, out);
    out.EndArray();
    out.Key("primaryKeys");
    out.StartArray();
    for (const auto& key : entity.entity.primary_keys) out.String(key);
    out.EndArray();
    out.Key("version");
    out.String(group.version);
    out.Key("featureGroupType");
    out.String(model::FeatureGroupTypeName(group.feature_group.feature_group_type));
    out.EndObject();
  });
}

// v1: {"versions": [metadata of every version, oldest first], "latestVersion"}.
Status ListVersions(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> versions,
                       deps.store->ListFeatureGroupVersions(name));
  if (versions.empty()) {
    return Status(ErrorCode::kFeatureGroupNotFound, "feature group '" + name + "' not found");
  }
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("versions");
    out.StartArray();
    for (const auto& v : versions) WriteFeatureGroupMetadata(v, out);
    out.EndArray();
    out.Key("latestVersion");
    out.String(versions.back().version);
    out.EndObject();
  });
}

// Darwin: {"version": {"name", "latestVersion", "updatedAt"}}.
Status GetVersionHead(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseGroup(name));
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupVersion head, deps.store->GetVersionHead(name));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("version");
    WriteFeatureGroupVersion(head, out);
    out.EndObject();
  });
}

// Body {"state"}, ?version= (absent = latest); answers the updated version's metadata (Darwin path:
// {"state"}, the body, as Darwin did). Scope: that of using the group (GroupFromParams); a state change
// keeps the tenants.
Status SetState(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, GroupFromParams(deps, call));
  OFS_ASSIGN_OR_RETURN(model::State state, StateBody(call.request));
  OFS_RETURN_IF_ERROR(
      deps.store->SetFeatureGroupState(group.name, group.version, state, deps.clock->NowMillis()));
  OFS_RETURN_IF_ERROR(Publish(deps));
  if (call.darwin) return RespondState(response, state);
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata updated,
                       deps.store->GetFeatureGroup(group.name, group.version));
  return Respond(response, [&](codec::JsonWriter& out) { WriteFeatureGroupMetadata(updated, out); });
}

struct TtlBody {
  std::string name;  // "" = not in the body
  std::optional<std::string> version;
  std::optional<int64_t> ttl;
};

Result<TtlBody> ParseTtlBody(const http::Request& request) {
  constexpr ErrorCode kCode = ErrorCode::kInvalidRequest;
  TtlBody body;
  OFS_RETURN_IF_ERROR(
      ForEachBodyField(request, kCode, false, [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "name")) return ReadOptionalText(v, &body.name, kCode, "name");
        if (EqualsIgnoreCase(key, "version")) return ReadOptionalVersion(v, &body.version, kCode);
        if (EqualsIgnoreCase(key, "ttl") && !IsNull(v)) {
          int64_t ttl = 0;
          OFS_RETURN_IF_ERROR(api::ReadInt64(v, &ttl, kCode, "ttl"));
          body.ttl = ttl;
        }
        return Status::Ok();
      }));
  if (!body.ttl) return Status(kCode, "ttl is required (seconds, 0 = no expiry)");
  if (*body.ttl < 0) return Status(kCode, "ttl must be >= 0 seconds");
  return body;
}

// The tenants holding `entity`'s table: the default one and the read/write tenants of its groups.
std::vector<std::string_view> TenantsOfEntity(const catalog::Snapshot& snapshot,
                                              const catalog::EntityEntry& entity) {
  std::vector<std::string_view> tenants = {model::kDefaultTenant};
  for (const auto& group : snapshot.groups()) {
    if (group->entity != &entity) continue;
    tenants.push_back(group->meta.tenant.read);
    tenants.push_back(group->meta.tenant.write);
  }
  return tenants;
}

// {"name", "version"? (as sent, normalized), "ttl"}: the Darwin answer of a TTL change (its body).
void WriteTtlBody(const TtlBody& body, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("name");
  out.String(body.name);
  if (body.version) {
    out.Key("version");
    out.String(*body.version);
  }
  out.Key("ttl");
  out.Int(*body.ttl);
  out.EndObject();
}

// Body {"name", "version"?, "ttl"} (the v1 path names the group). A TTL belongs to the group's ENTITY:
// this sets it for every group of that entity, for cells written from now on. Answers the entity's
// metadata (Darwin path: the body, as Darwin did).
Status SetTtl(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(TtlBody body, ParseTtlBody(call.request));
  std::string_view from_path = call.params.Get("name");
  if (!from_path.empty()) body.name = std::string(from_path);
  if (body.name.empty()) return Status(ErrorCode::kInvalidRequest, "name is required");
  OFS_ASSIGN_OR_RETURN(model::FeatureGroupMetadata group, LookupGroup(deps, call, body.name, body.version));
  const std::string& entity = group.feature_group.entity_name;
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.ChangeEntity(entity));
  OFS_ASSIGN_OR_RETURN(SchemaChange change, SchemaChange::Begin(deps));
  // The table's TTL changes first, on every tenant holding it; a failed commit puts the old one back.
  if (const catalog::EntityEntry* entry = change.before().FindEntity(entity)) {
    model::TableSpec table = entry->table;
    table.ttl_seconds = *body.ttl;
    OFS_RETURN_IF_ERROR(change.Prepare(table, TenantsOfEntity(change.before(), *entry)));
  }
  Status committed = deps.store->SetEntityTtl(entity, *body.ttl, deps.clock->NowMillis());
  if (!committed.ok()) return change.Fail(std::move(committed));
  OFS_RETURN_IF_ERROR(
      change.Publish("the TTL of entity '" + entity + "' was set to " + std::to_string(*body.ttl) + " s"));
  if (call.darwin) return Respond(response, [&](codec::JsonWriter& out) { WriteTtlBody(body, out); });
  OFS_ASSIGN_OR_RETURN(model::EntityMetadata meta, deps.store->GetEntity(entity));
  return Respond(response, [&](codec::JsonWriter& out) { WriteEntityMetadata(meta, out); });
}

}  // namespace

void RegisterFeatureGroupRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  using api::Role;
  endpoint.Add("fg_create", Role::kAdmin,
               {{Method::kPost, "/v1/feature-group"}, {Method::kPost, "/feature-group", true}},
               Bind(deps, &Create));
  endpoint.Add("fg_register", Role::kAdmin, {{Method::kPost, "/feature-group/register", true}},
               Bind(deps, &Register));
  endpoint.Add("fg_get", Role::kReader,
               {{Method::kGet, "/v1/feature-group/{name}"}, {Method::kGet, "/feature-group/metadata", true}},
               Bind(deps, &GetMetadata));
  endpoint.Add("fg_get_group", Role::kReader, {{Method::kGet, "/feature-group", true}},
               Bind(deps, &GetGroupOnly));
  endpoint.Add("fg_versions", Role::kReader, {{Method::kGet, "/v1/feature-group/{name}/versions"}},
               Bind(deps, &ListVersions));
  endpoint.Add("fg_version", Role::kReader, {{Method::kGet, "/feature-group/version", true}},
               Bind(deps, &GetVersionHead));
  endpoint.Add("fg_state", Role::kAdmin,
               {{Method::kPut, "/v1/feature-group/{name}/state"}, {Method::kPut, "/feature-group", true}},
               Bind(deps, &SetState));
  endpoint.Add("fg_ttl", Role::kAdmin,
               {{Method::kPut, "/v1/feature-group/{name}/ttl"}, {Method::kPut, "/feature-group/ttl", true}},
               Bind(deps, &SetTtl));
}

void RegisterSchemaRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  endpoint.Add(
      "fg_schema", api::Role::kReader,
      {{Method::kGet, "/v1/feature-group/{name}/schema"}, {Method::kGet, "/feature-group/schema", true}},
      Bind(deps, &GetSchema));
}

}  // namespace ofs::admin
