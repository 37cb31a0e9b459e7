#include "http/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "base/strings.h"

namespace ofs::http {
namespace {

constexpr int kGzipOrZlibWindow = 15 + 32;  // inflate: detect the gzip or zlib header
constexpr int kGzipWindow = 15 + 16;        // deflate: write a gzip header
constexpr int kDeflateLevel = 1;            // see Deflater::Gzip
constexpr size_t kInflateChunk = size_t{64} << 10;
// zlib counts in uInt: feed and drain at most this much per call.
constexpr size_t kMaxZlibSpan = std::numeric_limits<uInt>::max();

z_stream* Z(void* p) { return static_cast<z_stream*>(p); }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// True for a q parameter of zero ("q=0", "q=0.0", "q=0.000").
bool IsZeroQ(std::string_view params) {
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view p = TrimSpaces(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() < 2 || AsciiLower(p[0]) != 'q' || p[1] != '=') continue;
    std::string_view v = p.substr(2);
    return !v.empty() && v.find_first_not_of("0.") == std::string_view::npos;
  }
  return false;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    size_t semi = item.find(';');
    std::string_view coding = TrimSpaces(item.substr(0, semi));
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      return semi == std::string_view::npos || !IsZeroQ(item.substr(semi + 1));
    }
  }
  return false;
}

Inflater::~Inflater() {
  if (stream_ != nullptr) {
    inflateEnd(Z(stream_));
    delete Z(stream_);
  }
}

Status Inflater::Inflate(std::string_view in, size_t limit, std::string* out) {
  if (stream_ == nullptr) {
    auto* z = new z_stream{};
    if (inflateInit2(z, kGzipOrZlibWindow) != Z_OK) {
      delete z;
      return Status(ErrorCode::kInternal, "cannot initialise zlib inflate");
    }
    stream_ = z;
  } else if (inflateReset(Z(stream_)) != Z_OK) {
    return Status(ErrorCode::kInternal, "cannot reset zlib inflate");
  }
  z_stream* z = Z(stream_);
  const size_t start = out->size();
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  size_t in_left = in.size();
  for (;;) {
    size_t produced = out->size() - start;
    // One byte beyond the limit tells "exactly at the limit" from "over it".
    size_t room = std::min({kInflateChunk, limit + 1 - produced, kMaxZlibSpan});
    size_t used = out->size();
    out->resize(used + room);
    z->next_out = reinterpret_cast<Bytef*>(out->data() + used);
    z->avail_out = static_cast<uInt>(room);
    z->avail_in = static_cast<uInt>(std::min(in_left, kMaxZlibSpan));
    size_t avail_in_before = z->avail_in;
    int rc = inflate(z, Z_NO_FLUSH);
    in_left -= avail_in_before - z->avail_in;
    out->resize(used + (room - z->avail_out));
    if (out->size() - start > limit) {
      return Status(ErrorCode::kPayloadTooLarge,
                    "inflated request body exceeds the limit of " + std::to_string(limit) + " bytes");
    }
    if (rc == Z_STREAM_END) {
      if (in_left == 0) return Status::Ok();
      // Another gzip member follows (RFC 1952 allows concatenation).
      if (inflateReset(Z(stream_)) != Z_OK) return Status(ErrorCode::kInternal, "cannot reset zlib inflate");
      continue;
    }
    if (rc == Z_OK) continue;  // progress was made (output room is never zero, so this terminates)
    return Status(ErrorCode::kInvalidRequest, "malformed gzip request body",
                  rc == Z_BUF_ERROR ? "truncated gzip stream" : (z->msg != nullptr ? z->msg : "zlib error"));
  }
}

Deflater::~Deflater() {
  if (stream_ != nullptr) {
    deflateEnd(Z(stream_));
    delete Z(stream_);
  }
}

Status Deflater::Gzip(std::string_view in, std::string* out) {
  if (stream_ == nullptr) {
    auto* z = new z_stream{};
    if (deflateInit2(z, kDeflateLevel, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      delete z;
      return Status(ErrorCode::kInternal, "cannot initialise zlib deflate");
    }
    stream_ = z;
  } else if (deflateReset(Z(stream_)) != Z_OK) {
    return Status(ErrorCode::kInternal, "cannot reset zlib deflate");
  }
  z_stream* z = Z(stream_);
  if (in.size() > std::min(max_input_bytes_, kMaxZlibSpan / 2)) {
    return Status(ErrorCode::kInternal, "response body too large to gzip");
  }
  // deflateBound is exact enough for one Z_FINISH call to always complete.
  out->resize(deflateBound(z, static_cast<uLong>(in.size())));
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z->avail_in = static_cast<uInt>(in.size());
  z->next_out = reinterpret_cast<Bytef*>(out->data());
  z->avail_out = static_cast<uInt>(out->size());
  int rc = deflate(z, Z_FINISH);
  if (rc != Z_STREAM_END) return Status(ErrorCode::kInternal, "gzip of the response body failed");
  out->resize(out->size() - z->avail_out);
  return Status::Ok();
}

}  // namespace ofs::http
