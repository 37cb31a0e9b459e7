#pragma once
// Outbound HTTP for the command-line tools (`ofs import-darwin`): one blocking request over libcurl,
// which does HTTP/1.1, TLS, proxies and redirects better than anything written here would. Never on an
// event loop: a call blocks its thread for up to the request's timeout.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace ofs::net {

// AWS Signature Version 4, computed by libcurl (CURLOPT_AWS_SIGV4) over the method, URL, the headers
// given and the x-amz-date it adds. libcurl 7.88 takes the URL's query as already canonical (names
// sorted, values percent-encoded) and the payload hash from an x-amz-content-sha256 header when one is
// given: callers that sign pass both so. The secret never leaves the request.
struct AwsSignature {
  std::string provider;  // CURLOPT_AWS_SIGV4's "aws:amz:REGION:SERVICE", e.g. "aws:amz:us-east-1:s3"
  std::string access_key_id;
  std::string secret_access_key;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};      // the whole exchange, connect included
  std::chrono::milliseconds connect_timeout{0};  // the TCP (and TLS) connect alone; 0 = only `timeout`
  std::optional<AwsSignature> aws_signature;     // signs the request when set
  size_t max_response_bytes = size_t{256} << 20;
};

struct HttpReply {
  int status = 0;
  std::string body;
};

// Sends `request` and returns the reply, whatever its status. Errors: INVALID_REQUEST for a URL libcurl
// refuses or a scheme other than http/https; PAYLOAD-TOO-LARGE when the reply body passes
// max_response_bytes; STORE-UNAVAILABLE (retryable) when the server cannot be reached or does not
// answer within the timeout, with libcurl's reason as the cause.
Result<HttpReply> Send(const HttpRequest& request);

}  // namespace ofs::net
