// Fuzz target for codec/value_codec.h. Input: the first byte picks the column type (low nibble, modulo
// the 15 types) and the JSON kind (bits 4-5: 0 string, 1 number token, 2 boolean = rest non-empty,
// 3 null when the rest is empty, else object/array); the rest is the text. Checks, aborting on failure:
//   - AppendValue either fails leaving the buffer untouched, or yields bytes such that
//     WriteValueJson -> parse -> AppendValue gives the same bytes, and two concatenated ordered keys of
//     the value decode back to exactly those bytes;
//   - the raw text decoded as an ordered key component either fails or re-encodes to the bytes consumed.
// Printable first bytes: '@'..'N' string, 'P'..'^' number, '`'..'n' boolean, 'p'.. null/other
// ('@'/'P' TEXT, 'C'/'S' BLOB, 'E'/'U' DECIMAL, 'H'/'X' INT, 'J' TIMESTAMP, 'M' INET, '^' VARINT...).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/value_codec.h"

namespace {

using ofs::codec::AppendOrderedKey;
using ofs::codec::AppendValue;
using ofs::codec::DecodeOrderedKey;
using ofs::codec::JsonScalar;
using ofs::codec::WriteValueJson;
using ofs::model::DataType;

void Require(bool condition, const char* what, DataType type) {
  if (condition) return;
  std::fprintf(stderr, "value_codec_fuzz: %s (type %s)\n", what,
               std::string(ofs::model::DataTypeName(type)).c_str());
  std::abort();
}

JsonScalar MakeScalar(int kind, std::string_view text) {
  switch (kind) {
    case 0:
      return JsonScalar::String(text);
    case 1:
      return JsonScalar::Number(text);
    case 2:
      return JsonScalar::Bool(!text.empty());
    default:
      return text.empty() ? JsonScalar::Null() : JsonScalar{JsonScalar::Kind::kOther, false, {}};
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Inverse of AppendJsonString for the escapes it produces; false on anything else.
bool Unescape(std::string_view quoted, std::string* out) {
  if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') return false;
  const std::string_view body = quoted.substr(1, quoted.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '"') return false;
    if (body[i] != '\\') {
      out->push_back(body[i]);
      continue;
    }
    if (++i == body.size()) return false;
    const std::string_view simple = "\"\\nrtbf", decoded = "\"\\\n\r\t\b\f";
    if (const size_t k = simple.find(body[i]); k != std::string_view::npos) {
      out->push_back(decoded[k]);
    } else if (body[i] == 'u' && i + 4 < body.size() && body.substr(i + 1, 2) == "00" &&
               HexDigit(body[i + 3]) >= 0 && HexDigit(body[i + 4]) >= 0) {
      out->push_back(static_cast<char>(HexDigit(body[i + 3]) * 16 + HexDigit(body[i + 4])));
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

// Reads back one scalar as WriteValueJson writes it (never null for a valid value).
bool ReadScalar(std::string_view json, std::string* storage, JsonScalar* scalar) {
  if (json == "true" || json == "false") {
    *scalar = JsonScalar::Bool(json == "true");
    return true;
  }
  if (json.empty() || json == "null") return false;
  if (json.front() != '"') {
    *scalar = JsonScalar::Number(json);
    return true;
  }
  if (!Unescape(json, storage)) return false;
  *scalar = JsonScalar::String(*storage);
  return true;
}

void CheckValue(DataType type, const JsonScalar& in) {
  std::string value = "prefix";
  if (!AppendValue(type, in, &value).ok()) {
    Require(value == "prefix", "failed AppendValue changed its output", type);
    return;
  }
  value.erase(0, 6);

  std::string json, storage, again;
  ofs::codec::JsonWriter writer(&json);
  WriteValueJson(type, value, &writer);
  JsonScalar back;
  Require(ReadScalar(json, &storage, &back), "WriteValueJson wrote an unreadable scalar", type);
  Require(AppendValue(type, back, &again).ok() && again == value, "JSON round trip changed the value", type);

  std::string key;
  AppendOrderedKey(type, value, &key);
  AppendOrderedKey(type, value, &key);
  std::string_view rest = key;
  for (int column = 0; column < 2; ++column) {
    std::string decoded;
    Require(DecodeOrderedKey(type, &rest, &decoded).ok() && decoded == value, "ordered key round trip failed",
            type);
  }
  Require(rest.empty(), "ordered key decode left bytes over", type);
}

void CheckKeyDecoding(DataType type, std::string_view bytes) {
  std::string_view rest = bytes;
  std::string value, key;
  if (!DecodeOrderedKey(type, &rest, &value).ok()) {
    Require(rest.size() == bytes.size() && value.empty(), "failed DecodeOrderedKey changed its outputs",
            type);
    return;
  }
  AppendOrderedKey(type, value, &key);
  Require(key == bytes.substr(0, bytes.size() - rest.size()), "decoded key does not re-encode to its bytes",
          type);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto type = static_cast<DataType>((data[0] & 0x0F) % ofs::model::kDataTypeCount);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  CheckValue(type, MakeScalar((data[0] >> 4) & 3, text));
  CheckKeyDecoding(type, text);
  return 0;
}
