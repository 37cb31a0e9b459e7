#pragma once
// Test-only: a small blocking HTTP/1.1 client over a real TCP socket, for the server tests. Every read
// waits at most the client's timeout, so a broken server fails a test instead of hanging it.
// Not thread-safe (one client per thread).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ofs::http::testing {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  bool Has(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return true;
    }
    return false;
  }
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return {};
  }
};

// Builds a request with Host and, when `body` is not empty, Content-Length.
inline std::string MakeRequest(std::string_view method, std::string_view target, std::string_view body = {},
                               std::string_view extra_headers = {}) {
  std::string r;
  r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: test\r\n");
  if (!body.empty()) r.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  r.append(extra_headers);
  r.append("\r\n");
  r.append(body);
  return r;
}

class TestClient {
 public:
  explicit TestClient(uint16_t port, int timeout_ms = 3000) : timeout_ms_(timeout_ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~TestClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response: status line, headers and a Content-Length body (none for HEAD or 1xx).
  bool ReadResponse(HttpResponse* out, bool head_request = false) {
    *out = HttpResponse();
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    std::string head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    if (head.compare(0, 9, "HTTP/1.1 ") != 0 || head.size() < 12) return false;
    out->status = std::stoi(head.substr(9, 3));
    size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
      size_t eol = head.find("\r\n", pos);
      std::string line = head.substr(pos, eol - pos);
      pos = eol + 2;
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      out->headers.emplace_back(name, line.substr(v));
    }
    if (head_request || out->status < 200) return true;
    size_t length = std::stoul(out->Header("content-length").empty() ? "0" : out->Header("content-length"));
    while (buf_.size() < length) {
      if (!Fill()) return false;
    }
    out->body = buf_.substr(0, length);
    buf_.erase(0, length);
    return true;
  }

  // True when the server closes the connection (EOF or reset) within `timeout_ms`, ignoring bytes.
  bool WaitClosed(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
              .count());
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) return false;
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n <= 0) return true;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

  // Bytes received but not consumed by ReadResponse.
  const std::string& pending() const { return buf_; }
  int fd() const { return fd_; }

 private:
  bool Fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms_) <= 0) return false;
    char tmp[16384];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  int timeout_ms_;
  std::string buf_;
};

}  // namespace ofs::http::testing
