// The tenant-scope rule (api/tenant_scope.h) on tenant configurations; which configurations each
// operation involves is tested with the routes (admin_scope_test.cc, serving_test.cc, tests/e2e).

#include "api/tenant_scope.h"

#include <gtest/gtest.h>

#include <vector>

namespace ofs::api {
namespace {

model::TenantConfig Tenants(std::string read, std::string write, std::string consume) {
  return model::TenantConfig{std::move(read), std::move(write), std::move(consume)};
}

TEST(TenantScope, NoPrincipalOrUnscopedTokenIsUnrestricted) {
  const model::TenantConfig far = Tenants("x", "y", "z");
  Principal unscoped;
  unscoped.reader = true;
  const Principal* const principals[] = {nullptr, &unscoped};
  for (const Principal* principal : principals) {
    EXPECT_TRUE(TenantInScope(principal, "x"));
    EXPECT_TRUE(InScope(principal, far));
    EXPECT_TRUE(RequireInScope(principal, far, "feature group 'g'").ok());
  }
}

TEST(TenantScope, EveryTenantOfEveryConfigurationMustBeInScope) {
  Principal ta;
  ta.tenants = {"ta", "tc"};
  const model::TenantConfig in = Tenants("ta", "tc", "ta");
  EXPECT_TRUE(InScope(&ta, in));
  // Each of read, write and consume alone takes a configuration out of scope.
  for (const model::TenantConfig& out :
       {Tenants("tb", "ta", "ta"), Tenants("ta", "tb", "ta"), Tenants("ta", "ta", "tb")}) {
    EXPECT_FALSE(InScope(&ta, out));
    Status status = RequireInScope(&ta, out, "feature group 'g'");
    EXPECT_EQ(status.code(), ErrorCode::kForbidden);
    EXPECT_NE(status.message().find("'tb'"), std::string_view::npos) << status.ToString();
    EXPECT_NE(status.cause().find("feature group 'g'"), std::string_view::npos) << status.ToString();
  }
  // A set (the versions of a group) is in scope only when every member is.
  const model::TenantConfig other = Tenants("ta", "ta", "tb");
  std::vector<const model::TenantConfig*> versions = {&in, &in};
  EXPECT_TRUE(InScope(&ta, versions));
  EXPECT_TRUE(RequireInScope(&ta, versions, "g").ok());
  versions.push_back(&other);
  EXPECT_FALSE(InScope(&ta, versions));
  EXPECT_EQ(RequireInScope(&ta, versions, "g").code(), ErrorCode::kForbidden);
  EXPECT_TRUE(InScope(&ta, std::span<const model::TenantConfig* const>()));  // nothing involved
}

TEST(TenantScope, SingleTenant) {
  Principal ta;
  ta.tenants = {"ta"};
  EXPECT_TRUE(TenantInScope(&ta, "ta"));
  EXPECT_FALSE(TenantInScope(&ta, "TA"));  // tenant names are exact
  EXPECT_TRUE(RequireTenant(&ta, "ta", "move").ok());
  EXPECT_EQ(RequireTenant(&ta, "tb", "move").code(), ErrorCode::kForbidden);
}

}  // namespace
}  // namespace ofs::api
