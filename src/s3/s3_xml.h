#pragma once
// Decoders of the XML an S3-compatible server answers (ListObjectsV2 pages and error documents), over
// expat. The bytes come from a remote server: every malformed input is an error value, never a crash
// (fuzz/s3_xml_fuzz.cc). A document declaring a DTD is refused (no entities are ever expanded).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ofs::s3 {

struct ObjectEntry {
  std::string key;
  int64_t size = 0;
};

// One page of ListObjectsV2.
struct ListPage {
  std::vector<ObjectEntry> objects;  // in the server's order (S3: ascending keys)
  bool truncated = false;
  std::string next_continuation_token;  // non-empty when truncated
};

// An error reply: <Error><Code>NoSuchBucket</Code><Message>...</Message>...</Error>.
struct ErrorDocument {
  std::string code;
  std::string message;
};

// Decodes a ListObjectsV2 reply body: root <ListBucketResult> in S3's namespace or none. Errors
// (INVALID_REQUEST, naming what is wrong): not well-formed XML, a DTD, another root element, a <Contents>
// without a non-empty <Key>, a <Size> that is not a non-negative integer, an <IsTruncated> other than
// true/false, a truncated page without a <NextContinuationToken>, more than 2^31 bytes.
Result<ListPage> DecodeListObjectsV2(std::string_view xml);

// The <Code> and <Message> of an error reply; nullopt when `xml` is not a well-formed <Error> document
// with a non-empty <Code> (HEAD replies and proxies' HTML pages have none).
std::optional<ErrorDocument> DecodeError(std::string_view xml);

}  // namespace ofs::s3
