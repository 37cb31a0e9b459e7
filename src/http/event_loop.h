#pragma once
// EventLoop: one worker of the Server. It owns an edge-triggered epoll instance, its own SO_REUSEPORT
// listener (the kernel spreads incoming connections over the loops' listeners), and every connection it
// accepted, from accept to close. Its LoopContext's Mailbox (resumer.h) wakes it through an eventfd in the
// epoll set: for resumed requests and for Stop().
//
// Timers: connections sit in the LoopContext's deadline lists; after each epoll_wait the loop expires
// the heads of those lists, and epoll_wait's timeout is the nearest deadline. Time is a coarse
// monotonic clock read once per wakeup, so timers cost no syscall per request.
//
// Output budget: connections the shared OutputBudget holds back wait in the context's output waiters;
// after each batch, and every kBudgetPollMs while any wait (room may come from another loop's
// connections), the loop resumes them in arrival order while the budget has room.
//
// Threading: Open() and the constructor run on the thread that starts the server, Run() on the loop's
// own thread; Stop() may be called from any thread. Connections never leave their loop.

#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/status.h"
#include "http/connection.h"
#include "http/socket.h"

namespace ofs::http {

class EventLoop {
 public:
  EventLoop(int index, const ServerOptions& options, const Handler& handler,
            const ErrorFormatter& error_formatter, const CompletionHook& on_complete, uint32_t instance_id,
            OutputBudget* budget, ServerCounters* counters);
  ~EventLoop();  // closes the listener, the wake fd, the epoll fd and connections left (Run not running)
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Creates the epoll instance and a listener bound to `address`, and registers the mailbox's eventfd.
  // Errors: kInternal with the failing call and errno's text.
  Status Open(const SocketAddress& address);
  uint16_t port() const;

  // Serves until Stop(); then closes the listener and every connection (after one non-blocking attempt
  // to send what they have queued) before returning.
  void Run();
  // Asks Run() to return. Thread-safe, idempotent.
  void Stop();

 private:
  void Accept();
  void FlushDeferred();
  void FlushDeferredIfDue();
  void ResumeOutputWaiters();
  void RunAfterBatch();  // options.after_batch, logging what it throws
  void Refuse(int fd, const sockaddr_storage& peer);
  void Expire(DeadlineList* list);
  int NextTimeoutMs() const;
  void Destroy(Connection* connection);
  void DrainMailbox();
  void AwaitSuspended();
  void CloseAll();

  const int index_;
  LoopContext context_;
  ServerCounters* const counters_;
  int epoll_fd_ = -1;
  int listen_fd_ = -1;
  std::vector<Resumption> resumed_;  // scratch for DrainMailbox; its address tags the eventfd
  bool accept_retry_ = false;        // accept4 failed for lack of resources: retry on a short timer
  std::atomic<bool> stopping_{false};
};

}  // namespace ofs::http
