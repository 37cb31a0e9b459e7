#include "codec/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

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

// The word-at-a-time skip must find a character to escape at every position of a long string, and
// treat bytes >= 0x80 (UTF-8) and the neighbours of the special characters as plain.
TEST(AppendJsonString, LongStringsEscapeEveryPositionExactly) {
  const std::string plain = "abcdefghijklmnopqrstuvwxyz0123456789 #!$\x7f\xc3\xa9\xff[]";
  EXPECT_EQ(Quoted(plain), "\"" + plain + "\"");
  const std::vector<std::pair<char, std::string>> specials = {
      {'"', "\\\""}, {'\\', "\\\\"}, {'\n', "\\n"}, {'\0', "\\u0000"}, {'\x1f', "\\u001f"}};
  for (const auto& [special, escaped] : specials) {
    for (size_t at = 0; at < plain.size(); ++at) {
      std::string input = plain;
      input[at] = special;
      const std::string expected = "\"" + plain.substr(0, at) + escaped + plain.substr(at + 1) + "\"";
      ASSERT_EQ(Quoted(input), expected) << "special " << static_cast<int>(special) << " at " << at;
    }
  }
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
