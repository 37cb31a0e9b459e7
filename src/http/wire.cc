#include "http/wire.h"

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

// The reason phrases of the IANA status code registry (as http_parser 2.9 spelled them, so the wire
// stays as it was: "Payload Too Large" for 413).
std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 208:
      return "Already Reported";
    case 226:
      return "IM Used";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Entity";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 506:
      return "Variant Also Negotiates";
    case 507:
      return "Insufficient Storage";
    case 508:
      return "Loop Detected";
    case 510:
      return "Not Extended";
    case 511:
      return "Network Authentication Required";
    default:
      return "Unknown";
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
