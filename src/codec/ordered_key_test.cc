// Property tests of the ordered key: for random values of every type, memcmp order of the encodings
// equals an independently written value order, decoding inverts encoding, and corrupt keys fail cleanly.

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "codec/byte_order.h"
#include "codec/value_codec.h"

namespace ofs::codec {
namespace {

using model::DataType;

constexpr int kValuesPerType = 250;

int Sign(int x) { return (x > 0) - (x < 0); }

template <typename T>
int Compare3(const T& a, const T& b) {
  return (b < a) - (a < b);
}

// ---- random JSON inputs per type

class Inputs {
 public:
  explicit Inputs(uint64_t seed) : rng_(seed) {}

  JsonScalar Next(DataType type) {
    text_ = NextText(type);
    if (type == DataType::kBoolean) return JsonScalar::Bool(Pick(2) == 1);
    return IsStringInput(type) ? JsonScalar::String(text_) : JsonScalar::Number(text_);
  }

 private:
  static bool IsStringInput(DataType type) {
    switch (type) {
      case DataType::kText:
      case DataType::kAscii:
      case DataType::kVarchar:
      case DataType::kBlob:
      case DataType::kUuid:
      case DataType::kTimeuuid:
      case DataType::kInet:
        return true;
      default:
        return false;
    }
  }

  uint64_t Pick(uint64_t n) { return rng_() % n; }

  std::string Bytes(std::string_view alphabet, size_t max_size) {
    std::string s(Pick(max_size + 1), '\0');
    for (char& c : s) c = alphabet[Pick(alphabet.size())];
    return s;
  }

  std::string Digits(size_t max_size) {
    std::string s = Bytes("0123456789", max_size - 1);
    return s + static_cast<char>('0' + Pick(10));
  }

  template <typename Int>
  std::string Integer() {
    const Int edges[] = {std::numeric_limits<Int>::min(), std::numeric_limits<Int>::max(), -1, 0, 1};
    const Int value = Pick(4) == 0 ? edges[Pick(5)] : static_cast<Int>(rng_() >> Pick(64));
    return std::to_string(
        Pick(2) == 0 || value == std::numeric_limits<Int>::min() ? value : static_cast<Int>(-value));
  }

  template <typename Float, typename Bits>
  std::string Floating() {
    const Float edges[] = {0,
                           -0.0f,
                           1,
                           -1,
                           std::numeric_limits<Float>::max(),
                           std::numeric_limits<Float>::lowest(),
                           std::numeric_limits<Float>::denorm_min(),
                           -std::numeric_limits<Float>::denorm_min()};
    Float value = edges[Pick(8)];
    if (Pick(3) != 0) {
      do value = std::bit_cast<Float>(static_cast<Bits>(rng_()));
      while (!std::isfinite(value));
    }
    char buf[64];
    return std::string(buf, std::to_chars(buf, buf + sizeof(buf), value).ptr);
  }

  std::string Decimal() {
    std::string s = Pick(2) == 0 ? "-" : "";
    s += Digits(4);
    if (Pick(2) == 0) s += "." + Digits(4);
    if (Pick(2) == 0) s += "e" + std::to_string(static_cast<int>(Pick(11)) - 5);
    return s;
  }

  std::string Uuid(bool time_based) {
    unsigned char b[16];
    for (auto& c : b) c = static_cast<unsigned char>(Pick(4) == 0 ? 0 : rng_());
    if (time_based) b[6] = static_cast<unsigned char>(0x10 | (b[6] & 0x0F));
    char text[37];
    std::snprintf(text, sizeof(text), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                  b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return text;
  }

  std::string Inet() {
    const bool v4 = Pick(2) == 0;
    unsigned char b[16];
    for (auto& c : b) c = static_cast<unsigned char>(Pick(3));
    char text[INET6_ADDRSTRLEN];
    inet_ntop(v4 ? AF_INET : AF_INET6, b, text, sizeof(text));
    return text;
  }

  std::string NextText(DataType type) {
    switch (type) {
      case DataType::kText:
      case DataType::kVarchar:
        return Bytes(std::string_view("\0\x01\xFF"
                                      "ab\xC3\xA9",
                                      7),
                     6);
      case DataType::kAscii:
        return Bytes(std::string_view("\0\x01\x7F"
                                      "ab",
                                      5),
                     6);
      case DataType::kBlob: {
        std::string text;
        Base64Encode(Bytes(std::string_view("\0\x01\xFF\x80"
                                            "a",
                                            5),
                           6),
                     &text);
        return text;
      }
      case DataType::kBoolean:
        return "";
      case DataType::kDecimal:
        return Decimal();
      case DataType::kDouble:
        return Floating<double, uint64_t>();
      case DataType::kFloat:
        return Floating<float, uint32_t>();
      case DataType::kInt:
        return Integer<int32_t>();
      case DataType::kBigint:
      case DataType::kTimestamp:
        return Integer<int64_t>();
      case DataType::kTimeuuid:
        return Uuid(true);
      case DataType::kUuid:
        return Uuid(false);
      case DataType::kInet:
        return Inet();
      case DataType::kVarint:
        return (Pick(2) == 0 ? "-" : "") + Digits(30);
    }
    return "";
  }

  std::mt19937_64 rng_;
  std::string text_;
};

// ---- the value order, written independently of the encoder

// Decimal texts in canonical form: compares by sign, then magnitudes aligned on the decimal point.
int CompareDecimalText(std::string_view a, std::string_view b) {
  auto sign = [](std::string_view s) { return s == "0" ? 0 : s.starts_with('-') ? -1 : 1; };
  if (sign(a) != sign(b) || sign(a) == 0) return Compare3(sign(a), sign(b));
  auto split = [](std::string_view s) {
    if (s.starts_with('-')) s.remove_prefix(1);
    const size_t dot = std::min(s.find('.'), s.size());
    return std::pair{std::string(s.substr(0, dot)), std::string(s.substr(std::min(dot + 1, s.size())))};
  };
  auto [ai, af] = split(a);
  auto [bi, bf] = split(b);
  const size_t int_width = std::max(ai.size(), bi.size()), frac_width = std::max(af.size(), bf.size());
  const std::string am =
      std::string(int_width - ai.size(), '0') + ai + af + std::string(frac_width - af.size(), '0');
  const std::string bm =
      std::string(int_width - bi.size(), '0') + bi + bf + std::string(frac_width - bf.size(), '0');
  return sign(a) * Compare3(am, bm);
}

uint64_t TimeuuidTimestamp(std::string_view u) {
  const auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(u[i])); };
  return ((byte(6) & 0x0F) << 56) | (byte(7) << 48) | (byte(4) << 40) | (byte(5) << 32) | (byte(0) << 24) |
         (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

int CompareValues(DataType type, std::string_view a, std::string_view b) {
  switch (type) {
    case DataType::kInt:
      return Compare3(static_cast<int32_t>(detail::LoadBigEndian<uint32_t>(a)),
                      static_cast<int32_t>(detail::LoadBigEndian<uint32_t>(b)));
    case DataType::kBigint:
    case DataType::kTimestamp:
      return Compare3(static_cast<int64_t>(detail::LoadBigEndian<uint64_t>(a)),
                      static_cast<int64_t>(detail::LoadBigEndian<uint64_t>(b)));
    case DataType::kFloat:
      return Compare3(std::bit_cast<float>(detail::LoadBigEndian<uint32_t>(a)),
                      std::bit_cast<float>(detail::LoadBigEndian<uint32_t>(b)));
    case DataType::kDouble:
      return Compare3(std::bit_cast<double>(detail::LoadBigEndian<uint64_t>(a)),
                      std::bit_cast<double>(detail::LoadBigEndian<uint64_t>(b)));
    case DataType::kDecimal:
    case DataType::kVarint:
      return CompareDecimalText(a, b);
    case DataType::kTimeuuid:
      if (TimeuuidTimestamp(a) != TimeuuidTimestamp(b))
        return Compare3(TimeuuidTimestamp(a), TimeuuidTimestamp(b));
      return Sign(a.substr(8).compare(b.substr(8)));
    case DataType::kInet:
      if (a.size() != b.size()) return Compare3(a.size(), b.size());
      return Sign(a.compare(b));
    default:
      return Sign(a.compare(b));  // strings, blobs, booleans, UUIDs: bytewise
  }
}

std::string Key(DataType type, std::string_view value) {
  std::string key;
  AppendOrderedKey(type, value, &key);
  return key;
}

std::vector<std::string> RandomValues(DataType type, uint64_t seed) {
  Inputs inputs(seed);
  std::vector<std::string> values;
  for (int i = 0; i < kValuesPerType; ++i) {
    const JsonScalar in = inputs.Next(type);
    std::string value;
    EXPECT_TRUE(AppendValue(type, in, &value).ok()) << model::DataTypeName(type) << " " << in.text;
    values.push_back(value);
  }
  return values;
}

class OrderedKeyProperty : public testing::TestWithParam<int> {
 protected:
  DataType type() const { return static_cast<DataType>(GetParam()); }
};

TEST_P(OrderedKeyProperty, KeyOrderEqualsValueOrder) {
  const std::vector<std::string> values = RandomValues(type(), 1000 + GetParam());
  std::vector<std::string> keys;
  for (const auto& v : values) keys.push_back(Key(type(), v));
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t j = 0; j < values.size(); ++j) {
      ASSERT_EQ(CompareValues(type(), values[i], values[j]), Sign(keys[i].compare(keys[j])))
          << model::DataTypeName(type()) << " #" << i << " vs #" << j;
    }
  }
}

TEST_P(OrderedKeyProperty, SortByKeyEqualsSortByValue) {
  std::vector<std::string> by_value = RandomValues(type(), 2000 + GetParam());
  std::vector<std::string> by_key = by_value;
  std::stable_sort(by_value.begin(), by_value.end(),
                   [&](const auto& a, const auto& b) { return CompareValues(type(), a, b) < 0; });
  std::stable_sort(by_key.begin(), by_key.end(),
                   [&](const auto& a, const auto& b) { return Key(type(), a) < Key(type(), b); });
  for (size_t i = 0; i < by_value.size(); ++i) EXPECT_EQ(CompareValues(type(), by_value[i], by_key[i]), 0);
}

TEST_P(OrderedKeyProperty, DecodeInvertsEncode) {
  for (const std::string& value : RandomValues(type(), 3000 + GetParam())) {
    const std::string key = Key(type(), value) + "rest";
    std::string_view in = key;
    std::string decoded = "x";
    ASSERT_TRUE(DecodeOrderedKey(type(), &in, &decoded).ok());
    EXPECT_EQ(decoded, "x" + value);
    EXPECT_EQ(in, "rest");
  }
}

TEST_P(OrderedKeyProperty, EveryStrictPrefixIsCorrupt) {
  for (const std::string& value : RandomValues(type(), 4000 + GetParam())) {
    const std::string key = Key(type(), value);
    for (size_t n = 0; n < key.size(); ++n) {
      std::string_view in = std::string_view(key).substr(0, n);
      std::string decoded = "x";
      Status status = DecodeOrderedKey(type(), &in, &decoded);
      ASSERT_EQ(status.code(), ErrorCode::kInternal) << model::DataTypeName(type()) << " prefix " << n;
      EXPECT_EQ(decoded, "x");
      EXPECT_EQ(in.size(), n);
    }
  }
}

// Whatever random bytes decode to must encode back to exactly the bytes consumed.
TEST_P(OrderedKeyProperty, RandomBytesDecodeCanonicallyOrFail) {
  std::mt19937_64 rng(5000 + GetParam());
  const std::string_view alphabet("\x00\x01\x02\x03\x04\x06\x10\x30\x31\x39\x7F\x80\xC6\xCE\xCF\xFE\xFF", 17);
  int decoded_count = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 24, '\0');
    for (char& c : bytes) c = rng() % 2 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng());
    std::string_view in = bytes;
    std::string value;
    if (!DecodeOrderedKey(type(), &in, &value).ok()) continue;
    ++decoded_count;
    ASSERT_EQ(Key(type(), value), bytes.substr(0, bytes.size() - in.size())) << model::DataTypeName(type());
  }
  EXPECT_GT(decoded_count, 0);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, OrderedKeyProperty, testing::Range(0, model::kDataTypeCount),
                         [](const testing::TestParamInfo<int>& info) {
                           return std::string(model::DataTypeName(static_cast<DataType>(info.param)));
                         });

// Multi-column keys: components concatenate, decode in sequence, and order lexicographically by column.
TEST(OrderedKey, CompositeKeysDecodeAndOrderByColumns) {
  const DataType columns[] = {DataType::kText, DataType::kVarint, DataType::kBlob, DataType::kDouble};
  std::vector<std::vector<std::string>> column_values;
  for (size_t c = 0; c < std::size(columns); ++c) column_values.push_back(RandomValues(columns[c], 7000 + c));
  std::mt19937_64 rng(7);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> keys;
  for (int r = 0; r < 300; ++r) {
    std::vector<std::string> row;
    std::string key;
    for (size_t c = 0; c < std::size(columns); ++c) {
      row.push_back(column_values[c][rng() % 8]);  // few distinct values: many ties on early columns
      AppendOrderedKey(columns[c], row.back(), &key);
    }
    rows.push_back(row);
    keys.push_back(key);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string_view in = keys[i];
    for (size_t c = 0; c < std::size(columns); ++c) {
      std::string value;
      ASSERT_TRUE(DecodeOrderedKey(columns[c], &in, &value).ok());
      EXPECT_EQ(value, rows[i][c]);
    }
    EXPECT_TRUE(in.empty());
    for (size_t j = 0; j < rows.size(); ++j) {
      int expected = 0;
      for (size_t c = 0; c < std::size(columns) && expected == 0; ++c) {
        expected = CompareValues(columns[c], rows[i][c], rows[j][c]);
      }
      ASSERT_EQ(expected, Sign(keys[i].compare(keys[j]))) << i << " vs " << j;
    }
  }
}

TEST(OrderedKey, StringPrefixesSortFirst) {
  const std::string a = Key(DataType::kText, "a") + Key(DataType::kText, "b");
  const std::string ab = Key(DataType::kText, "ab") + Key(DataType::kText, "");
  const std::string a0 = Key(DataType::kText, std::string("a\0", 2)) + Key(DataType::kText, "");
  EXPECT_LT(a, a0);
  EXPECT_LT(a0, ab);
}

TEST(OrderedKey, NegativeZeroEncodesAsZero) {
  EXPECT_EQ(Key(DataType::kDouble, std::string("\x80\0\0\0\0\0\0\0", 8)),
            Key(DataType::kDouble, std::string(8, '\0')));
  EXPECT_EQ(Key(DataType::kFloat, std::string("\x80\0\0\0", 4)), Key(DataType::kFloat, std::string(4, '\0')));
}

TEST(OrderedKey, DecimalExamples) {
  const char* ascending[] = {"-1000",  "-12.5", "-12.25", "-1", "-0.5", "-0.05", "0",  "0.001",
                             "0.0015", "0.01",  "0.5",    "1",  "1.5",  "9.99",  "10", "100.25"};
  for (size_t i = 0; i + 1 < std::size(ascending); ++i) {
    EXPECT_LT(Key(DataType::kDecimal, ascending[i]), Key(DataType::kDecimal, ascending[i + 1]))
        << ascending[i];
  }
  const char* varints[] = {"-1000", "-999", "-10", "-9", "-1", "0", "1", "9", "10", "99", "100", "1000"};
  for (size_t i = 0; i + 1 < std::size(varints); ++i) {
    EXPECT_LT(Key(DataType::kVarint, varints[i]), Key(DataType::kVarint, varints[i + 1])) << varints[i];
  }
}

TEST(OrderedKey, CorruptComponentsFail) {
  const std::pair<DataType, std::string_view> corrupt[] = {
      {DataType::kText, std::string_view("ab\0\x02", 4)},
      {DataType::kAscii, std::string_view("\x80\0\x01", 3)},
      {DataType::kBoolean, "\x02"},
      {DataType::kInet, std::string_view("\x05\x01\x02\x03\x04", 5)},
      {DataType::kTimeuuid, std::string_view("\x10\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16)},
      {DataType::kVarint, "\x04"},
      {DataType::kVarint, std::string_view("\x03\x80\0\0\x02"
                                           "01\0",
                                           8)},  // leading zero
      {DataType::kVarint, std::string_view("\x03\x80\0\0\x03"
                                           "12\0",
                                           8)},  // exponent != digit count
      {DataType::kDecimal, std::string_view("\x03\x80\0\0\x01"
                                            "10\0",
                                            8)},  // trailing zero
      {DataType::kDecimal, std::string_view("\x03\x80\0\0\x01"
                                            "1a\0",
                                            8)},
      {DataType::kDecimal, std::string_view("\x03\xFF\xFF\xFF\xFF"
                                            "1\0",
                                            7)},                         // beyond the digit limit
      {DataType::kDouble, std::string_view("\xFF\xF0\0\0\0\0\0\0", 8)},  // +infinity
      {DataType::kFloat, std::string_view("\x7F\xFF\xFF\xFF", 4)},       // -0
  };
  for (const auto& [type, bytes] : corrupt) {
    std::string_view in = bytes;
    std::string value;
    EXPECT_EQ(DecodeOrderedKey(type, &in, &value).code(), ErrorCode::kInternal) << model::DataTypeName(type);
    EXPECT_TRUE(value.empty());
  }
}

}  // namespace
}  // namespace ofs::codec
