#pragma once
// Endpoint: registers API handlers on a router with the cross-cutting concerns every route shares —
// access control, the error envelope, per-route metrics (request counts by status class, latency
// histogram), error counts by code, and the 404/405 answers for unmatched requests. Built at startup;
// Dispatch is thread-safe.

#include <array>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "api/auth.h"
#include "base/status.h"
#include "http/router.h"
#include "metrics/metrics.h"

namespace ofs::api {

// What a handler sees of one request.
struct Call {
  const http::Request& request;
  const http::PathParams& params;
  const Principal* principal;  // nullptr when access control is off
  bool darwin;                 // true on a Darwin-compatible path (some answers differ, see API.md)
};

// Writes a success body into the response and returns OK, or returns an error (the endpoint writes
// the envelope; anything already in the body is discarded).
using ApiHandler = std::function<Status(const Call&, http::Response&)>;

struct PathSpec {
  http::Method method;
  std::string_view path;
  bool darwin = false;
};

class Endpoint {
 public:
  Endpoint(const Authenticator* auth, metrics::Registry* registry, std::string server_label);

  // Registers `handler` under each path with the metrics label `label`; callers need `role`.
  void Add(const std::string& label, Role role, std::initializer_list<PathSpec> paths,
           const ApiHandler& handler);
  // Serves one request: route, authorize, run, count. Suitable as the http::Server handler.
  void Dispatch(const http::Request& request, http::Response& response) const;

 private:
  struct RouteMetrics {
    std::array<metrics::Counter*, 4> by_class{};  // 2xx, 3xx, 4xx, 5xx
    metrics::Histogram* latency = nullptr;
  };
  void InitRouteMetrics(RouteMetrics* m, const std::string& label);
  void Count(const RouteMetrics& m, const http::Response& response, int64_t nanos) const;
  void CountError(ErrorCode code) const;

  const Authenticator* auth_;
  metrics::Registry* registry_;
  std::string server_label_;
  http::Router router_;
  std::vector<std::shared_ptr<RouteMetrics>> route_metrics_;  // owned here, shared with route lambdas
  RouteMetrics unmatched_;
  std::vector<metrics::Counter*> errors_by_code_;
};

}  // namespace ofs::api
