#pragma once
// Suspended requests: a handler that must wait for work finishing on another thread (a store's group
// commit, a remote store's answer, an admin job on a worker pool) returns without a final answer after
// Request::Suspend(); whoever finishes the work calls Resumer::Resume or Resumer::ResumeWith from any
// thread, and the connection's own loop then finishes the answer and goes on with the connection's next
// request.
//
// Contracts:
// - While a request is suspended its connection reads and parses nothing further (responses stay in
//   request order), so the request's body and headers stay valid until it is resumed or times out, but
//   only the loop's thread touches the connection: the resuming thread passes a Status or a Continuation,
//   and a Continuation runs later on the loop's thread with the request's Response.
// - A suspended request has a deadline (ServerOptions::suspended_timeout_ms from its first suspension).
//   Past it the server answers 503 STORE-UNAVAILABLE on its own and goes on; a later resumption finds no
//   request and is dropped (its continuation is destroyed without running, on the loop's thread, or on
//   the resuming thread once the loop is gone). Work a handler hands off therefore owns everything it
//   uses (never a view into the connection) beyond that point.
// - A Resumer is resumed at most once; one dropped without Resume answers 500 (a bug, but the client
//   never hangs). Resume after the server stopped is a no-op.
// - A continuation may suspend its request again (Request::Suspend on the request it was resumed for,
//   e.g. a write that waits for its sync after its remote store answered); the deadline is not renewed.
// - Server::Stop waits for suspended requests to be resumed (bounded by request_timeout_ms).

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "base/status.h"

namespace ofs::http {

class Connection;
struct Response;

// Runs on the loop's thread when a suspended request is resumed, with the status it was resumed with and
// the final response (after an error replaced it), just before it is queued: per-request metrics.
using ResumeHook = std::function<void(const Status&, const Response&)>;

// Runs on the loop's thread when a request is resumed with it: finishes `response` (the one the handler
// left) and returns the request's status; an error is answered through the server's error formatter.
using Continuation = std::function<Status(Response&)>;

// What a resuming thread posts: which suspension (a ticket the loop issued), and how to finish it.
struct Resumption {
  uint64_t ticket = 0;
  Status status;
  Continuation then;  // empty: answer with `status` and the response the handler left
};

// One loop's inbox of resumed requests, and its wakeup: any thread posts, the loop drains when its
// eventfd fires.
class Mailbox {
 public:
  Mailbox();  // creates the eventfd; fd() < 0 when that failed (the loop's Open reports it)
  ~Mailbox();
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  int fd() const { return fd_; }
  // Queues a resumption and wakes the loop; dropped once Close() was called.
  void Post(Resumption resumption);
  // Wakes the loop without a post (Stop). Thread-safe.
  void Wake();
  // Moves what was posted into *out (cleared first) and resets the eventfd. Loop thread only.
  void Drain(std::vector<Resumption>* out);
  // Later posts are dropped (the loop and its connections are gone).
  void Close();

 private:
  const int fd_;
  std::mutex mu_;
  bool closed_ = false;
  std::vector<Resumption> posted_;
};

class Resumer {
 public:
  Resumer() = default;
  Resumer(std::shared_ptr<Mailbox> mailbox, uint64_t ticket)
      : mailbox_(std::move(mailbox)), ticket_(ticket) {}
  Resumer(Resumer&& other) noexcept { *this = std::move(other); }
  Resumer& operator=(Resumer&& other) noexcept;
  Resumer(const Resumer&) = delete;
  Resumer& operator=(const Resumer&) = delete;
  ~Resumer();

  // Thread-safe. OK sends the response the handler left; an error is answered through the server's
  // error formatter instead (its body and status replace the handler's).
  void Resume(Status status);
  // Thread-safe. `then` runs on the request's loop thread (see Continuation).
  void ResumeWith(Continuation then);
  bool valid() const { return ticket_ != 0; }

 private:
  void Post(Status status, Continuation then);
  void Abandon();  // a valid Resumer dropped or overwritten unresumed: answers 500
  std::shared_ptr<Mailbox> mailbox_;
  uint64_t ticket_ = 0;
};

// Implemented by the server's connections; Request::Suspend goes through it.
class Suspender {
 public:
  // Whether a request may suspend now: false once the loop holds ServerOptions::max_suspended_requests
  // suspended requests (start no asynchronous work then; answer 503 or do it inline).
  virtual bool CanSuspend() const = 0;
  virtual Resumer Suspend() = 0;
  virtual bool IsSuspended() const = 0;
  // Replaces the hook of the current suspension; ignored when not suspended.
  virtual void OnResume(ResumeHook hook) = 0;

 protected:
  ~Suspender() = default;
};

}  // namespace ofs::http
