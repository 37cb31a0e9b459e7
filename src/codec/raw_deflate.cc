#include "codec/raw_deflate.h"

#include <zlib.h>

namespace ofs::codec {

Status RawDeflate(std::string_view input, std::string* out) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status(ErrorCode::kInternal, "deflateInit2 failed");
  }
  out->resize(deflateBound(&stream, static_cast<uLong>(input.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(out->data());
  stream.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&stream, Z_FINISH);
  out->resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return Status(ErrorCode::kInternal, "deflate failed", std::to_string(rc));
  return Status::Ok();
}

Status RawInflate(std::string_view input, size_t max_bytes, std::string* out) {
  z_stream stream{};
  if (inflateInit2(&stream, -15) != Z_OK) return Status(ErrorCode::kInternal, "inflateInit2 failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  const size_t start = out->size();
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    const size_t produced = sizeof(chunk) - stream.avail_out;
    if (out->size() - start + produced > max_bytes) {
      inflateEnd(&stream);
      return Status(ErrorCode::kPayloadTooLarge,
                    "inflates to more than " + std::to_string(max_bytes) + " bytes");
    }
    out->append(chunk, produced);
    if (rc == Z_OK && produced == 0 && stream.avail_in == 0) break;  // the input ends mid-stream
  }
  const std::string reason = stream.msg != nullptr ? stream.msg : "the input ends before the stream does";
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) return Status(ErrorCode::kInvalidRequest, "not a raw deflate stream", reason);
  return Status::Ok();
}

}  // namespace ofs::codec
