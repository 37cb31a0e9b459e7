// Differential fuzz target for http/simple_head.h against http_parser, which the server falls back to:
// whenever ParseSimpleHead accepts a head, http_parser must parse the same bytes to the same request —
// method, target, version, headers (names case-insensitively, values exactly), Content-Length and the
// keep-alive decision — without an error and without an upgrade, ending the head at the same byte.
// The input is the raw bytes of a request; the first byte, if '~', asks for a limit of 64 head bytes.

#include <http_parser.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "http/simple_head.h"
#include "http/wire.h"

namespace {

using ofs::http::SimpleHead;

http_parser* current_parser = nullptr;  // for the failure message

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "http_head_fuzz: %s (http_parser: %s)\n", what,
               current_parser == nullptr ? "-" : http_errno_name(HTTP_PARSER_ERRNO(current_parser)));
  std::abort();
}

// What http_parser reported for the first request of the input.
struct Parsed {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  bool in_value = false;
  bool headers_done = false;
};

int OnUrl(http_parser* p, const char* at, size_t len) {
  static_cast<Parsed*>(p->data)->url.append(at, len);
  return 0;
}
int OnHeaderField(http_parser* p, const char* at, size_t len) {
  auto* parsed = static_cast<Parsed*>(p->data);
  if (parsed->headers.empty() || parsed->in_value) parsed->headers.emplace_back();
  parsed->in_value = false;
  parsed->headers.back().first.append(at, len);
  return 0;
}
int OnHeaderValue(http_parser* p, const char* at, size_t len) {
  auto* parsed = static_cast<Parsed*>(p->data);
  parsed->in_value = true;
  parsed->headers.back().second.append(at, len);
  return 0;
}
int OnHeadersComplete(http_parser* p) {
  static_cast<Parsed*>(p->data)->headers_done = true;
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t limit = 8192;
  if (!input.empty() && input.front() == '~') {
    limit = 64;
    input.remove_prefix(1);
  }
  SimpleHead simple;
  if (!ofs::http::ParseSimpleHead(input, limit, &simple)) return 0;
  Require(simple.head_size <= limit && simple.head_size <= input.size(), "head larger than allowed");

  http_parser_settings settings{};
  settings.on_url = &OnUrl;
  settings.on_header_field = &OnHeaderField;
  settings.on_header_value = &OnHeaderValue;
  settings.on_headers_complete = &OnHeadersComplete;
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  Parsed parsed;
  parser.data = &parsed;
  current_parser = &parser;
  // The head must end at the same byte: not complete one byte early, complete with that byte.
  const size_t early = http_parser_execute(&parser, &settings, input.data(), simple.head_size - 1);
  Require(early == simple.head_size - 1 && HTTP_PARSER_ERRNO(&parser) == HPE_OK,
          "http_parser rejects an accepted head");
  Require(!parsed.headers_done, "http_parser ends the head earlier");
  const size_t last = http_parser_execute(&parser, &settings, input.data() + simple.head_size - 1, 1);
  Require(last == 1 && HTTP_PARSER_ERRNO(&parser) == HPE_OK,
          "http_parser rejects the end of an accepted head");
  Require(parsed.headers_done, "http_parser does not end the head there");
  Require(ofs::http::MethodFromParser(parser.method) == simple.method, "another method");
  Require(parsed.url == simple.target, "another target");
  Require(parser.http_major == 1 && parser.http_minor == simple.http_minor, "another version");
  Require(parsed.headers.size() == simple.header_count, "another number of headers");
  for (size_t i = 0; i < simple.header_count; ++i) {
    Require(ofs::EqualsIgnoreCase(parsed.headers[i].first, simple.headers[i].name), "another header name");
    Require(parsed.headers[i].second == simple.headers[i].value, "another header value");
  }
  const bool has_length = (parser.flags & F_CONTENTLENGTH) != 0;
  Require(has_length == simple.has_length, "another Content-Length presence");
  if (has_length) Require(parser.content_length == simple.content_length, "another Content-Length");
  Require((parser.flags & F_CHUNKED) == 0 && parser.upgrade == 0, "chunked or upgrade accepted");
  Require((http_should_keep_alive(&parser) != 0) == simple.keep_alive, "another keep-alive decision");
  return 0;
}
