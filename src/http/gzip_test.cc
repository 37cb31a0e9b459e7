#include "http/gzip.h"

#include <gtest/gtest.h>

namespace ofs::http {
namespace {

TEST(GzipTest, RoundTripAndReuse) {
  Deflater deflater;
  Inflater inflater;
  for (int round = 0; round < 3; ++round) {
    std::string body;
    for (int i = 0; i < 5000; ++i) body += "{\"i\":" + std::to_string(i * round) + "}";
    std::string compressed;
    ASSERT_TRUE(deflater.Gzip(body, &compressed).ok());
    EXPECT_LT(compressed.size(), body.size());
    std::string inflated = "prefix:";
    ASSERT_TRUE(inflater.Inflate(compressed, body.size(), &inflated).ok());
    EXPECT_EQ(inflated, "prefix:" + body);
  }
}

TEST(GzipTest, BodiesAboveTheInputBoundAreRefused) {
  // The connection then sends the body uncompressed and notes Fallback::kUncompressedResponse.
  Deflater deflater(/*max_input_bytes=*/1000);
  std::string compressed;
  EXPECT_EQ(deflater.Gzip(std::string(1001, 'a'), &compressed).code(), ErrorCode::kInternal);
  ASSERT_TRUE(deflater.Gzip(std::string(1000, 'a'), &compressed).ok());
  Inflater inflater;
  std::string out;
  ASSERT_TRUE(inflater.Inflate(compressed, 1000, &out).ok());
  EXPECT_EQ(out, std::string(1000, 'a'));
}

TEST(GzipTest, ConcatenatedMembers) {
  Deflater deflater;
  Inflater inflater;
  std::string a;
  std::string b;
  ASSERT_TRUE(deflater.Gzip("hello ", &a).ok());
  ASSERT_TRUE(deflater.Gzip("world", &b).ok());
  std::string out;
  ASSERT_TRUE(inflater.Inflate(a + b, 100, &out).ok());
  EXPECT_EQ(out, "hello world");
}

TEST(GzipTest, LimitAndMalformed) {
  Deflater deflater;
  Inflater inflater;
  std::string compressed;
  ASSERT_TRUE(deflater.Gzip(std::string(1 << 20, 'a'), &compressed).ok());
  std::string out;
  EXPECT_EQ(inflater.Inflate(compressed, (1 << 20) - 1, &out).code(), ErrorCode::kPayloadTooLarge);
  out.clear();
  EXPECT_TRUE(inflater.Inflate(compressed, 1 << 20, &out).ok());
  EXPECT_EQ(out.size(), 1u << 20);
  out.clear();
  EXPECT_EQ(inflater.Inflate("not gzip at all", 100, &out).code(), ErrorCode::kInvalidRequest);
  out.clear();
  EXPECT_EQ(
      inflater.Inflate(std::string_view(compressed).substr(0, compressed.size() / 2), 1 << 21, &out).code(),
      ErrorCode::kInvalidRequest);
  out.clear();
  EXPECT_EQ(inflater.Inflate("", 100, &out).code(), ErrorCode::kInvalidRequest);
}

TEST(GzipTest, AcceptsGzip) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("gzipx"));
  EXPECT_FALSE(AcceptsGzip(""));
}

}  // namespace
}  // namespace ofs::http
