// Base64 (RFC 4648 section 4) by hand: Debian ships no small C++ library for it, and strictness
// matters here (one canonical text per value: no blanks, no URL-safe alphabet, padding and zero
// trailing bits required).

#include <algorithm>
#include <array>
#include <cstdint>

#include "codec/value_codec.h"

namespace ofs::codec {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> kSextets = [] {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}();

size_t Padding(std::string_view text) {
  if (text.ends_with("==")) return 2;
  return text.ends_with('=') ? 1 : 0;
}

// Decodes one 4-character group of which the first `chars` (2..4) are data; false when a character is
// outside the alphabet or the bits below the last whole byte are not zero.
bool DecodeGroup(std::string_view group, size_t chars, std::string* out) {
  uint32_t bits = 0;
  for (size_t i = 0; i < 4; ++i) {
    const int sextet = i < chars ? kSextets[static_cast<uint8_t>(group[i])] : 0;
    if (sextet < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(sextet);
  }
  const size_t bytes = chars - 1;
  if ((bits & ((1u << (8 * (3 - bytes))) - 1)) != 0) return false;
  for (size_t i = 0; i < bytes; ++i) out->push_back(static_cast<char>(bits >> (16 - 8 * i)));
  return true;
}

}  // namespace

void Base64Encode(std::string_view bytes, std::string* out) {
  out->reserve(out->size() + (bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t bits = 0;
    for (size_t j = 0; j < 3; ++j) bits = (bits << 8) | (j < n ? static_cast<uint8_t>(bytes[i + j]) : 0u);
    for (size_t j = 0; j < 4; ++j) out->push_back(j <= n ? kAlphabet[(bits >> (18 - 6 * j)) & 63] : '=');
  }
}

bool Base64Decode(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0) return false;
  const size_t mark = out->size();
  const size_t padding = Padding(text);
  for (size_t i = 0; i < text.size(); i += 4) {
    const size_t chars = i + 4 == text.size() ? 4 - padding : 4;
    if (!DecodeGroup(text.substr(i, 4), chars, out)) {
      out->resize(mark);
      return false;
    }
  }
  return true;
}

}  // namespace ofs::codec
