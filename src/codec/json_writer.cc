#include "codec/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ofs::codec {

namespace {

// Whether any of the 8 bytes of `word` needs escaping: a control character (< 0x20), '"' or '\\'.
// Word-at-a-time ("has a zero byte" / "has a byte less than n" bit tricks): exact as a yes/no answer.
bool WordNeedsEscape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  const auto has_zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighs;
  return (below_space | has_zero_byte(word ^ (kOnes * '"')) | has_zero_byte(word ^ (kOnes * '\\'))) != 0;
}

bool ByteNeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Position of the first byte of `value` at or after `from` that needs escaping; value.size() when none.
// Skips 8 plain bytes at a time: most names and values need no escaping at all.
size_t FirstToEscape(std::string_view value, size_t from) {
  size_t i = from;
  for (; i + 8 <= value.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, value.data() + i, 8);
    if (WordNeedsEscape(word)) break;
  }
  while (i < value.size() && !ByteNeedsEscape(static_cast<unsigned char>(value[i]))) ++i;
  return i;
}

// Appends `prefix` (0 = none), then `value` quoted, then `suffix` (0 = none) with one append when `value`
// is plain and short — the common case for keys and feature values. False when the caller must escape.
bool AppendPlainQuoted(char prefix, std::string_view value, char suffix, std::string* out) {
  constexpr size_t kMax = 256;
  if (value.size() > kMax || FirstToEscape(value, 0) != value.size()) return false;
  char buffer[kMax + 4];
  size_t n = 0;
  if (prefix != 0) buffer[n++] = prefix;
  buffer[n++] = '"';
  std::memcpy(buffer + n, value.data(), value.size());
  n += value.size();
  buffer[n++] = '"';
  if (suffix != 0) buffer[n++] = suffix;
  out->append(buffer, n);
  return true;
}

// The general path of AppendJsonString: escapes what needs it, copying plain runs whole.
void AppendEscapedQuoted(std::string_view value, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run_start = 0;
  for (size_t i = FirstToEscape(value, 0); i < value.size(); i = FirstToEscape(value, i + 1)) {
    const auto c = static_cast<unsigned char>(value[i]);
    out->append(value.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(esc, 6);
      }
    }
  }
  out->append(value.data() + run_start, value.size() - run_start);
  out->push_back('"');
}

// `prefix` (0 = none), `value` as a JSON string, `suffix` (0 = none).
void AppendQuoted(char prefix, std::string_view value, char suffix, std::string* out) {
  if (AppendPlainQuoted(prefix, value, suffix, out)) return;
  if (prefix != 0) out->push_back(prefix);
  AppendEscapedQuoted(value, out);
  if (suffix != 0) out->push_back(suffix);
}

}  // namespace

void AppendJsonString(std::string_view value, std::string* out) { AppendQuoted(0, value, 0, out); }

void JsonWriter::StartObject() {
  Separate();
  out_->push_back('{');
  need_comma_ = false;
}
void JsonWriter::EndObject() {
  out_->push_back('}');
  need_comma_ = true;
}
void JsonWriter::StartArray() {
  Separate();
  out_->push_back('[');
  need_comma_ = false;
}
void JsonWriter::EndArray() {
  out_->push_back(']');
  need_comma_ = true;
}
void JsonWriter::Key(std::string_view key) {
  AppendQuoted(need_comma_ ? ',' : 0, key, ':', out_);
  need_comma_ = false;
}
void JsonWriter::String(std::string_view value) {
  AppendQuoted(need_comma_ ? ',' : 0, value, 0, out_);
  need_comma_ = true;
}

namespace {
template <typename T>
void AppendNumber(T value, std::string* out) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, end);
}
}  // namespace

void JsonWriter::Int(int64_t value) {
  Separate();
  AppendNumber(value, out_);
  need_comma_ = true;
}
void JsonWriter::Double(double value) {
  Separate();
  if (std::isfinite(value)) {
    AppendNumber(value, out_);
  } else {
    out_->append("null");
  }
  need_comma_ = true;
}
void JsonWriter::Float(float value) {
  Separate();
  if (std::isfinite(value)) {
    AppendNumber(value, out_);
  } else {
    out_->append("null");
  }
  need_comma_ = true;
}
void JsonWriter::Bool(bool value) {
  Separate();
  out_->append(value ? "true" : "false");
  need_comma_ = true;
}
void JsonWriter::Null() {
  Separate();
  out_->append("null");
  need_comma_ = true;
}
void JsonWriter::Raw(std::string_view json) {
  Separate();
  out_->append(json);
  need_comma_ = true;
}

}  // namespace ofs::codec
