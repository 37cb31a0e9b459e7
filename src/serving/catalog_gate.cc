#include "serving/catalog_gate.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "base/strings.h"
#include "http/resumer.h"

namespace ofs::serving {
namespace {

// The request on this thread: whether it may still wait for a check, and whether it named a group or
// version its catalog lacks.
struct RequestMisses {
  bool may_wait = false;
  bool missed = false;
};
thread_local RequestMisses t_request;

// Sets t_request for one run of the wrapped handler (runs do not nest: a handler never calls another).
class MissScope {
 public:
  explicit MissScope(bool may_wait) { t_request = RequestMisses{may_wait, false}; }
  ~MissScope() { t_request = RequestMisses{}; }
  MissScope(const MissScope&) = delete;
  MissScope& operator=(const MissScope&) = delete;
  bool missed() const { return t_request.missed; }
};

struct GateMetrics {
  metrics::Counter* unknown_group;
  metrics::Counter* min_version;
  metrics::Counter* unmet;
};

int64_t SnapshotVersion(const catalog::Catalog& catalog) {
  const catalog::Snapshot* snapshot = catalog.Current();
  return snapshot == nullptr ? -1 : snapshot->change_counter();
}

// Everything the run after the wait needs. The request (body, headers, path) stays valid while it is
// suspended (http/resumer.h); the path parameters are views into its path, copied out of the router's match.
struct Rerun {
  const http::Request* request;
  http::PathParams params;
  const api::Principal* principal;
  bool darwin;
  int64_t min_version;  // -1: none asked for
};

}  // namespace

void NoteRequestMiss() { t_request.missed = true; }

bool DeferringOnMiss() { return t_request.may_wait && t_request.missed; }

api::ApiHandler GateOnCatalog(catalog::CatalogRefresher* refresher, const catalog::Catalog* catalog,
                              metrics::Registry* registry, api::ApiHandler inner) {
  constexpr std::string_view kWaits = "ofs_catalog_request_waits_total";
  constexpr std::string_view kHelp =
      "Serving requests that waited for a check of the metadata store before running (read-your-writes: "
      "reason unknown_group or min_version)";
  const auto gate_metrics = std::make_shared<GateMetrics>(
      GateMetrics{&registry->GetCounter(kWaits, kHelp, {{"reason", "unknown_group"}}),
                  &registry->GetCounter(kWaits, kHelp, {{"reason", "min_version"}}),
                  &registry->GetCounter("ofs_catalog_min_version_unmet_total",
                                        "Requests answered 503 because the catalog stayed older than their "
                                        "X-OFS-Min-Catalog-Version (the metadata store did not answer)")});
  const auto handler = std::make_shared<api::ApiHandler>(std::move(inner));

  // After a check: runs the request again, unable to wait a second time.
  const auto run_again = [handler, catalog, gate_metrics](const Rerun& rerun, http::Response& response) {
    response.Reset();
    if (const int64_t have = SnapshotVersion(*catalog); rerun.min_version >= 0 && have < rerun.min_version) {
      gate_metrics->unmet->Inc();
      return Status(
          ErrorCode::kMetastoreUnavailable,
          "this node's catalog is at version " + std::to_string(have) +
              " after checking the metadata "
              "store, below X-OFS-Min-Catalog-Version " +
              std::to_string(rerun.min_version) +
              " (the metadata store does not answer, or that version was never answered by ofs admin)");
    }
    MissScope scope(/*may_wait=*/false);
    return (*handler)(api::Call{*rerun.request, rerun.params, rerun.principal, rerun.darwin}, response);
  };
  // Suspends the request until a check numbered above `checks_before` completed, then runs it again.
  const auto wait_then_run = [refresher, run_again](const api::Call& call, uint64_t checks_before,
                                                    int64_t min_version) {
    auto resumer = std::make_shared<http::Resumer>(call.request.Suspend());
    Rerun rerun{&call.request, call.params, call.principal, call.darwin, min_version};
    refresher->AfterCheck(checks_before, [resumer, rerun = std::move(rerun), run_again] {
      resumer->ResumeWith(
          [rerun, run_again](http::Response& response) { return run_again(rerun, response); });
    });
    return Status::Ok();
  };

  return [handler, catalog, refresher, gate_metrics, wait_then_run](const api::Call& call,
                                                                    http::Response& response) -> Status {
    // Numbered before the request looks at its catalog: a check started after this saw everything
    // committed before the request arrived.
    const uint64_t checks_before = refresher->ChecksStarted();
    int64_t min_version = -1;
    if (std::string_view header = call.request.Header(catalog::kMinCatalogVersionHeader); !header.empty()) {
      if (!ParseInt64(header, &min_version) || min_version < 0) {
        return Status(ErrorCode::kInvalidRequest,
                      "X-OFS-Min-Catalog-Version must be a non-negative integer (a catalog version from the "
                      "X-OFS-Catalog-Version header of an admin answer)");
      }
      if (SnapshotVersion(*catalog) < min_version) {
        if (!call.request.CanSuspend()) {
          return Status(ErrorCode::kOverloaded, "too many requests waiting, retry later",
                        "http.max_suspended_requests reached on this serving thread");
        }
        gate_metrics->min_version->Inc();
        return wait_then_run(call, checks_before, min_version);
      }
    }
    bool missed = false;
    Status status;
    {
      MissScope scope(/*may_wait=*/call.request.CanSuspend());
      status = (*handler)(call, response);
      missed = scope.missed();
    }
    if (!missed || !call.request.CanSuspend() || call.request.IsSuspended()) return status;
    gate_metrics->unknown_group->Inc();
    return wait_then_run(call, checks_before, -1);
  };
}

}  // namespace ofs::serving
