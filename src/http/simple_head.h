#pragma once
// ParseSimpleHead: a one-pass parser for the request heads that nearly every client sends, beside
// http_parser. Connection tries it first, at the start of a request whose head is fully buffered; when
// it declines, http_parser parses the request as before (http/README.md, "Parsing").
//
// Why beside http_parser rather than instead of it: http_parser's byte-at-a-time state machine and its
// five callbacks per header were ~4% of the S1 server core (docs/benchmarks.md, History); the heads of
// API clients (a request line, a handful of short headers, a Content-Length) need none of what makes it
// long (chunked bodies, obs-fold, upgrades, lenient line ends), and keeping it for those keeps every
// corner of HTTP/1.1 as it was. There is no Debian package of a faster parser (picohttpparser, llhttp).
//
// Contract: it accepts only heads that http_parser parses to the same method, target, version, headers,
// Content-Length and keep-alive decision — checked by the differential fuzz target fuzz/http_head_fuzz.cc.
// Anything else (any doubt) is declined, never rejected: declining is always safe.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/server.h"

namespace ofs::http {

struct SimpleHead {
  static constexpr size_t kMaxHeaders = 32;
  struct Header {
    std::string_view name;   // as received (mixed case)
    std::string_view value;  // without leading whitespace, as http_parser reports it
  };

  Method method = Method::kOther;
  std::string_view target;  // the request target, e.g. "/v1/feature/read?x=1"
  uint8_t http_minor = 1;   // HTTP/1.0 or HTTP/1.1
  Header headers[kMaxHeaders];
  size_t header_count = 0;
  bool has_length = false;
  uint64_t content_length = 0;
  bool keep_alive = true;  // what http_should_keep_alive would say
  size_t head_size = 0;    // bytes of the request line and headers, the blank line included
};

// Parses the head at the start of `input`. False to decline: the head is incomplete, longer than
// `max_head_bytes`, or uses anything beyond the simple subset (see simple_head.cc).
bool ParseSimpleHead(std::string_view input, size_t max_head_bytes, SimpleHead* head);

}  // namespace ofs::http
