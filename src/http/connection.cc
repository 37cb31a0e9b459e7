#include "http/connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/log.h"
#include "base/strings.h"
#include "http/url.h"
#include "http/wire.h"

namespace ofs::http {
namespace {

constexpr size_t kMaxReadChunk = size_t{64} << 10;
constexpr size_t kMaxClientRequestIdBytes = 128;
constexpr size_t kHeaderFramingBytes = 4;        // ": " and CRLF, counted against max_header_bytes
constexpr size_t kMaxDiscardPerEvent = 1 << 20;  // lingering: bytes dropped per readiness event
// Heads up to this size may take ParseSimpleHead's path (far below http_parser's HTTP_MAX_HEADER_SIZE).
constexpr size_t kMaxSimpleHeadBytes = 8 << 10;

std::string_view TrimTrailingSpace(std::string_view v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

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

std::string LimitMessage(std::string_view what, size_t limit) {
  return std::string(what) + " exceeds the limit of " + std::to_string(limit) + " bytes";
}

}  // namespace

LoopContext::LoopContext(const ServerOptions& options, const Handler& handler,
                         const ErrorFormatter& error_formatter, const CompletionHook& on_complete,
                         RequestIdGenerator ids)
    : options(options),
      handler(handler),
      error_formatter(error_formatter),
      on_complete(on_complete),
      ids(ids),
      idle(options.idle_timeout_ms),
      request(options.request_timeout_ms),
      linger(Connection::kLingerMs),
      defer_output(options.deferred_output_bytes > 0 && options.deferred_output_responses > 0),
      timed(options.access_log || static_cast<bool>(on_complete)) {}

const http_parser_settings Connection::kParserSettings = {
    .on_message_begin = &Connection::OnMessageBegin,
    .on_url = &Connection::OnUrl,
    .on_header_field = &Connection::OnHeaderField,
    .on_header_value = &Connection::OnHeaderValue,
    .on_headers_complete = &Connection::OnHeadersComplete,
    .on_body = &Connection::OnBody,
    .on_message_complete = &Connection::OnMessageComplete,
};

Connection::Connection(int fd, std::string remote_addr, LoopContext* loop)
    : fd_(fd), loop_(loop), remote_addr_(std::move(remote_addr)) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

Connection::~Connection() {
  if (suspended_) --loop_->suspended;  // only when Stop gave up on it
  DeadlineList::Cancel(this);
  if (flush_deferred_) std::erase(loop_->deferred_flushes, this);
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
  if (suspended_) {  // no timeout: the request waits for its Resumer (a store's sync); stays listed for Stop
    loop_->idle.Arm(this, loop_->now_ms);
    return true;
  }
  if (list == &loop_->request && phase_ == Phase::kOpen && in_request_) {
    RespondError(
        Status(ErrorCode::kRequestTimeout,
               "request not received within " + std::to_string(loop_->options.request_timeout_ms) + " ms"),
        408);
    return Settle();
  }
  return false;  // idle keep-alive, stuck output or lingering: close silently
}

void Connection::FlushBestEffort() { Flush(); }

bool Connection::FlushDeferred() {
  flush_deferred_ = false;
  if (Flush()) return true;
  // Defensive: a listed connection is not suspended (it is listed by Settle's unsuspended path, and
  // epoll reports it once per batch), but a suspended one must only close on Resume.
  return MarkDeadIfSuspended();
}

Resumer Connection::Suspend() {
  if (suspended_) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: request {} suspended twice", request_.request_id);
    return Resumer();
  }
  suspended_ = true;
  ++loop_->suspended;
  return Resumer(loop_->mailbox, this);
}

void Connection::OnResume(ResumeHook hook) {
  if (suspended_) resume_hook_ = std::move(hook);
}

// A failure found while a request is suspended closes the connection only once it is resumed.
bool Connection::MarkDeadIfSuspended() {
  if (suspended_) dead_ = true;
  return suspended_;
}

bool Connection::Resume(const Status& status) {
  if (!suspended_) return !dead_;
  suspended_ = false;
  --loop_->suspended;
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
    if (list != &loop_->idle) loop_->idle.Arm(this, loop_->now_ms);
    return true;
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
      if (in_request_) {
        if (list != &loop_->request || deadline_ms != request_start_ms_ + loop_->request.timeout_ms()) {
          loop_->request.Arm(this, request_start_ms_);
        }
      } else if (progressed_ || list != &loop_->idle) {
        loop_->idle.Arm(this, loop_->now_ms);
      }
      return true;
    case Phase::kDraining:
      if (out_.empty()) return peer_eof_ ? false : StartLingering();
      if (progressed_ || list != &loop_->idle) loop_->idle.Arm(this, loop_->now_ms);
      return true;
    case Phase::kLingering:
      return true;
  }
  return true;
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
      return true;
    }
    return false;
  }
  write_blocked_ = false;
  out_.ShrinkIfIdle(kKeepBufferBytes);
  return true;
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

// Feeds buffered input to the parser. The parser pauses itself at the end of each request
// (OnMessageComplete), so requests are served strictly one at a time, in order, while later pipelined
// bytes wait in the buffer.
void Connection::ParseBuffered() {
  while (phase_ == Phase::kOpen && !suspended_ && !in_.empty()) {
    if (!HasRoomForOutput()) {
      input_paused_ = !dead_;
      return;
    }
    // Between requests, a complete simple head is served without http_parser (simple_head.h), which
    // stays at the start of a message meanwhile.
    if (!in_request_ && ServeSimpleRequest()) continue;
    size_t n = http_parser_execute(&parser_, &kParserSettings, in_.data(), in_.size());
    in_.Consume(n);
    const http_errno err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_PAUSED) {
      http_parser_pause(&parser_, 0);
      ServeRequest();
    } else if (err != HPE_OK) {
      HandleParseError(err);
    } else if (n == 0) {
      HandleParseError(HPE_UNKNOWN);  // no progress without an error: never spin
    }
  }
}

bool Connection::HasRoomForOutput() {
  if (out_.size() <= kWriteHighWater) return true;
  if (!Flush()) {
    dead_ = true;
    return false;
  }
  return out_.size() <= kWriteHighWater;
}

void Connection::HandleParseError(http_errno err) {
  if (!pending_error_.ok()) {
    Status status = std::move(pending_error_);
    pending_error_ = Status::Ok();
    RespondError(status, pending_status_);
    return;
  }
  if (err == HPE_HEADER_OVERFLOW) {
    RespondError(Status(ErrorCode::kInvalidRequest, "request headers are too large"), 431);
    return;
  }
  OFS_LOG_EVERY_N_SEC(10, OFS_LOG_INFO, "http", "malformed request from {}: {}", remote_addr_,
                      http_errno_description(err));
  RespondError(Status(ErrorCode::kInvalidRequest, "malformed HTTP request", http_errno_description(err)),
               400);
}

// ---- http_parser callbacks ----

int Connection::OnMessageBegin(http_parser* p) {
  static_cast<Connection*>(p->data)->BeginRequest();
  return 0;
}

void Connection::BeginRequest() {
  in_request_ = true;
  in_value_ = false;
  gzip_body_ = false;
  accepts_gzip_ = false;
  keep_alive_ = false;
  method_ = Method::kOther;
  request_id_header_ = -1;
  url_len_ = 0;
  head_bytes_ = 0;
  request_start_ms_ = loop_->now_ms;
  head_.clear();
  spans_.clear();
  body_.clear();
  gzip_input_.clear();
}

int Connection::OnUrl(http_parser* p, const char* at, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  c->head_.append(at, len);
  c->url_len_ += static_cast<uint32_t>(len);
  return c->CheckHeadBytes(len);
}

// Header names are lower-cased while they are copied into head_.
int Connection::OnHeaderField(http_parser* p, const char* at, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  size_t counted = len;
  if (c->spans_.empty() || c->in_value_) {
    HeaderSpan span;
    span.name_off = static_cast<uint32_t>(c->head_.size());
    c->spans_.push_back(span);
    c->in_value_ = false;
    counted += kHeaderFramingBytes;
  }
  size_t from = c->head_.size();
  c->head_.append(at, len);
  for (size_t i = from; i < c->head_.size(); ++i) c->head_[i] = AsciiLower(c->head_[i]);
  c->spans_.back().name_len += static_cast<uint32_t>(len);
  return c->CheckHeadBytes(counted);
}

int Connection::OnHeaderValue(http_parser* p, const char* at, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  if (c->spans_.empty()) return -1;
  if (!c->in_value_) {
    c->spans_.back().value_off = static_cast<uint32_t>(c->head_.size());
    c->in_value_ = true;
  }
  c->head_.append(at, len);
  c->spans_.back().value_len += static_cast<uint32_t>(len);
  return c->CheckHeadBytes(len);
}

int Connection::CheckHeadBytes(size_t added) {
  head_bytes_ += added;
  if (head_bytes_ <= loop_->options.max_header_bytes) return 0;
  return FailRequest(Status(ErrorCode::kInvalidRequest,
                            LimitMessage("request line and headers", loop_->options.max_header_bytes)),
                     431);
}

int Connection::OnHeadersComplete(http_parser* p) {
  return static_cast<Connection*>(p->data)->HeadersComplete();
}

// Decides everything the headers determine, before any body byte is read: limits and encodings fail
// here, so a too-large or unsupported body is never received (the connection then closes).
int Connection::HeadersComplete() {
  keep_alive_ = http_should_keep_alive(&parser_) != 0;
  method_ = MethodFromParser(parser_.method);
  http_major_ = static_cast<uint8_t>(parser_.http_major);
  http_minor_ = static_cast<uint8_t>(parser_.http_minor);
  return AcceptHead((parser_.flags & F_CONTENTLENGTH) != 0, parser_.content_length,
                    (parser_.flags & F_CHUNKED) != 0);
}

int Connection::AcceptHead(bool has_length, uint64_t content_length, bool chunked) {
  const ServerOptions& options = loop_->options;
  const KnownHeaders known = FindKnownHeaders();
  request_id_header_ = known.request_id;
  accepts_gzip_ = known.accept_encoding >= 0 && AcceptsGzip(HeaderValue(known.accept_encoding));
  if (has_length && content_length > options.max_body_bytes) {
    return FailRequest(Status(ErrorCode::kPayloadTooLarge,
                              LimitMessage("request body of " + std::to_string(content_length) + " bytes",
                                           options.max_body_bytes)),
                       413);
  }
  if (known.content_encoding >= 0) {
    std::string_view coding = HeaderValue(known.content_encoding);
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      gzip_body_ = true;
    } else if (!coding.empty() && !EqualsIgnoreCase(coding, "identity")) {
      return FailRequest(Status(ErrorCode::kInvalidRequest,
                                "unsupported Content-Encoding (only gzip is accepted)", std::string(coding)),
                         415);
    }
  }
  if (has_length && !gzip_body_) body_.reserve(content_length + kBodyPadding);
  const bool body_follows = chunked || (has_length && content_length > 0);
  if (known.expect >= 0 && body_follows && http_major_ == 1 && http_minor_ >= 1 &&
      EqualsIgnoreCase(HeaderValue(known.expect), "100-continue")) {
    out_.Append("HTTP/1.1 100 Continue\r\n\r\n");
  }
  return 0;
}

// The same effects as http_parser's callbacks for the request, in one step: BeginRequest, the target
// and the lower-cased headers into head_ (counted against max_header_bytes the same way), AcceptHead,
// the body. Declines (changing nothing) when the head is not simple, the body is not all buffered yet, or
// the head is over its limit (http_parser then answers 431 as before).
bool Connection::ServeSimpleRequest() {
  const ServerOptions& options = loop_->options;
  SimpleHead& head = simple_head_;
  const std::string_view input(in_.data(), in_.size());
  if (!ParseSimpleHead(input, std::min(options.max_header_bytes, kMaxSimpleHeadBytes), &head)) return false;
  if (head.has_length && input.size() - head.head_size < head.content_length) return false;
  size_t counted = head.target.size();
  for (size_t i = 0; i < head.header_count; ++i) {
    counted += head.headers[i].name.size() + head.headers[i].value.size() + kHeaderFramingBytes;
  }
  if (counted > options.max_header_bytes) return false;

  BeginRequest();
  head_bytes_ = counted;
  head_.append(head.target);
  url_len_ = static_cast<uint32_t>(head.target.size());
  for (size_t i = 0; i < head.header_count; ++i) {
    const SimpleHead::Header& header = head.headers[i];
    HeaderSpan span;
    span.name_off = static_cast<uint32_t>(head_.size());
    span.name_len = static_cast<uint32_t>(header.name.size());
    for (char c : header.name) head_.push_back(AsciiLower(c));
    span.value_off = static_cast<uint32_t>(head_.size());
    span.value_len = static_cast<uint32_t>(header.value.size());
    head_.append(header.value);
    spans_.push_back(span);
  }
  method_ = head.method;
  keep_alive_ = head.keep_alive;
  http_major_ = 1;
  http_minor_ = head.http_minor;
  if (AcceptHead(head.has_length, head.content_length, /*chunked=*/false) != 0) {
    in_.Consume(head.head_size);
    HandleParseError(HPE_CB_headers_complete);  // answers pending_error_, as after the parser's callback
    return true;
  }
  const size_t body_size = head.has_length ? static_cast<size_t>(head.content_length) : 0;
  (gzip_body_ ? gzip_input_ : body_).append(input.data() + head.head_size, body_size);
  in_.Consume(head.head_size + body_size);
  ServeRequest();
  return true;
}

int Connection::OnBody(http_parser* p, const char* at, size_t len) {
  auto* c = static_cast<Connection*>(p->data);
  std::string& dst = c->gzip_body_ ? c->gzip_input_ : c->body_;
  const size_t limit = c->loop_->options.max_body_bytes;
  if (dst.size() + len > limit) {
    return c->FailRequest(Status(ErrorCode::kPayloadTooLarge, LimitMessage("request body", limit)), 413);
  }
  dst.append(at, len);
  return 0;
}

int Connection::OnMessageComplete(http_parser* p) {
  http_parser_pause(p, 1);  // ParseBuffered serves this request before parsing on
  return 0;
}

int Connection::FailRequest(Status status, int http_status) {
  pending_error_ = std::move(status);
  pending_status_ = http_status;
  return -1;
}

// One pass over the headers for the few the server itself interprets.
Connection::KnownHeaders Connection::FindKnownHeaders() const {
  KnownHeaders known;
  for (size_t i = 0; i < spans_.size(); ++i) {
    std::string_view name(head_.data() + spans_[i].name_off, spans_[i].name_len);
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

std::string_view Connection::HeaderValue(int index) const {
  const HeaderSpan& s = spans_[static_cast<size_t>(index)];
  return TrimTrailingSpace(std::string_view(head_.data() + s.value_off, s.value_len));
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
  const bool close = !keep_alive_ || parser_.upgrade;
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

// Points request_ at the parsed request: views into head_, body_ (padded here) and path_.
void Connection::BuildRequest() {
  request_.method = method_;
  std::string_view raw_path;
  SplitTarget(std::string_view(head_.data(), url_len_), &raw_path, &request_.query);
  if (NeedsDecoding(raw_path, /*plus_as_space=*/false)) {
    path_.clear();
    PercentDecode(raw_path, /*plus_as_space=*/false, &path_);
    request_.path = path_;
  } else {
    request_.path = raw_path;
  }
  request_.headers.clear();
  for (size_t i = 0; i < spans_.size(); ++i) {
    request_.headers.emplace_back(std::string_view(head_.data() + spans_[i].name_off, spans_[i].name_len),
                                  HeaderValue(static_cast<int>(i)));
  }
  std::string_view client_id = request_id_header_ >= 0 ? HeaderValue(request_id_header_) : std::string_view();
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
      OFS_LOG_EVERY_N_SEC(1, OFS_LOG_WARN, "http", "sending uncompressed: {}", compressed.ToString());
    }
  }
  ResponseHead head;
  head.status = response_.status;
  head.content_type = response_.content_type;
  head.content_length = body.size();
  head.request_id = request_.request_id;
  head.connection = close                                    ? ConnectionHeader::kClose
                    : (http_major_ == 1 && http_minor_ == 0) ? ConnectionHeader::kKeepAlive
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
