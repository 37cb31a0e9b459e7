#include "codec/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ofs::codec {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(AppendJsonString, EscapesQuotesBackslashAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), R"("plain")");
  EXPECT_EQ(Quoted("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(Quoted("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(Quoted(std::string_view("\0\x01\x1F", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Quoted("\x7F h\xC3\xA9"), "\"\x7F h\xC3\xA9\"");
  EXPECT_EQ(Quoted(""), R"("")");
}

TEST(JsonWriter, NestedDocumentWithSeparators) {
  std::string out;
  JsonWriter w(&out);
  w.StartObject();
  w.Key("a");
  w.Int(-9223372036854775807 - 1);
  w.Key("b\"");
  w.StartArray();
  w.Bool(true);
  w.Null();
  w.String("x");
  w.StartObject();
  w.EndObject();
  w.StartArray();
  w.EndArray();
  w.Raw("1.50");
  w.EndArray();
  w.Key("c");
  w.Double(0.1);
  w.EndObject();
  EXPECT_EQ(out, R"({"a":-9223372036854775808,"b\"":[true,null,"x",{},[],1.50],"c":0.1})");
}

TEST(JsonWriter, NumbersInShortestRoundTripForm) {
  std::string out;
  JsonWriter w(&out);
  w.StartArray();
  w.Float(0.1f);
  w.Double(0.1f);
  w.Float(16777216.0f);
  w.Double(1e300);
  w.Double(std::numeric_limits<double>::quiet_NaN());
  w.Float(std::numeric_limits<float>::infinity());
  w.Double(-0.0);
  w.EndArray();
  EXPECT_EQ(out, "[0.1,0.10000000149011612,16777216,1e+300,null,null,-0]");
}

TEST(JsonWriter, AppendsToExistingBuffer) {
  std::string out = "prefix:";
  JsonWriter w(&out);
  w.String("v");
  EXPECT_EQ(out, "prefix:\"v\"");
  EXPECT_EQ(w.buffer(), &out);
}

}  // namespace
}  // namespace ofs::codec
