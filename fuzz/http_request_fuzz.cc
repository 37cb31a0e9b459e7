// Fuzzes the HTTP/1.1 server's request handling (parsing, pipelining, chunked and gzip bodies, limits,
// the output budget): each input is sent as raw bytes over a loopback connection to an in-process
// http::Server, the write side is closed, and the answer is read until the server closes. Crashes and
// sanitizer reports are the findings; a hang shows up as the fuzzer's timeout. Requests whose path starts
// with "/s" are suspended and resumed from another thread ("/se...": with an error), "/i" resumed inline, so
// the suspension state machine meets the same pipelines, hang-ups and limits.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "http/server.h"

namespace {

// Resumes suspended requests on its own thread, in arrival order (a store's syncer in miniature).
class ResumerThread {
 public:
  ResumerThread() : thread_([this] { Run(); }) {}
  void Add(ofs::http::Resumer resumer, ofs::Status status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.emplace_back(std::move(resumer), std::move(status));
    }
    wake_.notify_one();
  }

 private:
  void Run() {
    for (;;) {
      std::pair<ofs::http::Resumer, ofs::Status> next;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [this] { return !queue_.empty(); });
        next = std::move(queue_.front());
        queue_.pop_front();
      }
      next.first.Resume(std::move(next.second));
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::pair<ofs::http::Resumer, ofs::Status>> queue_;
  std::thread thread_;  // never joined: lives as long as the process, like the server
};

ofs::http::Server& TheServer() {
  static ofs::http::Server* server = [] {
    ofs::http::ServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.max_body_bytes = 64 * 1024;
    options.request_timeout_ms = 2'000;
    options.gzip_min_bytes = 16;
    // Small enough that pipelined echoes fill it before the client reads (it reads once it has sent
    // everything): requests then wait for the budget and resume as the client drains its answers.
    options.max_buffered_output_bytes = 64 << 10;
    options.write_timeout_ms = 2'000;
    auto* s = new ofs::http::Server(
        options,
        [](const ofs::http::Request& request, ofs::http::Response& response) {
          response.body.assign(request.body);  // echo: exercises body handling and gzip responses
          response.body.append(request.path);
          static ResumerThread* resumers = new ResumerThread();
          if (request.path.starts_with("/s")) {
            const bool fail = request.path.starts_with("/se");
            resumers->Add(
                request.Suspend(),
                fail ? ofs::Status(ofs::ErrorCode::kStoreUnavailable, "sync failed") : ofs::Status::Ok());
          } else if (request.path.starts_with("/i")) {
            request.Suspend().Resume(ofs::Status::Ok());
          }
        },
        [](const ofs::Status& status, ofs::http::Response& response) {
          response.status = ofs::ErrorCodeHttpStatus(status.code());
          response.body.assign(status.message());
        });
    if (!s->Start().ok()) std::abort();
    return s;
  }();
  return *server;
}

// Completes a connect(2) that a signal interrupted; false (errno set) when it failed.
bool AwaitConnect(int fd) {
  if (errno != EINTR) return false;
  pollfd p{fd, POLLOUT, 0};
  while (::poll(&p, 1, 5'000) < 0) {
    if (errno != EINTR) return false;
  }
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return false;
  errno = error;
  return error == 0;
}

// Waits until fd is readable (or closed by the peer); false when `deadline` passes first.
bool AwaitReadable(int fd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ofs::http::Server& server = TheServer();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // libFuzzer's SIGALRM timer interrupts blocking calls: every call below tolerates EINTR.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 && !AwaitConnect(fd)) {
    std::fprintf(stderr, "harness: connect failed: %s\n", std::strerror(errno));
    std::abort();
  }
  size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server may close early (limits); that is fine
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char buffer[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    if (!AwaitReadable(fd, deadline)) {
      std::fprintf(stderr, "server did not close the connection within 5 s\n");
      std::abort();
    }
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  // Abortive close once the server is done: hundreds of thousands of runs must not pile up TIME_WAIT
  // sockets and exhaust the ephemeral ports (a harness failure, not a server one).
  linger abortive{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
  ::close(fd);
  return 0;
}
