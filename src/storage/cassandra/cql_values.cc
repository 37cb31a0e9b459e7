#include "storage/cassandra/cql_values.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace ofs::storage::cassandra {
namespace {

using model::DataType;

constexpr int64_t kMaxDecimalDigits = 1000;  // codec/number_text.h: the canonical DECIMAL bound
constexpr uint32_t kBillion = 1'000'000'000;

// ---- unsigned magnitudes: little-endian base-2^32 limbs

using Limbs = std::vector<uint32_t>;

void MultiplyAdd(Limbs* m, uint32_t factor, uint32_t addend) {
  uint64_t carry = addend;
  for (uint32_t& limb : *m) {
    const uint64_t v = static_cast<uint64_t>(limb) * factor + carry;
    limb = static_cast<uint32_t>(v);
    carry = v >> 32;
  }
  if (carry != 0) m->push_back(static_cast<uint32_t>(carry));
}

// Divides in place, returns the remainder; trims leading zero limbs.
uint32_t DivideSmall(Limbs* m, uint32_t divisor) {
  uint64_t rest = 0;
  for (size_t i = m->size(); i-- > 0;) {
    const uint64_t v = (rest << 32) | (*m)[i];
    (*m)[i] = static_cast<uint32_t>(v / divisor);
    rest = v % divisor;
  }
  while (!m->empty() && m->back() == 0) m->pop_back();
  return static_cast<uint32_t>(rest);
}

Limbs FromDigits(std::string_view digits) {
  Limbs m;
  size_t chunk = digits.size() % 9 == 0 ? 9 : digits.size() % 9;
  for (size_t i = 0; i < digits.size(); i += chunk, chunk = 9) {
    uint32_t value = 0, scale = 1;
    for (char c : digits.substr(i, chunk)) {
      value = value * 10 + static_cast<uint32_t>(c - '0');
      scale *= 10;
    }
    MultiplyAdd(&m, scale, value);
  }
  while (!m.empty() && m.back() == 0) m.pop_back();
  return m;
}

void AppendDigits(Limbs m, std::string* out) {
  if (m.empty()) {
    out->push_back('0');
    return;
  }
  std::vector<uint32_t> chunks;  // base 10^9, least significant first
  while (!m.empty()) chunks.push_back(DivideSmall(&m, kBillion));
  out->append(std::to_string(chunks.back()));
  for (size_t i = chunks.size() - 1; i-- > 0;) {
    const std::string part = std::to_string(chunks[i]);
    out->append(9 - part.size(), '0');
    out->append(part);
  }
}

// Big-endian bytes of a magnitude, no leading zero bytes (empty for zero).
std::string MagnitudeBytes(const Limbs& m) {
  std::string bytes;
  for (size_t i = m.size(); i-- > 0;) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((m[i] >> shift) & 0xFF));
  }
  const size_t first = bytes.find_first_not_of('\0');
  return first == std::string::npos ? std::string() : bytes.substr(first);
}

Limbs FromBytes(std::string_view bytes) {
  Limbs m((bytes.size() + 3) / 4, 0);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const size_t from_end = bytes.size() - 1 - i;
    m[from_end / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << (8 * (from_end % 4));
  }
  while (!m.empty() && m.back() == 0) m.pop_back();
  return m;
}

// Two's complement negation in place (invert, add one), over the bytes' own width.
void Negate(std::string* bytes) {
  for (char& c : *bytes) c = static_cast<char>(~static_cast<uint8_t>(c));
  for (size_t i = bytes->size(); i-- > 0;) {
    const uint8_t v = static_cast<uint8_t>((*bytes)[i]) + 1;
    (*bytes)[i] = static_cast<char>(v);
    if (v != 0) break;
  }
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---- canonical bytes -> values

Status Broken(DataType type, std::string_view canonical) {
  return Status(ErrorCode::kInternal, "storage request breaks its contract",
                "malformed " + std::string(model::DataTypeName(type)) + " value bytes (" +
                    std::to_string(canonical.size()) + " bytes)");
}

uint64_t LoadBigEndian(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

ofs_cql_value Of(int32_t tag) {
  ofs_cql_value v{};
  v.type = tag;
  return v;
}

ofs_cql_value OfBytes(int32_t tag, std::string_view b) {
  ofs_cql_value v = Of(tag);
  v.data = reinterpret_cast<const uint8_t*>(b.data());
  v.len = b.size();
  return v;
}

// ---- values -> canonical bytes

void AppendBigEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string_view DataOf(const ofs_cql_value& v) {
  return v.len == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(v.data), v.len);
}

std::string_view TagName(int32_t tag) {
  static constexpr std::string_view kNames[] = {
      "null",   "unset",     "text", "ascii",    "blob", "boolean", "int",     "bigint",          "float",
      "double", "timestamp", "uuid", "timeuuid", "inet", "varint",  "decimal", "another CQL type"};
  return tag >= 0 && tag <= OFS_CQL_OTHER ? kNames[tag] : "an unknown tag";
}

// The tags a column of `type` may hold.
bool Fits(DataType type, int32_t tag) {
  switch (type) {
    case DataType::kText:
    case DataType::kVarchar:
    case DataType::kAscii:
      return tag == OFS_CQL_TEXT || tag == OFS_CQL_ASCII;
    case DataType::kBlob:
      return tag == OFS_CQL_BLOB;
    case DataType::kBoolean:
      return tag == OFS_CQL_BOOLEAN;
    case DataType::kDecimal:
      return tag == OFS_CQL_DECIMAL;
    case DataType::kDouble:
      return tag == OFS_CQL_DOUBLE;
    case DataType::kFloat:
      return tag == OFS_CQL_FLOAT;
    case DataType::kInt:
      return tag == OFS_CQL_INT;
    case DataType::kBigint:
      return tag == OFS_CQL_BIGINT;
    case DataType::kTimestamp:
      return tag == OFS_CQL_TIMESTAMP;
    case DataType::kTimeuuid:
      return tag == OFS_CQL_TIMEUUID;
    case DataType::kUuid:
      return tag == OFS_CQL_UUID || tag == OFS_CQL_TIMEUUID;
    case DataType::kInet:
      return tag == OFS_CQL_INET;
    case DataType::kVarint:
      return tag == OFS_CQL_VARINT;
  }
  return false;
}

}  // namespace

namespace detail {

bool VarintTextToBytes(std::string_view text, std::string* out) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (!AllDigits(text)) return false;
  std::string bytes = MagnitudeBytes(FromDigits(text));
  if (bytes.empty()) {
    out->push_back('\0');
    return true;
  }
  bytes.insert(bytes.begin(), '\0');  // room for the sign bit
  if (negative) {
    Negate(&bytes);
    while (bytes.size() > 1 && static_cast<uint8_t>(bytes[0]) == 0xFF &&
           (static_cast<uint8_t>(bytes[1]) & 0x80))
      bytes.erase(0, 1);
  } else if (!(static_cast<uint8_t>(bytes[1]) & 0x80)) {
    bytes.erase(0, 1);
  }
  out->append(bytes);
  return true;
}

bool VarintBytesToText(std::string_view bytes, std::string* out) {
  if (bytes.empty() || bytes.size() > kMaxNumberBytes) return false;
  const bool negative = static_cast<uint8_t>(bytes[0]) & 0x80;
  std::string magnitude(bytes);
  if (negative) {
    Negate(&magnitude);  // the most negative value wraps to itself: right as an unsigned magnitude
    out->push_back('-');
  }
  AppendDigits(FromBytes(magnitude), out);
  return true;
}

bool DecimalTextToUnscaled(std::string_view text, std::string* unscaled, int32_t* scale) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const size_t exponent_at = text.find_first_of("eE");
  std::string_view mantissa = text.substr(0, exponent_at);
  int64_t exponent = 0;
  if (exponent_at != std::string_view::npos) {
    std::string_view e = text.substr(exponent_at + 1);
    const bool negative_exponent = !e.empty() && e.front() == '-';
    if (!e.empty() && (e.front() == '-' || e.front() == '+')) e.remove_prefix(1);
    if (!AllDigits(e)) return false;
    e.remove_prefix(std::min(e.find_first_not_of('0'), e.size()));
    if (e.size() > 10) return false;
    for (char c : e) exponent = exponent * 10 + (c - '0');
    if (negative_exponent) exponent = -exponent;
  }
  const size_t point = mantissa.find('.');
  const std::string_view integer = mantissa.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : mantissa.substr(point + 1);
  if (!AllDigits(integer) || (point != std::string_view::npos && !AllDigits(fraction))) return false;
  std::string digits(integer);
  digits.append(fraction);
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) {  // zero, whatever its exponent
    unscaled->push_back('\0');
    *scale = 0;
    return true;
  }
  const int64_t s = static_cast<int64_t>(fraction.size()) - exponent;
  if (s < INT32_MIN || s > INT32_MAX) return false;
  *scale = static_cast<int32_t>(s);
  if (negative) digits.insert(digits.begin(), '-');
  return VarintTextToBytes(digits, unscaled);
}

bool UnscaledToDecimalText(std::string_view unscaled, int32_t scale, std::string* out) {
  std::string text;
  if (!VarintBytesToText(unscaled, &text)) return false;
  const bool negative = text.front() == '-';
  std::string digits = negative ? text.substr(1) : text;
  if (digits == "0") {
    out->push_back('0');
    return true;
  }
  const size_t significant = digits.find_last_not_of('0') + 1;
  const int64_t trailing = static_cast<int64_t>(digits.size() - significant);
  digits.resize(significant);
  const int64_t n = static_cast<int64_t>(digits.size());
  const int64_t exponent = n - (static_cast<int64_t>(scale) - trailing);  // value = 0.digits x 10^exponent
  const int64_t text_digits = exponent <= 0 ? 1 - exponent + n : std::max(exponent, n);
  if (text_digits > kMaxDecimalDigits) return false;
  if (negative) out->push_back('-');
  if (exponent <= 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-exponent), '0');
    out->append(digits);
  } else if (exponent >= n) {
    out->append(digits);
    out->append(static_cast<size_t>(exponent - n), '0');
  } else {
    out->append(digits, 0, static_cast<size_t>(exponent));
    out->push_back('.');
    out->append(digits, static_cast<size_t>(exponent));
  }
  return true;
}

}  // namespace detail

Status BoundValues::Add(DataType type, std::string_view canonical) {
  switch (type) {
    case DataType::kText:
    case DataType::kVarchar:
      values_.push_back(OfBytes(OFS_CQL_TEXT, canonical));
      return Status::Ok();
    case DataType::kAscii:
      values_.push_back(OfBytes(OFS_CQL_ASCII, canonical));
      return Status::Ok();
    case DataType::kBlob:
      values_.push_back(OfBytes(OFS_CQL_BLOB, canonical));
      return Status::Ok();
    case DataType::kBoolean: {
      if (canonical.size() != 1) return Broken(type, canonical);
      ofs_cql_value v = Of(OFS_CQL_BOOLEAN);
      v.i64 = canonical[0] != 0 ? 1 : 0;
      values_.push_back(v);
      return Status::Ok();
    }
    case DataType::kInt:
    case DataType::kBigint:
    case DataType::kTimestamp: {
      const size_t width = type == DataType::kInt ? 4 : 8;
      if (canonical.size() != width) return Broken(type, canonical);
      ofs_cql_value v = Of(type == DataType::kInt      ? OFS_CQL_INT
                           : type == DataType::kBigint ? OFS_CQL_BIGINT
                                                       : OFS_CQL_TIMESTAMP);
      const uint64_t bits = LoadBigEndian(canonical);
      v.i64 = width == 4 ? static_cast<int32_t>(static_cast<uint32_t>(bits)) : static_cast<int64_t>(bits);
      values_.push_back(v);
      return Status::Ok();
    }
    case DataType::kFloat: {
      if (canonical.size() != 4) return Broken(type, canonical);
      ofs_cql_value v = Of(OFS_CQL_FLOAT);
      v.f64 = std::bit_cast<float>(static_cast<uint32_t>(LoadBigEndian(canonical)));
      values_.push_back(v);
      return Status::Ok();
    }
    case DataType::kDouble: {
      if (canonical.size() != 8) return Broken(type, canonical);
      ofs_cql_value v = Of(OFS_CQL_DOUBLE);
      v.f64 = std::bit_cast<double>(LoadBigEndian(canonical));
      values_.push_back(v);
      return Status::Ok();
    }
    case DataType::kUuid:
    case DataType::kTimeuuid:
      if (canonical.size() != 16) return Broken(type, canonical);
      values_.push_back(OfBytes(type == DataType::kUuid ? OFS_CQL_UUID : OFS_CQL_TIMEUUID, canonical));
      return Status::Ok();
    case DataType::kInet:
      if (canonical.size() != 4 && canonical.size() != 16) return Broken(type, canonical);
      values_.push_back(OfBytes(OFS_CQL_INET, canonical));
      return Status::Ok();
    case DataType::kVarint: {
      std::string& bytes = *owned_.emplace_back(std::make_unique<std::string>());
      if (!detail::VarintTextToBytes(canonical, &bytes)) return Broken(type, canonical);
      values_.push_back(OfBytes(OFS_CQL_VARINT, bytes));
      return Status::Ok();
    }
    case DataType::kDecimal: {
      std::string& bytes = *owned_.emplace_back(std::make_unique<std::string>());
      ofs_cql_value v = Of(OFS_CQL_DECIMAL);
      if (!detail::DecimalTextToUnscaled(canonical, &bytes, &v.scale)) return Broken(type, canonical);
      v.data = reinterpret_cast<const uint8_t*>(bytes.data());
      v.len = bytes.size();
      values_.push_back(v);
      return Status::Ok();
    }
  }
  return Broken(type, canonical);
}

void BoundValues::AddInt(int32_t v) {
  ofs_cql_value value = Of(OFS_CQL_INT);
  value.i64 = v;
  values_.push_back(value);
}

void BoundValues::AddUnset() { values_.push_back(Of(OFS_CQL_UNSET)); }

Status AppendCanonical(DataType type, const ofs_cql_value& value, std::string* out) {
  if (!Fits(type, value.type)) {
    return Status(ErrorCode::kInternal, "cassandra: a column's type does not match the catalog",
                  "the catalog says " + std::string(model::DataTypeName(type)) + ", Cassandra returned " +
                      std::string(TagName(value.type)));
  }
  const std::string_view data = DataOf(value);
  switch (value.type) {
    case OFS_CQL_BOOLEAN:
      out->push_back(value.i64 != 0 ? 1 : 0);
      return Status::Ok();
    case OFS_CQL_INT:
      AppendBigEndian(static_cast<uint32_t>(static_cast<int32_t>(value.i64)), 4, out);
      return Status::Ok();
    case OFS_CQL_BIGINT:
    case OFS_CQL_TIMESTAMP:
      AppendBigEndian(static_cast<uint64_t>(value.i64), 8, out);
      return Status::Ok();
    case OFS_CQL_FLOAT:
      AppendBigEndian(std::bit_cast<uint32_t>(static_cast<float>(value.f64)), 4, out);
      return Status::Ok();
    case OFS_CQL_DOUBLE:
      AppendBigEndian(std::bit_cast<uint64_t>(value.f64), 8, out);
      return Status::Ok();
    case OFS_CQL_VARINT:
      if (detail::VarintBytesToText(data, out)) return Status::Ok();
      break;
    case OFS_CQL_DECIMAL:
      if (detail::UnscaledToDecimalText(data, value.scale, out)) return Status::Ok();
      break;
    default:  // the byte types: text, ascii, blob, uuid, timeuuid, inet
      out->append(data);
      return Status::Ok();
  }
  return Status(ErrorCode::kInternal, "cassandra: a stored number is beyond OFS's range",
                std::string(TagName(value.type)) + " of " + std::to_string(data.size()) + " bytes, scale " +
                    std::to_string(value.scale));
}

}  // namespace ofs::storage::cassandra
