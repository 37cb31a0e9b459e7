#pragma once
// Conversion of feature values between their JSON form (API.md section 2) and their canonical value
// bytes, and the order-preserving key encoding used by ordered stores. Values are converted once:
// request JSON -> value bytes -> storage; storage -> value bytes -> JSON text.
//
// Canonical value bytes per type (also what crosses the OnlineStore interface):
//   TEXT, VARCHAR, ASCII   UTF-8 bytes as sent (ASCII: every byte < 0x80)
//   BLOB                   the decoded bytes (input is standard-alphabet base64 with padding)
//   BOOLEAN                1 byte, 0 or 1
//   INT                    4 bytes, big-endian two's complement
//   BIGINT, TIMESTAMP      8 bytes, big-endian two's complement (TIMESTAMP = epoch ms)
//   FLOAT, DOUBLE          4 / 8 bytes, IEEE-754 big-endian; NaN and infinities are rejected
//   UUID, TIMEUUID         16 bytes in RFC 4122 order (TIMEUUID must be version 1)
//   INET                   4 bytes (IPv4) or 16 bytes (IPv6); literals only, never a host name
//   VARINT                 canonical decimal text: optional '-', no leading zeros, "0" for zero
//   DECIMAL                canonical decimal text: JSON number grammar, exponent folded, trailing
//                          fractional zeros dropped (so 1.50 and 1.5e0 are the same value "1.5")
// Thread-safe, allocation-free apart from the output buffers.

#include <string>
#include <string_view>

#include "base/status.h"
#include "codec/json_writer.h"
#include "model/data_type.h"

namespace ofs::codec {

// A JSON scalar as the request decoders hand it over, independent of the JSON library.
struct JsonScalar {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kOther /* object or array */ };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string_view text;  // kString: the unescaped UTF-8 content; kNumber: the raw number token as sent

  static JsonScalar Null() { return {}; }
  static JsonScalar Bool(bool b) { return {Kind::kBool, b, {}}; }
  static JsonScalar Number(std::string_view token) { return {Kind::kNumber, false, token}; }
  static JsonScalar String(std::string_view s) { return {Kind::kString, false, s}; }
};

// Appends the canonical value bytes of `in` as `type` to *out. On failure *out is left as it was and
// the status is FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION with a message naming the type and the
// offending value (truncated), e.g. "expected INT (integer within int32), got \"12x\"".
// A JSON null fails ("null is not a value").
Status AppendValue(model::DataType type, const JsonScalar& in, std::string* out);

// Writes canonical value bytes as their JSON read form. `value` must be bytes AppendValue produced for
// the same type (storage decodes are trusted); malformed bytes print as null rather than crash.
void WriteValueJson(model::DataType type, std::string_view value, JsonWriter* writer);

// Appends a self-delimiting, order-preserving encoding of canonical value bytes: for two values of the
// type, memcmp order of the encodings equals the value order (numbers numerically, strings and blobs
// bytewise, TIMEUUID by its timestamp then bytes, booleans false < true, INET by family then bytes).
// Equal values always encode to equal bytes.
void AppendOrderedKey(model::DataType type, std::string_view value, std::string* out);

// Decodes one component produced by AppendOrderedKey from the front of *in, advancing *in past it and
// appending the canonical value bytes to *value. Corruption -> kInternal status (never a crash).
Status DecodeOrderedKey(model::DataType type, std::string_view* in, std::string* value);

// Standard base64 with padding (RFC 4648 section 4). Decode rejects other alphabets and bad padding.
void Base64Encode(std::string_view bytes, std::string* out);
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace ofs::codec
