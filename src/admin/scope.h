#pragma once
// Internal to admin: the tenant-scope rule (api/tenant_scope.h) applied to the admin routes. Which
// tenants an operation involves comes from the catalog snapshot, refreshed from the metadata store
// first so that changes made through other processes count. Unscoped callers (and access control
// off) load nothing and are allowed everything.
// Thread-safety: a Scope belongs to one request; it holds its snapshot alive.
// Known limit: a check and the change it guards are not one store transaction, so a concurrent change
// by another admin between the two is not seen by the check.

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "admin/admin.h"
#include "api/endpoint.h"
#include "model/types.h"

namespace ofs::admin {

class Scope {
 public:
  // The caller's scope; loads the snapshot (Catalog::Refresh) only for a tenant-scoped token. Errors:
  // the metadata store's.
  static Result<Scope> Of(const AdminDeps& deps, const api::Call& call);

  bool unrestricted() const { return snapshot_ == nullptr; }

  // --- operations: OK or FORBIDDEN (unknown names pass: the handler answers its 404) ---

  // Using a group: every version's tenants in scope.
  Status UseGroup(std::string_view group) const;
  // Changing a group: UseGroup before, and each configuration a changed version ends with.
  Status ChangeGroup(std::string_view group, std::span<const model::TenantConfig* const> after) const;
  // Creating or upgrading `group` on `entity` with `tenant`: ChangeGroup, and the entity visible.
  Status CreateVersion(std::string_view group, std::string_view entity,
                       const model::TenantConfig& tenant) const;
  // Reading an entity: visible (no group on it yet, or one of its groups in scope).
  Status UseEntity(std::string_view entity) const;
  // Changing an entity as a whole (state, TTL): every version of every group on it in scope.
  Status ChangeEntity(std::string_view entity) const;
  // Moving every group version whose `type` tenant ("read" | "write" | "consume") is `from` to `to`:
  // both tenants in scope, and every group that has such a version (ChangeGroup).
  Status MoveTenant(std::string_view type, std::string_view from, std::string_view to) const;
  // Changing a consume tenant's topic registration (/consumer/*): the tenant in scope.
  Status ChangeTenant(std::string_view tenant) const;
  // A cluster-wide operation (/kafka/*: any topic): only an unscoped token.
  Status Unscoped(std::string_view what) const;

  // --- filters of search, catalog and tenant answers (names unknown to the snapshot are hidden) ---

  bool SeesGroup(std::string_view group) const;
  bool SeesEntity(std::string_view entity) const;
  bool SeesTenant(std::string_view tenant) const;

  // The store's listings (updated at or after since_ms), less what the caller may not see.
  Result<std::vector<model::EntityMetadata>> ListEntities(int64_t since_ms) const;
  Result<std::vector<model::FeatureGroupMetadata>> ListFeatureGroups(int64_t since_ms) const;
  Result<std::vector<model::FeatureGroupVersion>> ListVersionHeads(int64_t since_ms) const;

 private:
  Scope(catalog::MetadataStore* store, const api::Principal* principal,
        std::shared_ptr<const catalog::Snapshot> snapshot)
      : store_(store), principal_(principal), snapshot_(std::move(snapshot)) {}

  catalog::MetadataStore* store_;
  const api::Principal* principal_;
  std::shared_ptr<const catalog::Snapshot> snapshot_;  // null when unrestricted
};

}  // namespace ofs::admin
