// Entities (API.md section 4): create (metadata + storage), register (metadata only), metadata reads
// and state changes.

#include "admin/handler_support.h"
#include "admin/handlers.h"
#include "admin/model_json.h"
#include "admin/schema_change.h"
#include "admin/scope.h"
#include "model/validation.h"

namespace ofs::admin {
namespace {

using http::Method;

// Decodes, validates and records an entity; `with_storage` first prepares its table on the default
// tenant (an entity has no tenant of its own; groups prepare it on theirs). Answers {"entity"}.
// Tenant-scoped admins may create entities: a new entity has no group, so it belongs to no tenant.
Status CreateEntity(const AdminDeps& deps, const api::Call& call, http::Response& response,
                    bool with_storage) {
  OFS_ASSIGN_OR_RETURN(model::EntityMetadata meta, ParseEntityCreate(call.request.body));
  OFS_RETURN_IF_ERROR(model::ValidateEntity(meta.entity));
  OFS_ASSIGN_OR_RETURN(SchemaChange change, SchemaChange::Begin(deps));
  // A name in use is refused by the commit; the existing table is left alone.
  if (with_storage && change.before().FindEntity(meta.name) == nullptr) {
    OFS_RETURN_IF_ERROR(change.Prepare(catalog::EntityTable(meta), {model::kDefaultTenant}));
  }
  Result<model::EntityMetadata> created = deps.store->CreateEntity(meta, deps.clock->NowMillis());
  if (!created.ok()) return change.Fail(std::move(created).TakeStatus());
  OFS_RETURN_IF_ERROR(change.Publish("entity '" + created->name + "' was created"));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("entity");
    WriteEntity(created->entity, out);
    out.EndObject();
  });
}

Status Create(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  return CreateEntity(deps, call, response, /*with_storage=*/true);
}

Status Register(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  return CreateEntity(deps, call, response, /*with_storage=*/false);
}

// The entity's metadata; Darwin path: wrapped in {"metadata": ...}, as Darwin answered.
Status GetMetadata(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseEntity(name));
  OFS_ASSIGN_OR_RETURN(model::EntityMetadata meta, deps.store->GetEntity(name));
  return Respond(response, [&](codec::JsonWriter& out) {
    WrapMetadata(call, out, [&] { WriteEntityMetadata(meta, out); });
  });
}

// Darwin GET /entity?name=: {"entity": Entity} only.
Status GetEntityOnly(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.UseEntity(name));
  OFS_ASSIGN_OR_RETURN(model::EntityMetadata meta, deps.store->GetEntity(name));
  return Respond(response, [&](codec::JsonWriter& out) {
    out.StartObject();
    out.Key("entity");
    WriteEntity(meta.entity, out);
    out.EndObject();
  });
}

// Body {"state"}; answers the updated metadata (Darwin path: {"state"}, the body, as Darwin did).
// Archiving an entity that a LIVE group version uses is refused by the store
// (UPDATE-ENTITY-REQUEST-EXCEPTION).
Status SetState(const AdminDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::string name, NameParam(call));
  OFS_ASSIGN_OR_RETURN(model::State state, StateBody(call.request));
  OFS_ASSIGN_OR_RETURN(Scope scope, Scope::Of(deps, call));
  OFS_RETURN_IF_ERROR(scope.ChangeEntity(name));
  OFS_RETURN_IF_ERROR(deps.store->SetEntityState(name, state, deps.clock->NowMillis()));
  OFS_RETURN_IF_ERROR(Publish(deps));
  if (call.darwin) return RespondState(response, state);
  OFS_ASSIGN_OR_RETURN(model::EntityMetadata meta, deps.store->GetEntity(name));
  return Respond(response, [&](codec::JsonWriter& out) { WriteEntityMetadata(meta, out); });
}

}  // namespace

void RegisterEntityRoutes(api::Endpoint& endpoint, const AdminDeps& deps) {
  using api::Role;
  endpoint.Add("entity_create", Role::kAdmin,
               {{Method::kPost, "/v1/entity"}, {Method::kPost, "/entity", true}}, Bind(deps, &Create));
  endpoint.Add("entity_register", Role::kAdmin, {{Method::kPost, "/entity/register", true}},
               Bind(deps, &Register));
  endpoint.Add("entity_get", Role::kReader,
               {{Method::kGet, "/v1/entity/{name}"}, {Method::kGet, "/entity/metadata", true}},
               Bind(deps, &GetMetadata));
  endpoint.Add("entity_get_entity", Role::kReader, {{Method::kGet, "/entity", true}},
               Bind(deps, &GetEntityOnly));
  endpoint.Add("entity_state", Role::kAdmin,
               {{Method::kPut, "/v1/entity/{name}/state"}, {Method::kPut, "/entity", true}},
               Bind(deps, &SetState));
}

}  // namespace ofs::admin
