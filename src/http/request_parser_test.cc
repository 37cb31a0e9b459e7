#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ofs::http {
namespace {

using Step = RequestParser::Step;

// What parsing one message produced.
struct Outcome {
  Step step = Step::kNeedMore;  // kDone, kError, or kNeedMore when the input ran out
  bool head_complete = false;   // kHead was returned
  int status = 0;               // for kError
  std::string error;
  RequestHead head;
  std::string body;
  size_t consumed = 0;  // bytes of the input the message took
};

// Parses one message from `input`, handing it over `piece` bytes at a time (0 = all at once), as a
// connection does: unconsumed bytes are passed again with the next piece.
Outcome ParseOne(std::string_view input, size_t piece = 0, RequestParser::Limits limits = {}) {
  RequestParser parser(limits);
  Outcome out;
  size_t offered = piece == 0 ? input.size() : std::min(piece, input.size());
  for (;;) {
    size_t used = 0;
    const Step step = parser.Parse(input.substr(out.consumed, offered - out.consumed), &used);
    out.consumed += used;
    if (step == Step::kHead) {
      out.head_complete = true;
      out.head = parser.head();
      parser.SetBodySink(&out.body);
      continue;
    }
    if (step == Step::kDone || step == Step::kError) {
      out.step = step;
      out.status = parser.error_status();
      out.error = parser.error().message();
      if (step == Step::kDone) out.head = parser.head();
      return out;
    }
    if (offered == input.size()) return out;  // kNeedMore with everything offered
    offered = std::min(offered + (piece == 0 ? input.size() : piece), input.size());
  }
}

// Parses `input` whole and byte by byte; both must agree.
Outcome Parse(std::string_view input, RequestParser::Limits limits = {}) {
  Outcome whole = ParseOne(input, 0, limits);
  Outcome bytes = ParseOne(input, 1, limits);
  EXPECT_EQ(whole.step, bytes.step) << input;
  EXPECT_EQ(whole.status, bytes.status) << input;
  EXPECT_EQ(whole.body, bytes.body) << input;
  EXPECT_EQ(whole.consumed, bytes.consumed) << input;
  return whole;
}

TEST(RequestParserTest, ParsesAnApiRequest) {
  const std::string input =
      "POST /v1/feature/read?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type:application/json\r\n"
      "Content-Length: 12\r\nX-Empty:\r\nX-Padded: \t value with  spaces \t\r\n\r\n{\"a\": true}\nNEXT";
  Outcome out = Parse(input);
  ASSERT_EQ(out.step, Step::kDone) << out.error;
  EXPECT_EQ(out.head.method, Method::kPost);
  EXPECT_EQ(out.head.target(), "/v1/feature/read?x=1");
  EXPECT_EQ(out.head.http_minor, 1);
  ASSERT_EQ(out.head.headers.size(), 5u);
  EXPECT_EQ(out.head.name(0), "host");
  EXPECT_EQ(out.head.value(0), "localhost:8080");
  EXPECT_EQ(out.head.name(1), "content-type");
  EXPECT_EQ(out.head.value(1), "application/json");
  EXPECT_EQ(out.head.value(3), "");
  EXPECT_EQ(out.head.value(4), "value with  spaces");
  EXPECT_TRUE(out.head.has_length);
  EXPECT_EQ(out.head.content_length, 12u);
  EXPECT_TRUE(out.head.keep_alive);
  EXPECT_FALSE(out.head.chunked);
  EXPECT_EQ(out.body, "{\"a\": true}\n");
  EXPECT_EQ(out.consumed, input.size() - 4);
}

TEST(RequestParserTest, KeepAliveFollowsTheVersionAndConnectionOptions) {
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nConnection: Keep-Alive, Close\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nConnection: Keep-Alive\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.0\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.0\r\nConnection: x, keep-alive\r\n\r\n").head.keep_alive);
  Outcome out = Parse("GET / HTTP/1.0\r\nconnection: keep-alive\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(out.head.http_minor, 0);
  EXPECT_FALSE(out.head.keep_alive);
}

TEST(RequestParserTest, MethodsTargetsAndUpgrades) {
  Outcome out = Parse("PROPFIND /x HTTP/1.1\r\n\r\n");
  ASSERT_EQ(out.step, Step::kDone);
  EXPECT_EQ(out.head.method, Method::kOther);
  EXPECT_EQ(Parse("OPTIONS * HTTP/1.1\r\n\r\n").step, Step::kDone);
  EXPECT_EQ(Parse("GET http://h:1/a?b HTTP/1.1\r\n\r\n").head.target(), "http://h:1/a?b");
  EXPECT_EQ(Parse("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n").step, Step::kDone);  // obs-text, as before
  EXPECT_TRUE(Parse("CONNECT h:443 HTTP/1.1\r\n\r\n").head.upgrade);
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n").head.upgrade);
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\n\r\n").head.upgrade);
}

TEST(RequestParserTest, EmptyLinesBeforeARequestLineAreIgnored) {
  Outcome out = Parse("\r\n\r\nGET /a HTTP/1.1\r\n\r\n");
  ASSERT_EQ(out.step, Step::kDone) << out.error;
  EXPECT_EQ(out.head.target(), "/a");
  RequestParser parser({});
  size_t used = 0;
  EXPECT_EQ(parser.Parse("\r\n\r\n", &used), Step::kNeedMore);
  EXPECT_EQ(used, 4u);
  EXPECT_FALSE(parser.in_message());
  EXPECT_EQ(parser.Parse("G", &used), Step::kNeedMore);
  EXPECT_TRUE(parser.in_message());
}

TEST(RequestParserTest, ChunkedBodyWithExtensionsAndTrailers) {
  const std::string input =
      "POST /c HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "5;name=value ; quoted=\"a \\\"b\\\"\"\r\nhello\r\n"
      "000006\r\n world\r\n"
      "0;last\r\nX-Trailer: v\r\nChecksum:x\r\n\r\nNEXT";
  Outcome out = Parse(input);
  ASSERT_EQ(out.step, Step::kDone) << out.error;
  EXPECT_TRUE(out.head.chunked);
  EXPECT_FALSE(out.head.has_length);
  EXPECT_EQ(out.body, "hello world");
  EXPECT_EQ(out.consumed, input.size() - 4);
}

TEST(RequestParserTest, PipelinedMessagesParseOneAfterAnother) {
  const std::string input =
      "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
      "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
      "GET /c HTTP/1.1\r\n\r\n";
  RequestParser parser({});
  std::string_view rest = input;
  std::vector<std::string> seen;
  std::string body;
  for (int steps = 0; steps < 6; ++steps) {  // a head and a done per message
    size_t used = 0;
    Step step = parser.Parse(rest, &used);
    rest.remove_prefix(used);
    if (step == Step::kHead) {
      body.clear();
      parser.SetBodySink(&body);
    } else {
      ASSERT_EQ(step, Step::kDone) << parser.error().message();
      seen.push_back(std::string(parser.head().target()) + "=" + body);
    }
  }
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"/a=abc", "/b=de", "/c="}));
}

struct Refused {
  const char* input;
  int status;
  const char* cause;  // a part of the error message
};

void ExpectRefused(const std::vector<Refused>& cases, RequestParser::Limits limits = {}) {
  for (const Refused& c : cases) {
    Outcome out = Parse(c.input, limits);
    EXPECT_EQ(out.step, Step::kError) << c.input;
    EXPECT_EQ(out.status, c.status) << c.input << " -> " << out.error;
    EXPECT_NE(out.error.find(c.cause), std::string::npos) << c.input << " -> " << out.error;
  }
}

TEST(RequestParserTest, RefusesWhitespaceBeforeTheColonAndObsFold) {
  ExpectRefused({
      {"POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, "whitespace between"},
      {"GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400, "whitespace between"},
      {"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400, "obsolete line folding"},
      {"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", 400, "obsolete line folding"},
      {"GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, "obsolete line folding"},
      {"GET / HTTP/1.1\r\n: a\r\n\r\n", 400, "not `name: value`"},
      {"GET / HTTP/1.1\r\nX(y): a\r\n\r\n", 400, "not `name: value`"},
      {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "not `name: value`"},
      {"GET / HTTP/1.1\r\nX: a\x01\r\n\r\n", 400, "control character"},
      {"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", 400, "control character"},
      {"GET / HTTP/1.0\r\nConnection: \xe0, keep-alive\r\n\r\n", 400, "Connection is not a list of tokens"},
      {"GET / HTTP/1.1\r\nConnection: close x\r\n\r\n", 400, "Connection is not a list of tokens"},
  });
  Outcome nul = Parse(std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 27));
  EXPECT_EQ(nul.status, 400);
}

TEST(RequestParserTest, RefusesBareLineEnds) {
  ExpectRefused({
      {"GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "bare LF"},
      {"GET / HTTP/1.1\r\nHost: a\n\r\n", 400, "bare LF"},
      {"GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "bare LF"},
      {"\nGET / HTTP/1.1\r\n\r\n", 400, "bare LF"},
      {"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400, "control character"},
      {"GET /\r HTTP/1.1\r\n\r\n", 400, "invalid request target"},
  });
}

TEST(RequestParserTest, RefusesOtherVersionsWith505AndMalformedRequestLinesWith400) {
  ExpectRefused({
      {"GET / HTTP/9.9\r\n\r\n", 505, "HTTP version 9.9 not supported"},
      {"GET / HTTP/1.2\r\n\r\n", 505, "not supported"},
      {"GET / HTTP/2.0\r\n\r\n", 505, "not supported"},
      {"GET / HTTP/0.9\r\n\r\n", 505, "not supported"},
      {"GET / HTTP/1.10\r\n\r\n", 400, "request line"},
      {"GET / http/1.1\r\n\r\n", 400, "request line"},
      {"GET / HTTP/1.1 \r\n\r\n", 400, "request line"},
      {"GET /  HTTP/1.1\r\n\r\n", 400, "request line"},
      {"GET  / HTTP/1.1\r\n\r\n", 400, "request line"},
      {"GET /a b HTTP/1.1\r\n\r\n", 400, "request line"},
      {"GET\r\n\r\n", 400, "request line"},
      {"GET / \r\n\r\n", 400, "request line"},
      {"G(T / HTTP/1.1\r\n\r\n", 400, "request line"},
      {"GET a/b HTTP/1.1\r\n\r\n", 400, "invalid request target"},
      {"GET 1http://a/ HTTP/1.1\r\n\r\n", 400, "invalid request target"},
      {"GET http:/a HTTP/1.1\r\n\r\n", 400, "invalid request target"},
      {"GET urn:a HTTP/1.1\r\n\r\n", 400, "invalid request target"},
  });
}

TEST(RequestParserTest, RefusesTransferCodingsOtherThanAFinalChunked) {
  ExpectRefused({
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, "'gzip' not implemented"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501,
       "not implemented"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, "final transfer coding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
       "final transfer coding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "final transfer coding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 400, "final transfer coding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", 400, "empty element"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n", 400, "empty element"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n", 400, "empty element"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400, "applied once"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked;x=1\r\n\r\n0\r\n\r\n", 400, "final transfer coding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400, "final transfer coding"},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "HTTP/1.0"},
  });
  Outcome ok = Parse("POST / HTTP/1.1\r\nTransfer-Encoding: \t chunked \r\n\r\n1\r\nx\r\n0\r\n\r\n");
  EXPECT_EQ(ok.step, Step::kDone) << ok.error;
  EXPECT_EQ(ok.body, "x");
}

TEST(RequestParserTest, RefusesConflictingLengths) {
  ExpectRefused({
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
       "both Transfer-Encoding and Content-Length"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n", 400,
       "both Transfer-Encoding and Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400, "more than one"},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy", 400, "more than one"},
      {"POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx", 400, "not a number"},
      {"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx", 400, "not a number"},
      {"POST / HTTP/1.1\r\nContent-Length: 0x1\r\n\r\nx", 400, "not a number"},
      {"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400, "not a number"},
      {"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400, "not a number"},
  });
  ExpectRefused({{"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n", 413,
                  "request body of 18446744073709551615 bytes exceeds the limit"}});
}

TEST(RequestParserTest, RefusesMalformedChunkFraming) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::vector<std::pair<std::string, const char*>> bodies = {
      {"1\r\naXY0\r\n\r\n", "not followed by CRLF"},
      {"1\r\na\r\r0\r\n\r\n", "not followed by CRLF"},
      {"1\r\na\n0\r\n\r\n", "not followed by CRLF"},
      {"1\r\naa\r\n0\r\n\r\n", "not followed by CRLF"},
      {"1 \r\na\r\n0\r\n\r\n", "invalid chunk-size line"},
      {"1;\r\na\r\n0\r\n\r\n", "invalid chunk-size line"},
      {"1;a=\r\na\r\n0\r\n\r\n", "invalid chunk-size line"},
      {"1;a=\"x\r\na\r\n0\r\n\r\n", "invalid chunk-size line"},
      {"1;\x01\r\na\r\n0\r\n\r\n", "invalid chunk-size line"},
      {"1x\r\na\r\n0\r\n\r\n", "invalid chunk-size line"},
      {"0x1\r\na\r\n0\r\n\r\n", "invalid chunk-size line"},
      {"-1\r\na\r\n0\r\n\r\n", "not hexadecimal"},
      {"\r\na\r\n0\r\n\r\n", "not hexadecimal"},
      {" 1\r\na\r\n0\r\n\r\n", "not hexadecimal"},
      {"1\na\r\n0\r\n\r\n", "bare LF"},
      {"0\r\nX: a\r\n b\r\n\r\n", "trailer line"},
      {"0\r\nX : a\r\n\r\n", "trailer line"},
      {"0\r\nNoColon\r\n\r\n", "trailer line"},
      {"0\r\nX: \x01\r\n\r\n", "control character"},
      {"0\r\nContent-Length: 5\r\n\r\n", "in the trailer section"},
      {"0\r\ntransfer-encoding: chunked\r\n\r\n", "in the trailer section"},
      {"0\r\n\n", "bare LF"},
      {std::string(5000, '0') + "1\r\na\r\n0\r\n\r\n", "chunk-size line too long"},
  };
  for (const auto& [body, cause] : bodies) {
    Outcome out = Parse(head + body);
    EXPECT_EQ(out.step, Step::kError) << body;
    EXPECT_EQ(out.status, 400) << body;
    EXPECT_NE(out.error.find(cause), std::string::npos) << body << " -> " << out.error;
  }
}

TEST(RequestParserTest, WaitsForEveryByteOfTheFraming) {
  const std::string input = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n";
  for (size_t cut = 0; cut < input.size(); ++cut) {
    Outcome out = ParseOne(input.substr(0, cut));
    EXPECT_EQ(out.step, Step::kNeedMore) << cut;
  }
  EXPECT_EQ(ParseOne(input).step, Step::kDone);
}

TEST(RequestParserTest, HeadLimits) {
  RequestParser::Limits limits;
  limits.max_header_bytes = 100;
  // Counted: the target, and per header name + value + 4.
  const std::string fits =
      "GET /" + std::string(49, 't') + " HTTP/1.1\r\nX: " + std::string(45, 'v') + "\r\n\r\n";
  EXPECT_EQ(Parse(fits, limits).step, Step::kDone);
  const std::string over =
      "GET /" + std::string(50, 't') + " HTTP/1.1\r\nX: " + std::string(45, 'v') + "\r\n\r\n";
  ExpectRefused({{over.c_str(), 431, "request head exceeds the limit of 100 bytes"}}, limits);
  // Raw bytes (whitespace around values included) are bounded by twice the limit plus 4 KiB, also while
  // a line is unfinished.
  const std::string padded = "GET / HTTP/1.1\r\nX:" + std::string(4300, ' ') + "v\r\n\r\n";
  ExpectRefused({{padded.c_str(), 431, "exceeds the limit"}}, limits);
  Outcome unfinished = ParseOne("GET / HTTP/1.1\r\nX: " + std::string(4300, 'v'), 0, limits);
  EXPECT_EQ(unfinished.step, Step::kError);
  EXPECT_EQ(unfinished.status, 431);
  std::string blank_lines;
  for (int i = 0; i < 2200; ++i) blank_lines += "\r\n";
  ExpectRefused({{blank_lines.c_str(), 431, "exceeds the limit"}}, limits);
  // Trailer sections have the same limit of their own.
  const std::string trailer =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + std::string(100, 'x') + "\r\n\r\n";
  ExpectRefused({{trailer.c_str(), 431, "trailer section exceeds"}}, limits);
}

TEST(RequestParserTest, BodyLimitIsJudgedBeforeTheDataIsRead) {
  RequestParser::Limits limits;
  limits.max_body_bytes = 10;
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits).step, Step::kDone);
  Outcome length = ParseOne("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 0, limits);
  EXPECT_EQ(length.step, Step::kError);
  EXPECT_EQ(length.status, 413);
  EXPECT_FALSE(length.head_complete);
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  Outcome fits = Parse(head + "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n", limits);
  EXPECT_EQ(fits.step, Step::kDone);
  EXPECT_EQ(fits.body, "1234567890");
  // Refused at the size line: the data is never read.
  Outcome over = ParseOne(head + "5\r\n12345\r\n6\r\n", 0, limits);
  EXPECT_EQ(over.step, Step::kError);
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(ParseOne(head + "ffffffffffffffffffffffff\r\n", 0, limits).status, 413);
}

TEST(RequestParserTest, StartsAfreshAfterAnError) {
  RequestParser parser({});
  size_t used = 0;
  EXPECT_EQ(parser.Parse("GET / HTTP/9.9\r\n\r\n", &used), Step::kError);
  EXPECT_EQ(parser.error_status(), 505);
  EXPECT_FALSE(parser.in_message());
  EXPECT_EQ(parser.Parse("GET /b HTTP/1.1\r\n\r\n", &used), Step::kHead);
  EXPECT_EQ(parser.head().target(), "/b");
  EXPECT_TRUE(parser.error().ok());
}

}  // namespace
}  // namespace ofs::http
