#include "net/http_client.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace ofs::net {
namespace {

// curl_global_init is not thread-safe: run it once, before the first handle.
void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  std::string* body;
  size_t limit;
  bool overflowed = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * count;
  if (sink->body->size() + bytes > sink->limit) {
    sink->overflowed = true;
    return 0;  // makes libcurl fail the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, bytes);
  return bytes;
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

Result<HttpReply> Send(const HttpRequest& request) {
  GlobalInitOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status(ErrorCode::kInternal, "curl_easy_init failed");
  CURL* handle = curl.get();
  HttpReply reply;
  Sink sink{&reply.body, request.max_response_bytes};
  char error[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<curl_slist, HeaderListDeleter> headers;
  for (const auto& [name, value] : request.headers) {
    const std::string line = name + ": " + value;
    curl_slist* appended = curl_slist_append(headers.get(), line.c_str());
    if (appended == nullptr) return Status(ErrorCode::kInternal, "curl_slist_append failed");
    (void)headers.release();
    headers.reset(appended);
  }
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  if (request.connect_timeout.count() > 0) {
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  }
  if (request.aws_signature) {
    // Separate user and password options: a secret may hold any character, ':' included.
    curl_easy_setopt(handle, CURLOPT_AWS_SIGV4, request.aws_signature->provider.c_str());
    curl_easy_setopt(handle, CURLOPT_USERNAME, request.aws_signature->access_key_id.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, request.aws_signature->secret_access_key.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
  // Replies are decompressed by libcurl when the server chooses gzip or deflate.
  curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
  const CURLcode rc = curl_easy_perform(handle);
  if (sink.overflowed) {
    return Status(ErrorCode::kPayloadTooLarge, "the reply of " + request.url + " is larger than " +
                                                   std::to_string(request.max_response_bytes) + " bytes");
  }
  if (rc != CURLE_OK) {
    const std::string reason = error[0] != '\0' ? error : curl_easy_strerror(rc);
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
      return Status(ErrorCode::kInvalidRequest, "cannot use the URL '" + request.url + "'", reason);
    }
    return Status(ErrorCode::kStoreUnavailable, request.method + " " + request.url + " failed", reason)
        .MarkRetryable();
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  reply.status = static_cast<int>(status);
  return reply;
}

}  // namespace ofs::net
