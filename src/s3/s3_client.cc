#include "s3/s3_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "net/http_client.h"

namespace ofs::s3 {
namespace {

constexpr size_t kMaxReplyBytes = size_t{16} << 20;  // a list page or an error document

bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// RFC 3986 percent-encoding of everything but unreserved characters (upper-case hex), as SigV4's
// canonical form wants: libcurl's encoder, which does exactly that.
std::string Escape(std::string_view text) {
  if (std::all_of(text.begin(), text.end(), IsUnreserved)) return std::string(text);
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())), &curl_free);
  return escaped ? std::string(escaped.get()) : std::string();
}

// A key as a URL path: each segment escaped, the slashes kept (S3 signs the path as sent).
std::string EscapeKey(std::string_view key) {
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    out +=
        Escape(key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string Where(const std::string& bucket, const std::string& key) {
  return "s3://" + bucket + (key.empty() ? "" : "/" + key);
}

bool ValidBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  return std::all_of(bucket.begin(), bucket.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

// The Status of a reply that is not 2xx: the server's <Code> and <Message> when it sent them.
Status ReplyFailure(std::string_view operation, const std::string& where, const net::HttpReply& reply) {
  std::string message =
      std::string(operation) + " " + where + ": S3 answered " + std::to_string(reply.status);
  std::optional<ErrorDocument> error = DecodeError(reply.body);
  if (error) {
    message += " " + error->code;
    if (!error->message.empty()) message += ": " + error->message;
  } else {
    message += " without an error document";
  }
  Status status(ErrorCode::kStoreUnavailable, std::move(message));
  const bool retryable = reply.status >= 500 || reply.status == 429 || (error && error->code == "SlowDown");
  return retryable ? std::move(status).MarkRetryable() : status;
}

}  // namespace

Status CredentialsFromEnvironment(S3Options* options) {
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id == nullptr || *id == '\0' || secret == nullptr || *secret == '\0') {
    return Status(ErrorCode::kInvalidRequest, "no S3 credentials",
                  "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
  }
  options->access_key_id = id;
  options->secret_access_key = secret;
  return Status::Ok();
}

bool IsS3Url(std::string_view location) { return location.starts_with("s3://"); }

Result<S3Url> ParseS3Url(std::string_view url) {
  auto bad = [&](std::string why) {
    return Status(ErrorCode::kInvalidRequest, "cannot use the S3 location '" + std::string(url) + "'",
                  std::move(why));
  };
  if (!IsS3Url(url)) return bad("it does not start with s3://");
  const std::string_view rest = url.substr(5);
  const size_t slash = rest.find('/');
  S3Url parsed{std::string(rest.substr(0, slash)),
               slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash + 1))};
  if (!ValidBucket(parsed.bucket)) {
    return bad("'" + parsed.bucket + "' is not a bucket name (3 to 63 of a-z, 0-9, '.', '-')");
  }
  std::string_view key = parsed.key;
  if (key.ends_with('/')) key.remove_suffix(1);
  if (key.starts_with('/') || key.find("//") != std::string_view::npos) {
    return bad("the key has an empty path segment");
  }
  return parsed;
}

Result<S3Client> S3Client::Create(S3Options options) {
  if (options.region.empty() || !std::all_of(options.region.begin(), options.region.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      })) {
    return Status(ErrorCode::kInvalidRequest, "the S3 region '" + options.region + "' is not a region name",
                  "e.g. us-east-1");
  }
  std::string endpoint = options.endpoint;
  if (endpoint.empty()) endpoint = "https://s3." + options.region + ".amazonaws.com";
  if (endpoint.ends_with('/')) endpoint.pop_back();
  const size_t scheme = endpoint.find("://");
  const std::string_view authority =
      scheme == std::string::npos ? std::string_view() : std::string_view(endpoint).substr(scheme + 3);
  if ((!endpoint.starts_with("http://") && !endpoint.starts_with("https://")) || authority.empty() ||
      authority.find_first_of("/?#@ ") != std::string_view::npos) {
    return Status(ErrorCode::kInvalidRequest, "the S3 endpoint '" + options.endpoint + "' is not a base URL",
                  "http(s)://HOST[:PORT], e.g. http://127.0.0.1:5000");
  }
  return S3Client(std::move(options), std::move(endpoint));
}

namespace {

net::HttpRequest Signed(const S3Options& options, std::string method, std::string url, std::string body) {
  net::HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.headers.emplace_back("x-amz-content-sha256", Sha256Hex(body));
  request.body = std::move(body);
  request.timeout = options.timeout;
  request.connect_timeout = std::max(options.timeout / 3, std::chrono::milliseconds(1));
  request.aws_signature = net::AwsSignature{"aws:amz:" + options.region + ":s3", options.access_key_id,
                                            options.secret_access_key};
  return request;
}

// Sends `request`; a transport failure names the operation and the object.
Result<net::HttpReply> Exchange(const net::HttpRequest& request, std::string_view operation,
                                const std::string& where) {
  Result<net::HttpReply> reply = net::Send(request);
  if (reply.ok()) return reply;
  const Status& failed = reply.status();
  std::string cause(failed.message());
  if (!failed.cause().empty()) cause += ": " + std::string(failed.cause());
  Status status(failed.code() == ErrorCode::kPayloadTooLarge ? ErrorCode::kPayloadTooLarge
                                                             : ErrorCode::kStoreUnavailable,
                std::string(operation) + " " + where + " failed", std::move(cause));
  return failed.retryable() ? std::move(status).MarkRetryable() : status;
}

}  // namespace

Status S3Client::PutObject(const std::string& bucket, const std::string& key, std::string_view body,
                           std::string_view content_type) const {
  const std::string where = Where(bucket, key);
  net::HttpRequest request =
      Signed(options_, "PUT", endpoint_ + "/" + bucket + "/" + EscapeKey(key), std::string(body));
  request.headers.emplace_back("Content-Type", std::string(content_type));
  request.max_response_bytes = kMaxReplyBytes;
  OFS_ASSIGN_OR_RETURN(net::HttpReply reply, Exchange(request, "PutObject", where));
  if (reply.status / 100 != 2) return ReplyFailure("PutObject", where, reply);
  return Status::Ok();
}

Result<std::string> S3Client::GetObject(const std::string& bucket, const std::string& key,
                                        size_t max_bytes) const {
  const std::string where = Where(bucket, key);
  net::HttpRequest request = Signed(options_, "GET", endpoint_ + "/" + bucket + "/" + EscapeKey(key), {});
  request.max_response_bytes = std::max(max_bytes, kMaxReplyBytes);
  OFS_ASSIGN_OR_RETURN(net::HttpReply reply, Exchange(request, "GetObject", where));
  if (reply.status / 100 != 2) return ReplyFailure("GetObject", where, reply);
  if (reply.body.size() > max_bytes) {
    return Status(ErrorCode::kPayloadTooLarge, "GetObject " + where + ": the object is larger than " +
                                                   std::to_string(max_bytes) + " bytes");
  }
  return std::move(reply.body);
}

Result<std::vector<ObjectEntry>> S3Client::ListObjects(const std::string& bucket, const std::string& prefix,
                                                       int max_keys_per_page) const {
  const std::string where = Where(bucket, prefix);
  std::vector<ObjectEntry> objects;
  std::string token;
  while (true) {
    // The query in SigV4's canonical form (names sorted, values escaped): libcurl 7.88 signs it as sent.
    std::string query;
    if (!token.empty()) query += "continuation-token=" + Escape(token) + "&";
    query += "list-type=2&max-keys=" + std::to_string(max_keys_per_page) + "&prefix=" + Escape(prefix);
    net::HttpRequest request = Signed(options_, "GET", endpoint_ + "/" + bucket + "?" + query, {});
    request.max_response_bytes = kMaxReplyBytes;
    OFS_ASSIGN_OR_RETURN(net::HttpReply reply, Exchange(request, "ListObjectsV2", where));
    if (reply.status / 100 != 2) return ReplyFailure("ListObjectsV2", where, reply);
    Result<ListPage> page = DecodeListObjectsV2(reply.body);
    if (!page.ok()) {
      return Status(ErrorCode::kStoreUnavailable,
                    "ListObjectsV2 " + where + ": " + std::string(page.status().message()),
                    std::string(page.status().cause()));
    }
    for (ObjectEntry& entry : page->objects) objects.push_back(std::move(entry));
    if (!page->truncated) break;
    if (page->next_continuation_token == token) {
      return Status(ErrorCode::kStoreUnavailable,
                    "ListObjectsV2 " + where + ": the server repeated its continuation token");
    }
    token = std::move(page->next_continuation_token);
  }
  std::sort(objects.begin(), objects.end(),
            [](const ObjectEntry& a, const ObjectEntry& b) { return a.key < b.key; });
  return objects;
}

Status S3Client::DeleteObject(const std::string& bucket, const std::string& key) const {
  const std::string where = Where(bucket, key);
  net::HttpRequest request = Signed(options_, "DELETE", endpoint_ + "/" + bucket + "/" + EscapeKey(key), {});
  request.max_response_bytes = kMaxReplyBytes;
  OFS_ASSIGN_OR_RETURN(net::HttpReply reply, Exchange(request, "DeleteObject", where));
  if (reply.status / 100 != 2) return ReplyFailure("DeleteObject", where, reply);
  return Status::Ok();
}

}  // namespace ofs::s3
