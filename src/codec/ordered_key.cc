// Order-preserving key components (value_codec.h). Layout per type; every component is self-delimiting:
//   TEXT, ASCII, VARCHAR, BLOB  bytes with 0x00 escaped as 00 FF, then the terminator 00 01
//   BOOLEAN                     1 byte, 0 or 1
//   INT, BIGINT, TIMESTAMP      big-endian with the sign bit flipped
//   FLOAT, DOUBLE               IEEE bits, all flipped when negative, else the sign bit set; -0 as 0
//   UUID                        the 16 bytes
//   TIMEUUID                    time_hi without version, time_mid, time_low, then bytes 8..15
//   INET                        family (04 or 06), then the 4 or 16 address bytes
//   VARINT, DECIMAL             sign (01 negative, 02 zero, 03 positive); for non-zero values the
//                               exponent E of 0.d1d2... x 10^E as a sign-flipped big-endian int32, the
//                               digits d1d2... as ASCII, then 00; every byte after the sign is
//                               complemented for negatives. VARINT keeps all digits (E = digit count);
//                               DECIMAL drops trailing zeros, so each value has one encoding.
// Decoders accept exactly what the encoder can produce, so decode then encode gives back the input.

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

#include "codec/byte_order.h"
#include "codec/number_text.h"
#include "codec/value_codec.h"

namespace ofs::codec {
namespace {

using model::DataType;

constexpr char kEscapedZero = '\xFF';
constexpr std::string_view kStringEnd("\x00\x01", 2);
constexpr uint8_t kNegative = 0x01, kZero = 0x02, kPositive = 0x03;
constexpr uint8_t kIpv4 = 0x04, kIpv6 = 0x06;
constexpr size_t kUuidBytes = 16;
// Key position i holds UUID byte kTimeuuidOrder[i]: the 60-bit timestamp most significant first.
constexpr std::array<size_t, kUuidBytes> kTimeuuidOrder = {6, 7, 4,  5,  0,  1,  2,  3,
                                                           8, 9, 10, 11, 12, 13, 14, 15};

template <typename U>
constexpr U kSignBit = U{1} << (8 * sizeof(U) - 1);

// The unread rest of a key; every read fails softly on short input.
class KeyReader {
 public:
  explicit KeyReader(std::string_view in) : in_(in) {}
  bool Take(size_t n, std::string_view* bytes) {
    if (in_.size() < n) return false;
    *bytes = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  // The bytes before the next 0x00, or all that is left when there is none.
  std::string_view TakeUntilZero() {
    const std::string_view run = in_.substr(0, in_.find('\0'));
    in_.remove_prefix(run.size());
    return run;
  }
  bool TakeByte(uint8_t* byte) {
    std::string_view bytes;
    if (!Take(1, &bytes)) return false;
    *byte = static_cast<uint8_t>(bytes[0]);
    return true;
  }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

// Byte i of a fixed-width value, zero past its end (malformed values must not read out of bounds).
char ByteAt(std::string_view value, size_t i) { return i < value.size() ? value[i] : '\0'; }

void Complement(size_t from, std::string* out) {
  std::for_each(out->begin() + static_cast<std::ptrdiff_t>(from), out->end(),
                [](char& c) { c = static_cast<char>(~c); });
}

// ---- strings and blobs

void AppendEscaped(std::string_view bytes, std::string* out) {
  for (size_t zero; (zero = bytes.find('\0')) != std::string_view::npos; bytes.remove_prefix(zero + 1)) {
    out->append(bytes.substr(0, zero + 1));
    out->push_back(kEscapedZero);
  }
  out->append(bytes);
  out->append(kStringEnd);
}

bool DecodeEscaped(KeyReader* reader, bool ascii_only, std::string* value) {
  for (;;) {
    const std::string_view run = reader->TakeUntilZero();
    if (ascii_only &&
        std::any_of(run.begin(), run.end(), [](char c) { return static_cast<uint8_t>(c) >= 0x80; })) {
      return false;
    }
    value->append(run);
    uint8_t zero, next;
    if (!reader->TakeByte(&zero) || !reader->TakeByte(&next) || (next != 0x01 && next != 0xFF)) return false;
    if (next == 0x01) return true;
    value->push_back('\0');
  }
}

// ---- fixed-width numbers

template <typename U>
void AppendFlippedInteger(std::string_view value, std::string* out) {
  detail::AppendBigEndian<U>(detail::LoadBigEndian<U>(value) ^ kSignBit<U>, out);
}

template <typename U>
bool DecodeFlippedInteger(KeyReader* reader, std::string* value) {
  std::string_view bytes;
  if (!reader->Take(sizeof(U), &bytes)) return false;
  detail::AppendBigEndian<U>(detail::LoadBigEndian<U>(bytes) ^ kSignBit<U>, value);
  return true;
}

template <typename U>
void AppendOrderedFloat(std::string_view value, std::string* out) {
  U bits = detail::LoadBigEndian<U>(value);
  if (bits == kSignBit<U>) bits = 0;  // -0 orders and encodes as 0
  detail::AppendBigEndian<U>((bits & kSignBit<U>) ? ~bits : (bits | kSignBit<U>), out);
}

// Rejects keys of NaN, infinities and -0, which the encoder never produces.
template <typename Float, typename U>
bool DecodeOrderedFloat(KeyReader* reader, std::string* value) {
  std::string_view bytes;
  if (!reader->Take(sizeof(U), &bytes)) return false;
  const U key = detail::LoadBigEndian<U>(bytes);
  const U bits = (key & kSignBit<U>) ? (key & ~kSignBit<U>) : static_cast<U>(~key);
  if (bits == kSignBit<U> || !std::isfinite(std::bit_cast<Float>(bits))) return false;
  detail::AppendBigEndian<U>(bits, value);
  return true;
}

// ---- booleans, UUIDs, addresses

void AppendBoolean(std::string_view value, std::string* out) {
  out->push_back(ByteAt(value, 0) != 0 ? 1 : 0);
}

bool DecodeBoolean(KeyReader* reader, std::string* value) {
  uint8_t byte;
  if (!reader->TakeByte(&byte) || byte > 1) return false;
  value->push_back(static_cast<char>(byte));
  return true;
}

void AppendFixed(std::string_view value, size_t width, std::string* out) {
  const std::string_view bytes = value.substr(0, width);
  out->append(bytes);
  out->append(width - bytes.size(), '\0');
}

bool DecodeFixed(KeyReader* reader, size_t width, std::string* value) {
  std::string_view bytes;
  if (!reader->Take(width, &bytes)) return false;
  value->append(bytes);
  return true;
}

void AppendTimeuuid(std::string_view value, std::string* out) {
  for (size_t i = 0; i < kUuidBytes; ++i) {
    const char byte = ByteAt(value, kTimeuuidOrder[i]);
    out->push_back(i == 0 ? static_cast<char>(byte & 0x0F) : byte);
  }
}

bool DecodeTimeuuid(KeyReader* reader, std::string* value) {
  std::string_view key;
  if (!reader->Take(kUuidBytes, &key) || (static_cast<uint8_t>(key[0]) & 0xF0) != 0) return false;
  std::array<char, kUuidBytes> uuid{};
  for (size_t i = 0; i < kUuidBytes; ++i) uuid[kTimeuuidOrder[i]] = key[i];
  uuid[6] = static_cast<char>(uuid[6] | 0x10);  // version 1, the only one a TIMEUUID has
  value->append(uuid.data(), uuid.size());
  return true;
}

void AppendInet(std::string_view value, std::string* out) {
  const bool v4 = value.size() == 4;
  out->push_back(static_cast<char>(v4 ? kIpv4 : kIpv6));
  AppendFixed(value, v4 ? 4 : 16, out);
}

bool DecodeInet(KeyReader* reader, std::string* value) {
  uint8_t family;
  if (!reader->TakeByte(&family) || (family != kIpv4 && family != kIpv6)) return false;
  return DecodeFixed(reader, family == kIpv4 ? 4 : 16, value);
}

// ---- VARINT and DECIMAL

// Non-zero values: the sign byte and exponent; returns where complementing starts for negatives.
size_t BeginNumberKey(bool negative, int64_t exponent, std::string* out) {
  out->push_back(static_cast<char>(negative ? kNegative : kPositive));
  const size_t from = out->size();
  detail::AppendBigEndian(static_cast<uint32_t>(static_cast<int32_t>(exponent)) ^ kSignBit<uint32_t>, out);
  return from;
}

// Terminates the digits and complements everything after the sign byte of a negative value.
void EndNumberKey(bool negative, size_t from, std::string* out) {
  out->push_back('\0');
  if (negative) Complement(from, out);
}

void AppendVarintKey(std::string_view value, std::string* out) {
  const bool negative = value.starts_with('-');
  const std::string_view digits = value.substr(negative ? 1 : 0);
  if (!detail::IsIntegerText(value) || digits == "0") {
    out->push_back(static_cast<char>(kZero));
    return;
  }
  const size_t from = BeginNumberKey(negative, static_cast<int64_t>(digits.size()), out);
  out->append(digits);
  EndNumberKey(negative, from, out);
}

void AppendDecimalKey(std::string_view value, std::string* out) {
  detail::NumberText number;
  if (!detail::ParseNumberText(value, &number) || detail::IsZero(number)) {
    out->push_back(static_cast<char>(kZero));
    return;
  }
  const size_t from = BeginNumberKey(number.negative, detail::AdjustedExponent(number), out);
  detail::AppendSignificantDigits(number, out);
  EndNumberKey(number.negative, from, out);
}

struct NumberKey {
  bool zero = false;
  bool negative = false;
  int64_t exponent = 0;
};

// Reads sign and exponent, appends '-' for negatives to *value.
bool TakeNumberHead(KeyReader* reader, NumberKey* key, std::string* value) {
  uint8_t sign;
  if (!reader->TakeByte(&sign) || sign < kNegative || sign > kPositive) return false;
  key->zero = sign == kZero;
  key->negative = sign == kNegative;
  std::string_view bytes;
  if (key->zero) return true;
  if (!reader->Take(4, &bytes)) return false;
  const uint32_t stored = detail::LoadBigEndian<uint32_t>(bytes);
  key->exponent = static_cast<int32_t>((key->negative ? ~stored : stored) ^ kSignBit<uint32_t>);
  if (key->negative) value->push_back('-');
  return true;
}

// Appends the digits up to the terminator; false on a non-digit, a missing terminator, or no digits.
bool TakeNumberDigits(KeyReader* reader, const NumberKey& key, std::string* value) {
  const size_t from = value->size();
  for (uint8_t byte; reader->TakeByte(&byte);) {
    if (key.negative) byte = static_cast<uint8_t>(~byte);
    if (byte == 0) return value->size() > from && (*value)[from] != '0';
    if (byte < '0' || byte > '9') return false;
    value->push_back(static_cast<char>(byte));
  }
  return false;
}

bool DecodeVarint(KeyReader* reader, std::string* value) {
  NumberKey key;
  if (!TakeNumberHead(reader, &key, value)) return false;
  if (key.zero) {
    value->push_back('0');
    return true;
  }
  const size_t from = value->size();
  return TakeNumberDigits(reader, key, value) && static_cast<int64_t>(value->size() - from) == key.exponent;
}

bool DecodeDecimal(KeyReader* reader, std::string* value) {
  NumberKey key;
  if (!TakeNumberHead(reader, &key, value)) return false;
  if (key.zero) {
    value->push_back('0');
    return true;
  }
  const size_t from = value->size();
  return TakeNumberDigits(reader, key, value) && value->back() != '0' &&
         detail::LayOutDecimal(key.exponent, from, value);
}

bool DecodeTyped(DataType type, KeyReader* reader, std::string* value) {
  switch (type) {
    case DataType::kText:
    case DataType::kVarchar:
    case DataType::kBlob:
      return DecodeEscaped(reader, /*ascii_only=*/false, value);
    case DataType::kAscii:
      return DecodeEscaped(reader, /*ascii_only=*/true, value);
    case DataType::kBoolean:
      return DecodeBoolean(reader, value);
    case DataType::kDecimal:
      return DecodeDecimal(reader, value);
    case DataType::kDouble:
      return DecodeOrderedFloat<double, uint64_t>(reader, value);
    case DataType::kFloat:
      return DecodeOrderedFloat<float, uint32_t>(reader, value);
    case DataType::kInt:
      return DecodeFlippedInteger<uint32_t>(reader, value);
    case DataType::kBigint:
    case DataType::kTimestamp:
      return DecodeFlippedInteger<uint64_t>(reader, value);
    case DataType::kTimeuuid:
      return DecodeTimeuuid(reader, value);
    case DataType::kUuid:
      return DecodeFixed(reader, kUuidBytes, value);
    case DataType::kInet:
      return DecodeInet(reader, value);
    case DataType::kVarint:
      return DecodeVarint(reader, value);
  }
  return false;
}

}  // namespace

void AppendOrderedKey(DataType type, std::string_view value, std::string* out) {
  switch (type) {
    case DataType::kText:
    case DataType::kAscii:
    case DataType::kVarchar:
    case DataType::kBlob:
      return AppendEscaped(value, out);
    case DataType::kBoolean:
      return AppendBoolean(value, out);
    case DataType::kDecimal:
      return AppendDecimalKey(value, out);
    case DataType::kDouble:
      return AppendOrderedFloat<uint64_t>(value, out);
    case DataType::kFloat:
      return AppendOrderedFloat<uint32_t>(value, out);
    case DataType::kInt:
      return AppendFlippedInteger<uint32_t>(value, out);
    case DataType::kBigint:
    case DataType::kTimestamp:
      return AppendFlippedInteger<uint64_t>(value, out);
    case DataType::kTimeuuid:
      return AppendTimeuuid(value, out);
    case DataType::kUuid:
      return AppendFixed(value, kUuidBytes, out);
    case DataType::kInet:
      return AppendInet(value, out);
    case DataType::kVarint:
      return AppendVarintKey(value, out);
  }
}

Status DecodeOrderedKey(DataType type, std::string_view* in, std::string* value) {
  KeyReader reader(*in);
  const size_t mark = value->size();
  if (!DecodeTyped(type, &reader, value)) {
    value->resize(mark);
    return Status(ErrorCode::kInternal,
                  "corrupt ordered key component of type " + std::string(model::DataTypeName(type)));
  }
  *in = reader.rest();
  return Status::Ok();
}

}  // namespace ofs::codec
