#include "admin/scope.h"

#include <string>

#include "api/tenant_scope.h"
#include "base/strings.h"

namespace ofs::admin {
namespace {

std::string GroupLabel(std::string_view group) { return "feature group '" + std::string(group) + "'"; }
std::string EntityLabel(std::string_view entity) { return "entity '" + std::string(entity) + "'"; }

const std::string& TenantOfType(const model::TenantConfig& tenant, std::string_view type) {
  if (EqualsIgnoreCase(type, "read")) return tenant.read;
  if (EqualsIgnoreCase(type, "write")) return tenant.write;
  return tenant.consume;
}

}  // namespace

Result<Scope> Scope::Of(const AdminDeps& deps, const api::Call& call) {
  if (call.principal == nullptr || !call.principal->scoped()) {
    return Scope(deps.store, call.principal, nullptr);
  }
  OFS_RETURN_IF_ERROR(deps.catalog->Refresh());
  std::shared_ptr<const catalog::Snapshot> snapshot = deps.catalog->CurrentShared();
  if (snapshot == nullptr) return Status(ErrorCode::kMetastoreUnavailable, "catalog not loaded yet");
  return Scope(deps.store, call.principal, std::move(snapshot));
}

Status Scope::UseGroup(std::string_view group) const {
  if (unrestricted()) return Status::Ok();
  const catalog::GroupEntry* entry = snapshot_->FindGroup(group, std::nullopt);
  if (entry == nullptr) return Status::Ok();
  return api::RequireInScope(principal_, entry->group_tenants, GroupLabel(entry->meta.name));
}

Status Scope::ChangeGroup(std::string_view group, std::span<const model::TenantConfig* const> after) const {
  OFS_RETURN_IF_ERROR(UseGroup(group));
  return api::RequireInScope(principal_, after, GroupLabel(group) + " after the change");
}

Status Scope::CreateVersion(std::string_view group, std::string_view entity,
                            const model::TenantConfig& tenant) const {
  OFS_RETURN_IF_ERROR(UseEntity(entity));
  const model::TenantConfig* after[] = {&tenant};
  return ChangeGroup(group, after);
}

Status Scope::UseEntity(std::string_view entity) const {
  if (SeesEntity(entity) || snapshot_->FindEntity(entity) == nullptr) return Status::Ok();
  return Status(ErrorCode::kForbidden, "token may not use entity '" + std::string(entity) + "'",
                "every feature group on it uses a tenant that is not among the token's tenants");
}

Status Scope::ChangeEntity(std::string_view entity) const {
  if (unrestricted()) return Status::Ok();
  const catalog::EntityEntry* entry = snapshot_->FindEntity(entity);
  if (entry == nullptr) return Status::Ok();
  return api::RequireInScope(principal_, entry->group_tenants,
                             "a feature group on " + EntityLabel(entry->meta.name));
}

Status Scope::MoveTenant(std::string_view type, std::string_view from, std::string_view to) const {
  if (unrestricted()) return Status::Ok();
  OFS_RETURN_IF_ERROR(api::RequireTenant(principal_, from, "the move"));
  OFS_RETURN_IF_ERROR(api::RequireTenant(principal_, to, "the move"));
  for (const auto& group : snapshot_->groups()) {
    if (TenantOfType(group->meta.tenant, type) != from) continue;
    OFS_RETURN_IF_ERROR(api::RequireInScope(principal_, group->group_tenants, GroupLabel(group->meta.name)));
  }
  return Status::Ok();
}

Status Scope::ChangeTenant(std::string_view tenant) const {
  if (unrestricted()) return Status::Ok();
  return api::RequireTenant(principal_, tenant, "the consumer metadata");
}

Status Scope::Unscoped(std::string_view what) const {
  if (unrestricted()) return Status::Ok();
  return Status(ErrorCode::kForbidden, std::string(what) + " needs a token that is not scoped to tenants",
                "it acts on the whole Kafka cluster");
}

bool Scope::SeesGroup(std::string_view group) const {
  if (unrestricted()) return true;
  const catalog::GroupEntry* entry = snapshot_->FindGroup(group, std::nullopt);
  return entry != nullptr && api::InScope(principal_, entry->group_tenants);
}

bool Scope::SeesEntity(std::string_view entity) const {
  if (unrestricted()) return true;
  const catalog::EntityEntry* entry = snapshot_->FindEntity(entity);
  if (entry == nullptr) return false;
  if (entry->groups.empty()) return true;
  for (const catalog::GroupEntry* group : entry->groups) {
    if (api::InScope(principal_, group->group_tenants)) return true;
  }
  return false;
}

bool Scope::SeesTenant(std::string_view tenant) const { return api::TenantInScope(principal_, tenant); }

Result<std::vector<model::EntityMetadata>> Scope::ListEntities(int64_t since_ms) const {
  OFS_ASSIGN_OR_RETURN(std::vector<model::EntityMetadata> items, store_->ListEntities(since_ms));
  std::erase_if(items, [&](const model::EntityMetadata& e) { return !SeesEntity(e.name); });
  return items;
}

Result<std::vector<model::FeatureGroupMetadata>> Scope::ListFeatureGroups(int64_t since_ms) const {
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupMetadata> items, store_->ListFeatureGroups(since_ms));
  std::erase_if(items, [&](const model::FeatureGroupMetadata& g) { return !SeesGroup(g.name); });
  return items;
}

Result<std::vector<model::FeatureGroupVersion>> Scope::ListVersionHeads(int64_t since_ms) const {
  OFS_ASSIGN_OR_RETURN(std::vector<model::FeatureGroupVersion> items, store_->ListVersionHeads(since_ms));
  std::erase_if(items, [&](const model::FeatureGroupVersion& v) { return !SeesGroup(v.name); });
  return items;
}

}  // namespace ofs::admin
