#include "http/resumer.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "base/log.h"
#include "http/socket.h"

namespace ofs::http {

Mailbox::Mailbox() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Mailbox::~Mailbox() {
  if (fd_ >= 0) ::close(fd_);
}

void Mailbox::Post(Resumption resumption) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;  // `resumption` (and its continuation) is destroyed here, on this thread
    wake = posted_.empty();
    posted_.push_back(std::move(resumption));
  }
  if (wake) Wake();  // else an earlier post already woke the loop, and it has not drained since
}

void Mailbox::Wake() {
  uint64_t one = 1;
  if (::write(fd_, &one, sizeof(one)) < 0 && errno != EAGAIN) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "cannot wake an event loop ({})", ErrnoText(errno));
  }
}

void Mailbox::Drain(std::vector<Resumption>* out) {
  out->clear();
  uint64_t count = 0;
  // Reset before taking the posts: a post after the swap writes again and wakes the loop once more.
  while (::read(fd_, &count, sizeof(count)) < 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(mu_);
  out->swap(posted_);
}

void Mailbox::Close() {
  std::vector<Resumption> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    dropped.swap(posted_);
  }  // continuations are destroyed outside the lock: they may release work that posts again
}

Resumer& Resumer::operator=(Resumer&& other) noexcept {
  if (this != &other) {
    Abandon();
    mailbox_ = std::move(other.mailbox_);
    ticket_ = other.ticket_;
    other.ticket_ = 0;
  }
  return *this;
}

Resumer::~Resumer() { Abandon(); }

void Resumer::Abandon() {
  if (!valid()) return;
  OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: a suspended request was dropped without an answer");
  Resume(Status(ErrorCode::kInternal, "internal error", "a suspended request was abandoned"));
}

void Resumer::Resume(Status status) { Post(std::move(status), nullptr); }

void Resumer::ResumeWith(Continuation then) { Post(Status::Ok(), std::move(then)); }

void Resumer::Post(Status status, Continuation then) {
  if (!valid()) return;
  const uint64_t ticket = ticket_;
  ticket_ = 0;
  mailbox_->Post(Resumption{ticket, std::move(status), std::move(then)});
  mailbox_.reset();
}

}  // namespace ofs::http
