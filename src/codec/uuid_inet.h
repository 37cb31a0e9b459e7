#pragma once
// Internal to codec: UUID and INET texts <-> their canonical value bytes.

#include <arpa/inet.h>

#include <array>
#include <string>
#include <string_view>

namespace ofs::codec::detail {

inline constexpr size_t kUuidBytes = 16;
inline constexpr size_t kUuidTextSize = 36;

// Appends the 16 bytes of a canonical 8-4-4-4-12 hex UUID (either case); false when malformed.
bool ParseUuid(std::string_view text, std::string* out);
// Lower-case 8-4-4-4-12 text of 16 UUID bytes (precondition: bytes.size() == kUuidBytes).
std::array<char, kUuidTextSize> FormatUuid(std::string_view bytes);
// The version nibble of 16 UUID bytes.
int UuidVersion(std::string_view bytes);

// Appends the 4 (IPv4) or 16 (IPv6) bytes of an address literal; false for anything else, host names
// included (no resolver is ever asked).
bool ParseInet(std::string_view text, std::string* out);
// Text of 4 or 16 address bytes via inet_ntop; empty for any other size.
struct InetText {
  std::array<char, INET6_ADDRSTRLEN> chars{};
  size_t size = 0;
  std::string_view view() const { return {chars.data(), size}; }
};
InetText FormatInet(std::string_view bytes);

}  // namespace ofs::codec::detail
