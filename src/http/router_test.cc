#include "http/router.h"

#include <gtest/gtest.h>

#include <string>

namespace ofs::http {
namespace {

RouteHandler Noop() {
  return [](const Request&, const PathParams&, Response&) {};
}

TEST(RouterTest, ParamsAreCaptured) {
  Router router;
  router.Add(Method::kGet, "/v1/entity/{name}/state/{version}", "state", Noop());
  auto match = router.Match(Method::kGet, "/v1/entity/user/state/v2");
  ASSERT_EQ(match.outcome, Router::Outcome::kFound);
  EXPECT_EQ(match.route->label, "state");
  EXPECT_EQ(match.params.Get("name"), "user");
  EXPECT_EQ(match.params.Get("version"), "v2");
  EXPECT_EQ(match.params.Get("missing"), "");
}

TEST(RouterTest, LiteralPreferredOverParam) {
  Router router;
  router.Add(Method::kGet, "/v1/entity/{name}", "one", Noop());
  router.Add(Method::kGet, "/v1/entity/all", "all", Noop());
  auto literal = router.Match(Method::kGet, "/v1/entity/all");
  ASSERT_EQ(literal.outcome, Router::Outcome::kFound);
  EXPECT_EQ(literal.route->label, "all");
  EXPECT_TRUE(literal.params.values.empty());
  auto param = router.Match(Method::kGet, "/v1/entity/user");
  ASSERT_EQ(param.outcome, Router::Outcome::kFound);
  EXPECT_EQ(param.route->label, "one");
}

TEST(RouterTest, TrailingSlashTolerated) {
  Router router;
  router.Add(Method::kPost, "/v1/read", "read", Noop());
  EXPECT_EQ(router.Match(Method::kPost, "/v1/read/").outcome, Router::Outcome::kFound);
  EXPECT_EQ(router.Match(Method::kPost, "/v1/read").outcome, Router::Outcome::kFound);
  EXPECT_EQ(router.Match(Method::kPost, "/v1/read/more").outcome, Router::Outcome::kNotFound);
}

TEST(RouterTest, MethodNotAllowedVersusNotFound) {
  Router router;
  router.Add(Method::kGet, "/v1/things/{id}", "get", Noop());
  router.Add(Method::kDelete, "/v1/things/{id}", "delete", Noop());
  EXPECT_EQ(router.Match(Method::kPost, "/v1/things/7").outcome, Router::Outcome::kMethodNotAllowed);
  EXPECT_EQ(router.Match(Method::kGet, "/v1/other/7").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Match(Method::kDelete, "/v1/things/7").route->label, "delete");
}

TEST(RouterTest, HeadMatchesGetAndCaseSensitive) {
  Router router;
  router.Add(Method::kGet, "/health", "health", Noop());
  EXPECT_EQ(router.Match(Method::kHead, "/health").outcome, Router::Outcome::kFound);
  EXPECT_EQ(router.Match(Method::kGet, "/HEALTH").outcome, Router::Outcome::kNotFound);
  EXPECT_EQ(router.Match(Method::kGet, "/").outcome, Router::Outcome::kNotFound);
}

// Exact parameterless paths take an indexed fast path; the same path with a trailing slash takes the full
// scan. Both must agree on every method: outcome, route and (absent) parameters.
TEST(RouterTest, IndexedLiteralPathsAgreeWithTheScan) {
  Router router;
  router.Add(Method::kGet, "/a/{x}", "get-param", Noop());
  router.Add(Method::kGet, "/a/b", "get-literal", Noop());
  router.Add(Method::kPost, "/a/b", "post-first", Noop());
  router.Add(Method::kPost, "/a/b", "post-second", Noop());
  router.Add(Method::kDelete, "/a/{x}", "delete-param", Noop());
  router.Add(Method::kPost, "/v1/feature-group/read", "read", Noop());
  for (Method method : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kDelete}) {
    for (std::string path : {"/a/b", "/a/c", "/v1/feature-group/read", "/v1/feature-group"}) {
      const std::string with_slash = path + "/";  // parameters are views into the path: keep it alive
      const Router::MatchResult fast = router.Match(method, path);
      const Router::MatchResult scan = router.Match(method, with_slash);
      ASSERT_EQ(fast.outcome, scan.outcome) << path;
      ASSERT_EQ(fast.route, scan.route) << path;
      EXPECT_EQ(fast.params.values, scan.params.values) << path;
    }
  }
  EXPECT_EQ(router.Match(Method::kPost, "/a/b").route->label, "post-first");
  EXPECT_EQ(router.Match(Method::kHead, "/a/b").route->label, "get-literal");
  EXPECT_EQ(router.Match(Method::kDelete, "/a/b").route->label, "delete-param");
  EXPECT_EQ(router.Match(Method::kPut, "/a/b").outcome, Router::Outcome::kMethodNotAllowed);
}

}  // namespace
}  // namespace ofs::http
