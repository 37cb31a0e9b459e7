#pragma once
// Suspended requests: a handler that must wait for work finishing on another thread (a store's group
// commit) returns without a final answer after Request::Suspend(); whoever finishes the work calls
// Resumer::Resume from any thread, and the connection's own loop then sends the response the handler
// left (or an error in its place) and goes on with the connection's next request.
//
// Contracts:
// - While a request is suspended its connection reads and parses nothing further (responses stay in
//   request order), and the connection is never destroyed: a peer that hangs up, an I/O error or a
//   timeout only take effect once it is resumed. So everything the connection owns (the request's
//   body, the Response) stays valid, but only the loop's thread touches it: the resuming thread passes
//   nothing but a Status.
// - A Resumer is resumed at most once; one dropped without Resume answers 500 (a bug, but the client
//   never hangs). Resume after the server stopped is a no-op.
// - Server::Stop waits for suspended requests to be resumed (bounded by request_timeout_ms), so the
//   work a handler hands off must complete on its own: the store finishing a commit does.

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

// One loop's inbox of resumed requests, and its wakeup: any thread posts, the loop drains when its
// eventfd fires.
class Mailbox {
 public:
  Mailbox();  // creates the eventfd; fd() < 0 when that failed (the loop's Open reports it)
  ~Mailbox();
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  int fd() const { return fd_; }
  // Queues `connection`'s resumption and wakes the loop; dropped once Close() was called.
  void Post(Connection* connection, Status status);
  // Wakes the loop without a post (Stop). Thread-safe.
  void Wake();
  // Moves what was posted into *out (cleared first) and resets the eventfd. Loop thread only.
  void Drain(std::vector<std::pair<Connection*, Status>>* out);
  // Later posts are dropped (the loop and its connections are gone).
  void Close();

 private:
  const int fd_;
  std::mutex mu_;
  bool closed_ = false;
  std::vector<std::pair<Connection*, Status>> posted_;
};

class Resumer {
 public:
  Resumer() = default;
  Resumer(std::shared_ptr<Mailbox> mailbox, Connection* connection)
      : mailbox_(std::move(mailbox)), connection_(connection) {}
  Resumer(Resumer&& other) noexcept { *this = std::move(other); }
  Resumer& operator=(Resumer&& other) noexcept;
  Resumer(const Resumer&) = delete;
  Resumer& operator=(const Resumer&) = delete;
  ~Resumer();

  // Thread-safe. OK sends the response the handler left; an error is answered through the server's
  // error formatter instead (its body and status replace the handler's).
  void Resume(Status status);
  bool valid() const { return connection_ != nullptr; }

 private:
  void Abandon();  // a valid Resumer dropped or overwritten unresumed: answers 500
  std::shared_ptr<Mailbox> mailbox_;
  Connection* connection_ = nullptr;
};

// Implemented by the server's connections; Request::Suspend goes through it.
class Suspender {
 public:
  virtual Resumer Suspend() = 0;
  virtual bool IsSuspended() const = 0;
  // Replaces the hook of the current suspension; ignored when not suspended.
  virtual void OnResume(ResumeHook hook) = 0;

 protected:
  ~Suspender() = default;
};

}  // namespace ofs::http
