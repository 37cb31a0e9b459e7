#include "delta/arrow_value.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "codec/value_codec.h"

namespace ofs::delta {
namespace {

using model::DataType;

// An Arrow array over caller-owned buffers (no release: the test owns the memory).
struct TestArray {
  std::vector<const void*> buffers;
  ArrowArray array{};
  TestArray(int64_t length, std::vector<const void*> bufs, int64_t null_count = 0)
      : buffers(std::move(bufs)) {
    array.length = length;
    array.null_count = null_count;
    array.n_buffers = static_cast<int64_t>(buffers.size());
    array.buffers = buffers.data();
  }
  ArrowColumn column(std::string_view format) const { return {&array, format}; }
};

std::string Canonical(DataType type, codec::JsonScalar scalar) {
  std::string out;
  EXPECT_TRUE(codec::AppendValue(type, scalar, &out).ok());
  return out;
}

std::string Convert(const ArrowColumn& column, DataType type, int64_t row, bool expect_ok = true) {
  Result<ValueConverter> converter =
      ValueConverter::For(ArrowField{"c", std::string(column.format), true}, type);
  EXPECT_TRUE(converter.ok()) << converter.status().ToString();
  if (!converter.ok()) return {};
  std::string out;
  std::string reason;
  const bool ok = converter->Append(column, row, &out, &reason);
  EXPECT_EQ(ok, expect_ok) << reason;
  return ok ? out : reason;
}

TEST(ArrowValue, IntegersWidenAndRangeCheck) {
  const int64_t values[] = {7, -3, int64_t{1} << 40};
  TestArray a(3, {nullptr, values});
  EXPECT_EQ(Convert(a.column("l"), DataType::kBigint, 0),
            Canonical(DataType::kBigint, codec::JsonScalar::Number("7")));
  EXPECT_EQ(Convert(a.column("l"), DataType::kInt, 1),
            Canonical(DataType::kInt, codec::JsonScalar::Number("-3")));
  EXPECT_EQ(Convert(a.column("l"), DataType::kInt, 2, false), "out of INT range (int32)");
  EXPECT_EQ(Convert(a.column("l"), DataType::kVarint, 2), "1099511627776");
  EXPECT_EQ(Convert(a.column("l"), DataType::kDouble, 0),
            Canonical(DataType::kDouble, codec::JsonScalar::Number("7")));
  const uint64_t big[] = {~uint64_t{0}};
  TestArray u(1, {nullptr, big});
  EXPECT_EQ(Convert(u.column("L"), DataType::kBigint, 0, false), "out of BIGINT range (int64)");
  EXPECT_EQ(Convert(u.column("L"), DataType::kDecimal, 0), "18446744073709551615");
}

TEST(ArrowValue, OffsetAndNulls) {
  const int32_t values[] = {1, 2, 3, 4};
  const uint8_t validity[] = {0b1101};  // row 1 null
  TestArray a(3, {validity, values}, 1);
  a.array.offset = 1;  // rows 0..2 are values 2, 3, 4; bit 1+1=2 -> set; bit 1 (row 0) -> 0
  EXPECT_TRUE(a.column("i").IsNull(0));
  EXPECT_FALSE(a.column("i").IsNull(1));
  EXPECT_EQ(Convert(a.column("i"), DataType::kInt, 2),
            Canonical(DataType::kInt, codec::JsonScalar::Number("4")));
}

TEST(ArrowValue, FloatsRejectNanAndFloatRange) {
  const double values[] = {1.5, std::numeric_limits<double>::quiet_NaN(), 1e300};
  TestArray a(3, {nullptr, values});
  EXPECT_EQ(Convert(a.column("g"), DataType::kDouble, 0),
            Canonical(DataType::kDouble, codec::JsonScalar::Number("1.5")));
  EXPECT_EQ(Convert(a.column("g"), DataType::kFloat, 0),
            Canonical(DataType::kFloat, codec::JsonScalar::Number("1.5")));
  EXPECT_EQ(Convert(a.column("g"), DataType::kDouble, 1, false), "NaN and infinities are not DOUBLE");
  EXPECT_EQ(Convert(a.column("g"), DataType::kFloat, 2, false), "out of FLOAT range");
  EXPECT_EQ(Convert(a.column("g"), DataType::kDecimal, 0), "1.5");
}

// -0.0 is stored as the serving API's conversion of -0 stores it (0), so a value loaded straight into the
// store and one sent through Kafka (in its JSON form) are the same bytes.
TEST(ArrowValue, NegativeZeroIsStoredAsTheJsonConversionStoresIt) {
  const double doubles[] = {-0.0};
  const float floats[] = {-0.0f};
  TestArray d(1, {nullptr, doubles});
  TestArray f(1, {nullptr, floats});
  for (DataType type : {DataType::kDouble, DataType::kFloat}) {
    const std::string json_form = Canonical(type, codec::JsonScalar::Number("-0"));
    EXPECT_EQ(Convert(d.column("g"), type, 0), json_form);
    EXPECT_EQ(Convert(f.column("f"), type, 0), json_form);
  }
}

TEST(ArrowValue, Float32ToDecimalKeepsTheFloatsOwnDigits) {
  const float values[] = {0.1f, 2.5f};
  TestArray a(2, {nullptr, values});
  EXPECT_EQ(Convert(a.column("f"), DataType::kDecimal, 0), "0.1");
  EXPECT_EQ(Convert(a.column("f"), DataType::kDecimal, 1), "2.5");
}

TEST(ArrowValue, StringsAndTextTypes) {
  const int32_t offsets[] = {0, 5, 41, 49, 52};
  const std::string data =
      "hello"
      "123e4567-e89b-12d3-a456-426614174000"
      "10.0.0.1"
      "h\xC3\xA9";
  TestArray a(4, {nullptr, offsets, data.data()});
  EXPECT_EQ(Convert(a.column("u"), DataType::kText, 0), "hello");
  EXPECT_EQ(Convert(a.column("u"), DataType::kUuid, 1),
            Canonical(DataType::kUuid, codec::JsonScalar::String("123e4567-e89b-12d3-a456-426614174000")));
  EXPECT_EQ(
      Convert(a.column("u"), DataType::kTimeuuid, 1),
      Canonical(DataType::kTimeuuid, codec::JsonScalar::String("123e4567-e89b-12d3-a456-426614174000")));
  EXPECT_EQ(Convert(a.column("u"), DataType::kInet, 2), std::string("\x0a\x00\x00\x01", 4));
  Convert(a.column("u"), DataType::kAscii, 3, false);
  Convert(a.column("u"), DataType::kInet, 0, false);
}

TEST(ArrowValue, DecimalsDatesAndTimestamps) {
  __extension__ typedef __int128 Int128;
  const Int128 decimals[] = {12345, -5, 1200};
  TestArray d(3, {nullptr, decimals});
  EXPECT_EQ(Convert(d.column("d:10,2"), DataType::kDecimal, 0), "123.45");
  EXPECT_EQ(Convert(d.column("d:10,2"), DataType::kDecimal, 1), "-0.05");
  EXPECT_EQ(Convert(d.column("d:10,2"), DataType::kVarint, 2), "12");
  EXPECT_EQ(Convert(d.column("d:10,2"), DataType::kVarint, 0, false), "a VARINT has no fraction, got 123.45");
  const int32_t days[] = {1, -1};
  TestArray dates(2, {nullptr, days});
  EXPECT_EQ(Convert(dates.column("tdD"), DataType::kTimestamp, 0),
            Canonical(DataType::kTimestamp, codec::JsonScalar::Number("86400000")));
  EXPECT_EQ(Convert(dates.column("tdD"), DataType::kTimestamp, 1),
            Canonical(DataType::kTimestamp, codec::JsonScalar::Number("-86400000")));
  const int64_t micros[] = {1'700'000'000'123'456, -1};
  TestArray ts(2, {nullptr, micros});
  EXPECT_EQ(Convert(ts.column("tsu:UTC"), DataType::kTimestamp, 0),
            Canonical(DataType::kTimestamp, codec::JsonScalar::Number("1700000000123")));
  EXPECT_EQ(Convert(ts.column("tsu:"), DataType::kTimestamp, 1),
            Canonical(DataType::kTimestamp, codec::JsonScalar::Number("-1")));
}

TEST(ArrowValue, BooleansAndBinary) {
  const uint8_t bits[] = {0b10};
  TestArray b(2, {nullptr, bits});
  EXPECT_EQ(Convert(b.column("b"), DataType::kBoolean, 0), std::string(1, '\0'));
  EXPECT_EQ(Convert(b.column("b"), DataType::kBoolean, 1), std::string(1, '\1'));
  const char uuid[16] = {0x12, 0x3e, 0x45, 0x67, char(0xe8), char(0x9b), 0x42, char(0xd3)};
  TestArray w(1, {nullptr, uuid});
  EXPECT_EQ(Convert(w.column("w:16"), DataType::kUuid, 0), std::string(uuid, 16));
  EXPECT_EQ(Convert(w.column("w:16"), DataType::kTimeuuid, 0, false), "not a version-1 UUID (TIMEUUID)");
}

TEST(ArrowValue, MismatchesNameTheColumnAndTypes) {
  Result<ValueConverter> c = ValueConverter::For(ArrowField{"score", "u", true}, DataType::kInt);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidRequest);
  EXPECT_NE(c.status().message().find("column score has Arrow type \"u\""), std::string_view::npos);
  EXPECT_NE(c.status().message().find("INT"), std::string_view::npos);
  EXPECT_FALSE(ValueConverter::For(ArrowField{"x", "+l", true}, DataType::kText).ok());
  EXPECT_FALSE(ValueConverter::For(ArrowField{"x", "d:40,2,256", true}, DataType::kDecimal).ok());
  EXPECT_FALSE(ValueConverter::For(ArrowField{"x", "w:8", true}, DataType::kUuid).ok());
  EXPECT_FALSE(ValueConverter::For(ArrowField{"x", "b", true}, DataType::kInt).ok());
}

}  // namespace
}  // namespace ofs::delta
