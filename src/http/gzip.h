#pragma once
// gzip for HTTP bodies. One Inflater and one Deflater per event loop (zlib streams are reset, not
// re-created, between bodies; deflate's ~270 KB of state is allocated on first use only). Not
// thread-safe: each loop owns its own.

#include <string>
#include <string_view>

#include "base/status.h"

namespace ofs::http {

// True when an Accept-Encoding value accepts gzip ("gzip" or "x-gzip" listed without q=0).
bool AcceptsGzip(std::string_view accept_encoding);

class Inflater {
 public:
  Inflater() = default;
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Appends the inflated form of the gzip (or zlib) stream `in` to `out`. Concatenated gzip members are
  // all inflated. Errors: kPayloadTooLarge as soon as more than `limit` bytes would be produced (a gzip
  // bomb costs at most `limit` bytes of work and memory); kInvalidRequest when `in` is malformed or
  // truncated. `out` is unspecified after an error.
  Status Inflate(std::string_view in, size_t limit, std::string* out);

 private:
  void* stream_ = nullptr;  // z_stream, created on first use
};

class Deflater {
 public:
  // Bodies above `max_input_bytes` are refused (zlib counts in 32 bits; tests lower it).
  static constexpr size_t kDefaultMaxInputBytes = 0x7FFFFFFF;
  explicit Deflater(size_t max_input_bytes = kDefaultMaxInputBytes) : max_input_bytes_(max_input_bytes) {}
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Replaces `out` with the gzip form of `in`. Level 1: measured on a 100 KB JSON body it is 4.6x faster
  // than level 6 (420 us vs 1.9 ms) for 23% vs 19% of the input size; the serving path is CPU-bound.
  // Errors: kInternal if zlib fails (out of memory) or `in` is above max_input_bytes. The caller then
  // sends the body uncompressed: a degraded mode (Fallback::kUncompressedResponse).
  Status Gzip(std::string_view in, std::string* out);

 private:
  const size_t max_input_bytes_;
  void* stream_ = nullptr;  // z_stream, created on first use
};

}  // namespace ofs::http
