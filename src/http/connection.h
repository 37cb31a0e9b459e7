#pragma once
// Connection: one accepted socket on one event loop, from accept to close.
//
// It owns its read and write buffers, a RequestParser (which holds the head being parsed), the body
// buffers and the Request/Response objects reused for every request, all keeping their capacity, so
// a keep-alive connection serves requests without heap allocation in steady state (buffers that a huge
// message grew beyond kKeepBufferBytes are released afterwards).
//
// Requests are parsed and dispatched strictly one at a time in arrival order; their responses are
// appended to the write buffer and flushed together, so pipelined requests cost one write. When more
// than kWriteHighWater bytes are queued and the socket does not take them, parsing (and reading) pauses
// until the peer drains its side; when the loop's OutputBudget does not admit another request, it
// pauses in the loop's output waiters until the budget frees up. Output its peer leaves unread for
// write_timeout_ms closes the connection.
//
// A handler may suspend its request (resumer.h): the connection then parses and reads nothing more, is
// kept alive whatever happens to the socket, and queues the response when the loop drains the resumption.
//
// Threading: only the owning loop's thread touches a connection. Lifetime: the loop creates it after
// accept4 and destroys it when OnEvents/OnDeadline/Resume return false (never while suspended, unless
// Stop gives up waiting); the destructor closes the socket.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/buffer.h"
#include "http/deadline_list.h"
#include "http/gzip.h"
#include "http/output_budget.h"
#include "http/request_id.h"
#include "http/request_parser.h"
#include "http/resumer.h"
#include "http/server.h"
#include "http/suspension_table.h"
#include "http/wait_queue.h"

namespace ofs::http {

// Per-server figures that the loops update and Server reads (from any thread).
struct ServerCounters {
  std::atomic<size_t> open_connections{0};
  std::atomic<size_t> output_waiting{0};    // connections in the loops' output waiters
  std::atomic<uint64_t> write_timeouts{0};  // connections closed by write_timeout_ms
};

// What the connections of one loop share: the server's callbacks and limits, per-loop codecs, deadline
// lists and the cached clock. Owned by the EventLoop; used only on its thread.
struct LoopContext {
  LoopContext(const ServerOptions& options, const Handler& handler, const ErrorFormatter& error_formatter,
              const CompletionHook& on_complete, RequestIdGenerator ids, OutputBudget* budget,
              ServerCounters* counters);

  const ServerOptions& options;
  const Handler& handler;
  const ErrorFormatter& error_formatter;
  const CompletionHook& on_complete;
  Inflater inflater;
  Deflater deflater;
  std::string gzip_body;  // scratch: the compressed form of the response being queued
  RequestIdGenerator ids;
  DeadlineList idle;               // no request in progress, or flushing the last responses: idle_timeout_ms
  DeadlineList request;            // a request partly received: request_timeout_ms from its first byte
  DeadlineList linger;             // closing after a response: discarding input until the peer's FIN
  DeadlineList write;              // output the peer does not take: write_timeout_ms from the first refusal
  DeadlineList suspended_list;     // a suspended request: suspended_timeout_ms from its first suspension
  OutputBudget* const budget;      // shared with the server's other loops (and maybe other servers)
  ServerCounters* const counters;  // the server's
  WaitQueue output_waiters;        // connections the budget holds back (EventLoop::ResumeOutputWaiters)
  // Connections whose responses wait for the end of the batch (ServerOptions::deferred_output_bytes).
  std::vector<Connection*> deferred_flushes;
  size_t deferred_bytes = 0;  // what they held when listed
  const bool defer_output;
  // Whether the server time of a request is measured (for the access log or the completion hook).
  const bool timed;
  int64_t now_ms = 0;  // coarse monotonic milliseconds, refreshed after every epoll_wait
  // Resumed requests, drained by the loop.
  std::shared_ptr<Mailbox> mailbox = std::make_shared<Mailbox>();
  SuspensionTable suspensions;  // suspended connections by ticket
  size_t suspended = 0;         // connections waiting for a Resumer
  bool stopping = false;        // the server stops: resumed connections answer, then serve nothing more
};

class Connection final : public DeadlineNode, public WaitNode, public Suspender {
 public:
  // Buffers above this size are released once idle.
  static constexpr size_t kKeepBufferBytes = 1 << 20;
  // Queued output above which the connection stops taking requests until the peer reads.
  static constexpr size_t kWriteHighWater = 1 << 20;
  // How long a closing connection waits for the peer's FIN while discarding its input.
  static constexpr int64_t kLingerMs = 1000;

  // Takes ownership of `fd` (a non-blocking socket); the loop registers it with epoll.
  Connection(int fd, std::string remote_addr, LoopContext* loop);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }

  // Handles epoll readiness `events`. Returns false when the connection is finished (closed by the peer,
  // an I/O error, or done closing); the loop then destroys it.
  bool OnEvents(uint32_t events);
  // Called by the loop once deadline_ms has passed. Returns false when the connection is finished.
  bool OnDeadline();
  // Server stop: one non-blocking attempt to send what is queued; the loop destroys it afterwards.
  void FlushBestEffort();
  // Sends the responses Settle deferred to the end of the loop's batch (ServerOptions::
  // deferred_output_bytes). Returns false when the connection is finished.
  bool FlushDeferred();
  // The suspended request's answer is ready (`status` and `then` as a Resumer posted them): runs the
  // continuation, queues the response and serves on. Returns false when the connection is finished.
  bool Resume(Status status, const Continuation& then);
  // Taken off the loop's output waiters because the budget may have room: reads and serves on (or
  // waits again). Returns false when the connection is finished.
  bool ResumeInput();

 private:
  enum class Phase : uint8_t {
    kOpen,       // reading and serving requests
    kDraining,   // serving no more requests: flushing queued responses, then closing
    kLingering,  // all sent and write side shut down: discarding input until the peer closes
  };

  void BeginRequest();
  bool AcceptHead();
  struct KnownHeaders {  // indices into the head's headers of the first occurrence, -1 when absent
    int request_id = -1;
    int accept_encoding = -1;
    int content_encoding = -1;
    int expect = -1;
  };
  KnownHeaders FindKnownHeaders() const;

  bool ReadAndServe(bool peer_hung_up);
  void ParseBuffered();
  bool HasRoomForOutput();
  void ServeRequest();
  void CallHandler();
  void BuildRequest();
  void RespondError(const Status& status, int http_status);
  void QueueResponse(bool close, std::chrono::steady_clock::time_point parsed_at);
  void FinishRequest(bool close, std::chrono::steady_clock::time_point parsed_at);
  bool CanSuspend() const override;
  Resumer Suspend() override;
  bool ExpireSuspended();
  bool FinishResumed(Status status);
  bool IsSuspended() const override { return suspended_; }
  void OnResume(ResumeHook hook) override;
  bool MarkDeadIfSuspended();
  void Complete(int64_t nanos, size_t body_bytes);
  bool Flush();
  void ChargeOutput();
  void StopWaitingForBudget();
  bool Settle();
  void ArmIdleOrWrite();
  bool StartLingering();
  bool DiscardInput();
  void ReleaseLargeBuffers();

  const int fd_;
  LoopContext* const loop_;
  const std::string remote_addr_;
  RequestParser parser_;
  Phase phase_ = Phase::kOpen;
  bool in_request_ = false;      // a request's first byte was parsed, its last not yet
  bool gzip_body_ = false;       // Content-Encoding: gzip
  bool accepts_gzip_ = false;    // Accept-Encoding allows gzip
  bool keep_alive_ = false;      // HTTP/1.1 without Connection: close, HTTP/1.0 with keep-alive
  bool peer_eof_ = false;        // read returned 0
  bool dead_ = false;            // an I/O error: close without further ado
  bool progressed_ = false;      // bytes moved during this event (re-arms the idle timer)
  bool flush_deferred_ = false;  // listed in loop_->deferred_flushes
  bool write_blocked_ = false;   // the last send left output unsent (EAGAIN)
  bool input_paused_ = false;    // parsing stopped (no room for output, or suspended): read later
  bool suspended_ = false;       // the handler suspended the request being served
  bool close_after_ = false;     // suspended: close once its response is queued
  bool abort_on_close_ = false;  // closed for write_timeout_ms: reset, dropping the unread output
  Method method_ = Method::kOther;
  uint8_t http_minor_ = 1;
  uint64_t ticket_ = 0;         // suspended: the current suspension's ticket in loop_->suspensions
  int request_id_header_ = -1;  // index into the head's headers
  size_t read_chunk_ = 4096;
  size_t charged_ = 0;  // bytes of out_ charged to loop_->budget (while write_blocked_)
  int64_t request_start_ms_ = 0;
  std::string body_;        // the (inflated) body, then kBodyPadding zero bytes
  std::string gzip_input_;  // the body as received when Content-Encoding is gzip
  std::string path_;        // the decoded path when it contained escapes
  ByteBuffer in_;
  ByteBuffer out_;
  Request request_;
  Response response_;
  char generated_id_[kRequestIdCapacity] = {};
  std::chrono::steady_clock::time_point parsed_at_;  // suspended: when its request was fully parsed
  ResumeHook resume_hook_;                           // suspended: run by Resume
};

}  // namespace ofs::http
