// Fuzzes the admin request decoders end to end (entity and group creation, state, TTL, tenants, runs,
// search): the first byte picks the route, the rest is the JSON body. See request_fuzz_harness.h.

#include <array>
#include <string_view>

#include "request_fuzz_harness.h"

namespace {

struct Route {
  ofs::http::Method method;
  std::string_view path;
  std::string_view query;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ofs::http::Method;
  static const std::array<Route, 8> kRoutes = {{
      {Method::kPost, "/v1/entity", ""},
      {Method::kPost, "/v1/feature-group", ""},
      {Method::kPut, "/v1/entity/e/state", ""},
      {Method::kPut, "/feature-group/ttl", ""},
      {Method::kPost, "/v1/tenant", ""},
      {Method::kPost, "/feature-group/run-data", ""},
      {Method::kGet, "/search/feature-groups", "page-size=5"},
      {Method::kPut, "/tenant/all", ""},
  }};
  if (size == 0) return 0;
  const Route& route = kRoutes[data[0] % kRoutes.size()];
  ofs::fuzz::RequestHarness::Get().Dispatch(true, route.method, route.path, route.query, data + 1, size - 1);
  return 0;
}
