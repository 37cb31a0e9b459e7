// Tenant-scoped tokens on the admin routes (admin/scope.h): what the black-box table of
// tests/e2e/test_tenant_scope.py cannot reach from outside — changes made behind the catalog's back
// (another process sharing the metadata store) and paging of filtered searches.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "admin/admin.h"
#include "admin/recording_store_for_tests.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "metrics/metrics.h"

namespace ofs::admin {
namespace {

using http::Method;

constexpr std::string_view kRoot = "root";           // every role, unscoped
constexpr std::string_view kTaAdmin = "ta-admin";    // admin, tenants ta and tc
constexpr std::string_view kTaReader = "ta-reader";  // reader, tenants ta and tc

class AdminScopeTest : public testing::Test {
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

  // Status and body of one request with `token`; `target` is path?query.
  std::pair<int, std::string> Send(std::string_view token, Method method, std::string_view target,
                                   std::string_view body = "") {
    std::string padded(body);
    padded.append(http::kBodyPadding, '\0');
    std::string authorization = "Bearer " + std::string(token);
    http::Request request;
    request.method = method;
    size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    request.body = std::string_view(padded.data(), body.size());
    request.headers = {{"authorization", authorization}};
    http::Response response;
    endpoint_->Dispatch(request, response);
    clock_.AdvanceMicros(1000);
    return {response.status, response.body};
  }

  void CreateEntity(std::string_view name) {
    auto [status, body] =
        Send(kRoot, Method::kPost, "/v1/entity",
             R"({"entity": {"tableName": ")" + std::string(name) +
                 R"(", "features": [{"name": "id", "type": "BIGINT"}], "primaryKeys": ["id"]},
                                   "owner": "o@example.com"})");
    ASSERT_EQ(status, 200) << body;
  }
  void CreateGroup(std::string_view name, std::string_view entity, std::string_view tenant) {
    auto [status, body] = Send(
        kRoot, Method::kPost, "/v1/feature-group",
        R"({"featureGroup": {"featureGroupName": ")" + std::string(name) + R"(", "entityName": ")" +
            std::string(entity) + R"(", "features": [{"name": "x", "type": "INT"}]}, "owner": "o@example.com",
                 "tenant": {"read": ")" +
            std::string(tenant) + R"(", "write": ")" + std::string(tenant) + R"(", "consume": ")" +
            std::string(tenant) + R"("}})");
    ASSERT_EQ(status, 200) << body;
  }
  // The names in a JSON array of metadata objects at `pointer` of the answer ("" = the array is data).
  static std::vector<std::string> Names(const std::string& body, std::string_view pointer) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    EXPECT_FALSE(parser.parse(body).get(root)) << body;
    simdjson::dom::array items;
    EXPECT_FALSE(root.at_pointer("/data" + std::string(pointer)).get(items)) << body;
    std::vector<std::string> names;
    for (simdjson::dom::element item : items) {
      std::string_view name;
      EXPECT_FALSE(item["name"].get(name)) << body;
      names.emplace_back(name);
    }
    return names;
  }

  ManualClock clock_{1'700'000'000'000'000};
  api::Authenticator auth_{
      {{std::string(kRoot), {api::Role::kAdmin, api::Role::kWriter, api::Role::kReader}, {}},
       {std::string(kTaAdmin), {api::Role::kAdmin}, {"ta", "tc"}},
       {std::string(kTaReader), {api::Role::kReader}, {"ta", "tc"}}}};
  metrics::Registry registry_;
  RecordingStore online_;
  std::unique_ptr<catalog::SqliteMetadataStore> store_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<api::Endpoint> endpoint_;
};

// A group created by another process (straight into the shared store, the catalog not refreshed) is
// checked against its real tenants, not let through as unknown.
TEST_F(AdminScopeTest, ChecksSeeChangesMadeBehindTheCatalog) {
  CreateEntity("user");
  model::FeatureGroupMetadata group;
  group.name = "elsewhere";
  group.feature_group.feature_group_name = "elsewhere";
  group.feature_group.entity_name = "user";
  group.feature_group.features = {{0, "x", model::DataType::kInt, "", {}}};
  group.owner = "o@example.com";
  group.tenant = {"tb", "tb", "tb"};
  ASSERT_TRUE(store_->CreateFeatureGroup(group, false, 1).ok());

  EXPECT_EQ(Send(kTaReader, Method::kGet, "/v1/feature-group/elsewhere").first, 403);
  EXPECT_EQ(Send(kTaReader, Method::kGet, "/feature-group/schema?name=elsewhere").first, 403);
  EXPECT_EQ(Send(kTaAdmin, Method::kPut, "/v1/feature-group/elsewhere/ttl", R"({"ttl": 5})").first, 403);
  EXPECT_EQ(Send(kRoot, Method::kGet, "/v1/feature-group/elsewhere").first, 200);
}

TEST_F(AdminScopeTest, FilteredSearchPagesStayFull) {
  CreateEntity("user");
  for (int i = 1; i <= 6; ++i) CreateGroup("g" + std::to_string(i), "user", i % 2 == 1 ? "ta" : "tb");
  // Visible to ta: g1, g3, g5. Page 2 of size 1 is g3 whatever the hidden groups between them.
  auto v1 = Send(kTaReader, Method::kGet, "/v1/search?q=g&kind=feature-group&limit=1&offset=1");
  ASSERT_EQ(v1.first, 200) << v1.second;
  EXPECT_EQ(Names(v1.second, "/featureGroups"), (std::vector<std::string>{"g3"}));
  auto all = Send(kTaReader, Method::kGet, "/v1/search?q=g&kind=feature-group&limit=10");
  EXPECT_EQ(Names(all.second, "/featureGroups"), (std::vector<std::string>{"g1", "g3", "g5"}));
  auto tail = Send(kTaReader, Method::kGet, "/v1/search?q=g&kind=feature-group&limit=10&offset=5");
  EXPECT_TRUE(Names(tail.second, "/featureGroups").empty());
  auto root = Send(kRoot, Method::kGet, "/v1/search?q=g&kind=feature-group&limit=2&offset=1");
  EXPECT_EQ(Names(root.second, "/featureGroups"), (std::vector<std::string>{"g2", "g3"}));
}

TEST_F(AdminScopeTest, EntityVisibilityAndEntityWideChanges) {
  CreateEntity("fresh");   // no group yet: visible to everyone
  CreateEntity("theirs");  // only tb's group
  CreateGroup("tb_only", "theirs", "tb");
  CreateEntity("shared");  // groups of ta and tb
  CreateGroup("ta_part", "shared", "ta");
  CreateGroup("tb_part", "shared", "tb");
  CreateEntity("ours");
  CreateGroup("ta_only", "ours", "ta");

  EXPECT_EQ(Send(kTaReader, Method::kGet, "/v1/entity/fresh").first, 200);
  EXPECT_EQ(Send(kTaReader, Method::kGet, "/v1/entity/theirs").first, 403);
  EXPECT_EQ(Send(kTaReader, Method::kGet, "/v1/entity/shared").first, 200);
  EXPECT_EQ(Send(kTaReader, Method::kGet, "/v1/entity/ours").first, 200);
  EXPECT_EQ(Send(kTaReader, Method::kGet, "/v1/entity/nope").first, 404);
  auto listed = Send(kTaReader, Method::kGet, "/v1/search?kind=entity");
  EXPECT_EQ(Names(listed.second, "/entities"), (std::vector<std::string>{"fresh", "ours", "shared"}));

  // Entity-wide changes need every group on the entity.
  const std::string archive = R"({"state": "ARCHIVED"})";
  EXPECT_EQ(Send(kTaAdmin, Method::kPut, "/v1/entity/shared/state", archive).first, 403);
  EXPECT_EQ(Send(kTaAdmin, Method::kPut, "/v1/feature-group/ta_part/ttl", R"({"ttl": 5})").first, 403);
  EXPECT_EQ(Send(kTaAdmin, Method::kPut, "/v1/feature-group/ta_only/ttl", R"({"ttl": 5})").first, 200);
  EXPECT_EQ(Send(kTaAdmin, Method::kPut, "/v1/entity/fresh/state", archive).first, 200);

  // A group is created only on an entity the token can see.
  const std::string ta = R"(, "tenant": {"read": "ta", "write": "ta", "consume": "ta"}})";
  auto create = [&](std::string_view name, std::string_view entity) {
    return Send(kTaAdmin, Method::kPost, "/v1/feature-group",
                R"({"featureGroup": {"featureGroupName": ")" + std::string(name) + R"(", "entityName": ")" +
                    std::string(entity) +
                    R"(", "features": [{"name": "y", "type": "INT"}]}, "owner": "o@example.com")" + ta)
        .first;
  };
  EXPECT_EQ(create("attached", "theirs"), 403);
  EXPECT_EQ(create("attached", "shared"), 200);
  EXPECT_EQ(create("attached2", "ours"), 200);
}

// Darwin's /consumer/* and /kafka/* routes: a scoped token sees and changes the registrations of its
// tenants only, and the cluster-wide /kafka/* routes need an unscoped token.
TEST_F(AdminScopeTest, ConsumerRegistrationsFollowTheTokensTenants) {
  const auto reg = [](std::string_view tenant) {
    return R"({"tenant_name":")" + std::string(tenant) + R"(","topic_name":")" + std::string(tenant) +
           R"(-t"})";
  };
  EXPECT_EQ(Send(kTaAdmin, Method::kPost, "/consumer/register", reg("ta")).first, 200);
  EXPECT_EQ(Send(kTaAdmin, Method::kPost, "/consumer/register", reg("tb")).first, 403);
  EXPECT_EQ(Send(kRoot, Method::kPost, "/consumer/register", reg("tb")).first, 200);
  EXPECT_EQ(Send(kTaAdmin, Method::kPut, "/consumer/topic", R"({"tenantName":"tb","topicName":"x"})").first,
            403);
  EXPECT_EQ(Send(kTaAdmin, Method::kPut, "/consumer/topic", R"({"tenantName":"ta","topicName":"x"})").first,
            200);
  auto [status, body] = Send(kTaReader, Method::kGet, "/consumer/metadata/all");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, R"({"data":[{"tenantName":"ta","topicName":"x","numConsumers":1}]})");
  EXPECT_EQ(Send(kTaAdmin, Method::kPost, "/kafka/topic", R"({"topicName":"t","numPartitions":1})").first,
            403);
  EXPECT_EQ(Send(kTaReader, Method::kGet, "/kafka/topic-metadata").first, 403);
  EXPECT_EQ(Send(kRoot, Method::kGet, "/kafka/topic-metadata").first, 400);  // no Kafka in this test
}

}  // namespace
}  // namespace ofs::admin
