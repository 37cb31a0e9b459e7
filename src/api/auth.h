#pragma once
// Access control (API.md section 8): bearer tokens configured per role (admin, writer, reader), each
// optionally scoped to tenants (what a scope allows: api/tenant_scope.h). Disabled when no token is
// configured. Immutable after construction,
// so Check is thread-safe.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "http/server.h"

namespace ofs::api {

enum class Role : uint8_t { kNone, kReader, kWriter, kAdmin };

struct TokenConfig {
  std::string token;
  std::vector<Role> roles;
  std::vector<std::string> tenants;  // empty = every tenant
};

struct Principal {
  bool reader = false;
  bool writer = false;
  bool admin = false;
  std::vector<std::string> tenants;  // empty = every tenant

  bool scoped() const { return !tenants.empty(); }
  bool Has(Role role) const;
  bool AllowsTenant(std::string_view tenant) const;
};

class Authenticator {
 public:
  Authenticator() = default;
  explicit Authenticator(const std::vector<TokenConfig>& tokens);

  bool enabled() const { return !principals_.empty(); }
  // OK when the request may call a route needing `role`: *principal is then the caller (nullptr when
  // auth is disabled or the route needs no role). UNAUTHENTICATED without a known bearer token,
  // FORBIDDEN when the token lacks the role.
  Status Check(const http::Request& request, Role role, const Principal** principal) const;

 private:
  std::unordered_map<std::string, Principal> principals_;
};

std::string_view RoleName(Role role);

}  // namespace ofs::api
