#include "http/simple_head.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "base/strings.h"

namespace ofs::http {
namespace {

// RFC 9110 tchar: the characters of a header name (http_parser's `tokens` table in strict mode).
constexpr std::array<bool, 256> MakeTokenTable() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}
constexpr std::array<bool, 256> kTokenChar = MakeTokenTable();

// Visible ASCII: a subset of what http_parser takes in a request target and in header values, so that
// a line with anything else (controls, a bare LF, bytes above 0x7e) is left to it.
bool IsVisible(char c) { return c > 0x20 && c < 0x7f; }
bool IsValueChar(char c) { return c == ' ' || c == '\t' || IsVisible(c); }

struct MethodToken {
  std::string_view token;
  Method method;
};
constexpr MethodToken kMethods[] = {
    {"GET", Method::kGet},         {"POST", Method::kPost}, {"PUT", Method::kPut},
    {"DELETE", Method::kDelete},   {"HEAD", Method::kHead}, {"PATCH", Method::kPatch},
    {"OPTIONS", Method::kOptions},
};

// Splits off the next CRLF-terminated line of input[*pos, limit). False when there is none.
bool NextLine(std::string_view input, size_t limit, size_t* pos, std::string_view* line) {
  const char* start = input.data() + *pos;
  const void* cr = std::memchr(start, '\r', limit - *pos);
  if (cr == nullptr) return false;
  const size_t at = static_cast<size_t>(static_cast<const char*>(cr) - input.data());
  if (at + 1 >= limit || input[at + 1] != '\n') return false;
  *line = std::string_view(start, at - *pos);
  *pos = at + 2;
  return true;
}

bool ParseRequestLine(std::string_view line, SimpleHead* head) {
  const size_t method_end = line.find(' ');
  if (method_end == std::string_view::npos) return false;
  const std::string_view method = line.substr(0, method_end);
  const auto known = std::find_if(std::begin(kMethods), std::end(kMethods),
                                  [method](const MethodToken& m) { return m.token == method; });
  if (known == std::end(kMethods)) return false;
  head->method = known->method;
  // "<target> HTTP/1.x": the target is origin-form (starts with '/') and visible ASCII.
  constexpr std::string_view kVersion = " HTTP/1.";
  const std::string_view rest = line.substr(method_end + 1);
  if (rest.size() < kVersion.size() + 2) return false;
  const size_t target_size = rest.size() - kVersion.size() - 1;
  head->target = rest.substr(0, target_size);
  if (head->target.front() != '/' || !std::all_of(head->target.begin(), head->target.end(), IsVisible)) {
    return false;
  }
  if (rest.substr(target_size, kVersion.size()) != kVersion) return false;
  const char minor = rest.back();
  if (minor != '0' && minor != '1') return false;
  head->http_minor = static_cast<uint8_t>(minor - '0');
  return true;
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// The header names http_parser interprets itself. It matches them as prefixes, and 2.9.4 flags a name
// that merely starts with "transfer-encoding" (found by http_head_fuzz), so a name that starts with one
// of these is special too.
enum class Special : uint8_t { kNone, kContentLength, kConnection, kDecline };

Special Classify(std::string_view name) {
  constexpr std::pair<std::string_view, Special> kSpecial[] = {
      {"content-length", Special::kContentLength}, {"connection", Special::kConnection},
      {"transfer-encoding", Special::kDecline},    {"upgrade", Special::kDecline},
      {"proxy-connection", Special::kDecline},  // framing and protocol switches are http_parser's alone
  };
  for (const auto& [special, kind] : kSpecial) {
    if (!StartsWithIgnoreCase(name, special)) continue;
    return name.size() == special.size() ? kind : Special::kDecline;
  }
  return Special::kNone;
}

// Records the headers http_parser interprets itself; false for the ones (or values) left to it.
bool InterpretHeader(const SimpleHead::Header& header, bool* close, bool* keep_alive_token,
                     SimpleHead* head) {
  switch (Classify(header.name)) {
    case Special::kNone:
      return true;
    case Special::kDecline:
      return false;
    case Special::kContentLength: {
      const std::string_view digits = header.value;
      // Digits only, and few enough to fit: a repeat, a sign, trailing space or an overflow goes to
      // http_parser, which has its own answers for each.
      if (head->has_length || digits.empty() || digits.size() > 18) return false;
      uint64_t length = 0;
      for (char c : digits) {
        if (c < '0' || c > '9') return false;
        length = length * 10 + static_cast<uint64_t>(c - '0');
      }
      head->has_length = true;
      head->content_length = length;
      return true;
    }
    case Special::kConnection:
      if (*close || *keep_alive_token) return false;  // a repeat
      if (EqualsIgnoreCase(header.value, "close")) {
        *close = true;
      } else if (EqualsIgnoreCase(header.value, "keep-alive")) {
        *keep_alive_token = true;
      } else {
        return false;  // token lists, "upgrade", trailing space: http_parser's matching decides
      }
      return true;
  }
  return false;
}

}  // namespace

bool ParseSimpleHead(std::string_view input, size_t max_head_bytes, SimpleHead* head) {
  head->header_count = 0;
  head->has_length = false;
  head->content_length = 0;
  const size_t limit = std::min(input.size(), max_head_bytes);
  size_t pos = 0;
  std::string_view line;
  if (!NextLine(input, limit, &pos, &line) || !ParseRequestLine(line, head)) return false;
  bool close = false, keep_alive_token = false;
  for (;;) {
    if (!NextLine(input, limit, &pos, &line)) return false;
    if (line.empty()) break;
    if (head->header_count == SimpleHead::kMaxHeaders) return false;
    // "name:" then optional whitespace then the value; a line starting with whitespace (obs-fold) has
    // no name and is declined here.
    const size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    SimpleHead::Header& header = head->headers[head->header_count];
    header.name = line.substr(0, colon);
    for (char c : header.name) {
      if (!kTokenChar[static_cast<unsigned char>(c)]) return false;
    }
    size_t value_start = colon + 1;
    while (value_start < line.size() && (line[value_start] == ' ' || line[value_start] == '\t'))
      ++value_start;
    header.value = line.substr(value_start);
    if (!std::all_of(header.value.begin(), header.value.end(), IsValueChar)) return false;
    // http_parser ends a value at its last visible character when whitespace trails it; decline
    // rather than model that.
    if (!header.value.empty() && (header.value.back() == ' ' || header.value.back() == '\t')) return false;
    if (!InterpretHeader(header, &close, &keep_alive_token, head)) return false;
    ++head->header_count;
  }
  head->keep_alive = head->http_minor == 1 ? !close : keep_alive_token;
  head->head_size = pos;
  return true;
}

}  // namespace ofs::http
