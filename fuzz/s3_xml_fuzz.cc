// Fuzz target for s3/s3_xml.h, the decoders of an S3-compatible server's XML replies (ListObjectsV2 pages
// and error documents: bytes from a remote server that metadata backups to s3:// trust no more than a
// request). Checks, aborting on failure:
//   - DecodeListObjectsV2 either fails with a message or yields objects with non-empty keys and sizes
//     >= 0, and a truncated page always has a continuation token; decoding twice gives the same page;
//   - DecodeError yields a non-empty code whenever it yields anything.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "s3/s3_xml.h"

namespace {

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "s3_xml_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  ofs::Result<ofs::s3::ListPage> page = ofs::s3::DecodeListObjectsV2(xml);
  if (page.ok()) {
    for (const ofs::s3::ObjectEntry& object : page->objects) {
      Require(!object.key.empty() && object.size >= 0, "an object without a key or with a negative size");
    }
    Require(!page->truncated || !page->next_continuation_token.empty(), "a truncated page without a token");
    ofs::Result<ofs::s3::ListPage> again = ofs::s3::DecodeListObjectsV2(xml);
    Require(
        again.ok() && again->objects.size() == page->objects.size() && again->truncated == page->truncated,
        "decoding twice differs");
  } else {
    Require(!page.status().message().empty(), "an error without a message");
  }
  std::optional<ofs::s3::ErrorDocument> error = ofs::s3::DecodeError(xml);
  if (error) Require(!error->code.empty(), "an error document without a code");
  return 0;
}
