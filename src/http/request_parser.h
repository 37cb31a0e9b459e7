#pragma once
// RequestParser: the server's HTTP/1.1 request parser (RFC 9112), strict and incremental. It reads the
// request line, the header section, a Content-Length or chunked body and the trailer section, and
// refuses everything the RFC lets a recipient refuse that a lenient parser would read one way and a
// proxy in front of OFS another (request smuggling): whitespace between a field name and its colon,
// obsolete line folding, bare CR or LF, versions other than HTTP/1.0 and HTTP/1.1 (505), transfer
// codings other than a single final `chunked` (501 for codings it does not implement, 400 when
// `chunked` is not final), Transfer-Encoding with Content-Length or in HTTP/1.0, repeated
// Content-Length, and chunk framing that is not exactly `size [extensions] CRLF data CRLF`.
//
// Why hand-written: Debian packages only Node's http_parser 2.9 (archived upstream, built without
// HTTP_PARSER_STRICT, whose lenient checks — e.g. any two bytes after chunk data — sit inside its state
// machine where a caller cannot tighten them); llhttp and picohttpparser are not packaged. A strict
// grammar is also the simpler one, and parsing a whole buffered head line by line is faster than a
// byte-at-a-time state machine with callbacks (http/README.md, "Parsing"). http_parser stays the test
// reference: fuzz/http_message_fuzz.cc checks that every message this parser accepts, http_parser
// reads the same way.
//
// Use: Parse() the bytes received so far; it consumes what it has used (the caller drops those bytes
// and passes the rest again with whatever arrives next — the same bytes, never fewer). It stops after
// the head (kHead) so that the caller can judge the head before any body byte is read, then, after
// SetBodySink(), delivers the body (kDone). After kDone or kError the next Parse() starts a new message.
// Nothing is allocated once the head's buffers have grown to the connection's largest head.
// Threading: none (one per connection).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/server.h"

namespace ofs::http {

struct HeaderSpan {  // offsets into RequestHead::text
  uint32_t name_off = 0;
  uint32_t name_len = 0;
  uint32_t value_off = 0;
  uint32_t value_len = 0;
};

// A parsed request head. Valid from kHead until the next message starts.
struct RequestHead {
  Method method = Method::kOther;  // kOther for any method token OFS does not route
  uint8_t http_minor = 1;          // HTTP/1.0 or HTTP/1.1
  bool has_length = false;         // Content-Length given (never together with chunked)
  uint64_t content_length = 0;
  bool chunked = false;     // Transfer-Encoding: chunked
  bool keep_alive = false;  // HTTP/1.1 without `Connection: close`, HTTP/1.0 with `keep-alive`
  bool upgrade = false;     // an Upgrade header or CONNECT: the connection closes after the answer
  // The request target, then each header's lower-cased name and its value without surrounding
  // whitespace, back to back.
  std::string text;
  uint32_t target_len = 0;
  std::vector<HeaderSpan> headers;

  std::string_view target() const { return std::string_view(text.data(), target_len); }
  std::string_view name(size_t i) const { return {text.data() + headers[i].name_off, headers[i].name_len}; }
  std::string_view value(size_t i) const {
    return {text.data() + headers[i].value_off, headers[i].value_len};
  }
};

class RequestParser {
 public:
  struct Limits {
    // The request target plus, per header, name + value + 4 (431 beyond). Raw head bytes (whitespace
    // and line ends included) are bounded by twice this plus 4 KiB, and trailer sections by this.
    size_t max_header_bytes = size_t{16} << 10;
    // Content-Length or decoded chunked body bytes (413 beyond, judged from the head or the chunk-size
    // line, before the data is read).
    size_t max_body_bytes = size_t{16} << 20;
  };
  enum class Step : uint8_t {
    kNeedMore,  // all usable input consumed; call again with more
    kHead,      // the head is complete: head() is valid; SetBodySink(), then Parse() on
    kDone,      // the message is complete (its body is in the sink)
    kError,     // error() and error_status() say why; the connection's framing is lost: close it
  };

  explicit RequestParser(Limits limits) : limits_(limits) {}

  // Parses from the start of `input`, which must begin with the bytes not consumed by the previous
  // call. Sets *consumed to the bytes used.
  Step Parse(std::string_view input, size_t* consumed);
  // Where the (de-chunked) body is appended; must be called between kHead and the next Parse().
  void SetBodySink(std::string* sink) { sink_ = sink; }

  // A message's first byte has been seen and its last not yet (empty lines before a request line, which
  // RFC 9112 section 2.2 lets a server ignore, start none).
  bool in_message() const { return started_ && (state_ != State::kIdle || partial_ > 0); }
  const RequestHead& head() const { return head_; }
  const Status& error() const { return error_; }
  int error_status() const { return error_status_; }

 private:
  enum class State : uint8_t {
    kIdle,          // before a request line
    kHeaders,       // request line read
    kBodyStart,     // kHead returned: the next Parse() starts the body
    kBody,          // Content-Length body, remaining_ bytes left
    kChunkSize,     // expecting a chunk-size line
    kChunkData,     // inside chunk data, remaining_ bytes left
    kChunkDataEnd,  // expecting the CRLF after chunk data
    kTrailers,      // after the last chunk: trailer fields until an empty line
    kFailed,        // kError returned
  };

  Step Run(std::string_view input, size_t* pos);
  bool NextLine(std::string_view input, size_t* pos, std::string_view* line, Step* step);
  bool RequestLine(std::string_view line);
  bool HeaderLine(std::string_view line);
  bool FinishHead();
  bool ChunkSizeLine(std::string_view line);
  bool TrailerLine(std::string_view line);
  void StartMessage();
  Step Fail(int http_status, std::string message);
  bool Failed(int http_status, std::string message);
  size_t RawHeadLimit() const;
  std::string HeadLimitMessage() const;
  std::string TrailerLimitMessage() const;

  const Limits limits_;
  State state_ = State::kIdle;
  bool started_ = false;  // StartMessage ran for the message being parsed (reset after kDone/kError)
  // Bytes of the current unfinished line already searched for its LF (the caller passes them again).
  size_t partial_ = 0;
  size_t counted_bytes_ = 0;  // against max_header_bytes
  size_t raw_bytes_ = 0;      // head or trailer bytes as received
  uint64_t remaining_ = 0;    // body or chunk bytes still to come
  uint64_t body_bytes_ = 0;   // decoded body bytes so far
  // Framing headers seen in this head.
  bool saw_length_ = false;
  bool saw_transfer_encoding_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  int transfer_error_status_ = 0;  // 400 or 501 once the Transfer-Encoding list is refused
  std::string transfer_error_;
  std::string* sink_ = nullptr;
  RequestHead head_;
  Status error_;
  int error_status_ = 0;
};

}  // namespace ofs::http
