#include "http/socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ofs::http {
namespace {

Status Errno(std::string what) { return Status(ErrorCode::kInternal, std::move(what), ErrnoText(errno)); }

}  // namespace

Result<SocketAddress> ParseBindAddress(std::string_view host, uint16_t port) {
  SocketAddress out;
  std::string text(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.length = sizeof(sockaddr_in);
    return out;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.length = sizeof(sockaddr_in6);
    return out;
  }
  return Status(ErrorCode::kInvalidRequest, "bind address must be a numeric IPv4 or IPv6 address", text);
}

void SetPort(SocketAddress* address, uint16_t port) {
  if (address->storage.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&address->storage)->sin_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in6*>(&address->storage)->sin6_port = htons(port);
  }
}

Result<int> OpenListener(const SocketAddress& address) {
  int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    Status status = Errno("setsockopt SO_REUSEADDR/SO_REUSEPORT");
    ::close(fd);
    return status;
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
    Status status = Errno("bind " + FormatPeer(address.storage));
    ::close(fd);
    return status;
  }
  if (::listen(fd, SOMAXCONN) != 0) {
    Status status = Errno("listen " + FormatPeer(address.storage));
    ::close(fd);
    return status;
  }
  return fd;
}

Status CheckAddressFree(const SocketAddress& address) {
  int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  int one = 1;
  // SO_REUSEADDR only: ignores TIME_WAIT leftovers of an earlier run, but not a live listener.
  Status status;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    status = Errno("setsockopt SO_REUSEADDR");
  } else if (::bind(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
    int err = errno;
    status = Status(ErrorCode::kInternal,
                    "bind " + FormatPeer(address.storage) +
                        (err == EADDRINUSE ? ": address already in use (is another server running?)" : ""),
                    ErrnoText(err));
  }
  ::close(fd);
  return status;
}

std::string ErrnoText(int err) { return std::system_category().message(err); }

uint16_t LocalPort(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return 0;
  if (bound.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
}

std::string FormatPeer(const sockaddr_storage& peer) {
  char ip[INET6_ADDRSTRLEN] = {};
  std::string out;
  if (peer.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&peer);
    inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof(ip));
    out.append(ip).append(":").append(std::to_string(ntohs(v4->sin_port)));
  } else if (peer.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&peer);
    inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof(ip));
    out.append("[").append(ip).append("]:").append(std::to_string(ntohs(v6->sin6_port)));
  }
  return out;
}

}  // namespace ofs::http
