#pragma once
// Socket helpers for the server: bind-address resolution, SO_REUSEPORT listeners, peer formatting.
// Thread-safe (no shared state).

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ofs::http {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

// Parses a numeric IPv4 or IPv6 address ("127.0.0.1", "0.0.0.0", "::1") with `port`.
// Errors: kInvalidRequest for anything else (host names are not resolved).
Result<SocketAddress> ParseBindAddress(std::string_view host, uint16_t port);
void SetPort(SocketAddress* address, uint16_t port);

// A non-blocking, close-on-exec listening socket bound to `address` with SO_REUSEADDR and SO_REUSEPORT,
// so that every loop can bind its own listener to the same port. Errors: kInternal with errno's text.
Result<int> OpenListener(const SocketAddress& address);
// Fails with kUnavailable-like kInternal "address in use" when anything already listens on `address`
// (port != 0), including another process's SO_REUSEPORT group: binding a probe socket *without*
// SO_REUSEPORT is refused by the kernel then, whereas OpenListener would silently join that group and
// split connections between two servers. The probe is closed before returning; a server that binds the
// same port between this check and OpenListener is not detected (a window of microseconds at start).
Status CheckAddressFree(const SocketAddress& address);
// The port a bound socket listens on (0 on error).
uint16_t LocalPort(int fd);

// The text of an errno value (thread-safe, unlike strerror).
std::string ErrnoText(int err);

// "ip:port" ("[ip]:port" for IPv6) of an accepted peer.
std::string FormatPeer(const sockaddr_storage& peer);

}  // namespace ofs::http
