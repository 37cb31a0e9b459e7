#pragma once
// Raw deflate (RFC 1951: no zlib header or trailer, zlib windowBits -15): how Darwin compresses its
// catalog dumps (base64 of it inside {"data": "..."}; API.md section 4). OFS writes its own dumps this
// way and reads a Darwin admin's (ofs import-darwin). http/gzip.h is the gzip/zlib form of HTTP bodies.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ofs::codec {

// Replaces *out with the raw deflate of `input`. kInternal only if zlib fails.
Status RawDeflate(std::string_view input, std::string* out);

// Appends the inflated form of `input` (untrusted) to *out. INVALID_REQUEST when it is not one complete
// raw deflate stream (the cause says why); PAYLOAD-TOO-LARGE as soon as more than `max_bytes` would be
// produced (a small input can inflate a thousandfold).
Status RawInflate(std::string_view input, size_t max_bytes, std::string* out);

}  // namespace ofs::codec
