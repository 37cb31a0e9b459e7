#include "codec/value_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace ofs::codec {
namespace {

using model::DataType;

JsonScalar Str(std::string_view s) { return JsonScalar::String(s); }
JsonScalar Num(std::string_view s) { return JsonScalar::Number(s); }

// The JSON read form of the value `in` converts to, or "rejected".
std::string Json(DataType type, const JsonScalar& in) {
  std::string value;
  if (!AppendValue(type, in, &value).ok()) return "rejected";
  std::string json;
  JsonWriter writer(&json);
  WriteValueJson(type, value, &writer);
  return json;
}

std::string Bytes(DataType type, const JsonScalar& in) {
  std::string value;
  EXPECT_TRUE(AppendValue(type, in, &value).ok()) << in.text;
  return value;
}

std::string ErrorMessage(DataType type, const JsonScalar& in) {
  std::string value;
  Status status = AppendValue(type, in, &value);
  EXPECT_EQ(status.code(), ErrorCode::kFeatureGroupSchemaValidation);
  return std::string(status.message());
}

std::string WriteBytes(DataType type, std::string_view value) {
  std::string json;
  JsonWriter writer(&json);
  WriteValueJson(type, value, &writer);
  return json;
}

TEST(AppendValue, NullAndContainersAreRejectedForEveryType) {
  for (int i = 0; i < model::kDataTypeCount; ++i) {
    const auto type = static_cast<DataType>(i);
    EXPECT_EQ(ErrorMessage(type, JsonScalar::Null()),
              "null is not a value (column type " + std::string(model::DataTypeName(type)) + ")");
    EXPECT_EQ(Json(type, JsonScalar{JsonScalar::Kind::kOther, false, {}}), "rejected");
  }
}

TEST(AppendValue, FailureLeavesOutputUntouched) {
  std::string out = "prefix";
  EXPECT_FALSE(AppendValue(DataType::kTimeuuid, Str("f47ac10b-58cc-4372-a567-0e02b2c3d479"), &out).ok());
  EXPECT_FALSE(AppendValue(DataType::kBlob, Str("Zm9vYg=x"), &out).ok());
  EXPECT_FALSE(AppendValue(DataType::kDecimal, Num("1e5000"), &out).ok());
  EXPECT_EQ(out, "prefix");
  ASSERT_TRUE(AppendValue(DataType::kInt, Num("1"), &out).ok());
  EXPECT_EQ(out, std::string("prefix\0\0\0\1", 10));
}

TEST(AppendValue, ErrorMessagesNameTypeAndValue) {
  EXPECT_EQ(ErrorMessage(DataType::kInt, Str("12x")), "expected INT (integer within int32), got \"12x\"");
  EXPECT_EQ(ErrorMessage(DataType::kInt, Num("1.5")), "expected INT (integer within int32), got 1.5");
  EXPECT_EQ(ErrorMessage(DataType::kText, JsonScalar::Bool(true)), "expected TEXT (a JSON string), got true");
  EXPECT_EQ(ErrorMessage(DataType::kUuid, JsonScalar{JsonScalar::Kind::kOther, false, {}}),
            "expected UUID (a UUID xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got an object or array");
}

TEST(AppendValue, ErrorMessagesTruncateOnCharacterBoundary) {
  const std::string long_value = std::string(39, 'a') + "\xC3\xA9" + std::string(100, 'b');
  EXPECT_EQ(ErrorMessage(DataType::kAscii, Str(long_value)),
            "expected ASCII (a string of ASCII characters only), got \"" + std::string(39, 'a') + "...\"");
  EXPECT_EQ(ErrorMessage(DataType::kInt, Num(std::string(100, '9'))),
            "expected INT (integer within int32), got " + std::string(40, '9') + "...");
}

TEST(Text, AnyJsonString) {
  for (DataType type : {DataType::kText, DataType::kVarchar}) {
    EXPECT_EQ(Json(type, Str("h\xC3\xA9llo")), "\"h\xC3\xA9llo\"");
    EXPECT_EQ(Json(type, Str("")), "\"\"");
    EXPECT_EQ(Json(type, Str("a\"b\\c\n")), R"("a\"b\\c\n")");
    EXPECT_EQ(Bytes(type, Str(std::string_view("a\0b", 3))), std::string("a\0b", 3));
    EXPECT_EQ(Json(type, Num("1")), "rejected");
    EXPECT_EQ(Json(type, JsonScalar::Bool(false)), "rejected");
  }
}

TEST(Ascii, OnlyBytesBelow0x80) {
  EXPECT_EQ(Json(DataType::kAscii, Str("abc ~\x7F")), "\"abc ~\x7F\"");
  EXPECT_EQ(Json(DataType::kAscii, Str("")), "\"\"");
  EXPECT_EQ(Json(DataType::kAscii, Str("\xC3\xA9")), "rejected");
  EXPECT_EQ(Json(DataType::kAscii, Str("abc\x80")), "rejected");
  EXPECT_EQ(Json(DataType::kAscii, Num("1")), "rejected");
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    std::string text, bytes;
    Base64Encode(plain, &text);
    EXPECT_EQ(text, encoded);
    ASSERT_TRUE(Base64Decode(encoded, &bytes)) << encoded;
    EXPECT_EQ(bytes, plain);
  }
}

TEST(Base64, AllByteValuesRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::string text, bytes;
    Base64Encode(std::string_view(all).substr(0, n), &text);
    ASSERT_TRUE(Base64Decode(text, &bytes));
    EXPECT_EQ(bytes, all.substr(0, n));
  }
}

TEST(Base64, RejectsNonCanonicalText) {
  for (std::string_view bad : {"Zm9vYg", "Zm9vYg=", "Zm9v Yg==", "Zm9vYg==\n", " Zm9v", "-_8=", "Zm9_",
                               "Zm-v", "Zm=v", "Zg=a", "====", "Z===", "Zh==", "Zm9=", "Zm9vY===", "Zm\0v"}) {
    std::string bytes = "keep";
    EXPECT_FALSE(Base64Decode(bad, &bytes)) << bad;
    EXPECT_EQ(bytes, "keep");
  }
}

TEST(Blob, Base64InAndOut) {
  EXPECT_EQ(Bytes(DataType::kBlob, Str("SGVsbG8=")), "Hello");
  EXPECT_EQ(Json(DataType::kBlob, Str("SGVsbG8=")), "\"SGVsbG8=\"");
  EXPECT_EQ(Json(DataType::kBlob, Str("")), "\"\"");
  EXPECT_EQ(Json(DataType::kBlob, Str("SGVsbG8")), "rejected");
  EXPECT_EQ(Json(DataType::kBlob, Str("-_-_")), "rejected");
  EXPECT_EQ(Json(DataType::kBlob, Num("1234")), "rejected");
}

TEST(Boolean, BoolsAndTheirStrings) {
  EXPECT_EQ(Json(DataType::kBoolean, JsonScalar::Bool(true)), "true");
  EXPECT_EQ(Json(DataType::kBoolean, JsonScalar::Bool(false)), "false");
  EXPECT_EQ(Json(DataType::kBoolean, Str("TRUE")), "true");
  EXPECT_EQ(Json(DataType::kBoolean, Str("False")), "false");
  for (std::string_view bad : {"yes", "1", "", "t", "true "})
    EXPECT_EQ(Json(DataType::kBoolean, Str(bad)), "rejected");
  EXPECT_EQ(Json(DataType::kBoolean, Num("1")), "rejected");
}

TEST(Decimal, Canonicalized) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"1.50", "1.5"},
      {"1.5e0", "1.5"},
      {"1.5E3", "1500"},
      {"1.5e-3", "0.0015"},
      {"-0", "0"},
      {"-0.000", "0"},
      {"0e999999999", "0"},
      {"100", "100"},
      {"1e2", "100"},
      {"1e+2", "100"},
      {"007.50", "7.5"},
      {"12345e-2", "123.45"},
      {"-12.3400", "-12.34"},
      {"0.00120", "0.0012"},
      {"123456789012345678901234567890.5", "123456789012345678901234567890.5"},
      {"0.1e1", "1"},
      {"10e-1", "1"},
      {"-5e-1", "-0.5"}};
  for (const auto& [in, canonical] : cases) {
    EXPECT_EQ(Bytes(DataType::kDecimal, Num(in)), canonical) << in;
    EXPECT_EQ(Bytes(DataType::kDecimal, Str(in)), canonical) << in;
    EXPECT_EQ(Json(DataType::kDecimal, Num(in)), canonical) << in;
  }
}

TEST(Decimal, DigitLimit) {
  EXPECT_EQ(Bytes(DataType::kDecimal, Num("1e999")), "1" + std::string(999, '0'));
  EXPECT_EQ(Json(DataType::kDecimal, Num("1e1000")), "rejected");
  EXPECT_EQ(Bytes(DataType::kDecimal, Num("1e-998")), "0." + std::string(997, '0') + "1");
  EXPECT_EQ(Bytes(DataType::kDecimal, Num("1e-999")), "0." + std::string(998, '0') + "1");
  EXPECT_EQ(Json(DataType::kDecimal, Num("1e-1000")), "rejected");
  EXPECT_EQ(Json(DataType::kDecimal, Num("1e99999999999999999999999")), "rejected");
  EXPECT_EQ(Json(DataType::kDecimal, Num("1e-99999999999999999999999")), "rejected");
}

TEST(Decimal, RejectsNonNumbers) {
  for (std::string_view bad : {"", "abc", "1.", ".5", "+1", "1e", "1e+", "--1", " 1", "1 ", "NaN", "Infinity",
                               "0x10", "1,5", "1.5.5", "e5", "-"}) {
    EXPECT_EQ(Json(DataType::kDecimal, Str(bad)), "rejected") << bad;
  }
  EXPECT_EQ(Json(DataType::kDecimal, JsonScalar::Bool(true)), "rejected");
}

TEST(Double, NumbersAndNumericStrings) {
  EXPECT_EQ(Json(DataType::kDouble, Num("1.5")), "1.5");
  EXPECT_EQ(Json(DataType::kDouble, Str("2.25")), "2.25");
  EXPECT_EQ(Json(DataType::kDouble, Num("0.1")), "0.1");
  EXPECT_EQ(Json(DataType::kDouble, Num("-3")), "-3");
  EXPECT_EQ(Json(DataType::kDouble, Num("1e308")), "1e+308");
  EXPECT_EQ(Json(DataType::kDouble, Num("5e-324")), "5e-324");
  EXPECT_EQ(Json(DataType::kDouble, Num("1e-400")), "0");
  EXPECT_EQ(Bytes(DataType::kDouble, Num("-0")), Bytes(DataType::kDouble, Num("0")));
  EXPECT_EQ(Json(DataType::kDouble, Num("9007199254740993")), "9007199254740992");
}

TEST(Double, RejectsNonFiniteAndJunk) {
  for (std::string_view bad : {"NaN", "nan", "Infinity", "-Infinity", "inf", "1e309", "-1e309", "", "1.",
                               "+1", "0x1p3", " 1", "abc"}) {
    EXPECT_EQ(Json(DataType::kDouble, Str(bad)), "rejected") << bad;
  }
  EXPECT_EQ(Json(DataType::kDouble, JsonScalar::Bool(true)), "rejected");
}

TEST(Float, FloatPrecisionAndRange) {
  EXPECT_EQ(Json(DataType::kFloat, Num("1.1")), "1.1");
  EXPECT_EQ(Json(DataType::kFloat, Str("0.1")), "0.1");
  EXPECT_EQ(Json(DataType::kFloat, Num("16777217")), "16777216");
  EXPECT_EQ(Json(DataType::kFloat, Num("3.4028235e38")), "3.4028235e+38");
  EXPECT_EQ(Json(DataType::kFloat, Num("1e-50")), "0");
  EXPECT_EQ(Bytes(DataType::kFloat, Num("-0.0")), std::string(4, '\0'));
  for (std::string_view bad : {"1e39", "-1e39", "3.5e38", "NaN", "Infinity", "-Infinity", ""}) {
    EXPECT_EQ(Json(DataType::kFloat, Str(bad)), "rejected") << bad;
    EXPECT_EQ(Json(DataType::kFloat, Num(bad)), "rejected") << bad;
  }
}

TEST(Int, Int32Bounds) {
  EXPECT_EQ(Json(DataType::kInt, Num("2147483647")), "2147483647");
  EXPECT_EQ(Json(DataType::kInt, Num("-2147483648")), "-2147483648");
  EXPECT_EQ(Json(DataType::kInt, Num("2147483648")), "rejected");
  EXPECT_EQ(Json(DataType::kInt, Num("-2147483649")), "rejected");
  EXPECT_EQ(Json(DataType::kInt, Str("42")), "42");
  EXPECT_EQ(Json(DataType::kInt, Str("-0")), "0");
  EXPECT_EQ(Json(DataType::kInt, Str("007")), "7");
  EXPECT_EQ(Bytes(DataType::kInt, Num("-2")), "\xFF\xFF\xFF\xFE");
}

TEST(Int, RejectsNonIntegers) {
  for (std::string_view bad : {"1.5", "1.0", "1e3", "+1", "", "-", "0x1", " 1", "1 ", "abc", "1_000"}) {
    EXPECT_EQ(Json(DataType::kInt, Str(bad)), "rejected") << bad;
    EXPECT_EQ(Json(DataType::kInt, Num(bad)), "rejected") << bad;
  }
  EXPECT_EQ(Json(DataType::kInt, JsonScalar::Bool(true)), "rejected");
}

TEST(Bigint, Int64BoundsAndExactness) {
  EXPECT_EQ(Json(DataType::kBigint, Num("9223372036854775807")), "9223372036854775807");
  EXPECT_EQ(Json(DataType::kBigint, Num("-9223372036854775808")), "-9223372036854775808");
  EXPECT_EQ(Json(DataType::kBigint, Num("9223372036854775808")), "rejected");
  EXPECT_EQ(Json(DataType::kBigint, Num("-9223372036854775809")), "rejected");
  EXPECT_EQ(Json(DataType::kBigint, Num("9007199254740993")), "9007199254740993");
  EXPECT_EQ(Json(DataType::kBigint, Str("9007199254740993")), "9007199254740993");
  for (std::string_view bad : {"1.5", "1e3", "+1", "", "9007199254740993.0"}) {
    EXPECT_EQ(Json(DataType::kBigint, Num(bad)), "rejected") << bad;
  }
}

TEST(Timestamp, EpochMillis) {
  EXPECT_EQ(Json(DataType::kTimestamp, Num("1700000000123")), "1700000000123");
  EXPECT_EQ(Json(DataType::kTimestamp, Str("1700000000123")), "1700000000123");
  EXPECT_EQ(Json(DataType::kTimestamp, Num("-1")), "-1");
  for (std::string_view bad : {"1.5", "1e12", "+1", "", "9223372036854775808"}) {
    EXPECT_EQ(Json(DataType::kTimestamp, Num(bad)), "rejected") << bad;
  }
}

TEST(Timestamp, IsoUtcText) {
  EXPECT_EQ(Json(DataType::kTimestamp, Str("1970-01-01T00:00:00Z")), "0");
  EXPECT_EQ(Json(DataType::kTimestamp, Str("2024-02-29T12:00:00Z")), "1709208000000");
  EXPECT_EQ(Json(DataType::kTimestamp, Str("2024-02-29T12:00:00.042Z")), "1709208000042");
  EXPECT_EQ(Json(DataType::kTimestamp, Str("2000-02-29T00:00:00Z")), "951782400000");
  EXPECT_EQ(Json(DataType::kTimestamp, Str("1969-12-31T23:59:59.999Z")), "-1");
  EXPECT_EQ(Json(DataType::kTimestamp, Str("9999-12-31T23:59:59.999Z")), "253402300799999");
  for (std::string_view bad : {"2023-02-29T00:00:00Z",
                               "1900-02-29T00:00:00Z",
                               "2024-04-31T00:00:00Z",
                               "2024-13-01T00:00:00Z",
                               "2024-00-01T00:00:00Z",
                               "2024-01-00T00:00:00Z",
                               "2024-01-01T24:00:00Z",
                               "2024-01-01T00:60:00Z",
                               "2024-01-01T00:00:60Z",
                               "2024-01-01T00:00:00",
                               "2024-01-01T00:00:00+01:00",
                               "2024-01-01T00:00:00.1Z",
                               "2024-01-01T00:00:00.1234Z",
                               "2024-01-01 00:00:00Z",
                               "2024-01-01t00:00:00z",
                               "2024-1-01T00:00:00Z",
                               "+024-01-01T00:00:00Z",
                               "2024-01-01T00:00:00.abcZ",
                               "2024-01-01",
                               ""}) {
    EXPECT_EQ(Json(DataType::kTimestamp, Str(bad)), "rejected") << bad;
  }
}

TEST(Uuid, CanonicalTextCaseInsensitive) {
  EXPECT_EQ(Json(DataType::kUuid, Str("123e4567-e89b-12d3-a456-426614174000")),
            "\"123e4567-e89b-12d3-a456-426614174000\"");
  EXPECT_EQ(Json(DataType::kUuid, Str("F47AC10B-58CC-4372-A567-0E02B2C3D479")),
            "\"f47ac10b-58cc-4372-a567-0e02b2c3d479\"");
  EXPECT_EQ(Bytes(DataType::kUuid, Str("00112233-4455-6677-8899-aabbccddeeff")),
            std::string("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xAA\xBB\xCC\xDD\xEE\xFF", 16));
  for (std::string_view bad :
       {"123e4567e89b12d3a456426614174000", "{123e4567-e89b-12d3-a456-426614174000}",
        "123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456-4266141740000",
        "123e4567-e89b-12d3-a456_426614174000", "g23e4567-e89b-12d3-a456-426614174000", ""}) {
    EXPECT_EQ(Json(DataType::kUuid, Str(bad)), "rejected") << bad;
  }
  EXPECT_EQ(Json(DataType::kUuid, Num("1")), "rejected");
}

TEST(Timeuuid, VersionOneOnly) {
  EXPECT_EQ(Json(DataType::kTimeuuid, Str("123E4567-E89B-12D3-A456-426614174000")),
            "\"123e4567-e89b-12d3-a456-426614174000\"");
  EXPECT_EQ(Json(DataType::kTimeuuid, Str("f47ac10b-58cc-4372-a567-0e02b2c3d479")), "rejected");
  EXPECT_EQ(Json(DataType::kTimeuuid, Str("123e4567-e89b-22d3-a456-426614174000")), "rejected");
  EXPECT_EQ(Json(DataType::kUuid, Str("f47ac10b-58cc-4372-a567-0e02b2c3d479")),
            "\"f47ac10b-58cc-4372-a567-0e02b2c3d479\"");
}

TEST(Inet, LiteralsOnly) {
  EXPECT_EQ(Json(DataType::kInet, Str("127.0.0.1")), "\"127.0.0.1\"");
  EXPECT_EQ(Bytes(DataType::kInet, Str("1.2.3.4")), "\x01\x02\x03\x04");
  EXPECT_EQ(Json(DataType::kInet, Str("::1")), "\"::1\"");
  EXPECT_EQ(Bytes(DataType::kInet, Str("::1")).size(), 16u);
  EXPECT_EQ(Json(DataType::kInet, Str("2001:DB8:0:0::1")), "\"2001:db8::1\"");
  EXPECT_EQ(Json(DataType::kInet, Str("::ffff:1.2.3.4")), "\"::ffff:1.2.3.4\"");
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "fe80::1%eth0",
           "1.2.3.4/24", "::g", "", std::string_view("1.2.3.4\0junk", 12),
           "0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:1"}) {
    EXPECT_EQ(Json(DataType::kInet, Str(bad)), "rejected") << bad;
  }
  EXPECT_EQ(Json(DataType::kInet, Num("16909060")), "rejected");
}

TEST(Varint, ExactArbitrarySize) {
  const std::string big = "-" + std::string(100, '9') + std::string(100, '1');
  EXPECT_EQ(Json(DataType::kVarint, Num(big)), big);
  EXPECT_EQ(Json(DataType::kVarint, Str(big.substr(1))), big.substr(1));
  EXPECT_EQ(Json(DataType::kVarint, Num("0")), "0");
  EXPECT_EQ(Json(DataType::kVarint, Num("-0")), "0");
  EXPECT_EQ(Json(DataType::kVarint, Str("-000")), "0");
  EXPECT_EQ(Json(DataType::kVarint, Str("000123")), "123");
  EXPECT_EQ(Json(DataType::kVarint, Str("-000123")), "-123");
  for (std::string_view bad : {"1.5", "1e3", "1.0", "+1", "", "-", "abc", " 1"}) {
    EXPECT_EQ(Json(DataType::kVarint, Num(bad)), "rejected") << bad;
  }
  EXPECT_EQ(Json(DataType::kVarint, JsonScalar::Bool(true)), "rejected");
}

TEST(WriteValueJson, MalformedBytesPrintNull) {
  EXPECT_EQ(WriteBytes(DataType::kInt, "abc"), "null");
  EXPECT_EQ(WriteBytes(DataType::kBigint, "abc"), "null");
  EXPECT_EQ(WriteBytes(DataType::kDouble, "abc"), "null");
  EXPECT_EQ(WriteBytes(DataType::kFloat, "abcde"), "null");
  EXPECT_EQ(WriteBytes(DataType::kBoolean, "\x02"), "null");
  EXPECT_EQ(WriteBytes(DataType::kBoolean, ""), "null");
  EXPECT_EQ(WriteBytes(DataType::kDecimal, "1,5"), "null");
  EXPECT_EQ(WriteBytes(DataType::kVarint, "1.5"), "null");
  EXPECT_EQ(WriteBytes(DataType::kVarint, "]"), "null");
  EXPECT_EQ(WriteBytes(DataType::kUuid, std::string(15, 'a')), "null");
  EXPECT_EQ(WriteBytes(DataType::kInet, "abcde"), "null");
}

TEST(WriteValueJson, ValuesSeparateInsideArrays) {
  std::string json;
  JsonWriter writer(&json);
  writer.StartArray();
  WriteValueJson(DataType::kBlob, "Hi", &writer);
  WriteValueJson(DataType::kBlob, "", &writer);
  WriteValueJson(DataType::kInt, Bytes(DataType::kInt, Num("5")), &writer);
  WriteValueJson(DataType::kDecimal, "1.5", &writer);
  WriteValueJson(DataType::kBoolean, std::string(1, '\1'), &writer);
  writer.EndArray();
  EXPECT_EQ(json, R"(["SGk=","",5,1.5,true])");
}

}  // namespace
}  // namespace ofs::codec
