#pragma once
// HTTP/1.1 server: one edge-triggered epoll loop per worker thread, each with its own SO_REUSEPORT
// listener, so a connection lives on one thread from accept to close. Requests are parsed by a strict
// RFC 9112 parser (request_parser.h), dispatched synchronously to a Handler on the loop thread, and the
// response is written from a per-connection buffer that keeps its capacity (no per-request heap churn in
// steady state).
//
// It supports keep-alive and pipelining (responses in request order), any method with a body (GET with
// a JSON body), gzip request bodies (Content-Encoding: gzip; the inflated size counts against the body
// limit) and gzip responses (when the client accepts gzip and the body exceeds gzip_min_bytes).
// Limits answer with the error formatter: header too large (431), body too large (413), a request not
// fully received within request_timeout_ms of its first byte (408 and close: a slow or stuck client
// never holds a worker), idle keep-alive connections closed after idle_timeout_ms, connections beyond
// max_connections refused, output held for peers that do not read bounded across connections
// (max_buffered_output_bytes) and in time (write_timeout_ms). Every response carries X-Request-Id (the
// client's, or a generated one).
// Threading: Start() spawns the workers; handlers run on worker threads concurrently.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "http/resumer.h"

namespace ofs::http {

enum class Method : uint8_t { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };
std::string_view MethodName(Method m);

// Extra bytes readable after Request::body (zeroed), so simdjson can parse it in place.
inline constexpr size_t kBodyPadding = 64;

struct Request {
  Method method = Method::kOther;
  std::string_view path;        // decoded path without query string, e.g. "/v1/entity/user"
  std::string_view query;       // raw query string after '?', "" when none
  std::string_view body;        // after gzip inflation; followed by kBodyPadding readable zero bytes
  std::string_view request_id;  // X-Request-Id as received, or generated
  std::string_view remote_addr;
  // Header names lower-cased; values as received.
  std::vector<std::pair<std::string_view, std::string_view>> headers;

  // Value of a header (name lower-case), "" when absent.
  std::string_view Header(std::string_view lower_name) const;
  // First value of a decoded query parameter; nullopt-like empty + false when absent.
  bool QueryParam(std::string_view name, std::string* value) const;

  // Set by the server for the request being handled (null where handlers are called directly).
  Suspender* suspender = nullptr;
  // Whether this request may suspend now (see Suspender::CanSuspend: false at the loop's cap).
  bool CanSuspend() const { return suspender != nullptr && suspender->CanSuspend(); }
  // Marks this request's response as not final: the handler returns, and the response it left is sent
  // when the returned Resumer is resumed (see resumer.h). At most once per request; needs CanSuspend().
  Resumer Suspend() const { return suspender->Suspend(); }
  bool IsSuspended() const { return suspender != nullptr && suspender->IsSuspended(); }
  // While suspended: `hook` runs when the request is resumed (resumer.h).
  void OnResume(ResumeHook hook) const { suspender->OnResume(std::move(hook)); }
};

struct Response {
  int status = 200;
  std::string_view content_type = "application/json";
  std::string body;  // handlers append; capacity is reused across requests of a connection
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (rare)

  void Reset() {
    status = 200;
    content_type = "application/json";
    body.clear();
    headers.clear();
  }
};

// Handles one request on a worker thread. Must not block for long (no network or disk waits): a handler
// that waits for another thread suspends the request instead (Request::Suspend).
using Handler = std::function<void(const Request&, Response&)>;
// Formats a server-generated error (limits, parse errors) into a response body and status.
using ErrorFormatter = std::function<void(const Status&, Response&)>;
// Called on the worker thread after every response is queued, with the server time in nanoseconds from
// the request being fully parsed to its response being queued (server-wide latency metrics).
using CompletionHook = std::function<void(const Request&, const Response&, int64_t nanos)>;

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 8080;  // 0 = pick a free port (see Server::port())
  int threads = 1;
  size_t max_header_bytes = size_t{16} << 10;
  size_t max_body_bytes = size_t{16} << 20;
  int64_t request_timeout_ms = 10'000;
  int64_t idle_timeout_ms = 60'000;
  size_t max_connections = 10'000;
  size_t gzip_min_bytes = size_t{8} << 10;
  // A connection whose peer leaves its output unread this long (from the moment the socket first refused
  // more bytes, not extended by partial reads, until all is sent) is closed.
  int64_t write_timeout_ms = 30'000;
  // Output bytes held for peers that do not read, across the server's connections (output_budget.h):
  // past three quarters of it connections holding output stop being served, past it all do, until it
  // frees up. Per server, so that a flood on one port does not hold up another server's clients.
  size_t max_buffered_output_bytes = size_t{256} << 20;
  // A suspended request (resumer.h) not resumed this long after it first suspended is answered 503
  // STORE-UNAVAILABLE by the server; its late resumption is dropped.
  int64_t suspended_timeout_ms = 5'000;
  // Suspended requests one loop holds at most: beyond it Request::CanSuspend() is false, and handlers
  // answer 503 instead of starting more asynchronous work.
  size_t max_suspended_requests = 4'096;
  bool access_log = false;
  // Responses queued while a batch of ready events is handled are sent at the end of the batch, one
  // send(2) per connection as before but back to back: a client reading many connections is then woken
  // once for many responses rather than once per response (Redis defers its replies the same way). Once
  // the waiting responses reach this many bytes they are sent at once, which bounds the delay a batch
  // adds to a response when responses are large; deferred_output_responses bounds it when handlers are
  // slow and their answers small. 0 in either sends every response as soon as it is queued.
  size_t deferred_output_bytes = size_t{64} << 10;
  size_t deferred_output_responses = 16;  // connections with deferred responses, at most
  // Called on each worker thread after it has handled a batch of ready events (and the requests resumed
  // meanwhile), before it waits for more: where to start work that the batch's requests queued, e.g.
  // one WAL sync for all their writes (storage::OnlineStore::StartSyncs). Keep it short.
  std::function<void()> after_batch;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler, ErrorFormatter error_formatter,
         CompletionHook on_complete = {});
  ~Server();  // stops and joins
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds (all listeners) and starts the worker threads. Errors: the bind/listen failure.
  Status Start();
  // Stops accepting, closes connections, joins workers. Idempotent.
  void Stop();
  uint16_t port() const;  // the bound port (after Start)
  size_t open_connections() const;

  // The output bound's state (thread-safe; for the application's metrics).
  struct OutputStats {
    size_t held_bytes = 0;           // output held for peers that do not read (max_buffered_output_bytes)
    size_t waiting_connections = 0;  // connections not served until that falls
    uint64_t write_timeouts = 0;     // connections closed by write_timeout_ms, ever
  };
  OutputStats output_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ofs::http
