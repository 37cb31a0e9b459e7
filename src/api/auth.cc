#include "api/auth.h"

#include <algorithm>

#include "base/strings.h"

namespace ofs::api {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kAdmin:
      return "admin";
    case Role::kNone:
      break;
  }
  return "none";
}

bool Principal::Has(Role role) const {
  switch (role) {
    case Role::kNone:
      return true;
    case Role::kReader:
      return reader || writer || admin;
    case Role::kWriter:
      return writer;
    case Role::kAdmin:
      return admin;
  }
  return false;
}

bool Principal::AllowsTenant(std::string_view tenant) const {
  return tenants.empty() || std::find(tenants.begin(), tenants.end(), tenant) != tenants.end();
}

Authenticator::Authenticator(const std::vector<TokenConfig>& tokens) {
  for (const auto& t : tokens) {
    Principal p;
    for (Role r : t.roles) {
      p.reader |= r == Role::kReader;
      p.writer |= r == Role::kWriter;
      p.admin |= r == Role::kAdmin;
    }
    p.tenants = t.tenants;
    principals_[t.token] = std::move(p);
  }
}

Status Authenticator::Check(const http::Request& request, Role role, const Principal** principal) const {
  *principal = nullptr;
  if (!enabled() || role == Role::kNone) return Status::Ok();
  std::string_view header = request.Header("authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (header.size() <= kBearer.size() || !EqualsIgnoreCase(header.substr(0, kBearer.size()), kBearer)) {
    return Status(ErrorCode::kUnauthenticated, "missing bearer token",
                  "send 'Authorization: Bearer <token>' with a configured token");
  }
  auto it = principals_.find(std::string(header.substr(kBearer.size())));
  if (it == principals_.end()) return Status(ErrorCode::kUnauthenticated, "unknown token");
  if (!it->second.Has(role)) {
    return Status(ErrorCode::kForbidden, "token lacks the '" + std::string(RoleName(role)) + "' role");
  }
  *principal = &it->second;
  return Status::Ok();
}

}  // namespace ofs::api
