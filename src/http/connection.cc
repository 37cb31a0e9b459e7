#include "http/connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/fallback.h"
#include "base/log.h"
#include "base/strings.h"
#include "http/url.h"
#include "http/wire.h"

namespace ofs::http {
namespace {

constexpr size_t kMaxReadChunk = size_t{64} << 10;
constexpr size_t kMaxClientRequestIdBytes = 128;
constexpr size_t kMaxDiscardPerEvent = 1 << 20;  // lingering: bytes dropped per readiness event

// A client's X-Request-Id is echoed in a response header and in logs: only short, visible ASCII is taken.
bool IsUsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxClientRequestIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool HasContentEncoding(const std::vector<std::pair<std::string, std::string>>& headers) {
  return std::any_of(headers.begin(), headers.end(),
                     [](const auto& h) { return EqualsIgnoreCase(h.first, "content-encoding"); });
}

void ReleaseIfLarge(std::string* s) {
  if (s->capacity() > Connection::kKeepBufferBytes) std::string().swap(*s);
}

}  // namespace

LoopContext::LoopContext(const ServerOptions& options, const Handler& handler,
                         const ErrorFormatter& error_formatter, const CompletionHook& on_complete,
                         RequestIdGenerator ids, OutputBudget* budget, ServerCounters* counters)
    : options(options),
      handler(handler),
      error_formatter(error_formatter),
      on_complete(on_complete),
      ids(ids),
      idle(options.idle_timeout_ms),
      request(options.request_timeout_ms),
      linger(Connection::kLingerMs),
      write(options.write_timeout_ms),
      suspended_list(options.suspended_timeout_ms),
      budget(budget),
      counters(counters),
      defer_output(options.deferred_output_bytes > 0 && options.deferred_output_responses > 0),
      timed(options.access_log || static_cast<bool>(on_complete)) {}

Connection::Connection(int fd, std::string remote_addr, LoopContext* loop)
    : fd_(fd),
      loop_(loop),
      remote_addr_(std::move(remote_addr)),
      parser_({loop->options.max_header_bytes, loop->options.max_body_bytes}) {}

Connection::~Connection() {
  if (suspended_) {  // only when Stop gave up on it
    --loop_->suspended;
    loop_->suspensions.Take(ticket_);
  }
  DeadlineList::Cancel(this);
  StopWaitingForBudget();
  if (charged_ > 0) loop_->budget->Release(charged_);
  if (flush_deferred_) std::erase(loop_->deferred_flushes, this);
  if (abort_on_close_) {
    linger reset{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  }
  ::close(fd_);
}

// ---- Readiness and timers ----

bool Connection::OnEvents(uint32_t events) {
  progressed_ = false;
  if (suspended_) {  // nothing is read or closed until the answer is back; what happened is remembered
    if ((events & EPOLLERR) != 0) dead_ = true;
    if ((events & EPOLLOUT) != 0 && !out_.empty() && !Flush()) dead_ = true;
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0) input_paused_ = true;
    return true;
  }
  if ((events & EPOLLERR) != 0) return false;
  if (phase_ == Phase::kLingering) return DiscardInput();
  if ((events & EPOLLOUT) != 0 && !out_.empty() && !Flush()) return false;
  const bool hung_up = (events & (EPOLLRDHUP | EPOLLHUP)) != 0;
  const bool want_input = (events & EPOLLIN) != 0 || hung_up || input_paused_;
  if (phase_ == Phase::kOpen && want_input && !ReadAndServe(hung_up) && !MarkDeadIfSuspended()) return false;
  return Settle();
}

bool Connection::OnDeadline() {
  progressed_ = false;
  if (suspended_) return ExpireSuspended();
  if (list == &loop_->request && phase_ == Phase::kOpen && in_request_) {
    RespondError(
        Status(ErrorCode::kRequestTimeout,
               "request not received within " + std::to_string(loop_->options.request_timeout_ms) + " ms"),
        408);
    return Settle();
  }
  if (list == &loop_->write) {
    loop_->counters->write_timeouts.fetch_add(1, std::memory_order_relaxed);
    OFS_LOG_EVERY_N_SEC(10, OFS_LOG_INFO, "http",
                        "closing connection from {}: {} bytes of output unread for {} ms (write_timeout_ms)",
                        remote_addr_, out_.size(), loop_->options.write_timeout_ms);
    // Reset rather than close: the kernel would otherwise keep the unread bytes it holds (up to its
    // send buffer) for a peer that does not read them.
    abort_on_close_ = true;
  }
  return false;  // idle keep-alive, unread output or lingering: close silently
}

void Connection::FlushBestEffort() { Flush(); }

bool Connection::FlushDeferred() {
  flush_deferred_ = false;
  if (Flush()) {
    if (write_blocked_) ArmIdleOrWrite();  // Settle armed the timer before the socket refused bytes
    return true;
  }
  // Defensive: a listed connection is not suspended (it is listed by Settle's unsuspended path, and
  // epoll reports it once per batch), but a suspended one must only close on Resume.
  return MarkDeadIfSuspended();
}

bool Connection::CanSuspend() const { return loop_->suspended < loop_->options.max_suspended_requests; }

Resumer Connection::Suspend() {
  if (suspended_) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: request {} suspended twice", request_.request_id);
    return Resumer();
  }
  suspended_ = true;
  ++loop_->suspended;
  // The deadline runs from the first suspension: a continuation that suspends again keeps it.
  if (list != &loop_->suspended_list) loop_->suspended_list.Arm(this, loop_->now_ms);
  ticket_ = loop_->suspensions.Add(this);
  return Resumer(loop_->mailbox, ticket_);
}

// The suspended request's deadline passed: answered 503 in its place; its late resumption finds no ticket.
bool Connection::ExpireSuspended() {
  loop_->suspensions.Take(ticket_);
  OFS_LOG_EVERY_N_SEC(10, OFS_LOG_WARN, "http", "request {} ({} {}) not answered within {} ms; answering 503",
                      request_.request_id, MethodName(request_.method), request_.path,
                      loop_->options.suspended_timeout_ms);
  return FinishResumed(
      Status(ErrorCode::kStoreUnavailable,
             "no answer from the store within " + std::to_string(loop_->options.suspended_timeout_ms) + " ms",
             "suspended_timeout_ms"));
}

void Connection::OnResume(ResumeHook hook) {
  if (suspended_) resume_hook_ = std::move(hook);
}

// A failure found while a request is suspended closes the connection only once it is resumed.
bool Connection::MarkDeadIfSuspended() {
  if (suspended_) dead_ = true;
  return suspended_;
}

bool Connection::ResumeInput() {
  progressed_ = false;
  StopWaitingForBudget();
  if (suspended_ || phase_ != Phase::kOpen) return Settle();
  // Input that arrived while waiting raised no new event: read as after a hang-up, to EAGAIN.
  if (!ReadAndServe(/*peer_hung_up=*/true) && !MarkDeadIfSuspended()) return false;
  return Settle();
}

bool Connection::Resume(Status status, const Continuation& then) {
  if (!suspended_) return !dead_;
  if (then) {
    // The continuation may suspend again: the request is unsuspended while it runs.
    suspended_ = false;
    --loop_->suspended;
    try {
      status = then(response_);
    } catch (const std::exception& e) {
      OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: continuation threw ({}) on {} {}, request id {}",
                          e.what(), MethodName(request_.method), request_.path, request_.request_id);
      status = Status(ErrorCode::kInternal, "internal error", e.what());
    }
    if (suspended_) return true;  // waits for its next resumption (the deadline stays armed)
    suspended_ = true;
    ++loop_->suspended;
  }
  return FinishResumed(std::move(status));
}

// Ends a suspension: answers with `status` (an error replaces the response), runs the resume hook,
// queues the response and serves on.
bool Connection::FinishResumed(Status status) {
  suspended_ = false;
  --loop_->suspended;
  // Out of the suspended list, into idle until Settle arms what fits: a live connection is always in one
  // of the loop's lists (a stopping loop finds its connections there).
  loop_->idle.Arm(this, loop_->now_ms);
  progressed_ = true;
  if (!status.ok()) {
    response_.Reset();
    response_.status = 500;  // unless the formatter sets one
    loop_->error_formatter(status, response_);
  }
  if (resume_hook_) {
    ResumeHook hook = std::move(resume_hook_);
    resume_hook_ = nullptr;
    try {
      hook(status, response_);
    } catch (const std::exception& e) {
      OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: resume hook threw ({})", e.what());
    }
  }
  FinishRequest(close_after_, parsed_at_);
  if (dead_) return false;
  if (loop_->stopping) return Flush();  // the loop closes it right after
  // Input may have arrived (or been left unread) while suspended: read as after a hang-up, to EAGAIN.
  if (phase_ == Phase::kOpen && !ReadAndServe(/*peer_hung_up=*/true) && !MarkDeadIfSuspended()) return false;
  return Settle();
}

// Flushes what is queued, then arms the timer that matches the connection's situation. Every live
// connection stays armed in exactly one of the loop's lists (the loop finds them all there on stop).
bool Connection::Settle() {
  if (suspended_) {  // never finished while a Resumer points here: failures wait for Resume
    if (!out_.empty() && !Flush()) dead_ = true;
    return true;  // stays armed in the loop's suspended list (its deadline)
  }
  if (dead_) return false;
  if (phase_ == Phase::kOpen && peer_eof_) phase_ = Phase::kDraining;  // no further request can arrive
  if (!out_.empty()) {
    // Output a slow reader left unsent is not deferred: its socket was full (EPOLLOUT resumes it), and
    // its bytes would count against the bound of the others.
    if (phase_ == Phase::kOpen && !loop_->stopping && !write_blocked_ && loop_->defer_output) {
      if (!flush_deferred_) {  // the loop sends it (EventLoop::FlushDeferred) and destroys it on failure
        flush_deferred_ = true;
        loop_->deferred_flushes.push_back(this);
        loop_->deferred_bytes += out_.size();
      }
    } else if (!Flush()) {
      return false;
    }
  }
  switch (phase_) {
    case Phase::kOpen:
      if (in_request_ && !write_blocked_) {
        if (list != &loop_->request || deadline_ms != request_start_ms_ + loop_->request.timeout_ms()) {
          loop_->request.Arm(this, request_start_ms_);
        }
      } else {
        ArmIdleOrWrite();
      }
      return true;
    case Phase::kDraining:
      if (out_.empty()) return peer_eof_ ? false : StartLingering();
      ArmIdleOrWrite();
      return true;
    case Phase::kLingering:
      return true;
  }
  return true;
}

// Output the peer does not take runs the write timer, from the first refusal and not extended by
// partial reads (a peer reading a byte now and then must not hold its output, and the budget, forever);
// otherwise the idle timer, re-armed by any progress.
void Connection::ArmIdleOrWrite() {
  if (write_blocked_) {
    if (list != &loop_->write) loop_->write.Arm(this, loop_->now_ms);
  } else if (progressed_ || list != &loop_->idle) {
    loop_->idle.Arm(this, loop_->now_ms);
  }
}

// Closing after a response: shut the write side (the peer sees EOF after the last response), then read
// and drop input until the peer closes too. Closing at once with unread input would make the kernel send
// RST, which can destroy the response in flight (e.g. a 413 sent while the client still uploads).
bool Connection::StartLingering() {
  ::shutdown(fd_, SHUT_WR);
  phase_ = Phase::kLingering;
  loop_->linger.Arm(this, loop_->now_ms);
  return DiscardInput();
}

bool Connection::DiscardInput() {
  in_.Clear();
  size_t dropped = 0;
  while (dropped < kMaxDiscardPerEvent) {
    char* scratch = in_.PrepareWrite(4096);
    ssize_t n = ::recv(fd_, scratch, in_.writable(), 0);
    if (n > 0) {
      dropped += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
  return true;  // more may follow; the linger timer bounds the wait
}

bool Connection::Flush() {
  while (!out_.empty()) {
    ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      out_.Consume(static_cast<size_t>(n));
      progressed_ = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      write_blocked_ = true;  // EPOLLOUT resumes
      ChargeOutput();
      return true;
    }
    return false;
  }
  write_blocked_ = false;
  out_.ShrinkIfIdle(kKeepBufferBytes);
  ChargeOutput();
  return true;
}

// Keeps the budget's count of this connection's output right: the buffer's capacity while the socket
// refuses bytes, nothing otherwise (no atomic operation when nothing changes: the common case).
void Connection::ChargeOutput() {
  const size_t held = write_blocked_ ? out_.capacity() : 0;
  if (held == charged_) return;
  if (held > charged_) {
    loop_->budget->Add(held - charged_);
  } else {
    loop_->budget->Release(charged_ - held);
  }
  charged_ = held;
}

void Connection::StopWaitingForBudget() {
  if (!waiting) return;
  loop_->output_waiters.Remove(this);
  loop_->counters->output_waiting.fetch_sub(1, std::memory_order_relaxed);
}

// ---- Reading and parsing (the hot path) ----

// One loop for the common case: a single read(2) returning one or more whole requests, parsed and
// dispatched in place; Settle then writes all their responses with one send(2). A read shorter than
// the space offered means the socket's receive queue was empty at that moment; with edge-triggered
// epoll any later byte raises a new event, so the confirming EAGAIN read is skipped (as nginx does),
// except after a hang-up, when the end of stream must be read.
bool Connection::ReadAndServe(bool peer_hung_up) {
  input_paused_ = false;
  for (;;) {
    ParseBuffered();
    if (dead_) return false;
    if (suspended_) input_paused_ = true;  // the socket may hold more: read it once resumed
    if (phase_ != Phase::kOpen || input_paused_) return true;
    char* dst = in_.PrepareWrite(read_chunk_);
    const size_t want = in_.writable();
    ssize_t n = ::recv(fd_, dst, want, 0);
    if (n > 0) {
      in_.Commit(static_cast<size_t>(n));
      progressed_ = true;
      if (static_cast<size_t>(n) == want) {
        read_chunk_ = std::min(read_chunk_ * 2, kMaxReadChunk);
      } else if (!peer_hung_up) {
        ParseBuffered();
        if (suspended_) input_paused_ = true;
        return !dead_;
      }
      continue;
    }
    if (n == 0) {
      peer_eof_ = true;
      return true;
    }
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

// Feeds buffered input to the parser. Requests are served strictly one at a time, in order, while later
// pipelined bytes wait in the buffer; the parser stops after each head (kHead) so that limits and
// encodings are judged before any body byte is read.
void Connection::ParseBuffered() {
  while (phase_ == Phase::kOpen && !suspended_) {
    const bool between_requests = !in_request_;
    if (between_requests) {
      if (in_.empty()) return;
      if (!HasRoomForOutput()) {
        input_paused_ = !dead_;
        return;
      }
    }
    size_t used = 0;
    const RequestParser::Step step = parser_.Parse(in_.view(), &used);
    in_.Consume(used);
    if (between_requests && parser_.in_message()) BeginRequest();
    switch (step) {
      case RequestParser::Step::kNeedMore:
        return;
      case RequestParser::Step::kHead:
        if (!AcceptHead()) return;
        continue;
      case RequestParser::Step::kDone:
        ServeRequest();
        continue;
      case RequestParser::Step::kError:
        if (parser_.error_status() == 400) {
          OFS_LOG_EVERY_N_SEC(10, OFS_LOG_INFO, "http", "malformed request from {}: {}", remote_addr_,
                              parser_.error().message());
        }
        RespondError(parser_.error(), parser_.error_status());
        return;
    }
  }
}

// Whether another request may be served now: the connection's own queue is at most kWriteHighWater
// (EPOLLOUT resumes it otherwise) and the budget admits it (the loop's output waiters resume it
// otherwise).
bool Connection::HasRoomForOutput() {
  if (out_.size() > kWriteHighWater) {
    if (!Flush()) {
      dead_ = true;
      return false;
    }
    if (out_.size() > kWriteHighWater) return false;
  }
  if (loop_->budget->Admits(/*holds_output=*/!out_.empty())) return true;
  if (!waiting) {
    loop_->output_waiters.Push(this);
    loop_->counters->output_waiting.fetch_add(1, std::memory_order_relaxed);
  }
  return false;
}

void Connection::BeginRequest() {
  in_request_ = true;
  gzip_body_ = false;
  accepts_gzip_ = false;
  keep_alive_ = false;
  method_ = Method::kOther;
  http_minor_ = 1;
  request_id_header_ = -1;
  request_start_ms_ = loop_->now_ms;
  body_.clear();
  gzip_input_.clear();
}

// Decides what the head determines beyond framing (the parser judged that and the body limit), before
// any body byte is read: an unsupported encoding fails here, so its body is never received (the
// connection then closes). False when the request was answered with an error.
bool Connection::AcceptHead() {
  const RequestHead& head = parser_.head();
  method_ = head.method;
  keep_alive_ = head.keep_alive;
  http_minor_ = head.http_minor;
  const KnownHeaders known = FindKnownHeaders();
  request_id_header_ = known.request_id;
  accepts_gzip_ =
      known.accept_encoding >= 0 && AcceptsGzip(head.value(static_cast<size_t>(known.accept_encoding)));
  if (known.content_encoding >= 0) {
    std::string_view coding = head.value(static_cast<size_t>(known.content_encoding));
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      gzip_body_ = true;
    } else if (!coding.empty() && !EqualsIgnoreCase(coding, "identity")) {
      RespondError(Status(ErrorCode::kInvalidRequest, "unsupported Content-Encoding (only gzip is accepted)",
                          std::string(coding)),
                   415);
      return false;
    }
  }
  if (head.has_length && !gzip_body_) body_.reserve(head.content_length + kBodyPadding);
  const bool body_follows = head.chunked || head.content_length > 0;
  if (known.expect >= 0 && body_follows && http_minor_ >= 1 &&
      EqualsIgnoreCase(head.value(static_cast<size_t>(known.expect)), "100-continue")) {
    out_.Append("HTTP/1.1 100 Continue\r\n\r\n");
  }
  parser_.SetBodySink(gzip_body_ ? &gzip_input_ : &body_);
  return true;
}

// One pass over the headers for the few the server itself interprets.
Connection::KnownHeaders Connection::FindKnownHeaders() const {
  const RequestHead& head = parser_.head();
  KnownHeaders known;
  for (size_t i = 0; i < head.headers.size(); ++i) {
    std::string_view name = head.name(i);
    int* slot = nullptr;
    if (name == "x-request-id") {
      slot = &known.request_id;
    } else if (name == "accept-encoding") {
      slot = &known.accept_encoding;
    } else if (name == "content-encoding") {
      slot = &known.content_encoding;
    } else if (name == "expect") {
      slot = &known.expect;
    }
    if (slot != nullptr && *slot < 0) *slot = static_cast<int>(i);
  }
  return known;
}

// ---- Serving ----

void Connection::ServeRequest() {
  in_request_ = false;
  const auto parsed_at =
      loop_->timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
  Status inflated;
  if (gzip_body_) inflated = loop_->inflater.Inflate(gzip_input_, loop_->options.max_body_bytes, &body_);
  BuildRequest();
  response_.Reset();
  if (inflated.ok()) {
    CallHandler();
  } else {
    loop_->error_formatter(inflated, response_);
    response_.status = inflated.code() == ErrorCode::kPayloadTooLarge  ? 413
                       : inflated.code() == ErrorCode::kInvalidRequest ? 400
                                                                       : 500;
  }
  const bool close = !keep_alive_ || parser_.head().upgrade;
  if (suspended_) {  // Resume finishes it
    close_after_ = close;
    parsed_at_ = parsed_at;
    return;
  }
  FinishRequest(close, parsed_at);
}

void Connection::FinishRequest(bool close, std::chrono::steady_clock::time_point parsed_at) {
  QueueResponse(close, parsed_at);
  if (close) phase_ = Phase::kDraining;
  ReleaseLargeBuffers();
}

// The dispatch boundary: a handler that throws is a bug, answered with 500, never a crash.
void Connection::CallHandler() {
  Status failure;
  try {
    loop_->handler(request_, response_);
    return;
  } catch (const std::exception& e) {
    failure = Status(ErrorCode::kInternal, "internal error", e.what());
  } catch (...) {
    failure = Status(ErrorCode::kInternal, "internal error", "unknown exception");
  }
  OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: handler threw ({}) on {} {}, request id {}",
                      failure.cause(), MethodName(request_.method), request_.path, request_.request_id);
  response_.Reset();
  loop_->error_formatter(failure, response_);
  response_.status = 500;
}

// Points request_ at the parsed request: views into the parser's head, body_ (padded here) and path_.
void Connection::BuildRequest() {
  const RequestHead& head = parser_.head();
  request_.method = method_;
  std::string_view raw_path;
  SplitTarget(head.target(), &raw_path, &request_.query);
  if (NeedsDecoding(raw_path, /*plus_as_space=*/false)) {
    path_.clear();
    PercentDecode(raw_path, /*plus_as_space=*/false, &path_);
    request_.path = path_;
  } else {
    request_.path = raw_path;
  }
  request_.headers.clear();
  for (size_t i = 0; i < head.headers.size(); ++i) request_.headers.emplace_back(head.name(i), head.value(i));
  std::string_view client_id =
      request_id_header_ >= 0 ? head.value(static_cast<size_t>(request_id_header_)) : std::string_view();
  request_.request_id = IsUsableRequestId(client_id) ? client_id : loop_->ids.Next(generated_id_);
  request_.remote_addr = remote_addr_;
  request_.suspender = this;
  const size_t body_size = body_.size();
  body_.append(kBodyPadding, '\0');
  request_.body = std::string_view(body_.data(), body_size);
}

// A server-generated error (limits, malformed input, timeout): answered through the error formatter
// with `http_status`, and the connection closes after it.
void Connection::RespondError(const Status& status, int http_status) {
  if (!in_request_) BeginRequest();  // nothing of the failed request was parsed: do not show the last one
  in_request_ = false;
  const auto now = std::chrono::steady_clock::now();
  BuildRequest();
  response_.Reset();
  loop_->error_formatter(status, response_);
  response_.status = http_status;
  QueueResponse(/*close=*/true, now);
  phase_ = Phase::kDraining;
}

void Connection::QueueResponse(bool close, std::chrono::steady_clock::time_point parsed_at) {
  if (response_.status < 100 || response_.status > 999) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: handler set HTTP status {} (request id {})",
                        response_.status, request_.request_id);
    response_.status = 500;
  }
  std::string_view body = response_.body;
  bool gzip = false;
  if (accepts_gzip_ && !body.empty() && body.size() >= loop_->options.gzip_min_bytes &&
      response_.status != 204 && response_.status != 304 && !HasContentEncoding(response_.headers)) {
    Status compressed = loop_->deflater.Gzip(body, &loop_->gzip_body);
    if (compressed.ok()) {
      body = loop_->gzip_body;
      gzip = true;
    } else {
      NoteFallback(Fallback::kUncompressedResponse,
                   "a response the client accepts gzipped was sent uncompressed: " + compressed.ToString());
    }
  }
  ResponseHead head;
  head.status = response_.status;
  head.content_type = response_.content_type;
  head.content_length = body.size();
  head.request_id = request_.request_id;
  head.connection = close              ? ConnectionHeader::kClose
                    : http_minor_ == 0 ? ConnectionHeader::kKeepAlive
                                       : ConnectionHeader::kNone;
  head.gzip = gzip;
  head.extra_headers = &response_.headers;
  AppendResponseHead(head, &out_);
  if (method_ != Method::kHead) out_.Append(body);
  if (!loop_->timed) return;
  const int64_t nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - parsed_at)
          .count();
  Complete(nanos, body.size());
}

void Connection::Complete(int64_t nanos, size_t body_bytes) {
  if (loop_->options.access_log) {
    OFS_LOG_INFO("access", "{} {} {} {} {} {}us id={}", remote_addr_, MethodName(request_.method),
                 request_.path, response_.status, body_bytes, nanos / 1000, request_.request_id);
  }
  if (!loop_->on_complete) return;
  try {
    loop_->on_complete(request_, response_, nanos);
  } catch (const std::exception& e) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: completion hook threw ({})", e.what());
  }
}

void Connection::ReleaseLargeBuffers() {
  ReleaseIfLarge(&body_);
  ReleaseIfLarge(&gzip_input_);
  ReleaseIfLarge(&response_.body);
  ReleaseIfLarge(&loop_->gzip_body);
}

}  // namespace ofs::http
