#include "http/event_loop.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/log.h"
#include "http/wire.h"

namespace ofs::http {
namespace {

constexpr int kMaxEvents = 256;
constexpr int kMaxWaitMs = 1000;
constexpr int kAcceptRetryMs = 100;
// While connections wait for the output budget: how often the loop looks for room that other loops'
// connections freed (only then; an idle loop sleeps up to kMaxWaitMs).
constexpr int kBudgetPollMs = 10;

// CLOCK_MONOTONIC_COARSE is read from the vDSO without a syscall; its few-ms resolution suits timeouts.
int64_t CoarseNowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

Status Errno(const char* what) { return Status(ErrorCode::kInternal, what, ErrnoText(errno)); }

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

}  // namespace

EventLoop::EventLoop(int index, const ServerOptions& options, const Handler& handler,
                     const ErrorFormatter& error_formatter, const CompletionHook& on_complete,
                     uint32_t instance_id, OutputBudget* budget, ServerCounters* counters)
    : index_(index),
      context_(options, handler, error_formatter, on_complete,
               RequestIdGenerator(instance_id, static_cast<uint32_t>(index)), budget, counters),
      counters_(counters) {}

EventLoop::~EventLoop() {
  CloseAll();
  CloseFd(&epoll_fd_);
}

Status EventLoop::Open(const SocketAddress& address) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return Errno("epoll_create1");
  if (context_.mailbox->fd() < 0) return Errno("eventfd");
  Result<int> listener = OpenListener(address);
  if (!listener.ok()) return listener.status();
  listen_fd_ = *listener;
  // The tags are addresses no Connection can have.
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.ptr = &listen_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) != 0) return Errno("epoll_ctl(listener)");
  ev.events = EPOLLIN;
  ev.data.ptr = &resumed_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, context_.mailbox->fd(), &ev) != 0)
    return Errno("epoll_ctl(eventfd)");
  return Status::Ok();
}

uint16_t EventLoop::port() const { return LocalPort(listen_fd_); }

void EventLoop::Run() {
  epoll_event events[kMaxEvents];
  context_.now_ms = CoarseNowMs();
  while (!stopping_.load(std::memory_order_acquire)) {
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, NextTimeoutMs());
    context_.now_ms = CoarseNowMs();
    if (n < 0) {
      if (errno == EINTR) continue;
      OFS_LOG_ERROR("http", "loop {}: epoll_wait failed ({}); the loop stops", index_, ErrnoText(errno));
      break;
    }
    bool resumptions = false;
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &listen_fd_) {
        Accept();
      } else if (tag == &resumed_) {
        // Resumed requests (or Stop). Drained after the batch: a resumed connection may close, and later
        // events of the batch may name it.
        resumptions = true;
      } else {
        auto* connection = static_cast<Connection*>(tag);
        if (!connection->OnEvents(events[i].events)) Destroy(connection);
        FlushDeferredIfDue();
      }
    }
    if (resumptions) DrainMailbox();
    FlushDeferred();
    if (!context_.output_waiters.empty()) {
      ResumeOutputWaiters();
      FlushDeferred();
    }
    if (context_.options.after_batch) RunAfterBatch();
    Expire(&context_.request);
    Expire(&context_.idle);
    Expire(&context_.linger);
    Expire(&context_.write);
    Expire(&context_.suspended_list);
    FlushDeferred();  // what expired requests answered (503 past their deadline) is not held to the next
                      // batch
    if (accept_retry_) Accept();
  }
  CloseAll();
}

// Deferred output reaching its bounds is sent at once (which also charges what a full socket leaves to
// the output budget before the next request is admitted).
void EventLoop::FlushDeferredIfDue() {
  if (!context_.deferred_flushes.empty() &&
      (context_.deferred_bytes >= context_.options.deferred_output_bytes ||
       context_.deferred_flushes.size() >= context_.options.deferred_output_responses)) {
    FlushDeferred();
  }
}

void EventLoop::FlushDeferred() {
  std::vector<Connection*>& deferred = context_.deferred_flushes;
  for (Connection* connection : deferred) {
    if (!connection->FlushDeferred()) Destroy(connection);  // unlisted first: ~Connection leaves the list be
  }
  deferred.clear();
  context_.deferred_bytes = 0;
}

// Resumes waiting connections in arrival order while the budget has room for one holding nothing; one
// that finds no room again (or holds output above three quarters of the limit) queues itself again, at
// the back. Each waiter is visited at most once per call.
void EventLoop::ResumeOutputWaiters() {
  WaitQueue& waiters = context_.output_waiters;
  // A resumed connection's deferred flush may destroy other waiters: the queue can empty before n does.
  for (size_t n = waiters.size();
       n > 0 && !waiters.empty() && context_.budget->Admits(/*holds_output=*/false); --n) {
    auto* connection = static_cast<Connection*>(waiters.Pop());
    counters_->output_waiting.fetch_sub(1, std::memory_order_relaxed);
    if (!connection->ResumeInput()) Destroy(connection);
    FlushDeferredIfDue();
  }
}

void EventLoop::RunAfterBatch() {
  try {
    context_.options.after_batch();
  } catch (const std::exception& e) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: after_batch hook threw ({})", e.what());
  }
}

void EventLoop::Stop() {
  if (stopping_.exchange(true, std::memory_order_acq_rel)) return;
  context_.mailbox->Wake();
}

void EventLoop::Accept() {
  accept_retry_ = false;
  for (;;) {
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO || errno == ENETDOWN ||
          errno == ENOPROTOOPT || errno == EHOSTDOWN || errno == ENONET || errno == EHOSTUNREACH ||
          errno == ENETUNREACH) {
        continue;  // the pending connection failed; accept(2) says to retry
      }
      // Out of descriptors or memory: the connection stays queued; retry on a short timer.
      OFS_LOG_EVERY_N_SEC(1, OFS_LOG_WARN, "http", "loop {}: accept4 failed ({}); retrying", index_,
                          ErrnoText(errno));
      accept_retry_ = true;
      return;
    }
    if (counters_->open_connections.load(std::memory_order_relaxed) >= context_.options.max_connections) {
      Refuse(fd, peer);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto* connection = new Connection(fd, FormatPeer(peer), &context_);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;  // once: no epoll_ctl per request
    ev.data.ptr = connection;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      OFS_LOG_EVERY_N_SEC(1, OFS_LOG_WARN, "http", "loop {}: epoll_ctl(add) failed ({})", index_,
                          ErrnoText(errno));
      delete connection;
      continue;
    }
    counters_->open_connections.fetch_add(1, std::memory_order_relaxed);
    context_.idle.Arm(connection, context_.now_ms);
  }
}

// Beyond max_connections: one best-effort 503 (the socket's send buffer takes it at once), then close.
void EventLoop::Refuse(int fd, const sockaddr_storage& peer) {
  OFS_LOG_EVERY_N_SEC(1, OFS_LOG_WARN, "http", "refusing connections: {} open (max_connections)",
                      counters_->open_connections.load(std::memory_order_relaxed));
  Request request;
  char id[kRequestIdCapacity];
  request.request_id = context_.ids.Next(id);
  std::string remote = FormatPeer(peer);
  request.remote_addr = remote;
  Response response;
  context_.error_formatter(Status(ErrorCode::kOverloaded, "too many open connections, retry later"),
                           response);
  response.status = 503;
  ResponseHead head;
  head.status = response.status;
  head.content_type = response.content_type;
  head.content_length = response.body.size();
  head.request_id = request.request_id;
  head.connection = ConnectionHeader::kClose;
  head.extra_headers = &response.headers;
  ByteBuffer out;
  AppendResponseHead(head, &out);
  out.Append(response.body);
  ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);  // on failure the client just sees the close
  ::close(fd);
  if (!context_.on_complete) return;
  try {
    context_.on_complete(request, response, 0);
  } catch (const std::exception& e) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: completion hook threw ({})", e.what());
  }
}

// Expires the head of `list` while its deadline has passed. A connection that survives its deadline
// must have re-armed elsewhere; if it did not, it is closed (never loop on it).
void EventLoop::Expire(DeadlineList* list) {
  while (!list->empty() && list->front()->deadline_ms <= context_.now_ms) {
    auto* connection = static_cast<Connection*>(list->front());
    if (!connection->OnDeadline() ||
        (connection->list == list && connection->deadline_ms <= context_.now_ms)) {
      Destroy(connection);
    }
  }
}

int EventLoop::NextTimeoutMs() const {
  int64_t timeout = accept_retry_ ? kAcceptRetryMs : kMaxWaitMs;
  if (!context_.output_waiters.empty()) timeout = std::min<int64_t>(timeout, kBudgetPollMs);
  for (const DeadlineList* list :
       {&context_.request, &context_.idle, &context_.linger, &context_.write, &context_.suspended_list}) {
    if (!list->empty()) timeout = std::min(timeout, list->front()->deadline_ms - context_.now_ms);
  }
  // The coarse clock may lag the deadline by a tick: wait at least 1 ms rather than spin.
  return static_cast<int>(std::max<int64_t>(timeout, 1));
}

void EventLoop::Destroy(Connection* connection) {
  // Deregistered before the close: close(2) takes a socket out of the epoll set only once no descriptor
  // refers to it anywhere, and a forked child (a library's subprocess, a sanitizer's symbolizer) holds a
  // copy of every descriptor until it execs or exits. Without this, events for the deleted connection
  // would still arrive tagged with its address (found by fuzz/http_request_fuzz.cc).
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection->fd(), nullptr);
  delete connection;  // cancels its timer and closes the socket
  counters_->open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void EventLoop::DrainMailbox() {
  context_.mailbox->Drain(&resumed_);
  for (Resumption& resumption : resumed_) {
    // A stale ticket (the request timed out, or Stop gave up on it): dropped, continuation unrun.
    Connection* connection = context_.suspensions.Take(resumption.ticket);
    if (connection != nullptr && !connection->Resume(std::move(resumption.status), resumption.then)) {
      Destroy(connection);
    }
  }
  resumed_.clear();
}

// Stop: suspended requests are answered before their connections close, for at most request_timeout_ms;
// after that the mailbox drops late answers (their connections are gone).
void EventLoop::AwaitSuspended() {
  context_.stopping = true;
  const int64_t give_up_ms = CoarseNowMs() + context_.options.request_timeout_ms;
  while (context_.suspended > 0) {
    const int64_t left_ms = give_up_ms - CoarseNowMs();
    if (left_ms <= 0) {
      OFS_LOG_ERROR("http", "loop {}: {} suspended request(s) not answered within {} ms of stop; closing",
                    index_, context_.suspended, context_.options.request_timeout_ms);
      break;
    }
    pollfd wait{context_.mailbox->fd(), POLLIN, 0};
    ::poll(&wait, 1, static_cast<int>(std::min<int64_t>(left_ms, kMaxWaitMs)));
    context_.now_ms = CoarseNowMs();
    DrainMailbox();
  }
  context_.mailbox->Close();
}

void EventLoop::CloseAll() {
  CloseFd(&listen_fd_);
  if (context_.mailbox->fd() >= 0) AwaitSuspended();
  for (DeadlineList* list :
       {&context_.request, &context_.idle, &context_.linger, &context_.write, &context_.suspended_list}) {
    while (!list->empty()) {
      auto* connection = static_cast<Connection*>(list->front());
      connection->FlushBestEffort();
      Destroy(connection);
    }
  }
}

}  // namespace ofs::http
