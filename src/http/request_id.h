#pragma once
// Generated request ids: "<instance>-<loop>-<counter>" in hex, e.g. "5f3a9c1e-1-2a". The instance part is
// random per Server, so ids from different processes and restarts do not collide in logs; the loop part
// makes them unique across threads without sharing a counter. One generator per loop (not thread-safe).

#include <charconv>
#include <cstdint>
#include <string_view>

namespace ofs::http {

// Room for the longest id: 8 + 1 + 8 + 1 + 16 hex digits.
inline constexpr size_t kRequestIdCapacity = 40;

class RequestIdGenerator {
 public:
  RequestIdGenerator(uint32_t instance, uint32_t loop) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) prefix_[i] = kHex[(instance >> (28 - 4 * i)) & 0xf];  // fixed width
    char* end = prefix_ + 8;
    *end++ = '-';
    end = std::to_chars(end, prefix_ + sizeof(prefix_) - 1, loop, 16).ptr;
    *end++ = '-';
    prefix_len_ = static_cast<size_t>(end - prefix_);
  }

  // Writes the next id into `buf` and returns a view of it (valid while `buf` is).
  std::string_view Next(char (&buf)[kRequestIdCapacity]) {
    for (size_t i = 0; i < prefix_len_; ++i) buf[i] = prefix_[i];
    char* end = std::to_chars(buf + prefix_len_, buf + kRequestIdCapacity, ++counter_, 16).ptr;
    return {buf, static_cast<size_t>(end - buf)};
  }

 private:
  char prefix_[20] = {};
  size_t prefix_len_ = 0;
  uint64_t counter_ = 0;
};

}  // namespace ofs::http
