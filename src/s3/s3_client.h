#pragma once
// A small client of the S3 API (PutObject, GetObject, ListObjectsV2, DeleteObject) for an S3-compatible
// endpoint: path-style URLs (ENDPOINT/BUCKET/KEY), AWS Signature V4 computed by libcurl
// (net/http_client.h), replies decoded by s3_xml.h. Blocking: a call holds its thread for up to the
// timeout (connect and the whole exchange are both bounded), so never on an event loop. Thread-safe
// (no mutable state). The credentials are used only to sign, never put in a message.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "s3/s3_xml.h"

namespace ofs::s3 {

struct S3Options {
  std::string endpoint;  // http(s)://HOST[:PORT], no path; "" = AWS: https://s3.REGION.amazonaws.com
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::chrono::milliseconds timeout{30'000};  // one request, connect included (connect: a third of it)
};

// The standard AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY into `options`. Error (INVALID_REQUEST) when
// either is unset or empty, naming the variables (never their values).
Status CredentialsFromEnvironment(S3Options* options);

// s3://BUCKET[/KEY]: the bucket and the rest after its slash ("" for none).
struct S3Url {
  std::string bucket;
  std::string key;
};
bool IsS3Url(std::string_view location);
// Errors (INVALID_REQUEST) name the URL: another scheme, a bucket name S3 would refuse (3 to 63 of
// a-z 0-9 . -), a key with an empty path segment ("a//b").
Result<S3Url> ParseS3Url(std::string_view url);

// Errors of every call: STORE-UNAVAILABLE whose message names the operation and s3://BUCKET/KEY and,
// when the server answered with an error document, its HTTP status, <Code> and <Message> (e.g. "S3
// answered 404 NoSuchBucket: The specified bucket does not exist"); retryable for 5xx, 429, SlowDown and
// for an endpoint that cannot be reached or does not answer in time (libcurl's reason as the cause).
class S3Client {
 public:
  // Errors (INVALID_REQUEST): an endpoint that is not http(s)://HOST[:PORT], an empty region.
  static Result<S3Client> Create(S3Options options);

  Status PutObject(const std::string& bucket, const std::string& key, std::string_view body,
                   std::string_view content_type) const;
  // The object's bytes; PAYLOAD-TOO-LARGE past `max_bytes`.
  Result<std::string> GetObject(const std::string& bucket, const std::string& key, size_t max_bytes) const;
  // Every object whose key starts with `prefix`, in ascending key order, following continuation tokens
  // (1000 keys a page; `max_keys_per_page` smaller only to test paging).
  Result<std::vector<ObjectEntry>> ListObjects(const std::string& bucket, const std::string& prefix,
                                               int max_keys_per_page = 1000) const;
  // Deleting a key that does not exist succeeds (as S3 does).
  Status DeleteObject(const std::string& bucket, const std::string& key) const;

  const std::string& endpoint() const { return endpoint_; }

 private:
  explicit S3Client(S3Options options, std::string endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)) {}

  S3Options options_;
  std::string endpoint_;  // without a trailing slash
};

}  // namespace ofs::s3
