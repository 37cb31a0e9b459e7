#include "http/url.h"

#include <gtest/gtest.h>

#include "http/server.h"

namespace ofs::http {
namespace {

std::string Decode(std::string_view in, bool plus_as_space) {
  std::string out;
  PercentDecode(in, plus_as_space, &out);
  return out;
}

TEST(UrlTest, SplitTarget) {
  std::string_view path;
  std::string_view query;
  SplitTarget("/a/b?x=1&y=2#frag", &path, &query);
  EXPECT_EQ(path, "/a/b");
  EXPECT_EQ(query, "x=1&y=2");
  SplitTarget("/plain", &path, &query);
  EXPECT_EQ(path, "/plain");
  EXPECT_EQ(query, "");
  SplitTarget("http://host:80/abs/p?q", &path, &query);
  EXPECT_EQ(path, "/abs/p");
  EXPECT_EQ(query, "q");
  SplitTarget("http://host", &path, &query);
  EXPECT_EQ(path, "/");
  SplitTarget("http://host?k=v", &path, &query);
  EXPECT_EQ(path, "/");
  EXPECT_EQ(query, "k=v");
  SplitTarget("*", &path, &query);
  EXPECT_EQ(path, "*");
}

TEST(UrlTest, PercentDecode) {
  EXPECT_EQ(Decode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(Decode("a+b", false), "a+b");
  EXPECT_EQ(Decode("a+b%2b", true), "a b+");
  EXPECT_EQ(Decode("100%", false), "100%");
  EXPECT_EQ(Decode("%zz%4", false), "%zz%4");
  EXPECT_EQ(Decode("%e2%82%AC", false), "\xe2\x82\xac");
  EXPECT_TRUE(NeedsDecoding("a%20", false));
  EXPECT_FALSE(NeedsDecoding("a+b", false));
  EXPECT_TRUE(NeedsDecoding("a+b", true));
}

TEST(UrlTest, DecodedEquals) {
  EXPECT_TRUE(DecodedEquals("a%20b", true, "a b"));
  EXPECT_TRUE(DecodedEquals("a+b", true, "a b"));
  EXPECT_FALSE(DecodedEquals("a+b", false, "a b"));
  EXPECT_FALSE(DecodedEquals("ab", true, "abc"));
  EXPECT_FALSE(DecodedEquals("abc", true, "ab"));
  EXPECT_TRUE(DecodedEquals("", true, ""));
}

TEST(RequestTest, HeaderAndQueryParam) {
  Request req;
  req.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(req.Header("x-a"), "1");
  EXPECT_EQ(req.Header("missing"), "");
  req.query = "a=1&b=hello+world&c%20d=%3D&flag&a=2&e=";
  std::string value;
  EXPECT_TRUE(req.QueryParam("a", &value));
  EXPECT_EQ(value, "1");
  EXPECT_TRUE(req.QueryParam("b", &value));
  EXPECT_EQ(value, "hello world");
  EXPECT_TRUE(req.QueryParam("c d", &value));
  EXPECT_EQ(value, "=");
  EXPECT_TRUE(req.QueryParam("flag", &value));
  EXPECT_EQ(value, "");
  EXPECT_TRUE(req.QueryParam("e", &value));
  EXPECT_EQ(value, "");
  EXPECT_FALSE(req.QueryParam("z", &value));
  EXPECT_FALSE(req.QueryParam("", &value));
}

TEST(RequestTest, MethodNames) {
  EXPECT_EQ(MethodName(Method::kGet), "GET");
  EXPECT_EQ(MethodName(Method::kHead), "HEAD");
  EXPECT_EQ(MethodName(Method::kDelete), "DELETE");
  EXPECT_EQ(MethodName(Method::kOther), "OTHER");
}

}  // namespace
}  // namespace ofs::http
