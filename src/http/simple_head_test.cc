#include "http/simple_head.h"

#include <gtest/gtest.h>

#include <string>

namespace ofs::http {
namespace {

constexpr size_t kLimit = 8192;

TEST(SimpleHeadTest, ParsesAnApiRequest) {
  const std::string input =
      "POST /v1/feature/read?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type:application/json\r\n"
      "Content-Length: 12\r\nX-Empty:\r\n\r\n{\"a\": true}\n";
  SimpleHead head;
  ASSERT_TRUE(ParseSimpleHead(input, kLimit, &head));
  EXPECT_EQ(head.method, Method::kPost);
  EXPECT_EQ(head.target, "/v1/feature/read?x=1");
  EXPECT_EQ(head.http_minor, 1);
  ASSERT_EQ(head.header_count, 4u);
  EXPECT_EQ(head.headers[0].name, "Host");
  EXPECT_EQ(head.headers[0].value, "localhost:8080");
  EXPECT_EQ(head.headers[1].value, "application/json");  // no space after the colon
  EXPECT_EQ(head.headers[3].name, "X-Empty");
  EXPECT_EQ(head.headers[3].value, "");
  EXPECT_TRUE(head.has_length);
  EXPECT_EQ(head.content_length, 12u);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.head_size, input.size() - 12);
}

TEST(SimpleHeadTest, KeepAliveAsHttpParserDecidesIt) {
  SimpleHead head;
  ASSERT_TRUE(ParseSimpleHead("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", kLimit, &head));
  EXPECT_FALSE(head.keep_alive);
  ASSERT_TRUE(ParseSimpleHead("GET / HTTP/1.1\r\nConnection: Keep-Alive\r\n\r\n", kLimit, &head));
  EXPECT_TRUE(head.keep_alive);
  ASSERT_TRUE(ParseSimpleHead("GET / HTTP/1.0\r\n\r\n", kLimit, &head));
  EXPECT_FALSE(head.keep_alive);
  EXPECT_EQ(head.http_minor, 0);
  ASSERT_TRUE(ParseSimpleHead("HEAD /h HTTP/1.0\r\nconnection: keep-alive\r\n\r\n", kLimit, &head));
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.method, Method::kHead);
  EXPECT_FALSE(head.has_length);
}

TEST(SimpleHeadTest, ResetsWhatAnEarlierHeadSet) {
  SimpleHead head;
  ASSERT_TRUE(ParseSimpleHead("PUT /a HTTP/1.1\r\nContent-Length: 3\r\nA: b\r\n\r\nxyz", kLimit, &head));
  ASSERT_TRUE(ParseSimpleHead("DELETE /b HTTP/1.1\r\n\r\n", kLimit, &head));
  EXPECT_EQ(head.method, Method::kDelete);
  EXPECT_EQ(head.header_count, 0u);
  EXPECT_FALSE(head.has_length);
  EXPECT_EQ(head.content_length, 0u);
}

// Everything outside the simple subset is declined, to be parsed by http_parser.
TEST(SimpleHeadTest, DeclinesAnythingElse) {
  const char* declined[] = {
      "GET / HTTP/1.1\r\nHost: a\r\n",                                       // incomplete
      "GET / HTTP/1.1\r\nHost: a\r\n\r",                                     // incomplete
      "\r\nGET / HTTP/1.1\r\n\r\n",                                          // leading blank line
      "get / HTTP/1.1\r\n\r\n",                                              // method case
      "CONNECT a:443 HTTP/1.1\r\n\r\n",                                      // other method
      "GET http://a/ HTTP/1.1\r\n\r\n",                                      // absolute form
      "GET /a b HTTP/1.1\r\n\r\n",                                           // space in the target
      "GET /\x80 HTTP/1.1\r\n\r\n",                                          // non-ASCII target
      "GET / HTTP/2.0\r\n\r\n",                                              // version
      "GET / HTTP/1.1 \r\n\r\n",                                             // trailing space
      "GET / HTTP/1.1\nHost: a\r\n\r\n",                                     // bare LF
      "GET / HTTP/1.1\r\nHost: a\n\r\n",                                     // bare LF in a header
      "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",                                // obs-fold
      "GET / HTTP/1.1\r\nX : a\r\n\r\n",                                     // space before the colon
      "GET / HTTP/1.1\r\n: a\r\n\r\n",                                       // empty name
      "GET / HTTP/1.1\r\nX(y): a\r\n\r\n",                                   // not a token
      "GET / HTTP/1.1\r\nX: a \r\n\r\n",                                     // trailing whitespace
      "GET / HTTP/1.1\r\nX: \x01\r\n\r\n",                                   // control character
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",      // chunked
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",  // repeated length
      "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx",                      // sign
      "POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n",      // too many digits
      "GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n",           // token list
      "GET / HTTP/1.1\r\nConnection: close\r\nConnection: close\r\n\r\n",    // repeated
      "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",                        // upgrade
      "GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n",                   // proxy-connection
      "GET / HTTP/1.1\r\nTransfer-Encodingx: a\r\n\r\n",                     // a special name's prefix
      "GET / HTTP/1.1\r\nContent-Length2: 5\r\n\r\n",                        // a special name's prefix
  };
  SimpleHead head;
  for (const char* input : declined) EXPECT_FALSE(ParseSimpleHead(input, kLimit, &head)) << input;
}

TEST(SimpleHeadTest, DeclinesHeadsOverTheLimitOrWithTooManyHeaders) {
  SimpleHead head;
  const std::string head_of_100 = "GET / HTTP/1.1\r\nX: " + std::string(100 - 23, 'x') + "\r\n\r\n";
  ASSERT_EQ(head_of_100.size(), 100u);
  EXPECT_TRUE(ParseSimpleHead(head_of_100, 100, &head));
  EXPECT_FALSE(ParseSimpleHead(head_of_100, 99, &head));
  std::string many = "GET / HTTP/1.1\r\n";
  for (size_t i = 0; i <= SimpleHead::kMaxHeaders; ++i) many += "H" + std::to_string(i) + ": v\r\n";
  EXPECT_FALSE(ParseSimpleHead(many + "\r\n", kLimit, &head));
}

}  // namespace
}  // namespace ofs::http
