#include "api/offload.h"

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"

namespace ofs::api {
namespace {

using Clock = std::chrono::steady_clock;

// One offloaded request: its own copy of what the handler reads (never a view into the connection),
// and how to answer it.
class Job {
 public:
  explicit Job(const Call& call)
      : path_(call.request.path),
        query_(call.request.query),
        body_(call.request.body),
        request_id_(call.request.request_id),
        remote_addr_(call.request.remote_addr),
        principal_(call.principal),
        darwin_(call.darwin) {
    body_.append(http::kBodyPadding, '\0');  // simdjson parses in place, past the end
    for (const auto& [name, value] : call.request.headers) header_text_.emplace_back(name, value);
    for (const auto& [name, value] : call.params.values) param_text_.emplace_back(name, value);
    request_.method = call.request.method;
    request_.path = path_;
    request_.query = query_;
    request_.body = std::string_view(body_.data(), call.request.body.size());
    request_.request_id = request_id_;
    request_.remote_addr = remote_addr_;
    for (const auto& [name, value] : header_text_) request_.headers.emplace_back(name, value);
    for (const auto& [name, value] : param_text_) params_.values.emplace_back(name, value);
  }
  Job(const Job&) = delete;  // request_ and params_ view the strings above
  Job& operator=(const Job&) = delete;

  Call call() const { return Call{request_, params_, principal_, darwin_}; }

  http::Resumer resumer;
  const Clock::time_point queued_at = Clock::now();

 private:
  const std::string path_;
  const std::string query_;
  std::string body_;  // the body and kBodyPadding zero bytes
  const std::string request_id_;
  const std::string remote_addr_;
  std::vector<std::pair<std::string, std::string>> header_text_;
  std::vector<std::pair<std::string, std::string>> param_text_;
  const Principal* principal_;
  const bool darwin_;
  http::Request request_;  // views the strings above; cannot suspend
  http::PathParams params_;
};

// On a pool thread: runs the handler into a Response of its own and resumes the request with it.
void Run(Job& job, const ApiHandler& handler, std::chrono::milliseconds max_queue_wait) {
  if (Clock::now() - job.queued_at >= max_queue_wait) {
    // The server has answered the request by now; this resumption only releases its ticket.
    job.resumer.Resume(Status(ErrorCode::kStoreUnavailable, "the request waited too long for a worker"));
    return;
  }
  http::Response response;
  Status status;
  try {
    status = handler(job.call(), response);
  } catch (const std::exception& e) {
    status = Status(ErrorCode::kInternal, "internal error", e.what());
  }
  if (status.code() == ErrorCode::kInternal) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "api", "internal error: {} (request id {})", status.ToString(),
                        job.call().request.request_id);
  }
  job.resumer.ResumeWith(
      [status = std::move(status), response = std::move(response)](http::Response& out) mutable -> Status {
        if (!status.ok()) return status;  // answered by the server's error formatter
        out = std::move(response);
        return Status::Ok();
      });
}

}  // namespace

ApiHandler Offload(const Offloader& offloader, ApiHandler handler) {
  if (offloader.pool == nullptr) return handler;
  auto shared = std::make_shared<const ApiHandler>(std::move(handler));
  return [pool = offloader.pool, max_queue_wait = offloader.max_queue_wait, shared](
             const Call& call, http::Response& response) -> Status {
    if (call.request.suspender == nullptr) return (*shared)(call, response);  // called directly
    if (!call.request.CanSuspend()) {
      return Status(ErrorCode::kOverloaded, "too many requests waiting on this server, retry later",
                    "http.max_suspended_requests reached on this thread");
    }
    auto job = std::make_shared<Job>(call);
    job->resumer = call.request.Suspend();
    if (!pool->TrySubmit([job, shared, max_queue_wait] { Run(*job, *shared, max_queue_wait); })) {
      job->resumer.Resume(Status(ErrorCode::kOverloaded, "too many requests queued for a worker, retry later",
                                 "the " + pool->options().name + " pool's queue holds " +
                                     std::to_string(pool->options().max_queued) + " requests"));
    }
    return Status::Ok();
  };
}

}  // namespace ofs::api
