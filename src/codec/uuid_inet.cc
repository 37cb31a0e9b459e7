#include "codec/uuid_inet.h"

#include <cstring>

#include "base/strings.h"

namespace ofs::codec::detail {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsUuidDash(size_t pos) { return pos == 8 || pos == 13 || pos == 18 || pos == 23; }

}  // namespace

bool ParseUuid(std::string_view text, std::string* out) {
  if (text.size() != kUuidTextSize) return false;
  std::array<char, kUuidBytes> bytes{};
  size_t nibble = 0;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (IsUuidDash(pos)) {
      if (text[pos] != '-') return false;
      continue;
    }
    const int value = HexDigitValue(text[pos]);
    if (value < 0) return false;
    bytes[nibble / 2] = static_cast<char>(bytes[nibble / 2] | (nibble % 2 == 0 ? value << 4 : value));
    ++nibble;
  }
  out->append(bytes.data(), bytes.size());
  return true;
}

std::array<char, kUuidTextSize> FormatUuid(std::string_view bytes) {
  std::array<char, kUuidTextSize> text{};
  size_t nibble = 0;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (IsUuidDash(pos)) {
      text[pos] = '-';
      continue;
    }
    const auto byte = static_cast<uint8_t>(bytes[nibble / 2]);
    text[pos] = kHexDigits[nibble % 2 == 0 ? byte >> 4 : byte & 0xF];
    ++nibble;
  }
  return text;
}

int UuidVersion(std::string_view bytes) { return static_cast<uint8_t>(bytes[6]) >> 4; }

bool ParseInet(std::string_view text, std::string* out) {
  // inet_pton wants a NUL-terminated string; an embedded NUL would silently cut the literal short.
  char literal[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof(literal) || text.find('\0') != std::string_view::npos) return false;
  std::memcpy(literal, text.data(), text.size());
  literal[text.size()] = '\0';
  const bool v6 = text.find(':') != std::string_view::npos;
  unsigned char address[16];
  if (inet_pton(v6 ? AF_INET6 : AF_INET, literal, address) != 1) return false;
  out->append(reinterpret_cast<const char*>(address), v6 ? 16 : 4);
  return true;
}

InetText FormatInet(std::string_view bytes) {
  InetText text;
  if (bytes.size() != 4 && bytes.size() != 16) return text;
  const int family = bytes.size() == 4 ? AF_INET : AF_INET6;
  if (inet_ntop(family, bytes.data(), text.chars.data(), text.chars.size()) != nullptr) {
    text.size = std::strlen(text.chars.data());
  }
  return text;
}

}  // namespace ofs::codec::detail
