#pragma once
// The tenant-scope rule of access control (API.md section 8), in one place; docs/configuration.md
// "What each token may do" is its table. A token may be scoped to tenants (Principal::tenants); an
// unscoped token, or access control switched off (principal == nullptr), is unrestricted. A scoped token
//
// - uses a feature group (reads, writes, run records, metadata, schema, versions, tenants, topic) only
//   when every tenant (read, write and consume) of every version of the group is in its scope: a group
//   is in or out of a scope as a whole, whatever version a request names;
// - changes a group (create, upgrade, state, tenant) only when that holds before and after the change,
//   and creates or upgrades a group only on an entity it can see;
// - changes an entity as a whole (state, TTL) only when every version of every group on it is in scope;
// - sees an entity when no group uses it yet or one of the groups on it is in scope (a group's schema
//   shows its entity's columns anyway, and a scoped catalog must hold the entities of its groups);
// - finds in search answers, catalog dumps and tenant lists only what it may use.
//
// The functions below decide for the tenant configurations an operation involves; callers say which
// those are (serving's group resolution from the catalog snapshot, admin/scope.h for the admin routes).
// Out of scope is FORBIDDEN; an unknown object is the caller's usual 404.
// Thread-safe (pure functions of immutable inputs); no allocation unless a check fails.

#include <span>
#include <string_view>

#include "api/auth.h"
#include "base/status.h"
#include "model/types.h"

namespace ofs::api {

// True when the principal may use `tenant` (always when principal is null or unscoped).
bool TenantInScope(const Principal* principal, std::string_view tenant);
// True when the principal may use the read, write and consume tenant of every configuration.
bool InScope(const Principal* principal, std::span<const model::TenantConfig* const> tenants);
bool InScope(const Principal* principal, const model::TenantConfig& tenant);

// OK, or FORBIDDEN naming the first tenant out of scope and `what` it belongs to (e.g. "feature group
// 'g'"), so the caller learns which tenant its token lacks.
Status RequireTenant(const Principal* principal, std::string_view tenant, std::string_view what);
Status RequireInScope(const Principal* principal, std::span<const model::TenantConfig* const> tenants,
                      std::string_view what);
Status RequireInScope(const Principal* principal, const model::TenantConfig& tenant, std::string_view what);

}  // namespace ofs::api
