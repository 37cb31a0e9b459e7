#include "http/wire.h"

#include <http_parser.h>

#include <charconv>

namespace ofs::http {
namespace {

void AppendUnsigned(uint64_t v, ByteBuffer* out) {
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof(digits), v).ptr;
  out->Append(std::string_view(digits, static_cast<size_t>(end - digits)));
}

void AppendHeader(std::string_view name, std::string_view value, ByteBuffer* out) {
  out->Append(name);
  out->Append(": ");
  out->Append(value);
  out->Append("\r\n");
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
#define OFS_HTTP_REASON(num, name, string) \
  case num:                                \
    return #string;
    HTTP_STATUS_MAP(OFS_HTTP_REASON)
#undef OFS_HTTP_REASON
    default:
      return "Unknown";
  }
}

Method MethodFromParser(unsigned parser_method) {
  switch (parser_method) {
    case HTTP_GET:
      return Method::kGet;
    case HTTP_HEAD:
      return Method::kHead;
    case HTTP_POST:
      return Method::kPost;
    case HTTP_PUT:
      return Method::kPut;
    case HTTP_DELETE:
      return Method::kDelete;
    case HTTP_PATCH:
      return Method::kPatch;
    case HTTP_OPTIONS:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

void AppendResponseHead(const ResponseHead& head, ByteBuffer* out) {
  out->Append("HTTP/1.1 ");
  AppendUnsigned(static_cast<uint64_t>(head.status), out);
  out->Append(' ');
  out->Append(ReasonPhrase(head.status));
  out->Append("\r\n");
  if (!head.content_type.empty()) AppendHeader("Content-Type", head.content_type, out);
  out->Append("Content-Length: ");
  AppendUnsigned(head.content_length, out);
  out->Append("\r\n");
  AppendHeader("X-Request-Id", head.request_id, out);
  if (head.connection == ConnectionHeader::kClose) out->Append("Connection: close\r\n");
  if (head.connection == ConnectionHeader::kKeepAlive) out->Append("Connection: keep-alive\r\n");
  if (head.gzip) out->Append("Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
  if (head.extra_headers != nullptr) {
    for (const auto& [name, value] : *head.extra_headers) AppendHeader(name, value, out);
  }
  out->Append("\r\n");
}

}  // namespace ofs::http
