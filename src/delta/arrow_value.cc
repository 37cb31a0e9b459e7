#include "delta/arrow_value.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

#include "codec/value_codec.h"

namespace ofs::delta {
namespace {

using model::DataType;
// __int128 (GCC and Clang): Arrow's decimal128 and sums of 64-bit values; __extension__ for -Wpedantic.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 Uint128;

template <typename U>
void AppendBigEndian(U value, std::string* out) {
  for (size_t i = sizeof(U); i-- > 0;) out->push_back(static_cast<char>(value >> (8 * i)));
}

void AppendInt128Text(Int128 value, std::string* out) {
  char digits[48];
  size_t n = 0;
  const bool negative = value < 0;
  // Magnitude as unsigned: -(min) does not fit a signed 128-bit integer.
  Uint128 magnitude = negative ? -static_cast<Uint128>(value) : static_cast<Uint128>(value);
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) out->push_back('-');
  while (n > 0) out->push_back(digits[--n]);
}

// `unscaled` * 10^-scale as decimal text ("-12.345").
std::string DecimalText(Int128 unscaled, int32_t scale) {
  std::string digits;
  AppendInt128Text(unscaled < 0 ? -unscaled : unscaled, &digits);
  std::string text = unscaled < 0 ? "-" : "";
  if (scale <= 0) {
    text += digits;
    text.append(static_cast<size_t>(-scale), '0');
    if (unscaled == 0) text = "0";
    return text;
  }
  const size_t s = static_cast<size_t>(scale);
  if (digits.size() <= s) digits.insert(0, s + 1 - digits.size(), '0');
  text.append(digits, 0, digits.size() - s);
  text.push_back('.');
  text.append(digits, digits.size() - s, s);
  return text;
}

bool Fail(std::string* reason, std::string message) {
  *reason = std::move(message);
  return false;
}

// Through the JSON decoders' conversion (value_codec.h): the canonical form of the text types.
bool AppendThroughCodec(DataType type, const codec::JsonScalar& scalar, std::string* out,
                        std::string* reason) {
  Status s = codec::AppendValue(type, scalar, out);
  if (s.ok()) return true;
  return Fail(reason, std::string(s.message()));
}

bool AppendDouble(DataType type, double value, std::string* out, std::string* reason) {
  if (!std::isfinite(value))
    return Fail(reason, "NaN and infinities are not " + std::string(model::DataTypeName(type)));
  if (value == 0) value = 0;  // -0.0 is stored as 0, as the serving API's JSON conversion stores it
  switch (type) {
    case DataType::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &value, sizeof bits);
      AppendBigEndian(bits, out);
      return true;
    }
    case DataType::kFloat: {
      if (std::fabs(value) > std::numeric_limits<float>::max()) return Fail(reason, "out of FLOAT range");
      const float narrow = static_cast<float>(value);
      uint32_t bits;
      std::memcpy(&bits, &narrow, sizeof bits);
      AppendBigEndian(bits, out);
      return true;
    }
    case DataType::kDecimal: {
      char text[64];
      const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
      if (ec != std::errc()) return Fail(reason, "cannot print the number");
      return AppendThroughCodec(type, codec::JsonScalar::Number(std::string_view(text, end - text)), out,
                                reason);
    }
    default:
      return Fail(reason, "not a number column");
  }
}

bool AppendInteger(DataType type, Int128 value, std::string* out, std::string* reason) {
  switch (type) {
    case DataType::kInt:
      if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max())
        return Fail(reason, "out of INT range (int32)");
      AppendBigEndian(static_cast<uint32_t>(static_cast<int32_t>(value)), out);
      return true;
    case DataType::kBigint:
    case DataType::kTimestamp:
      if (value < std::numeric_limits<int64_t>::min() || value > std::numeric_limits<int64_t>::max())
        return Fail(reason, "out of BIGINT range (int64)");
      AppendBigEndian(static_cast<uint64_t>(static_cast<int64_t>(value)), out);
      return true;
    case DataType::kFloat:
    case DataType::kDouble:
      return AppendDouble(type, static_cast<double>(value), out, reason);
    case DataType::kDecimal:
    case DataType::kVarint: {
      std::string text;
      AppendInt128Text(value, &text);
      return AppendThroughCodec(type, codec::JsonScalar::Number(text), out, reason);
    }
    default:
      return Fail(reason, "not an integer column");
  }
}

// Floor division: timestamps before 1970 truncate toward the past, like a clock reading.
int64_t FloorDiv(int64_t value, int64_t divisor) {
  int64_t q = value / divisor;
  if ((value % divisor != 0) && ((value < 0) != (divisor < 0))) --q;
  return q;
}

bool AcceptsInteger(DataType type) {
  switch (type) {
    case DataType::kInt:
    case DataType::kBigint:
    case DataType::kTimestamp:
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kDecimal:
    case DataType::kVarint:
      return true;
    default:
      return false;
  }
}

bool IsTextType(DataType type) {
  return type == DataType::kText || type == DataType::kVarchar || type == DataType::kAscii ||
         type == DataType::kUuid || type == DataType::kTimeuuid || type == DataType::kInet;
}

}  // namespace

Result<ValueConverter> ValueConverter::For(const ArrowField& field, model::DataType type) {
  const std::string_view f = field.format;
  auto mismatch = [&]() -> Result<ValueConverter> {
    return Status(ErrorCode::kInvalidRequest,
                  "column " + field.name + " has Arrow type \"" + field.format +
                      "\", which does not convert to " + std::string(model::DataTypeName(type)) +
                      " (the conversions: docs/ingestion.md, \"Delta and Arrow types\")");
  };
  auto integer = [&](Source source) -> Result<ValueConverter> {  // ranges are checked per value
    if (!AcceptsInteger(type)) return mismatch();
    return ValueConverter(source, type);
  };
  if (f.size() == 1) {
    switch (f[0]) {
      case 'c':
        return integer(Source::kInt8);
      case 'C':
        return integer(Source::kUint8);
      case 's':
        return integer(Source::kInt16);
      case 'S':
        return integer(Source::kUint16);
      case 'i':
        return integer(Source::kInt32);
      case 'I':
        return integer(Source::kUint32);
      case 'l':
        return integer(Source::kInt64);
      case 'L':
        return integer(Source::kUint64);
      case 'f':
      case 'g':
        if (type != DataType::kFloat && type != DataType::kDouble && type != DataType::kDecimal)
          return mismatch();
        return ValueConverter(f[0] == 'f' ? Source::kFloat32 : Source::kFloat64, type);
      case 'b':
        if (type != DataType::kBoolean) return mismatch();
        return ValueConverter(Source::kBool, type);
      case 'u':
      case 'U':
        if (!IsTextType(type)) return mismatch();
        return ValueConverter(f[0] == 'u' ? Source::kUtf8 : Source::kLargeUtf8, type);
      case 'z':
      case 'Z':
        if (type != DataType::kBlob && type != DataType::kInet) return mismatch();
        return ValueConverter(f[0] == 'z' ? Source::kBinary : Source::kLargeBinary, type);
      default:
        return mismatch();
    }
  }
  if (f.starts_with("w:")) {
    int32_t width = 0;
    const auto [end, ec] = std::from_chars(f.data() + 2, f.data() + f.size(), width);
    if (ec != std::errc() || end != f.data() + f.size() || width <= 0) return mismatch();
    const bool ok = type == DataType::kBlob ||
                    ((type == DataType::kUuid || type == DataType::kTimeuuid) && width == 16) ||
                    (type == DataType::kInet && (width == 4 || width == 16));
    if (!ok) return mismatch();
    ValueConverter c(Source::kFixedBinary, type);
    c.width_ = width;
    return c;
  }
  if (f.starts_with("d:")) {
    // d:precision,scale[,bitwidth]; Delta decimals (precision <= 38) are 128-bit.
    const std::string_view spec = f.substr(2);
    const size_t comma = spec.find(',');
    if (comma == std::string_view::npos) return mismatch();
    std::string_view rest = spec.substr(comma + 1);
    const size_t comma2 = rest.find(',');
    if (comma2 != std::string_view::npos) {
      if (rest.substr(comma2 + 1) != "128") return mismatch();
      rest = rest.substr(0, comma2);
    }
    int32_t scale = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), scale);
    if (ec != std::errc() || end != rest.data() + rest.size()) return mismatch();
    if (type != DataType::kDecimal && type != DataType::kVarint) return mismatch();
    ValueConverter c(Source::kDecimal128, type);
    c.scale_ = scale;
    return c;
  }
  if (f == "tdD" || f == "tdm") {
    if (type != DataType::kTimestamp) return mismatch();
    return ValueConverter(f == "tdD" ? Source::kDate32 : Source::kDate64, type);
  }
  if (f.size() >= 4 && f.starts_with("ts") && f[3] == ':') {
    if (type != DataType::kTimestamp) return mismatch();
    ValueConverter c(Source::kTimestamp, type);
    switch (f[2]) {
      case 's':
        c.unit_per_ms_ = 0;
        break;  // seconds: multiplied by 1000
      case 'm':
        c.unit_per_ms_ = 1;
        break;
      case 'u':
        c.unit_per_ms_ = 1000;
        break;
      case 'n':
        c.unit_per_ms_ = 1000000;
        break;
      default:
        return mismatch();
    }
    return c;
  }
  return mismatch();
}

bool ValueConverter::Append(const ArrowColumn& column, int64_t row, std::string* out,
                            std::string* reason) const {
  switch (source_) {
    case Source::kInt8:
      return AppendInteger(type_, column.Fixed<int8_t>(row), out, reason);
    case Source::kUint8:
      return AppendInteger(type_, column.Fixed<uint8_t>(row), out, reason);
    case Source::kInt16:
      return AppendInteger(type_, column.Fixed<int16_t>(row), out, reason);
    case Source::kUint16:
      return AppendInteger(type_, column.Fixed<uint16_t>(row), out, reason);
    case Source::kInt32:
      return AppendInteger(type_, column.Fixed<int32_t>(row), out, reason);
    case Source::kUint32:
      return AppendInteger(type_, column.Fixed<uint32_t>(row), out, reason);
    case Source::kInt64:
      return AppendInteger(type_, column.Fixed<int64_t>(row), out, reason);
    case Source::kUint64:
      return AppendInteger(type_, column.Fixed<uint64_t>(row), out, reason);
    case Source::kFloat32:
      if (type_ == DataType::kFloat) {  // exact: no round trip through double's range check
        float value = column.Fixed<float>(row);
        if (!std::isfinite(value)) return Fail(reason, "NaN and infinities are not FLOAT");
        if (value == 0) value = 0;  // -0.0 is stored as 0 (AppendDouble)
        uint32_t bits;
        std::memcpy(&bits, &value, sizeof bits);
        AppendBigEndian(bits, out);
        return true;
      }
      if (type_ == DataType::kDecimal) {  // the float's own shortest text: 0.1f is "0.1", not its double
        const float value = column.Fixed<float>(row);
        if (!std::isfinite(value)) return Fail(reason, "NaN and infinities are not DECIMAL");
        char text[32];
        const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
        if (ec != std::errc()) return Fail(reason, "cannot print the number");
        return AppendThroughCodec(type_, codec::JsonScalar::Number(std::string_view(text, end - text)), out,
                                  reason);
      }
      return AppendDouble(type_, column.Fixed<float>(row), out, reason);
    case Source::kFloat64:
      return AppendDouble(type_, column.Fixed<double>(row), out, reason);
    case Source::kBool:
      out->push_back(column.Bit(row) ? '\1' : '\0');
      return true;
    case Source::kUtf8:
    case Source::kLargeUtf8: {
      const std::string_view text =
          source_ == Source::kUtf8 ? column.Bytes<int32_t>(row) : column.Bytes<int64_t>(row);
      if (type_ == DataType::kText || type_ == DataType::kVarchar) {
        out->append(text);  // Arrow's utf8 is valid UTF-8 by contract; the kernel's reader validates it
        return true;
      }
      return AppendThroughCodec(type_, codec::JsonScalar::String(text), out, reason);
    }
    case Source::kBinary:
    case Source::kLargeBinary:
    case Source::kFixedBinary: {
      const std::string_view bytes = source_ == Source::kBinary        ? column.Bytes<int32_t>(row)
                                     : source_ == Source::kLargeBinary ? column.Bytes<int64_t>(row)
                                                                       : column.FixedBytes(row, width_);
      if (type_ == DataType::kInet && bytes.size() != 4 && bytes.size() != 16) {
        return Fail(reason, "an INET address is 4 or 16 bytes, got " + std::to_string(bytes.size()));
      }
      if (type_ == DataType::kTimeuuid && (static_cast<uint8_t>(bytes[6]) >> 4) != 1) {
        return Fail(reason, "not a version-1 UUID (TIMEUUID)");
      }
      out->append(bytes);
      return true;
    }
    case Source::kDecimal128: {
      Int128 unscaled;
      std::memcpy(&unscaled,
                  static_cast<const char*>(column.array->buffers[1]) + (column.array->offset + row) * 16, 16);
      if (type_ == DataType::kVarint) {
        Int128 scale = 1;
        for (int32_t i = 0; i < scale_; ++i) scale *= 10;
        if (scale_ > 0 && unscaled % scale != 0)
          return Fail(reason, "a VARINT has no fraction, got " + DecimalText(unscaled, scale_));
        return AppendInteger(type_, scale_ > 0 ? unscaled / scale : unscaled, out, reason);
      }
      return AppendThroughCodec(type_, codec::JsonScalar::Number(DecimalText(unscaled, scale_)), out, reason);
    }
    case Source::kDate32:
      return AppendInteger(type_, static_cast<Int128>(column.Fixed<int32_t>(row)) * 86'400'000, out, reason);
    case Source::kDate64:
      return AppendInteger(type_, column.Fixed<int64_t>(row), out, reason);
    case Source::kTimestamp: {
      const int64_t value = column.Fixed<int64_t>(row);
      const Int128 ms = unit_per_ms_ == 0 ? static_cast<Int128>(value) * 1000 : FloorDiv(value, unit_per_ms_);
      return AppendInteger(type_, ms, out, reason);
    }
  }
  return Fail(reason, "unsupported column");
}

}  // namespace ofs::delta
