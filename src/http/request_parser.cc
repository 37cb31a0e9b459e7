#include "http/request_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "base/strings.h"

namespace ofs::http {
namespace {

// Slack on the raw head bytes beyond twice max_header_bytes: the request line's method and version,
// line ends and whitespace around values, which the counted bytes leave out.
constexpr size_t kRawHeadSlack = 4096;
// A chunk-size line (size and extensions) longer than this is refused.
constexpr size_t kMaxChunkLineBytes = 4096;
// Per header, the ": " and CRLF that the counted head bytes include beside name and value.
constexpr size_t kHeaderFramingBytes = 4;

enum CharClass : uint8_t {
  kToken = 1,   // RFC 9110 tchar
  kVchar = 2,   // visible ASCII, or obs-text (0x80-0xff), which field values and targets may carry
  kSpace = 4,   // SP or HTAB
  kHexDig = 8,  // 0-9 A-F a-f
};

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> table{};
  for (int c = 0x21; c <= 0xff; ++c) table[static_cast<size_t>(c)] |= (c == 0x7f ? 0 : kVchar);
  for (int c = '0'; c <= '9'; ++c) table[static_cast<size_t>(c)] |= kToken | kHexDig;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<size_t>(c)] |= kToken;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<size_t>(c)] |= kToken;
  for (int c = 'a'; c <= 'f'; ++c) table[static_cast<size_t>(c)] |= kHexDig;
  for (int c = 'A'; c <= 'F'; ++c) table[static_cast<size_t>(c)] |= kHexDig;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] |= kToken;
  table[' '] |= kSpace;
  table['\t'] |= kSpace;
  return table;
}
constexpr std::array<uint8_t, 256> kClass = MakeClasses();

bool Is(char c, CharClass cls) { return (kClass[static_cast<unsigned char>(c)] & cls) != 0; }

size_t TokenLength(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && Is(s[n], kToken)) ++n;
  return n;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && Is(s.front(), kSpace)) s.remove_prefix(1);
  while (!s.empty() && Is(s.back(), kSpace)) s.remove_suffix(1);
  return s;
}

struct MethodToken {
  std::string_view token;
  Method method;
};
constexpr MethodToken kMethods[] = {
    {"GET", Method::kGet},         {"POST", Method::kPost}, {"PUT", Method::kPut},
    {"DELETE", Method::kDelete},   {"HEAD", Method::kHead}, {"PATCH", Method::kPatch},
    {"OPTIONS", Method::kOptions},
};

// A request-target in one of RFC 9112 section 3.2's forms: origin ("/p?q"), absolute ("http://h/p"),
// asterisk ("*"), or, for CONNECT, authority. Visible ASCII and obs-text only. Beyond that the target is
// not validated here: the server routes its path (url.h).
bool IsValidTarget(std::string_view target, bool connect) {
  if (target.empty()) return false;
  for (char c : target) {
    if (!Is(c, kVchar)) return false;
  }
  if (connect || target.front() == '/' || target == "*") return true;
  // absolute-form with an authority, as http and https URIs have: scheme "://" ...;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  const size_t colon = target.find("://");
  if (colon == 0 || colon == std::string_view::npos) return false;
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(target.front())) return false;
  return std::all_of(target.begin(), target.begin() + static_cast<ptrdiff_t>(colon), [&](char c) {
    return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
}

// Calls `each` with every non-empty element of a comma-separated list (RFC 9110 section 5.6.1), without
// surrounding whitespace.
template <typename Each>
void ForEachListElement(std::string_view list, Each each) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view element = TrimSpace(list.substr(0, comma));
    if (!element.empty()) each(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// A quoted-string (RFC 9110 section 5.6.4) at the start of `s`; its length, 0 when malformed.
size_t QuotedStringLength(std::string_view s) {
  if (s.empty() || s.front() != '"') return 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (++i == s.size() || !(Is(s[i], kVchar) || Is(s[i], kSpace))) return 0;
    } else if (!(Is(c, kVchar) || Is(c, kSpace))) {
      return 0;
    }
  }
  return 0;
}

std::string_view SkipSpace(std::string_view s) {
  while (!s.empty() && Is(s.front(), kSpace)) s.remove_prefix(1);
  return s;
}

// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 section 7.1.1);
// the extensions themselves are ignored, as the RFC asks of a recipient that does not know them.
bool IsValidChunkExtensions(std::string_view s) {
  while (!s.empty()) {
    s = SkipSpace(s);  // BWS is allowed before a ";" only, not at the end of the line
    if (s.empty() || s.front() != ';') return false;
    s = SkipSpace(s.substr(1));
    const size_t name = TokenLength(s);
    if (name == 0) return false;
    s.remove_prefix(name);
    const std::string_view after_name = SkipSpace(s);
    if (after_name.empty() || after_name.front() != '=') continue;
    s = SkipSpace(after_name.substr(1));
    const size_t value = !s.empty() && s.front() == '"' ? QuotedStringLength(s) : TokenLength(s);
    if (value == 0) return false;
    s.remove_prefix(value);
  }
  return true;
}

}  // namespace

RequestParser::Step RequestParser::Fail(int http_status, std::string message) {
  Failed(http_status, std::move(message));
  return Step::kError;
}

bool RequestParser::Failed(int http_status, std::string message) {
  const ErrorCode code = http_status == 413 ? ErrorCode::kPayloadTooLarge : ErrorCode::kInvalidRequest;
  error_ = Status(code, std::move(message));
  error_status_ = http_status;
  state_ = State::kFailed;
  return false;
}

size_t RequestParser::RawHeadLimit() const { return 2 * limits_.max_header_bytes + kRawHeadSlack; }

std::string RequestParser::HeadLimitMessage() const {
  return "request head exceeds the limit of " + std::to_string(limits_.max_header_bytes) + " bytes";
}

std::string RequestParser::TrailerLimitMessage() const {
  return "trailer section exceeds the limit of " + std::to_string(limits_.max_header_bytes) + " bytes";
}

void RequestParser::StartMessage() {
  head_.method = Method::kOther;
  head_.http_minor = 1;
  head_.has_length = false;
  head_.content_length = 0;
  head_.chunked = false;
  head_.keep_alive = false;
  head_.upgrade = false;
  head_.text.clear();
  head_.target_len = 0;
  head_.headers.clear();
  counted_bytes_ = 0;
  raw_bytes_ = 0;
  remaining_ = 0;
  body_bytes_ = 0;
  saw_length_ = false;
  saw_transfer_encoding_ = false;
  connection_close_ = false;
  connection_keep_alive_ = false;
  transfer_error_status_ = 0;
  transfer_error_.clear();
  sink_ = nullptr;
  error_ = Status::Ok();
  error_status_ = 0;
  partial_ = 0;
  state_ = State::kIdle;
  started_ = true;
}

RequestParser::Step RequestParser::Parse(std::string_view input, size_t* consumed) {
  if (!started_) StartMessage();  // the previous message (or error) is done with
  size_t pos = 0;
  const Step step = Run(input, &pos);
  *consumed = pos;
  if (step == Step::kDone || step == Step::kError) started_ = false;
  return step;
}

// Takes the next CRLF-terminated line from input[*pos] into *line and moves *pos past it. False when
// there is no complete line yet (*step = kNeedMore) or the line is malformed or, finished or not,
// beyond the limit of what it belongs to (*step = kError).
bool RequestParser::NextLine(std::string_view input, size_t* pos, std::string_view* line, Step* step) {
  const std::string_view rest = input.substr(*pos);
  const void* lf =
      partial_ < rest.size() ? std::memchr(rest.data() + partial_, '\n', rest.size() - partial_) : nullptr;
  const size_t length =
      lf == nullptr ? rest.size() : static_cast<size_t>(static_cast<const char*>(lf) - rest.data()) + 1;
  if (state_ == State::kChunkSize) {
    if (length > kMaxChunkLineBytes) {
      *step = Fail(400, "malformed chunked body: chunk-size line too long");
      return false;
    }
  } else if (state_ == State::kTrailers) {
    if (raw_bytes_ + length > limits_.max_header_bytes) {
      *step = Fail(431, TrailerLimitMessage());
      return false;
    }
  } else if (raw_bytes_ + length > RawHeadLimit()) {
    *step = Fail(431, HeadLimitMessage());
    return false;
  }
  if (lf == nullptr) {
    partial_ = rest.size();
    *step = Step::kNeedMore;
    return false;
  }
  partial_ = 0;
  if (length < 2 || rest[length - 2] != '\r') {
    *step = Fail(400, state_ == State::kChunkSize || state_ == State::kTrailers
                          ? "malformed chunked body: bare LF (lines end with CRLF)"
                          : "malformed HTTP request: bare LF (lines end with CRLF)");
    return false;
  }
  *line = rest.substr(0, length - 2);
  *pos += length;
  if (state_ != State::kChunkSize) raw_bytes_ += length;
  return true;
}

RequestParser::Step RequestParser::Run(std::string_view input, size_t* pos) {
  Step step = Step::kNeedMore;
  std::string_view line;
  for (;;) {
    switch (state_) {
      case State::kIdle:
        if (!NextLine(input, pos, &line, &step)) return step;
        if (line.empty()) continue;  // RFC 9112 section 2.2: empty lines before a request line are ignored
        if (!RequestLine(line)) return Step::kError;
        state_ = State::kHeaders;
        continue;
      case State::kHeaders:
        if (!NextLine(input, pos, &line, &step)) return step;
        if (!line.empty()) {
          if (!HeaderLine(line)) return Step::kError;
          continue;
        }
        if (!FinishHead()) return Step::kError;
        state_ = State::kBodyStart;
        return Step::kHead;
      case State::kBodyStart:  // the caller has seen the head and set the sink
        if (head_.chunked) {
          state_ = State::kChunkSize;
        } else if (head_.content_length > 0) {
          remaining_ = head_.content_length;
          state_ = State::kBody;
        } else {
          return Step::kDone;
        }
        continue;
      case State::kBody:
      case State::kChunkData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, input.size() - *pos));
        sink_->append(input.data() + *pos, take);
        *pos += take;
        remaining_ -= take;
        if (remaining_ > 0) return Step::kNeedMore;
        if (state_ == State::kBody) return Step::kDone;
        state_ = State::kChunkDataEnd;
        continue;
      }
      case State::kChunkDataEnd: {  // exactly CRLF after chunk data; a wrong first byte fails at once
        const std::string_view rest = input.substr(*pos);
        if ((!rest.empty() && rest[0] != '\r') || (rest.size() >= 2 && rest[1] != '\n')) {
          return Fail(400, "malformed chunked body: chunk data not followed by CRLF");
        }
        if (rest.size() < 2) return Step::kNeedMore;
        *pos += 2;
        state_ = State::kChunkSize;
        continue;
      }
      case State::kChunkSize:
        if (!NextLine(input, pos, &line, &step)) return step;
        if (!ChunkSizeLine(line)) return Step::kError;
        continue;
      case State::kTrailers:
        if (!NextLine(input, pos, &line, &step)) return step;
        if (line.empty()) return Step::kDone;
        if (!TrailerLine(line)) return Step::kError;
        continue;
      case State::kFailed:
        return Step::kError;
    }
  }
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 section 3), single spaces.
bool RequestParser::RequestLine(std::string_view line) {
  const size_t method_len = TokenLength(line);
  if (method_len == 0 || method_len == line.size() || line[method_len] != ' ') {
    return Failed(400, "malformed HTTP request: request line is not `METHOD target HTTP/1.1`");
  }
  const std::string_view method = line.substr(0, method_len);
  const auto known = std::find_if(std::begin(kMethods), std::end(kMethods),
                                  [method](const MethodToken& m) { return m.token == method; });
  head_.method = known == std::end(kMethods) ? Method::kOther : known->method;
  const std::string_view rest = line.substr(method_len + 1);
  const size_t space = rest.find(' ');
  if (space == std::string_view::npos) {
    return Failed(400, "malformed HTTP request: request line is not `METHOD target HTTP/1.1`");
  }
  const std::string_view target = rest.substr(0, space);
  const std::string_view version = rest.substr(space + 1);
  if (target.empty()) {
    return Failed(400, "malformed HTTP request: request line is not `METHOD target HTTP/1.1`");
  }
  const bool connect = method == "CONNECT";
  if (!IsValidTarget(target, connect)) return Failed(400, "malformed HTTP request: invalid request target");
  // HTTP-version = "HTTP/" DIGIT "." DIGIT
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[5] < '0' || version[5] > '9' ||
      version[6] != '.' || version[7] < '0' || version[7] > '9') {
    return Failed(400, "malformed HTTP request: request line is not `METHOD target HTTP/1.1`");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return Failed(505, "HTTP version " + std::string(version.substr(5)) +
                           " not supported (only HTTP/1.0 and HTTP/1.1)");
  }
  head_.http_minor = static_cast<uint8_t>(version[7] - '0');
  head_.upgrade = connect;
  head_.text.append(target);
  head_.target_len = static_cast<uint32_t>(target.size());
  counted_bytes_ = target.size();
  if (counted_bytes_ > limits_.max_header_bytes) {
    return Failed(431, HeadLimitMessage());
  }
  return true;
}

// field-line = field-name ":" OWS field-value OWS (RFC 9112 section 5), with no whitespace before the
// colon (section 5.1: 400) and no obs-fold (section 5.2: a line starting with whitespace is refused).
bool RequestParser::HeaderLine(std::string_view line) {
  const size_t name_len = TokenLength(line);
  if (name_len == line.size() || line[name_len] != ':' || name_len == 0) {
    if (!line.empty() && Is(line.front(), kSpace)) {
      return Failed(400,
                    "malformed HTTP request: obsolete line folding (a header line starts with whitespace)");
    }
    if (name_len > 0 && name_len < line.size() && Is(line[name_len], kSpace)) {
      return Failed(400, "malformed HTTP request: whitespace between a header name and its colon");
    }
    return Failed(400, "malformed HTTP request: header line is not `name: value`");
  }
  const std::string_view value = TrimSpace(line.substr(name_len + 1));
  for (char c : value) {
    if (!Is(c, kVchar) && !Is(c, kSpace)) {
      return Failed(400, "malformed HTTP request: control character in a header value");
    }
  }
  counted_bytes_ += name_len + value.size() + kHeaderFramingBytes;
  if (counted_bytes_ > limits_.max_header_bytes) {
    return Failed(431, HeadLimitMessage());
  }
  HeaderSpan span;
  span.name_off = static_cast<uint32_t>(head_.text.size());
  span.name_len = static_cast<uint32_t>(name_len);
  for (size_t i = 0; i < name_len; ++i) head_.text.push_back(AsciiLower(line[i]));
  span.value_off = static_cast<uint32_t>(head_.text.size());
  span.value_len = static_cast<uint32_t>(value.size());
  head_.text.append(value);
  head_.headers.push_back(span);

  // The headers that decide framing and the connection's fate.
  const std::string_view name(head_.text.data() + span.name_off, name_len);
  switch (name_len) {
    case 14:  // content-length = 1*DIGIT, once
      if (name != "content-length") break;
      if (saw_length_) return Failed(400, "malformed HTTP request: more than one Content-Length");
      saw_length_ = true;
      if (value.empty()) return Failed(400, "malformed HTTP request: Content-Length is not a number");
      for (char c : value) {
        if (c < '0' || c > '9') return Failed(400, "malformed HTTP request: Content-Length is not a number");
        const uint64_t digit = static_cast<uint64_t>(c - '0');
        // Saturates: any length beyond the body limit is answered 413 by the caller.
        head_.content_length =
            head_.content_length > (UINT64_MAX - digit) / 10 ? UINT64_MAX : head_.content_length * 10 + digit;
      }
      head_.has_length = true;
      break;
    case 17: {  // transfer-encoding = #transfer-coding; only a single, final chunked is implemented
      if (name != "transfer-encoding") break;
      saw_transfer_encoding_ = true;
      // Empty list elements (", chunked"), which RFC 9110 section 5.6.1 asks recipients to ignore, are
      // refused here: a lenient front end may not ignore them, and no client sends them.
      size_t elements = 0;
      ForEachListElement(value, [&](std::string_view coding) {
        ++elements;
        if (head_.chunked) {  // a coding after chunked (chunked is then not final) or chunked twice
          transfer_error_status_ = 400;
          transfer_error_ = "chunked must be the final transfer coding, applied once";
        }
        if (EqualsIgnoreCase(coding, "chunked")) {
          head_.chunked = true;
        } else {
          head_.chunked = false;
          if (transfer_error_status_ == 0) {
            transfer_error_status_ = 501;
            transfer_error_ = "transfer coding '" + std::string(coding) + "' not implemented (only chunked)";
          }
        }
      });
      if (elements != static_cast<size_t>(std::count(value.begin(), value.end(), ',')) + 1) {
        return Failed(400, "malformed HTTP request: empty element in Transfer-Encoding");
      }
      break;
    }
    case 10: {  // connection = #connection-option, options being tokens
      if (name != "connection") break;
      bool tokens = true;
      ForEachListElement(value, [&](std::string_view option) {
        tokens = tokens && TokenLength(option) == option.size();
        if (EqualsIgnoreCase(option, "close")) connection_close_ = true;
        if (EqualsIgnoreCase(option, "keep-alive")) connection_keep_alive_ = true;
      });
      if (!tokens) return Failed(400, "malformed HTTP request: Connection is not a list of tokens");
      break;
    }
    case 7:  // upgrade: OFS never switches protocols; it answers and closes (as it did with http_parser)
      if (name == "upgrade") head_.upgrade = true;
      break;
    default:
      break;
  }
  return true;
}

// What the header section decides together (RFC 9112 section 6).
bool RequestParser::FinishHead() {
  if (saw_transfer_encoding_) {
    if (head_.http_minor == 0) {
      return Failed(400, "malformed HTTP request: Transfer-Encoding in an HTTP/1.0 request");
    }
    if (saw_length_) {
      return Failed(400, "malformed HTTP request: both Transfer-Encoding and Content-Length");
    }
    if (!head_.chunked) {
      return Failed(400, "malformed HTTP request: chunked must be the final transfer coding");
    }
    if (transfer_error_status_ != 0) {
      const int status = transfer_error_status_;
      return Failed(status, (status == 501 ? "unsupported Transfer-Encoding: " : "malformed HTTP request: ") +
                                transfer_error_);
    }
  }
  if (head_.has_length && head_.content_length > limits_.max_body_bytes) {
    return Failed(413, "request body of " + std::to_string(head_.content_length) +
                           " bytes exceeds the limit of " + std::to_string(limits_.max_body_bytes) +
                           " bytes");
  }
  head_.keep_alive =
      head_.http_minor == 1 ? !connection_close_ : connection_keep_alive_ && !connection_close_;
  return true;
}

// chunk-size [ chunk-ext ] (RFC 9112 section 7.1); the decoded body is bounded by max_body_bytes before
// a chunk's data is read.
bool RequestParser::ChunkSizeLine(std::string_view line) {
  size_t digits = 0;
  uint64_t size = 0;
  while (digits < line.size() && Is(line[digits], kHexDig)) {
    const char c = line[digits];
    const uint64_t v = static_cast<uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    size = size > (UINT64_MAX >> 4) ? UINT64_MAX : (size << 4) | v;
    ++digits;
  }
  if (digits == 0) return Failed(400, "malformed chunked body: chunk size is not hexadecimal");
  if (!IsValidChunkExtensions(line.substr(digits))) {
    return Failed(400, "malformed chunked body: invalid chunk-size line");
  }
  if (size > limits_.max_body_bytes - body_bytes_) {
    return Failed(413,
                  "request body exceeds the limit of " + std::to_string(limits_.max_body_bytes) + " bytes");
  }
  if (size == 0) {
    state_ = State::kTrailers;
    raw_bytes_ = 0;  // the trailer section has a limit of its own
    return true;
  }
  body_bytes_ += size;
  remaining_ = size;
  state_ = State::kChunkData;
  return true;
}

// trailer-section = *( field-line CRLF ): checked like header lines, then dropped (OFS uses no trailer).
// Framing fields, which RFC 9110 section 6.5.1 forbids in trailers, are refused: a recipient that merged
// them into the head would frame the next message differently.
bool RequestParser::TrailerLine(std::string_view line) {
  const size_t name_len = TokenLength(line);
  if (name_len == 0 || name_len == line.size() || line[name_len] != ':') {
    return Failed(400, "malformed chunked body: trailer line is not `name: value`");
  }
  const std::string_view name = line.substr(0, name_len);
  if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding")) {
    return Failed(400, "malformed chunked body: " + std::string(name) + " in the trailer section");
  }
  for (char c : line.substr(name_len + 1)) {
    if (!Is(c, kVchar) && !Is(c, kSpace)) {
      return Failed(400, "malformed chunked body: control character in a trailer value");
    }
  }
  return true;
}

}  // namespace ofs::http
