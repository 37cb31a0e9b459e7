// Differential fuzz target for the server's request parser (http/request_parser.h). The input is the raw
// bytes a client sends on one connection; its messages are parsed one after the other, as a connection
// does, and for each:
//
// 1. Incremental consistency: parsing the bytes all at once and one byte at a time gives the same
//    outcome (step, status, head, body, bytes consumed).
// 2. Refusals (an oracle independent of the parser, written with plain string operations): once the
//    head is complete, a message with a bare CR or LF in its head, a version other than HTTP/1.0 and
//    HTTP/1.1, a line starting with whitespace (obs-fold), whitespace before a header's colon, a
//    Transfer-Encoding other than exactly `chunked`, Transfer-Encoding with Content-Length or in
//    HTTP/1.0, or two Content-Lengths must be refused. The seeds in corpus/http_message/ named
//    `smuggle_*` are one such request each (and the chunk-framing cases of point 3).
// 3. Agreement with the reference: every message the parser accepts, Node's http_parser 2.9 (the
//    parser the server used before, lenient) parses to the same method, target, version, headers
//    (names case-insensitively, values without surrounding whitespace), keep-alive decision, framing
//    and body, ending at the same byte. In chunked bodies it also checks, from the reference's own
//    positions, that every chunk's data is followed by exactly CRLF and every chunk-size line and
//    trailer line ends in CRLF with no other CR or LF — what a lenient parser would let through.
//
// Known differences of the reference, where the comparison stops (each is http_parser's, not a
// request the server reads differently from the RFC): it refuses methods it does not know; it validates
// the authority of absolute-form targets (the server routes only their path); it stops at an upgrade
// (the server answers and closes); it treats a header name that merely starts with "transfer-encoding"
// as Transfer-Encoding; it ends a Connection option at SP but not at HTAB.

#include <http_parser.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "http/request_parser.h"

namespace {

using ofs::http::Method;
using ofs::http::RequestHead;
using ofs::http::RequestParser;
using Step = RequestParser::Step;

constexpr size_t kMaxMessages = 8;
const RequestParser::Limits kLimits = {8 << 10, 64 << 10};

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "http_message_fuzz: %s\n", what);
  std::abort();
}

// ---- The server's parser ----

struct Outcome {
  Step step = Step::kNeedMore;
  int status = 0;
  bool head_complete = false;
  RequestHead head;
  std::string body;
  size_t consumed = 0;
};

// Parses one message from `input`, offering `piece` bytes more each time (0 = all at once).
Outcome ParseOne(std::string_view input, size_t piece) {
  RequestParser parser(kLimits);
  Outcome out;
  size_t offered = piece == 0 ? input.size() : std::min(piece, input.size());
  for (;;) {
    size_t used = 0;
    const Step step = parser.Parse(input.substr(out.consumed, offered - out.consumed), &used);
    out.consumed += used;
    if (step == Step::kHead) {
      out.head_complete = true;
      out.head = parser.head();
      parser.SetBodySink(&out.body);
      continue;
    }
    if (step != Step::kNeedMore || offered == input.size()) {
      out.step = step;
      out.status = parser.error_status();
      return out;
    }
    offered = std::min(offered + piece, input.size());
  }
}

bool SameHead(const RequestHead& a, const RequestHead& b) {
  return a.method == b.method && a.http_minor == b.http_minor && a.has_length == b.has_length &&
         a.content_length == b.content_length && a.chunked == b.chunked && a.keep_alive == b.keep_alive &&
         a.upgrade == b.upgrade && a.text == b.text && a.target_len == b.target_len &&
         a.headers.size() == b.headers.size();
}

// ---- The oracle: what must be refused, by plain string operations ----

std::vector<std::string_view> SplitCrlf(std::string_view text) {
  std::vector<std::string_view> lines;
  for (;;) {
    const size_t end = text.find("\r\n");
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) return lines;
    text.remove_prefix(end + 2);
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A bare CR or LF, a line starting with whitespace, or a field line whose colon is missing or follows
// whitespace: refused in a header or trailer section.
bool HasBadFieldLines(std::string_view section, bool first_is_request_line) {
  for (size_t i = 0; i < section.size(); ++i) {
    if (section[i] == '\n' && (i == 0 || section[i - 1] != '\r')) return true;
    if (section[i] == '\r' && (i + 1 == section.size() || section[i + 1] != '\n')) return true;
  }
  const std::vector<std::string_view> lines = SplitCrlf(section);
  for (size_t i = first_is_request_line ? 1 : 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') return true;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return true;
    if (line[colon - 1] == ' ' || line[colon - 1] == '\t') return true;
  }
  return false;
}

// The head of a message starting at `message` (empty lines before it skipped): up to and without the
// blank line; false when it is not complete.
bool FindHead(std::string_view message, std::string_view* head) {
  while (message.substr(0, 2) == "\r\n") message.remove_prefix(2);
  const size_t end = message.find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  *head = message.substr(0, end + 2);  // the last field line's CRLF included
  return true;
}

bool MustRefuse(std::string_view head) {
  if (HasBadFieldLines(head, /*first_is_request_line=*/true)) return true;
  const std::vector<std::string_view> lines = SplitCrlf(head);
  const std::string_view request_line = lines[0];
  const size_t last_space = request_line.rfind(' ');
  const std::string_view version =
      last_space == std::string_view::npos ? request_line : request_line.substr(last_space + 1);
  if (version != "HTTP/1.0" && version != "HTTP/1.1") return true;
  size_t lengths = 0;
  bool transfer_encoding = false;
  std::vector<std::string_view> codings;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = lines[i].substr(0, colon);
    std::string_view value = lines[i].substr(colon + 1);
    if (ofs::EqualsIgnoreCase(name, "content-length")) ++lengths;
    if (!ofs::EqualsIgnoreCase(name, "transfer-encoding")) continue;
    transfer_encoding = true;
    for (;;) {
      const size_t comma = value.find(',');
      const std::string_view coding = Trim(value.substr(0, comma));
      if (!coding.empty()) codings.push_back(coding);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  if (lengths > 1) return true;
  if (!transfer_encoding) return false;
  if (lengths > 0 || version == "HTTP/1.0") return true;
  return codings.size() != 1 || !ofs::EqualsIgnoreCase(codings[0], "chunked");
}

// ---- The reference: http_parser ----

struct Reference {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string body;
  bool in_value = false;
  bool headers_done = false;
  // As the head left them: trailer fields go through the same state machine and may change them
  // (a trailer "Transfer-Encoding" or "Connection: close"), which the server rightly ignores.
  bool chunked = false;
  bool keep_alive = false;
  bool complete = false;
  const char* input = nullptr;       // the whole input, for positions
  const char* data_end = nullptr;    // end of the last chunk data seen
  std::vector<size_t> chunk_ends;    // offsets where chunk data ended
  std::vector<size_t> chunk_starts;  // offsets where chunk data started
};

std::vector<std::pair<std::string, std::string>>& Fields(Reference* r) {
  return r->headers_done ? r->trailers : r->headers;
}
int OnMessageBegin(http_parser* p) {
  auto* r = static_cast<Reference*>(p->data);
  const char* input = r->input;
  *r = Reference();
  r->input = input;
  return 0;
}
int OnUrl(http_parser* p, const char* at, size_t len) {
  static_cast<Reference*>(p->data)->url.append(at, len);
  return 0;
}
int OnHeaderField(http_parser* p, const char* at, size_t len) {
  auto* r = static_cast<Reference*>(p->data);
  if (Fields(r).empty() || r->in_value) Fields(r).emplace_back();
  r->in_value = false;
  Fields(r).back().first.append(at, len);
  return 0;
}
int OnHeaderValue(http_parser* p, const char* at, size_t len) {
  auto* r = static_cast<Reference*>(p->data);
  r->in_value = true;
  Fields(r).back().second.append(at, len);
  return 0;
}
int OnHeadersComplete(http_parser* p) {
  auto* r = static_cast<Reference*>(p->data);
  r->headers_done = true;
  r->in_value = false;
  r->chunked = (p->flags & F_CHUNKED) != 0;
  r->keep_alive = http_should_keep_alive(p) != 0;
  return 0;
}
int OnBody(http_parser* p, const char* at, size_t len) {
  auto* r = static_cast<Reference*>(p->data);
  if (r->data_end != at) r->chunk_starts.push_back(static_cast<size_t>(at - r->input));
  r->body.append(at, len);
  r->data_end = at + len;
  return 0;
}
int OnChunkComplete(http_parser* p) {
  auto* r = static_cast<Reference*>(p->data);
  if (r->data_end != nullptr) r->chunk_ends.push_back(static_cast<size_t>(r->data_end - r->input));
  r->data_end = nullptr;
  return 0;
}
int OnMessageComplete(http_parser* p) {
  static_cast<Reference*>(p->data)->complete = true;
  http_parser_pause(p, 1);
  return 0;
}

const http_parser_settings kSettings = [] {
  http_parser_settings s{};
  s.on_message_begin = &OnMessageBegin;
  s.on_url = &OnUrl;
  s.on_header_field = &OnHeaderField;
  s.on_header_value = &OnHeaderValue;
  s.on_headers_complete = &OnHeadersComplete;
  s.on_body = &OnBody;
  s.on_chunk_complete = &OnChunkComplete;
  s.on_message_complete = &OnMessageComplete;
  return s;
}();

Method MethodOf(unsigned parser_method) {
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

bool NameStartsWithLonger(const RequestHead& head, std::string_view prefix) {
  for (size_t i = 0; i < head.headers.size(); ++i) {
    if (head.name(i).size() > prefix.size() && head.name(i).substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

// A chunk-size or trailer line: CRLF at its end, no other CR or LF.
bool EndsInCrlfOnly(std::string_view line) {
  return line.size() >= 2 && line.substr(line.size() - 2) == "\r\n" &&
         line.substr(0, line.size() - 2).find_first_of("\r\n") == std::string_view::npos;
}

// Checks the chunk framing of an accepted chunked message from the reference's positions: the message
// spans input[begin, end), its head ends at head_end.
void CheckChunkFraming(std::string_view input, const Reference& ref, size_t head_end, size_t end) {
  Require(ref.chunk_starts.size() == ref.chunk_ends.size(), "reference chunk positions out of step");
  size_t line_start = head_end;  // where the next chunk-size line starts
  for (size_t i = 0; i < ref.chunk_starts.size(); ++i) {
    const std::string_view size_line = input.substr(line_start, ref.chunk_starts[i] - line_start);
    Require(!size_line.empty() && std::isxdigit(static_cast<unsigned char>(size_line[0])) != 0 &&
                EndsInCrlfOnly(size_line),
            "accepted a chunk-size line not starting with a hex digit and ending in CRLF alone");
    Require(input.substr(ref.chunk_ends[i], 2) == "\r\n", "accepted chunk data not followed by CRLF");
    line_start = ref.chunk_ends[i] + 2;
  }
  // The last chunk's line, the trailer lines, then the final CRLF.
  const std::string_view rest = input.substr(line_start, end - line_start);
  const size_t last_line_end = rest.find('\n');
  Require(last_line_end != std::string_view::npos && EndsInCrlfOnly(rest.substr(0, last_line_end + 1)),
          "accepted a last-chunk line not ending in CRLF alone");
  const std::string_view trailers = rest.substr(last_line_end + 1);
  Require(trailers.size() >= 2 && trailers.substr(trailers.size() - 2) == "\r\n", "message end is not CRLF");
  Require(!HasBadFieldLines(trailers.substr(0, trailers.size() - 2), /*first_is_request_line=*/false),
          "accepted a malformed trailer section");
}

}  // namespace

// A field line of `head` (not the request line) with an HTAB in it.
bool FieldLineHasTab(std::string_view head) {
  const size_t first = head.find("\r\n");
  return first != std::string_view::npos && head.substr(first).find('\t') != std::string_view::npos;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  http_parser reference;
  http_parser_init(&reference, HTTP_REQUEST);
  Reference ref;
  ref.input = input.data();
  reference.data = &ref;
  size_t at = 0;  // where the current message starts
  for (size_t message = 0; message < kMaxMessages && at < input.size(); ++message) {
    const std::string_view rest = input.substr(at);
    const Outcome whole = ParseOne(rest, 0);
    const Outcome bytes = ParseOne(rest, 1);
    Require(whole.step == bytes.step && whole.status == bytes.status && whole.consumed == bytes.consumed &&
                whole.body == bytes.body && whole.head_complete == bytes.head_complete &&
                (!whole.head_complete || SameHead(whole.head, bytes.head)),
            "parsing at once and byte by byte differ");
    std::string_view head_text;
    if (FindHead(rest, &head_text) && MustRefuse(head_text)) {
      Require(whole.step == Step::kError && !whole.head_complete, "accepted a head that must be refused");
    }
    if (whole.step != Step::kDone) return 0;
    const RequestHead& head = whole.head;

    // The reference, on the same bytes.
    const size_t used = http_parser_execute(&reference, &kSettings, rest.data(), rest.size());
    const http_errno err = HTTP_PARSER_ERRNO(&reference);
    if (err == HPE_INVALID_METHOD) {
      Require(head.method == Method::kOther, "the reference refuses a method the server routes");
      return 0;
    }
    if (err == HPE_INVALID_URL && head.target().front() != '/') return 0;
    if (NameStartsWithLonger(head, "transfer-encoding")) return 0;
    // http_parser takes HTAB for OWS in some fields and not in others (after Content-Length's digits, after
    // a Transfer-Encoding's chunked, inside Connection options); RFC 9110 section 5.5 makes SP and HTAB
    // the same. A refusal of a message with an HTAB in a field line is the reference's, not the server's.
    if (err != HPE_PAUSED && err != HPE_OK && FieldLineHasTab(head_text)) return 0;
    Require(err == HPE_PAUSED || (err == HPE_OK && reference.upgrade),
            "the reference refuses an accepted message");
    Require(ref.headers_done, "the reference did not finish the head");
    Require(MethodOf(reference.method) == head.method, "another method");
    Require(ref.url == head.target(), "another target");
    Require(reference.http_major == 1 && reference.http_minor == head.http_minor, "another version");
    Require(ref.headers.size() == head.headers.size(), "another number of headers");
    for (size_t i = 0; i < head.headers.size(); ++i) {
      Require(ofs::EqualsIgnoreCase(ref.headers[i].first, head.name(i)), "another header name");
      Require(Trim(ref.headers[i].second) == head.value(i), "another header value");
    }
    if (reference.upgrade) {  // it stops at the head; the server answers and closes
      Require(head.upgrade, "the reference upgrades, the server does not close");
      return 0;
    }
    Require(ref.complete, "the reference did not finish the message");
    Require(used == whole.consumed, "the message ends at another byte");
    Require(ref.chunked == head.chunked, "another framing");
    Require(ref.body == whole.body, "another body");
    // The keep-alive decision is checked against RFC 9112 section 9.3 computed here from the headers
    // (already checked equal to the server's), not against http_parser, whose decision is not the RFC's
    // in three corners the fuzzer found: it ends a Connection option at SP but not at HTAB, misses an
    // option after an empty list element (",keep-alive", RFC 9110 section 5.6.1), and in HTTP/1.0
    // looks only for keep-alive (keep-alive plus close stays open; the RFC's sender closes).
    bool close = false, keep_alive = false;
    for (const auto& [name, value] : ref.headers) {
      if (!ofs::EqualsIgnoreCase(name, "connection")) continue;
      std::string_view options = value;
      while (true) {  // #connection-option: comma-separated, OWS around, empty elements ignored
        const size_t comma = options.find(',');
        std::string_view option = options.substr(0, comma);
        while (!option.empty() && (option.front() == ' ' || option.front() == '\t')) option.remove_prefix(1);
        while (!option.empty() && (option.back() == ' ' || option.back() == '\t')) option.remove_suffix(1);
        close = close || ofs::EqualsIgnoreCase(option, "close");
        keep_alive = keep_alive || ofs::EqualsIgnoreCase(option, "keep-alive");
        if (comma == std::string_view::npos) break;
        options.remove_prefix(comma + 1);
      }
    }
    const bool rfc_keep_alive = head.http_minor == 1 ? !close : keep_alive && !close;
    Require(head.keep_alive == rfc_keep_alive, "a keep-alive decision that is not RFC 9112's");
    // Where http_parser decided otherwise it will not parse a next message as the server does: stop.
    const bool reference_agrees = ref.keep_alive == head.keep_alive;
    if (head.chunked) {
      std::string_view message_head;
      Require(FindHead(rest, &message_head), "no head in an accepted message");
      const size_t head_end =
          static_cast<size_t>(message_head.data() - rest.data()) + message_head.size() + 2;
      CheckChunkFraming(input, ref, at + head_end, at + used);
    }
    if (!head.keep_alive || head.upgrade || !reference_agrees) return 0;  // the server closes, or see above
    http_parser_pause(&reference, 0);
    at += used;
  }
  return 0;
}
