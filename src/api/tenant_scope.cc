#include "api/tenant_scope.h"

#include <string>

namespace ofs::api {
namespace {

bool Unrestricted(const Principal* principal) { return principal == nullptr || !principal->scoped(); }

// The first tenant of `tenant` the principal may not use; nullptr when it may use all three.
const std::string* FirstOutOfScope(const Principal* principal, const model::TenantConfig& tenant) {
  for (const std::string* name : {&tenant.read, &tenant.write, &tenant.consume}) {
    if (!principal->AllowsTenant(*name)) return name;
  }
  return nullptr;
}

Status Forbidden(std::string_view tenant, std::string_view what) {
  return Status(ErrorCode::kForbidden, "token is not allowed to use tenant '" + std::string(tenant) + "'",
                std::string(what) + " uses tenant '" + std::string(tenant) +
                    "', which is not among the token's tenants");
}

}  // namespace

bool TenantInScope(const Principal* principal, std::string_view tenant) {
  return Unrestricted(principal) || principal->AllowsTenant(tenant);
}

bool InScope(const Principal* principal, std::span<const model::TenantConfig* const> tenants) {
  if (Unrestricted(principal)) return true;
  for (const model::TenantConfig* tenant : tenants) {
    if (FirstOutOfScope(principal, *tenant) != nullptr) return false;
  }
  return true;
}

bool InScope(const Principal* principal, const model::TenantConfig& tenant) {
  return Unrestricted(principal) || FirstOutOfScope(principal, tenant) == nullptr;
}

Status RequireTenant(const Principal* principal, std::string_view tenant, std::string_view what) {
  return TenantInScope(principal, tenant) ? Status::Ok() : Forbidden(tenant, what);
}

Status RequireInScope(const Principal* principal, std::span<const model::TenantConfig* const> tenants,
                      std::string_view what) {
  if (Unrestricted(principal)) return Status::Ok();
  for (const model::TenantConfig* tenant : tenants) {
    if (const std::string* out = FirstOutOfScope(principal, *tenant)) return Forbidden(*out, what);
  }
  return Status::Ok();
}

Status RequireInScope(const Principal* principal, const model::TenantConfig& tenant, std::string_view what) {
  const model::TenantConfig* one[] = {&tenant};
  return RequireInScope(principal, one, what);
}

}  // namespace ofs::api
