#include "storage/cassandra/cql_values.h"

#include <gtest/gtest.h>

#include <random>

#include "codec/value_codec.h"

namespace ofs::storage::cassandra {
namespace {

using detail::DecimalTextToUnscaled;
using detail::UnscaledToDecimalText;
using detail::VarintBytesToText;
using detail::VarintTextToBytes;
using model::DataType;

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

std::string VarintHex(std::string_view text) {
  std::string bytes;
  EXPECT_TRUE(VarintTextToBytes(text, &bytes)) << text;
  return Hex(bytes);
}

std::string VarintText(std::string_view bytes) {
  std::string text;
  EXPECT_TRUE(VarintBytesToText(bytes, &text)) << Hex(bytes);
  return text;
}

// The codec's canonical DECIMAL text of a JSON number token.
std::string CanonicalDecimal(std::string_view token) {
  std::string out;
  EXPECT_TRUE(codec::AppendValue(DataType::kDecimal, codec::JsonScalar::Number(token), &out).ok()) << token;
  return out;
}

std::string DecimalRoundTrip(std::string_view text) {
  std::string unscaled;
  int32_t scale = 0;
  EXPECT_TRUE(DecimalTextToUnscaled(text, &unscaled, &scale)) << text;
  std::string back;
  EXPECT_TRUE(UnscaledToDecimalText(unscaled, scale, &back)) << text;
  return back;
}

TEST(CqlValues, VarintTwosComplementAtTheEdges) {
  EXPECT_EQ(VarintHex("0"), "00");
  EXPECT_EQ(VarintHex("-0"), "00");
  EXPECT_EQ(VarintHex("1"), "01");
  EXPECT_EQ(VarintHex("-1"), "ff");
  EXPECT_EQ(VarintHex("127"), "7f");
  EXPECT_EQ(VarintHex("128"), "0080");
  EXPECT_EQ(VarintHex("-128"), "80");
  EXPECT_EQ(VarintHex("-129"), "ff7f");
  EXPECT_EQ(VarintHex("255"), "00ff");
  EXPECT_EQ(VarintHex("-256"), "ff00");
  EXPECT_EQ(VarintHex("9223372036854775808"), "008000000000000000");
  EXPECT_EQ(VarintHex("-9223372036854775809"), "ff7fffffffffffffff");
  EXPECT_EQ(VarintHex("10000000000000000000000000000000000000000"), "1d6329f1c35ca4bfabb9f5610000000000");
  EXPECT_EQ(VarintHex("-10000000000000000000000000000000000000000"), "e29cd60e3ca35b4054460a9f0000000000");
  EXPECT_EQ(VarintHex("000042"), "2a");

  EXPECT_EQ(VarintText(std::string("\0", 1)), "0");
  EXPECT_EQ(VarintText("\x80"), "-128");
  EXPECT_EQ(VarintText(std::string("\x00\x80", 2)), "128");
  EXPECT_EQ(VarintText(std::string("\xff\xff\xff", 3)), "-1");  // not minimal, still read
  EXPECT_EQ(VarintText(std::string("\x00\x00\x2a", 3)), "42");  // not minimal, still read
  EXPECT_EQ(VarintText(std::string("\x80\x00\x00\x00\x00\x00\x00\x00", 8)), "-9223372036854775808");

  std::string out;
  EXPECT_FALSE(VarintTextToBytes("", &out));
  EXPECT_FALSE(VarintTextToBytes("-", &out));
  EXPECT_FALSE(VarintTextToBytes("1.5", &out));
  EXPECT_FALSE(VarintTextToBytes("+1", &out));
  EXPECT_FALSE(VarintBytesToText("", &out));
  EXPECT_FALSE(VarintBytesToText(std::string(detail::kMaxNumberBytes + 1, '\1'), &out));
}

TEST(CqlValues, VarintRoundTripsLongNumbers) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 300; ++i) {
    const size_t digits = 1 + random() % 200;
    std::string text = random() % 2 ? "-" : "";
    text.push_back(static_cast<char>('1' + random() % 9));
    for (size_t d = 1; d < digits; ++d) text.push_back(static_cast<char>('0' + random() % 10));
    std::string bytes;
    ASSERT_TRUE(VarintTextToBytes(text, &bytes));
    EXPECT_EQ(VarintText(bytes), text);
  }
  const std::string thousand_nines(1000, '9');
  std::string bytes;
  ASSERT_TRUE(VarintTextToBytes(thousand_nines, &bytes));
  EXPECT_EQ(VarintText(bytes), thousand_nines);
}

TEST(CqlValues, DecimalToUnscaledAndScale) {
  auto parts = [](std::string_view text) {
    std::string unscaled;
    int32_t scale = 0;
    EXPECT_TRUE(DecimalTextToUnscaled(text, &unscaled, &scale)) << text;
    return Hex(unscaled) + " scale " + std::to_string(scale);
  };
  EXPECT_EQ(parts("0"), "00 scale 0");
  EXPECT_EQ(parts("-0.000"), "00 scale 0");
  EXPECT_EQ(parts("1.5"), "0f scale 1");
  EXPECT_EQ(parts("-0.0015"), "f1 scale 4");
  EXPECT_EQ(parts("1500"), "05dc scale 0");
  EXPECT_EQ(parts("1.5e3"), "0f scale -2");
  EXPECT_EQ(parts("15E-1"), "0f scale 1");
  EXPECT_EQ(parts("1.50"), "0096 scale 2");
  std::string unscaled;
  int32_t scale;
  EXPECT_FALSE(DecimalTextToUnscaled("1e99999999999", &unscaled, &scale));
  EXPECT_FALSE(DecimalTextToUnscaled("1.", &unscaled, &scale));
  EXPECT_FALSE(DecimalTextToUnscaled(".5", &unscaled, &scale));
  EXPECT_FALSE(DecimalTextToUnscaled("1e", &unscaled, &scale));
  EXPECT_FALSE(DecimalTextToUnscaled("abc", &unscaled, &scale));
}

TEST(CqlValues, DecimalFromUnscaledIsCanonical) {
  auto text = [](std::string_view unscaled_text, int32_t scale) {
    std::string unscaled, out;
    EXPECT_TRUE(VarintTextToBytes(unscaled_text, &unscaled));
    EXPECT_TRUE(UnscaledToDecimalText(unscaled, scale, &out)) << unscaled_text << " scale " << scale;
    return out;
  };
  EXPECT_EQ(text("0", 7), "0");
  EXPECT_EQ(text("0", -7), "0");
  EXPECT_EQ(text("1500", 3), "1.5");  // trailing zeros dropped
  EXPECT_EQ(text("15", -2), "1500");  // negative scale: the exponent folded in
  EXPECT_EQ(text("-15", 4), "-0.0015");
  EXPECT_EQ(text("123", 1), "12.3");
  EXPECT_EQ(text("100", 0), "100");
  EXPECT_EQ(text("1", 999), "0." + std::string(998, '0') + "1");  // 1000 digits: the bound, included
  std::string unscaled, out;
  ASSERT_TRUE(VarintTextToBytes("1", &unscaled));
  EXPECT_FALSE(UnscaledToDecimalText(unscaled, 1000, &out));  // 1001 digits
  EXPECT_FALSE(UnscaledToDecimalText(unscaled, -1000, &out));
  EXPECT_TRUE(UnscaledToDecimalText(unscaled, -999, &out));
  EXPECT_FALSE(UnscaledToDecimalText("", 0, &out));
}

TEST(CqlValues, DecimalRoundTripsTheCodecsCanonicalText) {
  for (std::string_view token :
       {"0", "1", "-1", "1.5", "1.50", "1.5e0", "0.0015", "-12.34e-5", "1e40", "1E+40",
        "10000000000000000000000000000000000000000", "123456789012345678901234567890.5",
        "-0.00000000000000000000000000000000000001", "7e-999", "9e998", "100", "1e2", "000.000100"}) {
    const std::string canonical = CanonicalDecimal(token);
    EXPECT_EQ(DecimalRoundTrip(canonical), canonical) << token;
    EXPECT_EQ(DecimalRoundTrip(token), canonical) << token;  // exponents and zeros fold the same way
  }
  std::mt19937_64 random(11);
  for (int i = 0; i < 300; ++i) {
    std::string token = random() % 2 ? "-" : "";
    for (size_t d = 0, n = 1 + random() % 40; d < n; ++d)
      token.push_back(static_cast<char>('0' + random() % 10));
    if (random() % 2) {
      token.push_back('.');
      for (size_t d = 0, n = 1 + random() % 40; d < n; ++d)
        token.push_back(static_cast<char>('0' + random() % 10));
    }
    if (random() % 2) token += "e" + std::to_string(static_cast<int>(random() % 200) - 100);
    const std::string canonical = CanonicalDecimal(token);
    EXPECT_EQ(DecimalRoundTrip(canonical), canonical) << token;
  }
}

TEST(CqlValues, BoundValuesFollowTheCanonicalBytes) {
  BoundValues values;
  ASSERT_TRUE(values.Add(DataType::kInt, std::string("\xff\xff\xff\xfe", 4)).ok());
  ASSERT_TRUE(values.Add(DataType::kBigint, std::string("\x80\0\0\0\0\0\0\0", 8)).ok());
  ASSERT_TRUE(values.Add(DataType::kTimestamp, std::string("\0\0\0\0\0\0\x03\xe8", 8)).ok());
  ASSERT_TRUE(values.Add(DataType::kDouble, std::string("\x3f\xf8\0\0\0\0\0\0", 8)).ok());
  ASSERT_TRUE(values.Add(DataType::kFloat, std::string("\xbf\xc0\0\0", 4)).ok());
  ASSERT_TRUE(values.Add(DataType::kVarint, "-129").ok());
  ASSERT_TRUE(values.Add(DataType::kDecimal, "-0.0015").ok());
  ASSERT_TRUE(values.Add(DataType::kVarchar, "v").ok());
  values.AddInt(0);
  const auto v = values.values();
  EXPECT_EQ(v[0].i64, -2);
  EXPECT_EQ(v[1].i64, INT64_MIN);
  EXPECT_EQ(v[2].type, OFS_CQL_TIMESTAMP);
  EXPECT_EQ(v[2].i64, 1000);
  EXPECT_EQ(v[3].f64, 1.5);
  EXPECT_EQ(v[4].f64, -1.5);
  EXPECT_EQ(Hex({reinterpret_cast<const char*>(v[5].data), v[5].len}), "ff7f");
  EXPECT_EQ(v[6].scale, 4);
  EXPECT_EQ(v[7].type, OFS_CQL_TEXT);

  EXPECT_EQ(values.Add(DataType::kInt, "abc").code(), ErrorCode::kInternal);
  EXPECT_EQ(values.Add(DataType::kInet, "abc").code(), ErrorCode::kInternal);
  EXPECT_EQ(values.Add(DataType::kVarint, "1.5").code(), ErrorCode::kInternal);
}

// A request's values live in a growing vector: the bytes a value owns must not move with it (short
// ones included, which a std::string would keep inline).
TEST(CqlValues, BoundValuesKeepTheirBytesWhenMoved) {
  std::vector<BoundValues> all;
  for (int i = 0; i < 200; ++i) {
    BoundValues values;
    ASSERT_TRUE(values.Add(DataType::kVarint, std::to_string(i)).ok());
    ASSERT_TRUE(values.Add(DataType::kDecimal, std::to_string(i + 1) + std::string(60, '7') + ".5").ok());
    all.push_back(std::move(values));
  }
  for (int i = 0; i < 200; ++i) {
    std::string varint, decimal;
    ASSERT_TRUE(AppendCanonical(DataType::kVarint, all[i].values()[0], &varint).ok());
    ASSERT_TRUE(AppendCanonical(DataType::kDecimal, all[i].values()[1], &decimal).ok());
    EXPECT_EQ(varint, std::to_string(i));
    EXPECT_EQ(decimal, std::to_string(i + 1) + std::string(60, '7') + ".5");
  }
}

TEST(CqlValues, ReadValuesBecomeCanonicalBytes) {
  BoundValues written;
  const std::vector<std::pair<DataType, std::string>> cases = {
      {DataType::kText, "h\xc3\xa9"},
      {DataType::kAscii, "a"},
      {DataType::kBlob, std::string("\0\xff", 2)},
      {DataType::kBoolean, std::string(1, '\1')},
      {DataType::kInt, std::string("\x80\0\0\0", 4)},
      {DataType::kBigint, std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8)},
      {DataType::kTimestamp, std::string("\0\0\0\0\0\0\0\0", 8)},
      {DataType::kFloat, std::string("\x7f\x7f\xff\xff", 4)},
      {DataType::kDouble, std::string("\x80\0\0\0\0\0\0\1", 8)},
      {DataType::kUuid, std::string(16, '\x42')},
      {DataType::kTimeuuid, std::string(16, '\x11')},
      {DataType::kInet, std::string("\x7f\0\0\1", 4)},
      {DataType::kVarint, "-10000000000000000000000000000000000000000"},
      {DataType::kDecimal, "123.000456"},
      {DataType::kVarchar, ""},
  };
  for (const auto& [type, canonical] : cases) ASSERT_TRUE(written.Add(type, canonical).ok());
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string back;
    ASSERT_TRUE(AppendCanonical(cases[i].first, written.values()[i], &back).ok()) << i;
    EXPECT_EQ(back, cases[i].second) << model::DataTypeName(cases[i].first);
  }
  std::string out;
  EXPECT_TRUE(AppendCanonical(DataType::kUuid, written.values()[10], &out).ok());  // a timeuuid is a uuid
  EXPECT_TRUE(AppendCanonical(DataType::kText, written.values()[1], &out).ok());   // ascii read as text
  const Status mismatch = AppendCanonical(DataType::kBigint, written.values()[4], &out);
  EXPECT_EQ(mismatch.code(), ErrorCode::kInternal);
  EXPECT_NE(mismatch.cause().find("BIGINT"), std::string_view::npos) << mismatch.ToString();
  EXPECT_NE(mismatch.cause().find("int"), std::string_view::npos) << mismatch.ToString();
}

}  // namespace
}  // namespace ofs::storage::cassandra
