#include "api/endpoint.h"

#include <chrono>
#include <exception>

#include "api/envelope.h"
#include "base/log.h"

namespace ofs::api {
namespace {

constexpr std::array<const char*, 4> kStatusClasses = {"2xx", "3xx", "4xx", "5xx"};

size_t StatusClassIndex(int status) {
  if (status < 300) return 0;
  if (status < 400) return 1;
  if (status < 500) return 2;
  return 3;
}

}  // namespace

Endpoint::Endpoint(const Authenticator* auth, metrics::Registry* registry, std::string server_label)
    : auth_(auth), registry_(registry), server_label_(std::move(server_label)) {
  InitRouteMetrics(&unmatched_, "unmatched");
  for (int c = 1; c < static_cast<int>(ErrorCode::kCount_); ++c) {
    auto code = static_cast<ErrorCode>(c);
    errors_by_code_.push_back(
        &registry_->GetCounter("ofs_http_errors_total", "Error answers by API error code",
                               {{"server", server_label_}, {"code", std::string(ErrorCodeName(code))}}));
  }
}

void Endpoint::InitRouteMetrics(RouteMetrics* m, const std::string& label) {
  for (size_t i = 0; i < kStatusClasses.size(); ++i) {
    m->by_class[i] =
        &registry_->GetCounter("ofs_http_requests_total", "HTTP requests by route and status class",
                               {{"server", server_label_}, {"route", label}, {"status", kStatusClasses[i]}});
  }
  m->latency = &registry_->GetHistogram("ofs_http_request_duration_seconds",
                                        "Server time per request by route (routing to response written)",
                                        {{"server", server_label_}, {"route", label}});
}

void Endpoint::Add(const std::string& label, Role role, std::initializer_list<PathSpec> paths,
                   const ApiHandler& handler) {
  auto metrics = std::make_shared<RouteMetrics>();
  InitRouteMetrics(metrics.get(), label);
  for (const PathSpec& spec : paths) {
    bool darwin = spec.darwin;
    router_.Add(spec.method, spec.path, label,
                [this, role, darwin, handler, metrics](
                    const http::Request& request, const http::PathParams& params, http::Response& response) {
                  const auto start = std::chrono::steady_clock::now();
                  const auto elapsed_nanos = [start] {
                    return std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now() - start)
                        .count();
                  };
                  const Principal* principal = nullptr;
                  Status status = auth_->Check(request, role, &principal);
                  if (status.ok()) {
                    try {
                      status = handler(Call{request, params, principal, darwin}, response);
                    } catch (const std::exception& e) {
                      OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "api", "bug: handler threw ({}), request id {}",
                                          e.what(), request.request_id);
                      status = Status(ErrorCode::kInternal, "internal error", e.what());
                    }
                  }
                  if (status.ok() && request.IsSuspended()) {
                    // Answered later (a write waiting for its sync): counted with its final status and time.
                    request.OnResume([this, metrics, elapsed_nanos](const Status& final_status,
                                                                    const http::Response& final) {
                      if (!final_status.ok()) CountError(final_status.code());
                      Count(*metrics, final, elapsed_nanos());
                    });
                    return;
                  }
                  if (!status.ok()) {
                    if (status.code() == ErrorCode::kInternal) {
                      OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "api", "internal error: {} (request id {})",
                                          status.ToString(), request.request_id);
                    }
                    CountError(status.code());
                    WriteError(status, response);
                  }
                  Count(*metrics, response, elapsed_nanos());
                });
  }
  route_metrics_.push_back(std::move(metrics));
}

void Endpoint::Dispatch(const http::Request& request, http::Response& response) const {
  auto match = router_.Match(request.method, request.path);
  if (match.outcome == http::Router::Outcome::kFound) {
    match.route->handler(request, match.params, response);
    return;
  }
  Status status =
      match.outcome == http::Router::Outcome::kMethodNotAllowed
          ? Status(ErrorCode::kMethodNotAllowed, std::string(http::MethodName(request.method)) +
                                                     " is not allowed on " + std::string(request.path))
          : Status(ErrorCode::kNotFound, "no route for " + std::string(request.path));
  CountError(status.code());
  WriteError(status, response);
  Count(unmatched_, response, 0);
}

void Endpoint::Count(const RouteMetrics& m, const http::Response& response, int64_t nanos) const {
  m.by_class[StatusClassIndex(response.status)]->Inc();
  m.latency->ObserveNanos(nanos);
}

void Endpoint::CountError(ErrorCode code) const {
  size_t index = static_cast<size_t>(code) - 1;
  if (index < errors_by_code_.size()) errors_by_code_[index]->Inc();
}

}  // namespace ofs::api
