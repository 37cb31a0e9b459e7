#include "codec/value_codec.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <optional>

#include "base/strings.h"
#include "codec/byte_order.h"
#include "codec/number_text.h"
#include "codec/timestamp_text.h"
#include "codec/uuid_inet.h"

namespace ofs::codec {
namespace {

using model::DataType;
using Kind = JsonScalar::Kind;

// How much of an offending value an error message quotes.
constexpr size_t kQuotedBytes = 40;

std::string_view Rule(DataType type) {
  switch (type) {
    case DataType::kText:
    case DataType::kVarchar:
      return "a JSON string";
    case DataType::kAscii:
      return "a string of ASCII characters only";
    case DataType::kBlob:
      return "a standard base64 string with padding";
    case DataType::kBoolean:
      return "true, false, \"true\" or \"false\"";
    case DataType::kDecimal:
      return "a number or numeric string of at most 1000 digits";
    case DataType::kDouble:
      return "a finite number or numeric string within double range";
    case DataType::kFloat:
      return "a finite number or numeric string within float range";
    case DataType::kInt:
      return "integer within int32";
    case DataType::kBigint:
      return "integer within int64";
    case DataType::kTimestamp:
      return "epoch milliseconds or \"yyyy-MM-ddTHH:mm:ss[.SSS]Z\" in UTC";
    case DataType::kTimeuuid:
      return "a version-1 UUID xxxxxxxx-xxxx-1xxx-xxxx-xxxxxxxxxxxx";
    case DataType::kUuid:
      return "a UUID xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    case DataType::kInet:
      return "an IPv4 or IPv6 address literal";
    case DataType::kVarint:
      return "an integer or integer string";
  }
  return "a value";
}

// At most kQuotedBytes of `text`, cut on a UTF-8 character boundary, "..." marking the cut.
std::string Truncated(std::string_view text) {
  if (text.size() <= kQuotedBytes) return std::string(text);
  size_t end = kQuotedBytes;
  while (end > 0 && (static_cast<uint8_t>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::string Shown(const JsonScalar& in) {
  switch (in.kind) {
    case Kind::kBool:
      return in.boolean ? "true" : "false";
    case Kind::kNumber:
      return Truncated(in.text);
    case Kind::kString:
      return "\"" + Truncated(in.text) + "\"";
    case Kind::kNull:
      return "null";
    case Kind::kOther:
      break;
  }
  return "an object or array";
}

Status Rejected(DataType type, const JsonScalar& in) {
  if (in.kind == Kind::kNull) {
    return Status(ErrorCode::kFeatureGroupSchemaValidation,
                  "null is not a value (column type " + std::string(model::DataTypeName(type)) + ")");
  }
  return Status(ErrorCode::kFeatureGroupSchemaValidation,
                "expected " + std::string(model::DataTypeName(type)) + " (" + std::string(Rule(type)) +
                    "), got " + Shown(in));
}

// The text of a number token or a string; nullopt for other kinds.
std::optional<std::string_view> NumberOrString(const JsonScalar& in) {
  if (in.kind == Kind::kNumber || in.kind == Kind::kString) return in.text;
  return std::nullopt;
}

bool AppendText(const JsonScalar& in, std::string* out) {
  if (in.kind != Kind::kString) return false;
  out->append(in.text);
  return true;
}

bool AppendAscii(const JsonScalar& in, std::string* out) {
  for (char c : in.text) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  }
  return AppendText(in, out);
}

bool AppendBlob(const JsonScalar& in, std::string* out) {
  return in.kind == Kind::kString && Base64Decode(in.text, out);
}

bool AppendBoolean(const JsonScalar& in, std::string* out) {
  std::optional<bool> value;
  if (in.kind == Kind::kBool) value = in.boolean;
  if (in.kind == Kind::kString && EqualsIgnoreCase(in.text, "true")) value = true;
  if (in.kind == Kind::kString && EqualsIgnoreCase(in.text, "false")) value = false;
  if (value) out->push_back(*value ? 1 : 0);
  return value.has_value();
}

template <typename Int>
bool ParseInteger(std::string_view text, Int* value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
}

template <typename Int>
bool AppendInteger(const JsonScalar& in, std::string* out) {
  const auto text = NumberOrString(in);
  Int value;
  if (!text || !ParseInteger(*text, &value)) return false;
  detail::AppendBigEndian(static_cast<std::make_unsigned_t<Int>>(value), out);
  return true;
}

bool AppendTimestamp(const JsonScalar& in, std::string* out) {
  const auto text = NumberOrString(in);
  int64_t epoch_ms;
  if (!text) return false;
  const bool parsed = detail::IsIntegerText(*text)
                          ? ParseInteger(*text, &epoch_ms)
                          : in.kind == Kind::kString && detail::ParseTimestampText(*text, &epoch_ms);
  if (parsed) detail::AppendBigEndian(static_cast<uint64_t>(epoch_ms), out);
  return parsed;
}

// Parses a finite Float (float or double) rounded from the exact decimal; values too small for the
// type round to zero, values too large fail. -0 becomes 0 so that equal values have equal bytes.
template <typename Float>
bool ParseFinite(std::string_view text, Float* value) {
  detail::NumberText number;
  if (!detail::ParseNumberText(text, &number)) return false;
  Float parsed = 0;
  const std::errc ec = std::from_chars(text.data(), text.data() + text.size(), parsed).ec;
  if (ec == std::errc::result_out_of_range && detail::AdjustedExponent(number) < 0) {
    parsed = 0;
  } else if (ec != std::errc()) {
    return false;
  }
  *value = parsed == 0 ? Float{0} : parsed;
  return std::isfinite(*value);
}

template <typename Float, typename Bits>
bool AppendFloating(const JsonScalar& in, std::string* out) {
  const auto text = NumberOrString(in);
  Float value;
  if (!text || !ParseFinite(*text, &value)) return false;
  detail::AppendBigEndian(std::bit_cast<Bits>(value), out);
  return true;
}

bool AppendDecimal(const JsonScalar& in, std::string* out) {
  const auto text = NumberOrString(in);
  detail::NumberText number;
  return text && detail::ParseNumberText(*text, &number) && detail::AppendCanonicalDecimal(number, out);
}

bool AppendVarint(const JsonScalar& in, std::string* out) {
  const auto text = NumberOrString(in);
  if (!text || !detail::IsIntegerText(*text)) return false;
  detail::AppendCanonicalInteger(*text, out);
  return true;
}

bool AppendUuid(const JsonScalar& in, bool version1_only, std::string* out) {
  const size_t mark = out->size();
  if (in.kind != Kind::kString || !detail::ParseUuid(in.text, out)) return false;
  if (!version1_only || detail::UuidVersion(std::string_view(*out).substr(mark)) == 1) return true;
  out->resize(mark);
  return false;
}

bool AppendInet(const JsonScalar& in, std::string* out) {
  return in.kind == Kind::kString && detail::ParseInet(in.text, out);
}

bool AppendTyped(DataType type, const JsonScalar& in, std::string* out) {
  switch (type) {
    case DataType::kText:
    case DataType::kVarchar:
      return AppendText(in, out);
    case DataType::kAscii:
      return AppendAscii(in, out);
    case DataType::kBlob:
      return AppendBlob(in, out);
    case DataType::kBoolean:
      return AppendBoolean(in, out);
    case DataType::kDecimal:
      return AppendDecimal(in, out);
    case DataType::kDouble:
      return AppendFloating<double, uint64_t>(in, out);
    case DataType::kFloat:
      return AppendFloating<float, uint32_t>(in, out);
    case DataType::kInt:
      return AppendInteger<int32_t>(in, out);
    case DataType::kBigint:
      return AppendInteger<int64_t>(in, out);
    case DataType::kTimestamp:
      return AppendTimestamp(in, out);
    case DataType::kTimeuuid:
      return AppendUuid(in, /*version1_only=*/true, out);
    case DataType::kUuid:
      return AppendUuid(in, /*version1_only=*/false, out);
    case DataType::kInet:
      return AppendInet(in, out);
    case DataType::kVarint:
      return AppendVarint(in, out);
  }
  return false;
}

// A BLOB as a JSON string, base64 written straight into the response buffer (its alphabet needs no
// escaping): Raw() opens the literal so that the writer places the separator.
void WriteBase64(std::string_view bytes, JsonWriter* writer) {
  writer->Raw("\"");
  Base64Encode(bytes, writer->buffer());
  writer->buffer()->push_back('"');
}

template <typename Bits>
bool HasWidth(std::string_view value) {
  return value.size() == sizeof(Bits);
}

template <typename Int>
void WriteInteger(std::string_view value, JsonWriter* writer) {
  using Bits = std::make_unsigned_t<Int>;
  if (!HasWidth<Bits>(value)) return writer->Null();
  writer->Int(static_cast<Int>(detail::LoadBigEndian<Bits>(value)));
}

void WriteBoolean(std::string_view value, JsonWriter* writer) {
  if (value.size() != 1 || static_cast<uint8_t>(value[0]) > 1) return writer->Null();
  writer->Bool(value[0] == 1);
}

void WriteDouble(std::string_view value, JsonWriter* writer) {
  if (!HasWidth<uint64_t>(value)) return writer->Null();
  writer->Double(std::bit_cast<double>(detail::LoadBigEndian<uint64_t>(value)));
}

void WriteFloat(std::string_view value, JsonWriter* writer) {
  if (!HasWidth<uint32_t>(value)) return writer->Null();
  writer->Float(std::bit_cast<float>(detail::LoadBigEndian<uint32_t>(value)));
}

// DECIMAL and VARINT texts go out as number tokens; anything not in the number grammar as null.
void WriteNumberText(std::string_view value, bool integer, JsonWriter* writer) {
  detail::NumberText number;
  const bool valid = integer ? detail::IsIntegerText(value) : detail::ParseNumberText(value, &number);
  if (!valid) return writer->Null();
  writer->Raw(value);
}

void WriteUuid(std::string_view value, JsonWriter* writer) {
  if (value.size() != detail::kUuidBytes) return writer->Null();
  const auto text = detail::FormatUuid(value);
  writer->String(std::string_view(text.data(), text.size()));
}

void WriteInet(std::string_view value, JsonWriter* writer) {
  const detail::InetText text = detail::FormatInet(value);
  if (text.size == 0) return writer->Null();
  writer->String(text.view());
}

}  // namespace

Status AppendValue(DataType type, const JsonScalar& in, std::string* out) {
  const size_t mark = out->size();
  if (in.kind != Kind::kNull && AppendTyped(type, in, out)) return Status::Ok();
  out->resize(mark);
  return Rejected(type, in);
}

void WriteValueJson(DataType type, std::string_view value, JsonWriter* writer) {
  switch (type) {
    case DataType::kText:
    case DataType::kAscii:
    case DataType::kVarchar:
      return writer->String(value);
    case DataType::kBlob:
      return WriteBase64(value, writer);
    case DataType::kBoolean:
      return WriteBoolean(value, writer);
    case DataType::kDecimal:
      return WriteNumberText(value, /*integer=*/false, writer);
    case DataType::kDouble:
      return WriteDouble(value, writer);
    case DataType::kFloat:
      return WriteFloat(value, writer);
    case DataType::kInt:
      return WriteInteger<int32_t>(value, writer);
    case DataType::kBigint:
    case DataType::kTimestamp:
      return WriteInteger<int64_t>(value, writer);
    case DataType::kTimeuuid:
    case DataType::kUuid:
      return WriteUuid(value, writer);
    case DataType::kInet:
      return WriteInet(value, writer);
    case DataType::kVarint:
      return WriteNumberText(value, /*integer=*/true, writer);
  }
  writer->Null();
}

}  // namespace ofs::codec
