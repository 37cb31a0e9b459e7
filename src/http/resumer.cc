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

void Mailbox::Post(Connection* connection, Status status) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    wake = posted_.empty();
    posted_.emplace_back(connection, std::move(status));
  }
  if (wake) Wake();  // else an earlier post already woke the loop, and it has not drained since
}

void Mailbox::Wake() {
  uint64_t one = 1;
  if (::write(fd_, &one, sizeof(one)) < 0 && errno != EAGAIN) {
    OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "cannot wake an event loop ({})", ErrnoText(errno));
  }
}

void Mailbox::Drain(std::vector<std::pair<Connection*, Status>>* out) {
  out->clear();
  uint64_t count = 0;
  // Reset before taking the posts: a post after the swap writes again and wakes the loop once more.
  while (::read(fd_, &count, sizeof(count)) < 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(mu_);
  out->swap(posted_);
}

void Mailbox::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  posted_.clear();
}

Resumer& Resumer::operator=(Resumer&& other) noexcept {
  if (this != &other) {
    Abandon();
    mailbox_ = std::move(other.mailbox_);
    connection_ = other.connection_;
    other.connection_ = nullptr;
  }
  return *this;
}

Resumer::~Resumer() { Abandon(); }

void Resumer::Abandon() {
  if (!valid()) return;
  OFS_LOG_EVERY_N_SEC(1, OFS_LOG_ERROR, "http", "bug: a suspended request was dropped without an answer");
  Resume(Status(ErrorCode::kInternal, "internal error", "a suspended request was abandoned"));
}

void Resumer::Resume(Status status) {
  if (!valid()) return;
  Connection* connection = connection_;
  connection_ = nullptr;
  mailbox_->Post(connection, std::move(status));
  mailbox_.reset();
}

}  // namespace ofs::http
