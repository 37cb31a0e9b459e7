#include <gtest/gtest.h>

#include <string>

#include "api/auth.h"
#include "api/endpoint.h"
#include "api/envelope.h"
#include "api/headers.h"
#include "api/json_read.h"
#include "base/strings.h"

namespace ofs::api {
namespace {

// A body with the padding the HTTP layer guarantees.
struct Padded {
  explicit Padded(std::string_view json)
      : storage(std::string(json) + std::string(http::kBodyPadding, '\0')) {}
  std::string_view view() const {
    return std::string_view(storage).substr(0, storage.size() - http::kBodyPadding);
  }
  std::string storage;
};

TEST(JsonRead, CaseInsensitiveKeysAndRawContainers) {
  Padded body(R"({"FeatureGroupName": "g", "featurecolumns": ["a", "b"], "extra": {"x": 1}})");
  od::document doc;
  od::object object;
  ASSERT_TRUE(IterateObject(body.view(), 0, &doc, &object, ErrorCode::kReadFeatureGroupRequest).ok());
  std::string_view name, columns;
  for (auto field : object) {
    std::string_view key;
    ASSERT_FALSE(field.unescaped_key().get(key));
    if (EqualsIgnoreCase(key, "featureGroupName")) {
      ASSERT_TRUE(ReadString(field.value(), &name, ErrorCode::kReadFeatureGroupRequest, "name").ok());
    } else if (EqualsIgnoreCase(key, "featureColumns")) {
      ASSERT_TRUE(
          ReadRawContainer(field.value(), &columns, ErrorCode::kReadFeatureGroupRequest, "cols").ok());
    }
  }
  EXPECT_EQ(name, "g");
  EXPECT_EQ(columns, R"(["a", "b"])");
}

TEST(JsonRead, ScalarsKeepRawTokens) {
  Padded body(R"([123456789012345678901234567890, "a\"b", true, null, 1.5e3, {"k": 1}])");
  od::document doc;
  od::array array;
  ASSERT_TRUE(IterateArray(body.view(), 0, &doc, &array, ErrorCode::kInvalidRequest, "values").ok());
  std::vector<std::pair<codec::JsonScalar::Kind, std::string>> seen;
  for (auto element : array) {
    codec::JsonScalar scalar;
    std::string_view raw;
    ASSERT_TRUE(ReadScalar(element, &scalar, &raw).ok());
    seen.emplace_back(scalar.kind, std::string(raw));
  }
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[0].first, codec::JsonScalar::Kind::kNumber);
  EXPECT_EQ(seen[0].second, "123456789012345678901234567890");
  EXPECT_EQ(seen[1].first, codec::JsonScalar::Kind::kString);
  EXPECT_EQ(seen[1].second, R"("a\"b")");
  EXPECT_EQ(seen[2].first, codec::JsonScalar::Kind::kBool);
  EXPECT_EQ(seen[3].first, codec::JsonScalar::Kind::kNull);
  EXPECT_EQ(seen[4].second, "1.5e3");
  EXPECT_EQ(seen[5].first, codec::JsonScalar::Kind::kOther);
}

TEST(JsonRead, MalformedJsonIsInvalidRequest) {
  for (std::string_view text : {R"({"a": )", R"({"a" 1})", "[1,2", "", "   "}) {
    Padded body(text);
    od::document doc;
    od::object object;
    Status status = IterateObject(body.view(), 0, &doc, &object, ErrorCode::kReadFeatureGroupRequest);
    if (status.ok()) {
      // On-Demand reports some errors lazily, during iteration.
      for (auto field : object) {
        std::string_view key;
        if (field.unescaped_key().get(key)) {
          status = Status(ErrorCode::kInvalidRequest, "lazy");
          break;
        }
        od::value v;
        if (field.value().get(v)) {
          status = Status(ErrorCode::kInvalidRequest, "lazy");
          break;
        }
      }
    }
    EXPECT_FALSE(status.ok()) << text;
  }
}

TEST(JsonRead, WrongShapeUsesTheRequestCode) {
  Padded body(R"([1, 2])");
  od::document doc;
  od::object object;
  Status status = IterateObject(body.view(), 0, &doc, &object, ErrorCode::kWriteFeatureGroupRequest);
  EXPECT_EQ(status.code(), ErrorCode::kWriteFeatureGroupRequest);
}

// Reads every field of the root object the way request decoders do; the status of the whole decode.
Status DecodeRoot(std::string_view text) {
  Padded body(text);
  return ForEachRootField(body.view(), 0, ErrorCode::kWriteFeatureGroupRequest, "request body",
                          [](std::string_view, JsonValue value) {
                            std::string_view raw;
                            codec::JsonScalar scalar;
                            return ReadScalar(std::move(value), &scalar, &raw);
                          });
}

TEST(JsonRead, TrailingContentAfterTheDocumentIsRefused) {
  // A second document used to be ignored (200); stray text was reported as an unclosed object.
  for (std::string_view text : {R"({"a": 1}{"b": 2})", R"({"a": 1} {"b": 2})", R"({"a": 1}xyz)",
                                R"({"a": 1} 5)", R"({"a": 1}])", R"({"a": 1}"x"})", R"({"a": "}"} [1])"}) {
    Status status = DecodeRoot(text);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidRequest) << text;
    EXPECT_NE(status.cause().find("trailing content after the JSON document"), std::string::npos)
        << text << ": " << status.cause();
  }
  for (std::string_view text : {R"({"a": 1})", "  {\"a\": 1}\r\n\t ", R"({"a": "}{"})"}) {
    EXPECT_TRUE(DecodeRoot(text).ok()) << text;
  }
}

TEST(JsonRead, TrailingContentCauseNamesItsOffset) {
  Status status = DecodeRoot(R"({"a": 1}  {"b": 2})");
  EXPECT_NE(status.cause().find("at byte 10"), std::string::npos) << status.cause();
}

TEST(JsonRead, NanAndInfinityFailTheRequestWhateverTheSign) {
  // Bare NaN/Infinity used to fail the request while -Infinity reached the codec and failed only its row.
  for (std::string_view token :
       {"NaN", "-NaN", "Infinity", "-Infinity", "+Infinity", "01", "+1", "1.", ".5", "-"}) {
    Status status = DecodeRoot(R"({"v": )" + std::string(token) + "}");
    EXPECT_EQ(status.code(), ErrorCode::kInvalidRequest) << token << ": " << status.message();
  }
  // Well-formed numbers, however large, are the codec's business (they may fail their row only).
  for (std::string_view token : {"1e999", "-0", "0.5e-400", "123456789012345678901234567890"}) {
    EXPECT_TRUE(DecodeRoot(R"({"v": )" + std::string(token) + "}").ok()) << token;
  }
}

TEST(JsonRead, IsJsonNumberFollowsRfc8259) {
  for (std::string_view ok : {"0", "-0", "12", "1.5", "1e5", "1E+5", "-1.25e-3"})
    EXPECT_TRUE(IsJsonNumber(ok)) << ok;
  for (std::string_view bad :
       {"", "-", "01", "+1", "1.", ".5", "1e", "1e+", "NaN", "Infinity", "0x10", "1 "}) {
    EXPECT_FALSE(IsJsonNumber(bad)) << bad;
  }
}

TEST(Envelope, ErrorCarriesAllThreeKeys) {
  http::Response response;
  response.body = "partial";
  WriteError(Status(ErrorCode::kFeatureGroupNotFound, "feature group not found"), response);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(
      response.body,
      R"({"error":{"message":"feature group not found","cause":"feature group not found","code":"FEATURE-GROUP-NOT-FOUND-EXCEPTION"}})");
}

http::Request RequestWithToken(std::string_view header_value) {
  http::Request request;
  request.method = http::Method::kPost;
  request.path = "/x";
  if (!header_value.empty()) request.headers.emplace_back("authorization", header_value);
  return request;
}

TEST(Headers, FlagHeaderReadsBooleansAsDarwinDid) {
  http::Request request;
  EXPECT_TRUE(FlagHeader(request, "upgrade", true));  // absent: the default
  EXPECT_FALSE(FlagHeader(request, "upgrade", false));
  for (std::string_view yes : {"true", "TRUE", "True", " tRuE "}) {
    request.headers = {{"upgrade", yes}};
    EXPECT_TRUE(FlagHeader(request, "upgrade", false)) << yes;
  }
  for (std::string_view no : {"false", "FALSE", "yes", "1", "maybe"}) {
    request.headers = {{"upgrade", no}};
    EXPECT_FALSE(FlagHeader(request, "upgrade", true)) << no;  // present and not "true": false
  }
  request.headers = {{"upgrade", ""}};
  EXPECT_TRUE(FlagHeader(request, "upgrade", true));  // empty counts as absent
}

TEST(Auth, DisabledWithoutTokens) {
  Authenticator auth;
  const Principal* principal = nullptr;
  EXPECT_TRUE(auth.Check(RequestWithToken(""), Role::kAdmin, &principal).ok());
  EXPECT_EQ(principal, nullptr);
}

TEST(Auth, RolesAndTenants) {
  Authenticator auth({{"admintok", {Role::kAdmin, Role::kWriter, Role::kReader}, {}},
                      {"readtok", {Role::kReader}, {"tenant-a"}}});
  const Principal* principal = nullptr;
  EXPECT_EQ(auth.Check(RequestWithToken(""), Role::kReader, &principal).code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.Check(RequestWithToken("Bearer nope"), Role::kReader, &principal).code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.Check(RequestWithToken("Bearer readtok"), Role::kWriter, &principal).code(),
            ErrorCode::kForbidden);
  ASSERT_TRUE(auth.Check(RequestWithToken("bearer readtok"), Role::kReader, &principal).ok());
  ASSERT_NE(principal, nullptr);
  EXPECT_TRUE(principal->AllowsTenant("tenant-a"));
  EXPECT_FALSE(principal->AllowsTenant("tenant-b"));
  ASSERT_TRUE(auth.Check(RequestWithToken("Bearer admintok"), Role::kAdmin, &principal).ok());
  EXPECT_TRUE(principal->AllowsTenant("anything"));
  EXPECT_TRUE(auth.Check(RequestWithToken(""), Role::kNone, &principal).ok());
}

TEST(Endpoint, RoutesAuthorizesAndCounts) {
  Authenticator auth({{"w", {Role::kWriter}, {}}});
  metrics::Registry registry;
  Endpoint endpoint(&auth, &registry, "test");
  endpoint.Add("echo", Role::kWriter,
               {{http::Method::kPost, "/v1/echo/{name}"}, {http::Method::kPost, "/echo", true}},
               [](const Call& call, http::Response& response) -> Status {
                 if (call.params.Get("name") == "fail")
                   return Status(ErrorCode::kInvalidRequest, "asked to fail");
                 codec::JsonWriter w = BeginData(response);
                 w.String(call.darwin ? "darwin" : std::string(call.params.Get("name")));
                 EndData(w);
                 return Status::Ok();
               });
  http::Request request = RequestWithToken("Bearer w");
  http::Response response;
  request.path = "/v1/echo/abc/";
  endpoint.Dispatch(request, response);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"data":"abc"})");

  response.Reset();
  request.path = "/echo";
  endpoint.Dispatch(request, response);
  EXPECT_EQ(response.body, R"({"data":"darwin"})");

  response.Reset();
  request.path = "/v1/echo/fail";
  endpoint.Dispatch(request, response);
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("INVALID_REQUEST"), std::string::npos);

  response.Reset();
  request.method = http::Method::kGet;
  endpoint.Dispatch(request, response);
  EXPECT_EQ(response.status, 405);

  response.Reset();
  request.path = "/nowhere";
  endpoint.Dispatch(request, response);
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("NOT-FOUND"), std::string::npos);

  response.Reset();
  request = RequestWithToken("");
  request.path = "/echo";
  endpoint.Dispatch(request, response);
  EXPECT_EQ(response.status, 401);

  std::string text;
  registry.Render(&text);
  EXPECT_NE(text.find(R"(ofs_http_requests_total{server="test",route="echo",status="2xx"} 2)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(ofs_http_errors_total{server="test",code="UNAUTHENTICATED"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(ofs_http_errors_total{server="test",code="NOT-FOUND"} 1)"), std::string::npos);
}

}  // namespace
}  // namespace ofs::api

namespace ofs::api {
namespace {

TEST(JsonRead, MalformedRootIsInvalidRequestWellFormedWrongShapeIsTheRequestCode) {
  for (std::string_view text : {"[1, 2", "not json at all", "{\"a\": 1"}) {
    Padded body(text);
    od::document doc;
    od::object object;
    Status status = IterateObject(body.view(), 0, &doc, &object, ErrorCode::kWriteFeatureGroupRequest);
    if (status.ok()) {
      // On-Demand found nothing yet: the error must surface while iterating, as INVALID_REQUEST.
      status = ForEachField(object, ErrorCode::kWriteFeatureGroupRequest, "body",
                            [](std::string_view, JsonValue value) {
                              codec::JsonScalar scalar;
                              std::string_view raw;
                              return ReadScalar(std::move(value), &scalar, &raw);
                            });
      ASSERT_FALSE(status.ok()) << text;
    }
    EXPECT_EQ(status.code(), ErrorCode::kInvalidRequest) << text;
  }
  Padded array("[1, 2]");
  od::document doc;
  od::object object;
  EXPECT_EQ(IterateObject(array.view(), 0, &doc, &object, ErrorCode::kWriteFeatureGroupRequest).code(),
            ErrorCode::kWriteFeatureGroupRequest);
}

}  // namespace
}  // namespace ofs::api
