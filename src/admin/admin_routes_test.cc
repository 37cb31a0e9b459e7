// Route-level tests of the admin API: requests dispatched through a real api::Endpoint onto the
// handlers, with an in-memory SQLite metadata store and an OnlineStore that records EnsureTable calls.
// (The black-box suite in tests/e2e covers the same routes against the real binary.)

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "admin/admin.h"
#include "admin/recording_store_for_tests.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "codec/raw_deflate.h"
#include "codec/value_codec.h"
#include "metrics/metrics.h"

namespace ofs::admin {
namespace {

using http::Method;

struct Reply {
  int status = 0;
  std::string body;
  simdjson::dom::element json;
};

class AdminRoutesTest : public testing::Test {
 protected:
  void SetUp() override {
    auto store = catalog::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    catalog_ = std::make_unique<catalog::Catalog>(store_.get());
    ASSERT_TRUE(catalog_->Refresh(/*force=*/true).ok());
    endpoint_ = std::make_unique<api::Endpoint>(&auth_, &registry_, "admin");
    RegisterAdminRoutes(*endpoint_, AdminDeps{store_.get(), catalog_.get(), &online_, &clock_});
  }

  // `target` is path?query.
  Reply Send(Method method, std::string_view target, std::string_view body = "",
             std::vector<std::pair<std::string_view, std::string_view>> headers = {}) {
    std::string padded(body);
    padded.append(http::kBodyPadding, '\0');
    http::Request request;
    request.method = method;
    size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    request.body = std::string_view(padded.data(), body.size());
    request.headers = std::move(headers);
    http::Response response;
    endpoint_->Dispatch(request, response);
    clock_.AdvanceMicros(1000);  // every request at its own millisecond
    Reply reply{response.status, response.body, {}};
    auto parsed = parsers_.emplace_back(std::make_unique<simdjson::dom::parser>())->parse(reply.body);
    EXPECT_FALSE(parsed.error()) << reply.body;
    if (!parsed.error()) {
      EXPECT_FALSE(parsed.get(reply.json));
    }
    return reply;
  }

  // Asserts 200 and returns the "data" payload.
  simdjson::dom::element Ok(const Reply& reply) {
    EXPECT_EQ(reply.status, 200) << reply.body;
    simdjson::dom::element data;
    EXPECT_FALSE(reply.json["data"].get(data)) << reply.body;
    return data;
  }
  simdjson::dom::array ArrOk(const Reply& reply) {
    simdjson::dom::array a;
    EXPECT_FALSE(Ok(reply).get(a)) << reply.body;
    return a;
  }
  // Asserts the error envelope with `code`.
  void Error(const Reply& reply, int status, std::string_view code) {
    EXPECT_EQ(reply.status, status) << reply.body;
    std::string_view got;
    ASSERT_FALSE(reply.json["error"]["code"].get(got)) << reply.body;
    EXPECT_EQ(got, code) << reply.body;
  }

  void CreateEntity(std::string_view name = "user") {
    Ok(Send(Method::kPost, "/v1/entity",
            R"({"entity": {"tableName": ")" + std::string(name) +
                R"(", "features": [{"name": "id", "type": "BIGINT"}, {"name": "region", "type": "TEXT"}],
                "primaryKeys": ["id"]}, "owner": "o@example.com", "tags": ["core"]})"));
  }
  void CreateGroup(std::string_view name = "stats", std::string_view upgrade = "false",
                   std::string_view extra = "") {
    Ok(Send(Method::kPost, "/feature-group",
            R"({"featureGroup": {"featureGroupName": ")" + std::string(name) +
                R"(", "entityName": "USER", "features": [{"name": "score", "type": "DOUBLE"}]},
                "owner": "o@example.com")" +
                std::string(extra) + "}",
            {{"upgrade", upgrade}}));
  }

  static std::string Inflate(std::string_view base64) {
    std::string deflated, out;
    EXPECT_TRUE(codec::Base64Decode(base64, &deflated));
    EXPECT_TRUE(codec::RawInflate(deflated, 1 << 20, &out).ok());
    return out;
  }

  ManualClock clock_{1'700'000'000'000'000};
  api::Authenticator auth_;
  metrics::Registry registry_;
  RecordingStore online_;
  std::unique_ptr<catalog::SqliteMetadataStore> store_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<api::Endpoint> endpoint_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

// Non-throwing accessors (OFS builds simdjson without exceptions); a type mismatch fails the test.
using Element = simdjson::simdjson_result<simdjson::dom::element>;
std::string_view Str(Element e) {
  std::string_view s;
  EXPECT_FALSE(e.get(s));
  return s;
}
int64_t Int(Element e) {
  int64_t v = 0;
  EXPECT_FALSE(e.get(v));
  return v;
}
std::string Json(Element e) {
  simdjson::dom::element element;
  EXPECT_FALSE(e.get(element));
  return simdjson::to_string(element);
}
simdjson::dom::array Arr(Element e) {
  simdjson::dom::array a;
  EXPECT_FALSE(e.get(a));
  return a;
}

TEST_F(AdminRoutesTest, EntityCreatePreparesStorageAndReadsOnBothFaces) {
  CreateEntity();
  EXPECT_EQ(online_.ensured, (decltype(online_.ensured){{"default-tenant", "user"}}));
  Reply v1 = Send(Method::kGet, "/v1/entity/USER");
  Reply darwin = Send(Method::kGet, "/entity/metadata?name=user");
  simdjson::dom::element meta = Ok(v1);
  // Darwin wraps the metadata in {"metadata": ...}, as Darwin's server did.
  EXPECT_EQ(darwin.body, R"({"data":{"metadata":)" + simdjson::to_string(meta) + "}}");
  EXPECT_EQ(Str(meta["name"]), "user");
  EXPECT_EQ(Str(meta["state"]), "LIVE");
  EXPECT_EQ(Int(meta["createdAt"]), 1'700'000'000'000);
  simdjson::dom::element only = Ok(Send(Method::kGet, "/entity?name=user"));
  EXPECT_EQ(simdjson::to_string(only), R"({"entity":)" + Json(meta["entity"]) + "}");

  Ok(Send(
      Method::kPost, "/entity/register",
      R"({"entity": {"tableName": "reg", "features": [{"name": "k", "type": "TEXT"}], "primaryKeys": ["k"]},
              "owner": "o@example.com"})"));
  EXPECT_EQ(online_.ensured.size(), 1u);  // register: metadata only
  Error(Send(Method::kPost, "/entity", R"({"owner": "o@example.com"})"), 400,
        "ENTITY-REGISTRATION-REQUEST-EXCEPTION");
  Error(Send(Method::kGet, "/entity/metadata?name=nope"), 404, "ENTITY-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kGet, "/entity"), 400, "INVALID_REQUEST");
}

TEST_F(AdminRoutesTest, EntityState) {
  CreateEntity();
  // Darwin answers the request body; v1 the updated metadata.
  EXPECT_EQ(Send(Method::kPut, "/entity?name=user", R"({"state": "archived"})").body,
            R"({"data":{"state":"ARCHIVED"}})");
  simdjson::dom::element meta = Ok(Send(Method::kPut, "/v1/entity/user/state", R"({"state": "live"})"));
  EXPECT_EQ(Str(meta["state"]), "LIVE");
  EXPECT_EQ(Str(meta["name"]), "user");
  Error(Send(Method::kPut, "/v1/entity/user/state", R"({"state": "GONE"})"), 400, "INVALID_REQUEST");
  Error(Send(Method::kPut, "/v1/entity/nope/state", R"({"state": "LIVE"})"), 404,
        "ENTITY-NOT-FOUND-EXCEPTION");
}

TEST_F(AdminRoutesTest, GroupCreateUpgradeSchemaAndVersions) {
  CreateEntity();
  CreateGroup();
  EXPECT_EQ(online_.ensured.back(), (std::pair<std::string, std::string>{"default-tenant", "user"}));
  Error(Send(Method::kPost, "/v1/feature-group",
             R"({"featureGroup": {"featureGroupName": "stats", "entityName": "user",
                 "features": [{"name": "x", "type": "INT"}]}, "owner": "o@example.com"})"),
        400, "FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION");
  Reply upgraded = Send(Method::kPost, "/v1/feature-group",
                        R"({"featureGroup": {"featureGroupName": "stats", "entityName": "user",
                            "features": [{"name": "x", "type": "INT"}]}, "owner": "o@example.com"})",
                        {{"upgrade", "TRUE"}});
  EXPECT_EQ(Str(Ok(upgraded)["version"]), "v2");
  EXPECT_EQ(Str(Ok(upgraded)["featureGroup"]["entityName"]), "user");  // the entity's spelling

  simdjson::dom::element schema = Ok(Send(Method::kGet, "/v1/feature-group/stats/schema?version=V1"));
  EXPECT_EQ(simdjson::to_string(schema),
            R"({"schema":[{"name":"id","type":"BIGINT","description":"","tags":[]},)"
            R"({"name":"region","type":"TEXT","description":"","tags":[]},)"
            R"({"name":"score","type":"DOUBLE","description":"","tags":[]}],)"
            R"("primaryKeys":["id"],"version":"v1","featureGroupType":"ONLINE"})");
  simdjson::dom::element versions = Ok(Send(Method::kGet, "/v1/feature-group/stats/versions"));
  EXPECT_EQ(Str(versions["latestVersion"]), "v2");
  EXPECT_EQ(Arr(versions["versions"]).size(), 2u);
  simdjson::dom::element head = Ok(Send(Method::kGet, "/feature-group/version?name=STATS"));
  EXPECT_EQ(Str(head["version"]["latestVersion"]), "v2");
  simdjson::dom::element only = Ok(Send(Method::kGet, "/feature-group?name=stats&version=v1"));
  EXPECT_EQ(Str(only["version"]), "v1");

  EXPECT_EQ(Send(Method::kPut, "/feature-group?name=stats", R"({"state": "ARCHIVED"})").body,
            R"({"data":{"state":"ARCHIVED"}})");  // Darwin: the body; the latest version (v2) changed
  EXPECT_EQ(Str(Ok(Send(Method::kGet, "/v1/feature-group/stats?version=v2"))["state"]), "ARCHIVED");
  simdjson::dom::element v1_state =
      Ok(Send(Method::kPut, "/v1/feature-group/stats/state?version=v1", R"({"state": "ARCHIVED"})"));
  EXPECT_EQ(Str(v1_state["version"]), "v1");  // v1 path: the updated metadata
  EXPECT_EQ(Str(v1_state["state"]), "ARCHIVED");
  Error(Send(Method::kGet, "/feature-group/schema?name=stats"), 400, "FEATURE-GROUP-STATE-EXCEPTION");
  // An unknown version: Darwin paths answer an unknown group, as Darwin did; /v1 names the version.
  Error(Send(Method::kGet, "/feature-group/metadata?name=stats&version=v9"), 404,
        "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kGet, "/feature-group?name=stats&version=v9"), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kGet, "/feature-group/schema?name=stats&version=v9"), 404,
        "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kGet, "/v1/feature-group/stats?version=v9"), 404,
        "FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kGet, "/feature-group/metadata?name=stats&version=nine"), 400, "INVALID_REQUEST");
  Error(Send(Method::kGet, "/v1/feature-group/nope"), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kPost, "/feature-group",
             R"({"featureGroup": {"featureGroupName": "g2", "entityName": "user",
             "features": [{"name": "region", "type": "TEXT"}]}, "owner": "o@example.com"})"),
        400, "FEATURE-GROUP-INVALID-COLUMN-NAMES-EXCEPTION");
  // Boolean headers read as Darwin read them: anything but "true" is false (no error).
  constexpr std::string_view kG2 = R"({"featureGroup": {"featureGroupName": "g2", "entityName": "user",
             "features": [{"name": "x", "type": "INT"}]}, "owner": "o@example.com"})";
  EXPECT_EQ(Str(Ok(Send(Method::kPost, "/feature-group", kG2, {{"upgrade", "maybe"}}))["version"]), "v1");
  Error(Send(Method::kPost, "/feature-group", kG2, {{"upgrade", "yes"}}), 400,
        "FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION");
  EXPECT_EQ(Str(Ok(Send(Method::kPost, "/feature-group", kG2, {{"upgrade", "tRuE"}}))["version"]), "v2");
}

TEST_F(AdminRoutesTest, TtlIsTheEntitys) {
  CreateEntity();
  CreateGroup("stats", "false", R"(, "tenant": {"read": "r1", "write": "w1"})");
  simdjson::dom::element meta = Ok(Send(Method::kPut, "/v1/feature-group/stats/ttl", R"({"ttl": 3600})"));
  EXPECT_EQ(Str(meta["name"]), "user");
  EXPECT_EQ(Int(meta["entity"]["ttl"]), 3600);
  EXPECT_EQ(online_.last_ttl, 3600);
  // Darwin answers the body (version as sent, normalized; the TTL as a number).
  EXPECT_EQ(
      Send(Method::kPut, "/feature-group/ttl", R"({"name": "STATS", "version": "V1", "ttl": "60"})").body,
      R"({"data":{"name":"STATS","version":"v1","ttl":60}})");
  EXPECT_EQ(online_.last_ttl, 60);
  EXPECT_EQ(Send(Method::kPut, "/feature-group/ttl", R"({"name": "stats", "ttl": 0})").body,
            R"({"data":{"name":"stats","ttl":0}})");
  Error(Send(Method::kPut, "/feature-group/ttl", R"({"name": "stats", "version": "v7", "ttl": 1})"), 404,
        "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kPut, "/feature-group/ttl", R"({"name": "stats", "ttl": -1})"), 400, "INVALID_REQUEST");
  Error(Send(Method::kPut, "/feature-group/ttl", R"({"name": "nope", "ttl": 1})"), 404,
        "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
}

TEST_F(AdminRoutesTest, Tenants) {
  CreateEntity();
  CreateGroup("a");
  CreateGroup("b");
  online_.ensured.clear();
  // v1: one version, answered with its version and tenant.
  simdjson::dom::element set =
      Ok(Send(Method::kPost, "/v1/tenant", R"({"name": "a", "tenant": {"read": "r1", "consume": "c1"}})"));
  EXPECT_EQ(
      simdjson::to_string(set),
      R"({"featureGroupName":"a","version":"v1","tenant":{"read":"r1","write":"default-tenant","consume":"c1"}})");
  EXPECT_EQ(online_.ensured, (decltype(online_.ensured){{"default-tenant", "user"}, {"r1", "user"}}));
  EXPECT_EQ(simdjson::to_string(Ok(Send(Method::kGet, "/v1/tenant?name=a"))), simdjson::to_string(set));
  // Darwin: ?feature-group-name=, {"featureGroupName", "tenantConfig"} of the latest version.
  EXPECT_EQ(
      Send(Method::kGet, "/feature-group/tenant?feature-group-name=A").body,
      R"({"data":{"featureGroupName":"a","tenantConfig":{"read":"r1","write":"default-tenant","consume":"c1"}}})");
  Error(Send(Method::kGet, "/feature-group/tenant?name=a"), 400, "INVALID_REQUEST");
  EXPECT_EQ(simdjson::to_string(Ok(Send(Method::kGet, "/tenant/list"))),
            R"({"tenants":[{"tenantType":"READER","names":["default-tenant","r1"]},)"
            R"({"tenantType":"WRITER","names":["default-tenant"]},)"
            R"({"tenantType":"CONSUMER","names":["c1","default-tenant"]}]})");
  for (std::string_view type : {"READER", "reader", "READ"}) {
    simdjson::dom::array on_r1 =
        Arr(Ok(Send(Method::kGet, "/tenant/feature-group/all?tenant-name=r1&tenant-type=" +
                                      std::string(type)))["featureGroups"]);
    ASSERT_EQ(on_r1.size(), 1u) << type;
    EXPECT_EQ(Str(on_r1.at(0)["name"]), "a");
  }
  EXPECT_EQ(Arr(Ok(Send(Method::kGet,
                        "/tenant/feature-group/all?tenant-name=r1&tenant-type=WRITER"))["featureGroups"])
                .size(),
            0u);
  // tenant-type defaults to ALL: any of read, write, consume.
  EXPECT_EQ(Arr(Ok(Send(Method::kGet, "/tenant/feature-group/all?tenant-name=c1"))["featureGroups"]).size(),
            1u);
  EXPECT_EQ(
      Arr(Ok(Send(Method::kGet,
                  "/tenant/feature-group/all?tenant-name=default-tenant&tenant-type=ALL"))["featureGroups"])
          .size(),
      2u);
  Error(Send(Method::kGet, "/tenant/feature-group/all?tenant-name=r1&tenant-type=sideways"), 400,
        "INVALID_REQUEST");

  // Darwin POST: every version of the group, answered with the body.
  CreateGroup("a", "true");
  EXPECT_EQ(
      Send(Method::kPost, "/feature-group/tenant",
           R"({"featureGroupName": "a", "tenantConfig": {"read": "r3", "write": "w3", "consume": "c3"}})")
          .body,
      R"({"data":{"featureGroupName":"a","tenantConfig":{"read":"r3","write":"w3","consume":"c3"}}})");
  for (std::string_view version : {"v1", "v2"}) {
    EXPECT_EQ(
        Str(Ok(Send(Method::kGet, "/v1/tenant?name=a&version=" + std::string(version)))["tenant"]["read"]),
        "r3");
  }
  Error(Send(Method::kPost, "/feature-group/tenant", R"({"featureGroupName": "a"})"), 400, "INVALID_REQUEST");
  Error(Send(Method::kPost, "/feature-group/tenant", R"({"featureGroupName": "nope", "tenantConfig": {}})"),
        404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION");

  EXPECT_EQ(
      Send(Method::kPut, "/tenant/all",
           R"({"tenantType": "writer", "currentTenant": "default-tenant", "newTenant": "w2"})")
          .body,
      R"({"data":{"tenantType":"WRITER","currentTenant":"default-tenant","newTenant":"w2","updated":1}})");
  EXPECT_EQ(online_.ensured.back(), (std::pair<std::string, std::string>{"w2", "user"}));
  Error(Send(Method::kPut, "/tenant/all", R"({"tenantType": "ALL", "currentTenant": "a", "newTenant": "b"})"),
        400, "INVALID_REQUEST");
  Error(Send(Method::kPut, "/tenant/all", R"({"tenantType": "READER"})"), 400, "INVALID_REQUEST");
  Error(Send(Method::kGet, "/v1/tenant?name=nope"), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION");

  // Topic: the consume tenant's; the legacy path in Darwin's legacy envelope.
  EXPECT_EQ(Send(Method::kGet, "/feature-group/b/topic").body,
            R"({"message":"Feature Group Topic Details Fetched Successfully","data":{"topic":"default"}})");
  EXPECT_EQ(Send(Method::kGet, "/feature-group/a/topic").body,
            R"({"message":"Feature Group Topic Details Fetched Successfully","data":{"topic":"c3"}})");
  Error(Send(Method::kGet, "/feature-group/nope/topic"), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
}

TEST_F(AdminRoutesTest, Search) {
  CreateEntity("user");
  CreateEntity("item");
  CreateGroup("stats");
  simdjson::dom::element all = Ok(Send(Method::kGet, "/v1/search?q=us"));
  EXPECT_EQ(Arr(all["entities"]).size(), 1u);
  EXPECT_EQ(Arr(all["featureGroups"]).size(), 0u);
  simdjson::dom::element groups = Ok(Send(Method::kGet, "/v1/search?kind=feature-group&tags=x,core"));
  EXPECT_TRUE(groups["entities"].error());
  Error(Send(Method::kGet, "/v1/search?kind=table"), 400, "INVALID_REQUEST");
  Error(Send(Method::kGet, "/v1/search?limit=-1"), 400, "INVALID_REQUEST");

  // Darwin: {"entities"} / {"featureGroups"}, paged by rows.
  simdjson::dom::array entities = Arr(Ok(Send(Method::kPost, "/search/entities?page-size=1&page-offset=1",
                                              R"({"searchPattern": "", "tags": ["core"]})"))["entities"]);
  ASSERT_EQ(entities.size(), 1u);
  EXPECT_EQ(Str(entities.at(0)["name"]), "user");  // by name: item, user
  // The pattern matches a column name too (case-insensitively); every tag and owner must match.
  EXPECT_EQ(
      Arr(Ok(Send(Method::kGet, "/search/entities", R"({"searchPattern": "REGI"})"))["entities"]).size(), 2u);
  EXPECT_EQ(
      Arr(Ok(Send(Method::kGet, "/search/feature-groups", R"({"searchPattern": "scor"})"))["featureGroups"])
          .size(),
      1u);
  EXPECT_EQ(Arr(Ok(Send(Method::kGet, "/search/entities", R"({"tags": ["core", "x"]})"))["entities"]).size(),
            0u);
  EXPECT_EQ(
      Arr(Ok(Send(Method::kGet, "/search/entities", R"({"owners": ["O@example.com"]})"))["entities"]).size(),
      2u);
  EXPECT_EQ(Arr(Ok(Send(Method::kGet, "/search/entities",
                        R"({"owners": ["o@example.com", "p@example.com"]})"))["entities"])
                .size(),
            0u);
  Error(Send(Method::kGet, "/search/feature-groups"), 400, "SEARCH-ENTITY-REQUEST-EXCEPTION");  // no filter
  Error(Send(Method::kGet, "/search/entities", R"({"searchPattern": ""})"), 400,
        "SEARCH-ENTITY-REQUEST-EXCEPTION");
  Error(Send(Method::kGet, "/search/feature-groups", R"({"tags": "core"})"), 400,
        "SEARCH-FEATURE-GROUP-REQUEST-EXCEPTION");
  Error(Send(Method::kGet, "/search/entities?page-size=1001", R"({"tags": ["core"]})"), 400,
        "SEARCH-ENTITY-REQUEST-EXCEPTION");
  EXPECT_EQ(simdjson::to_string(Ok(Send(Method::kGet, "/search/all-entity-tags"))), R"({"tags":["core"]})");
  EXPECT_EQ(simdjson::to_string(Ok(Send(Method::kGet, "/search/all-feature-group-owners"))),
            R"({"owners":["o@example.com"]})");
}

TEST_F(AdminRoutesTest, CatalogDumps) {
  CreateEntity();
  CreateGroup();
  simdjson::dom::element catalog = Ok(Send(Method::kGet, "/v1/catalog"));
  EXPECT_EQ(Arr(catalog["entities"]).size(), 1u);
  EXPECT_EQ(Arr(catalog["featureGroups"]).size(), 1u);
  EXPECT_EQ(Arr(catalog["versions"]).size(), 1u);

  std::string plain(
      Str(Ok(Send(Method::kGet, "/feature-group/all", "", {{"compressed-response", "false"}}))));
  // Any value but "true" is false, as Darwin read it.
  EXPECT_EQ(Str(Ok(Send(Method::kGet, "/feature-group/all", "", {{"compressed-response", "no"}}))), plain);
  EXPECT_EQ(plain, R"({"featureGroups":)" + Json(catalog["featureGroups"]) + "}");
  EXPECT_EQ(Inflate(Str(Ok(Send(Method::kGet, "/feature-group/all")))), plain);
  std::string later = Inflate(Str(Ok(Send(Method::kGet, "/entity/all-updated?timestamp=1800000000000"))));
  EXPECT_EQ(later, R"({"entities":[]})");
  Error(Send(Method::kGet, "/feature-group/version/all-updated"), 400, "INVALID_REQUEST");
  Error(Send(Method::kGet, "/v1/catalog?since=yesterday"), 400, "INVALID_REQUEST");
}

TEST_F(AdminRoutesTest, RunsNewestFirst) {
  CreateEntity();
  CreateGroup();
  Ok(Send(Method::kPost, "/v1/feature-group/stats/runs",
          R"({"runId": "r1", "timeTaken": 5, "count": 2, "sampleData": [{"id": 1}], "status": "SUCCESS"})"));
  // Darwin answers the body; the JSON body counts whatever the Content-Type (Darwin's Spark writer sends
  // JSON labelled application/x-www-form-urlencoded).
  EXPECT_EQ(
      Send(Method::kPost, "/feature-group/run-data",
           R"({"name": "STATS", "version": "V1", "runId": "r2", "errorMessage": "boom", "status": "FAILED"})",
           {{"content-type", "application/x-www-form-urlencoded"}})
          .body,
      R"({"data":{"name":"STATS","version":"v1","runId":"r2","timeTaken":0,"count":0,"errorMessage":"boom",)"
      R"("status":"FAILED"}})");
  simdjson::dom::array runs = ArrOk(Send(Method::kGet, "/v1/feature-group/stats/runs"));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(Str(runs.at(0)["runId"]), "r2");
  EXPECT_TRUE(runs.at(0)["sampleData"].error());  // none sent: omitted
  EXPECT_EQ(Json(runs.at(1)),
            R"({"featureGroupName":"stats","featureGroupVersion":"v1","runId":"r1","timeTaken":5,"count":2,)"
            R"("sampleData":[{"id":1}],"errorMessage":"","status":"SUCCESS","createdAt":1700000000002})");
  // Darwin's listing: its run shape, newest first, at most five.
  for (int i = 3; i <= 7; ++i) {
    Ok(Send(Method::kPost, "/feature-group/run-data",
            R"({"name": "stats", "runId": "r)" + std::to_string(i) + "\"}"));
  }
  simdjson::dom::array darwin = ArrOk(Send(Method::kGet, "/feature-group/run-data?name=stats&version=v1"));
  ASSERT_EQ(darwin.size(), 5u);
  EXPECT_EQ(Json(darwin.at(0)),
            R"({"name":"stats","version":"v1","runId":"r7","timeTaken":0,"count":0,"errorMessage":"",)"
            R"("status":"","timestamp":1700000000009})");
  EXPECT_EQ(Str(darwin.at(4)["runId"]), "r3");
  Error(Send(Method::kGet, "/feature-group/run-data?name=stats&version=v4"), 404,
        "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kGet, "/feature-group/run-data?name=nope"), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kGet, "/feature-group/run-data"), 400, "INVALID_REQUEST");
  Error(Send(Method::kPost, "/feature-group/run-data", R"({"runId": "r3"})"), 400, "INVALID_REQUEST");
}

// --- storage before metadata (schema_change.h) ---

// The entity and group metadata as the store has them, as text: compared before and after a request
// to show that it committed nothing.
std::string MetadataText(catalog::MetadataStore& store) {
  std::string text;
  auto entities = store.ListEntities(0);
  auto groups = store.ListFeatureGroups(0);
  EXPECT_TRUE(entities.ok() && groups.ok());
  for (const auto& e : *entities) {
    text += e.name + " ttl=" + std::to_string(e.entity.ttl_seconds) +
            " state=" + std::string(model::StateName(e.state)) + "\n";
  }
  for (const auto& g : *groups) {
    text +=
        g.name + " " + g.version + " " + g.tenant.read + "/" + g.tenant.write + "/" + g.tenant.consume + "\n";
  }
  return text + "counter=" + std::to_string(store.ChangeCounter().value());
}

TEST_F(AdminRoutesTest, AStorageFailureCommitsNothing) {
  CreateEntity();
  CreateGroup("stats", "false", R"(, "tenant": {"read": "r1", "write": "w1"})");
  const std::string before = MetadataText(*store_);
  online_.fail_ensure = Status(ErrorCode::kStoreUnavailable, "cassandra unreachable", "no host answered");
  struct Case {
    Method method;
    std::string_view target;
    std::string body;
    std::vector<std::pair<std::string_view, std::string_view>> headers;
  };
  const Case cases[] = {
      {Method::kPost,
       "/v1/entity",
       R"({"entity": {"tableName": "item", "features": [{"name": "id", "type": "BIGINT"}],
           "primaryKeys": ["id"]}, "owner": "o@example.com"})",
       {}},
      {Method::kPost,
       "/feature-group",
       R"({"featureGroup": {"featureGroupName": "other", "entityName": "user",
           "features": [{"name": "x", "type": "INT"}]}, "owner": "o@example.com"})",
       {}},
      {Method::kPost,
       "/v1/feature-group",
       R"({"featureGroup": {"featureGroupName": "stats", "entityName": "user",
           "features": [{"name": "x", "type": "INT"}]}, "owner": "o@example.com"})",
       {{"upgrade", "true"}}},
      {Method::kPut, "/v1/feature-group/stats/ttl", R"({"ttl": 60})", {}},
      {Method::kPut, "/feature-group/ttl", R"({"name": "stats", "ttl": 60})", {}},
      {Method::kPost, "/v1/tenant", R"({"name": "stats", "tenant": {"read": "r2"}})", {}},
      {Method::kPost,
       "/feature-group/tenant",
       R"({"featureGroupName": "stats", "tenantConfig": {"write": "w2"}})",
       {}},
      {Method::kPut,
       "/tenant/all",
       R"({"tenantType": "READER", "currentTenant": "r1", "newTenant": "r3"})",
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(http::MethodName(c.method)) + " " + std::string(c.target));
    Reply reply = Send(c.method, c.target, c.body, c.headers);
    Error(reply, 503, "STORE-UNAVAILABLE");
    EXPECT_NE(reply.body.find("cassandra unreachable"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find("the metadata change was not made"), std::string::npos) << reply.body;
    EXPECT_EQ(MetadataText(*store_), before);
  }
  // Nothing half-made: the same requests succeed once the store is back.
  online_.fail_ensure = Status::Ok();
  for (const Case& c : cases) Ok(Send(c.method, c.target, c.body, c.headers));
  EXPECT_TRUE(store_->GetEntity("item").ok());
  EXPECT_TRUE(store_->GetFeatureGroup("stats", "v2").ok());
  EXPECT_EQ(store_->GetEntity("user")->entity.ttl_seconds, 60);
}

TEST_F(AdminRoutesTest, StorageIsPreparedBeforeTheCommit) {
  // Each EnsureTable records what the metadata store holds at that moment.
  std::vector<std::string> seen;
  online_.on_ensure = [&](std::string_view tenant, const model::TableSpec& table) {
    std::string columns;
    for (const auto& c : table.value_columns) columns += " " + c.name;
    seen.push_back(std::string(tenant) + " " + table.name + " ttl=" + std::to_string(table.ttl_seconds) +
                   columns + " | " + MetadataText(*store_));
  };
  CreateEntity();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "default-tenant user ttl=0 region | counter=0");  // the entity is not there yet

  seen.clear();
  CreateGroup("stats", "false", R"(, "tenant": {"read": "r1"})");
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "default-tenant user ttl=0 region stats__v1__score | user ttl=0 state=LIVE\ncounter=1",
                      "r1 user ttl=0 region stats__v1__score | user ttl=0 state=LIVE\ncounter=1"}));

  seen.clear();
  CreateGroup("STATS", "true");  // the upgrade: v2, named as first written, on the inherited tenants
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].substr(0, seen[0].find(" |")),
            "default-tenant user ttl=0 region stats__v1__score stats__v2__score");
  EXPECT_EQ(seen[0].find(" v2 "), std::string::npos) << seen[0];  // v2 not committed yet

  seen.clear();
  Ok(Send(Method::kPut, "/v1/feature-group/stats/ttl", R"({"ttl": 3600})"));
  ASSERT_EQ(seen.size(), 2u);                                               // default-tenant and r1
  EXPECT_NE(seen[0].find("user ttl=3600 "), std::string::npos) << seen[0];  // the new TTL on the table
  EXPECT_NE(seen[0].find("| user ttl=0 "), std::string::npos) << seen[0];   // the old one in metadata

  seen.clear();
  Ok(Send(Method::kPost, "/v1/tenant", R"({"name": "stats", "tenant": {"write": "w9"}})"));
  ASSERT_EQ(seen.size(), 2u);  // r1 (read) and w9 (write) of the latest version
  EXPECT_EQ(seen[1].substr(0, 3), "w9 ");
  EXPECT_EQ(seen[1].find("/w9/"), std::string::npos) << seen[1];  // not committed yet

  seen.clear();
  Ok(Send(Method::kPut, "/tenant/all",
          R"({"tenantType": "READER", "currentTenant": "r1", "newTenant": "r5"})"));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].substr(0, 8), "r5 user ");
  EXPECT_EQ(seen[0].find("r5/"), std::string::npos) << seen[0];  // not moved yet
  EXPECT_EQ(Str(Ok(Send(Method::kGet, "/v1/tenant?name=stats"))["tenant"]["read"]), "r5");
}

TEST_F(AdminRoutesTest, RegisterPathsNeverTouchStorage) {
  online_.fail_ensure = Status(ErrorCode::kStoreUnavailable, "down");
  Ok(Send(Method::kPost, "/entity/register",
          R"({"entity": {"tableName": "user", "features": [{"name": "id", "type": "BIGINT"}],
              "primaryKeys": ["id"]}, "owner": "o@example.com"})"));
  Ok(Send(Method::kPost, "/feature-group/register",
          R"({"featureGroup": {"featureGroupName": "g", "entityName": "user",
              "features": [{"name": "x", "type": "INT"}]}, "owner": "o@example.com"})"));
  // A create the store refuses prepares nothing either: its answer is the store's.
  Error(Send(Method::kPost, "/v1/entity",
             R"({"entity": {"tableName": "USER", "features": [{"name": "id", "type": "BIGINT"}],
                 "primaryKeys": ["id"]}, "owner": "o@example.com"})"),
        400, "ENTITY-ALREADY-EXISTS-EXCEPTION");
  Error(Send(Method::kPost, "/v1/feature-group",
             R"({"featureGroup": {"featureGroupName": "g", "entityName": "user",
                 "features": [{"name": "x", "type": "INT"}]}, "owner": "o@example.com"})"),
        400, "FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION");
  EXPECT_TRUE(online_.ensured.empty());
}

// --- off the event loop (AdminDeps::offload) ---

// Stands in for the server's connection: the suspension, and the continuation run as the loop would.
class LoopSuspender final : public http::Suspender {
 public:
  bool CanSuspend() const override { return true; }
  http::Resumer Suspend() override {
    suspended = true;
    return http::Resumer(mailbox, 1);
  }
  bool IsSuspended() const override { return suspended; }
  void OnResume(http::ResumeHook) override {}
  // The response once the resumption arrived (waits up to 5 s).
  http::Response Resumed() {
    std::vector<http::Resumption> posted;
    for (int i = 0; i < 5000 && posted.empty(); ++i) {
      mailbox->Drain(&posted);
      if (posted.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    http::Response response;
    EXPECT_EQ(posted.size(), 1u);
    if (posted.size() == 1 && posted[0].then) {
      EXPECT_TRUE(posted[0].then(response).ok());
    }
    return response;
  }

  std::shared_ptr<http::Mailbox> mailbox = std::make_shared<http::Mailbox>();
  bool suspended = false;
};

TEST_F(AdminRoutesTest, HandlersRunOnTheWorkerPool) {
  WorkerPool pool({.threads = 1, .max_queued = 4, .name = "admin-test"});
  AdminDeps deps{store_.get(), catalog_.get(), &online_, &clock_, nullptr, {&pool, std::chrono::seconds(5)}};
  api::Endpoint endpoint(&auth_, &registry_, "admin-pool");
  RegisterAdminRoutes(endpoint, deps);
  std::thread::id ensured_on;
  online_.on_ensure = [&](std::string_view, const model::TableSpec&) {
    ensured_on = std::this_thread::get_id();
  };
  std::string body = R"({"entity": {"tableName": "user", "features": [{"name": "id", "type": "BIGINT"}],
                         "primaryKeys": ["id"]}, "owner": "o@example.com"})";
  body.append(http::kBodyPadding, '\0');
  http::Request request;
  request.method = Method::kPost;
  request.path = "/v1/entity";
  request.body = std::string_view(body.data(), body.size() - http::kBodyPadding);
  LoopSuspender suspender;
  request.suspender = &suspender;
  http::Response response;
  endpoint.Dispatch(request, response);
  EXPECT_TRUE(suspender.suspended);
  EXPECT_TRUE(response.body.empty()) << response.body;  // answered later, by the continuation
  http::Response answered = suspender.Resumed();
  EXPECT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(answered.body.rfind(R"({"data":{"entity":{"tableName":"user")", 0), 0u) << answered.body;
  EXPECT_NE(ensured_on, std::thread::id());
  EXPECT_NE(ensured_on, std::this_thread::get_id());  // storage was prepared on the pool's thread
  EXPECT_TRUE(store_->GetEntity("user").ok());
}

}  // namespace
}  // namespace ofs::admin

namespace ofs::admin {
namespace {

// Darwin's /consumer/* routes on a process without Kafka: the registry works, Kafka's operations are refused.
TEST_F(AdminRoutesTest, ConsumerTopicRegistry) {
  CreateEntity();
  CreateGroup("a");
  Ok(Send(Method::kPost, "/v1/tenant", R"({"name": "a", "tenant": {"consume": "c1"}})"));
  EXPECT_EQ(Send(Method::kGet, "/consumer/metadata/all").body, R"({"data":[]})");
  // Unregistered: a topic named after the tenant.
  EXPECT_EQ(Send(Method::kGet, "/feature-group/topic?name=a").body,
            R"({"data":{"featureGroupName":"a","topic":"c1"}})");
  EXPECT_EQ(Send(Method::kPost, "/consumer/register",
                 R"({"tenant_name":"c1","topic_name":"c1-events","num_partitions":4,"num_consumers":3})")
                .body,
            R"({"data":{"tenant_name":"c1","topic_name":"c1-events","num_partitions":4,"num_consumers":3}})");
  Error(Send(Method::kPost, "/consumer/register", R"({"tenant_name":"c1","topic_name":"x"})"), 500,
        "OFS-V2-CONSUMER-REGISTRATION-EXCEPTION");
  EXPECT_EQ(Send(Method::kGet, "/feature-group/topic?name=a").body,
            R"({"data":{"featureGroupName":"a","topic":"c1-events"}})");
  EXPECT_EQ(Send(Method::kGet, "/consumer/metadata/all").body,
            R"({"data":[{"tenantName":"c1","topicName":"c1-events","numConsumers":1}]})");
  EXPECT_EQ(Send(Method::kPut, "/consumer/topic", R"({"tenantName":"c1","topicName":"c1-v2"})").body,
            R"({"data":{"tenantName":"c1","topicName":"c1-v2"}})");
  EXPECT_EQ(Send(Method::kGet, "/feature-group/a/topic").body,
            R"({"message":"Feature Group Topic Details Fetched Successfully","data":{"topic":"c1-v2"}})");
  EXPECT_EQ(Send(Method::kPut, "/consumer/count", R"({"tenantName":"c1","numConsumers":4})").body,
            R"({"data":{"tenantName":"c1","numConsumers":4}})");
  Error(Send(Method::kPut, "/consumer/count", R"({"tenantName":"c1","numConsumers":5})"), 400,
        "OFS-V2-KAFKA-ADMIN-EXCEPTION");
  Error(Send(Method::kPut, "/consumer/topic", R"({"tenantName":"nope","topicName":"x"})"), 400,
        "OFS-V2-TENANT-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kPut, "/consumer/topic", R"({"tenantName":"c1","topicName":"bad topic"})"), 400,
        "INVALID_REQUEST");
  Error(Send(Method::kPut, "/consumer/topic", R"({"tenantName":"c1"})"), 400, "INVALID_REQUEST");
  // Kafka's own operations need Kafka.
  Error(Send(Method::kPut, "/consumer/partitions", R"({"tenantName":"c1","numPartitions":8})"), 400,
        "OFS-V2-KAFKA-ADMIN-EXCEPTION");
  Error(Send(Method::kPost, "/consumer/onboard", R"({"tenantName":"c1","topicName":"t","numPartitions":2})"),
        400, "OFS-V2-KAFKA-ADMIN-EXCEPTION");
  Error(Send(Method::kPost, "/consumer/onboard", R"({"tenantName":"zz","topicName":"t","numPartitions":2})"),
        400, "OFS-V2-TENANT-NOT-FOUND-EXCEPTION");
  Error(Send(Method::kPost, "/kafka/topic", R"({"topicName":"t","numPartitions":2})"), 400,
        "OFS-V2-KAFKA-ADMIN-EXCEPTION");
  Error(Send(Method::kGet, "/kafka/topic-metadata"), 400, "OFS-V2-KAFKA-CONFIG-NOT-FOUND-EXCEPTION");
}

}  // namespace
}  // namespace ofs::admin
