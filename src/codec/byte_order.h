#pragma once
// Internal to codec: big-endian loads and stores of fixed-width integers.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace ofs::codec::detail {

// Reads sizeof(U) bytes big-endian; bytes past the end of `bytes` read as zero (never out of bounds).
template <typename U>
U LoadBigEndian(std::string_view bytes) {
  static_assert(std::is_unsigned_v<U>);
  U value = 0;
  for (size_t i = 0; i < sizeof(U); ++i) {
    const U byte = i < bytes.size() ? static_cast<uint8_t>(bytes[i]) : 0;
    value = static_cast<U>((value << 8) | byte);
  }
  return value;
}

template <typename U>
void AppendBigEndian(U value, std::string* out) {
  static_assert(std::is_unsigned_v<U>);
  for (size_t i = sizeof(U); i-- > 0;) out->push_back(static_cast<char>(value >> (8 * i)));
}

}  // namespace ofs::codec::detail
