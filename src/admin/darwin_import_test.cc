// Darwin catalog import: dump decoding (both encodings, bad input) and registration into a real SQLite
// metadata store (what is created, what is left, re-runs, conflicts, gaps, dry runs). The black-box
// test with the real binary and recorded dumps is tests/e2e/test_import_darwin.py.

#include "admin/darwin_import.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "admin/model_json.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "codec/raw_deflate.h"
#include "codec/value_codec.h"

namespace ofs::admin {
namespace {

using model::DataType;

model::EntityMetadata Entity(std::string name, int64_t ttl = 0) {
  model::EntityMetadata e;
  e.name = name;
  e.entity.table_name = name;
  e.entity.features = {{0, "id", DataType::kText, "", {}}, {0, "region", DataType::kInt, "", {}}};
  e.entity.primary_keys = {"id", "region"};
  e.entity.ttl_seconds = ttl;
  e.owner = "owner@example.com";
  e.tags = {"team-a"};
  e.description = name + " entity";
  return e;
}

model::FeatureGroupMetadata Group(std::string name, std::string entity, int64_t version,
                                  std::vector<std::string> columns) {
  model::FeatureGroupMetadata g;
  g.name = name;
  g.version = model::VersionName(version);
  g.feature_group.feature_group_name = name;
  g.feature_group.entity_name = entity;
  for (const std::string& column : columns)
    g.feature_group.features.push_back({0, column, DataType::kDouble, "", {}});
  g.owner = "owner@example.com";
  g.tags = {"t"};
  g.description = "group " + name;
  return g;
}

// A reply body as a Darwin admin sends it: {"data": "<json>"} or its base64 raw-deflate form.
std::string Reply(const std::string& json, bool compressed) {
  std::string text = json;
  if (compressed) {
    std::string deflated;
    EXPECT_TRUE(codec::RawDeflate(json, &deflated).ok());
    text.clear();
    codec::Base64Encode(deflated, &text);
  }
  std::string body;
  codec::JsonWriter out(&body);
  out.StartObject();
  out.Key("data");
  out.String(text);
  out.EndObject();
  return body;
}

std::string EntityDump(const std::vector<model::EntityMetadata>& entities) {
  std::string json;
  codec::JsonWriter out(&json);
  out.StartObject();
  out.Key("entities");
  out.StartArray();
  for (const auto& e : entities) WriteEntityMetadata(e, out);
  out.EndArray();
  out.EndObject();
  return json;
}

std::string GroupDump(const std::vector<model::FeatureGroupMetadata>& groups) {
  std::string json;
  codec::JsonWriter out(&json);
  out.StartObject();
  out.Key("featureGroups");
  out.StartArray();
  for (const auto& g : groups) WriteFeatureGroupMetadata(g, out);
  out.EndArray();
  out.EndObject();
  return json;
}

class DarwinImportTest : public testing::Test {
 protected:
  void SetUp() override {
    auto store = catalog::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  ImportReport Import(const DarwinCatalog& catalog, bool dry_run = false) {
    Result<ImportReport> report = ImportDarwinCatalog(catalog, *store_, 1000, dry_run);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? std::move(report).value() : ImportReport{};
  }

  std::unique_ptr<catalog::SqliteMetadataStore> store_;
};

TEST(DarwinDumpTest, UnwrapsPlainAndCompressedData) {
  const std::string json = EntityDump({Entity("user")});
  for (bool compressed : {false, true}) {
    Result<std::string> unwrapped = UnwrapDarwinDump(Reply(json, compressed), 1 << 20);
    ASSERT_TRUE(unwrapped.ok()) << unwrapped.status().ToString();
    EXPECT_EQ(*unwrapped, json);
  }
}

TEST(DarwinDumpTest, RefusesWhatIsNotADump) {
  const auto code_of = [](std::string_view body, size_t limit = 1 << 20) {
    return UnwrapDarwinDump(body, limit).status().code();
  };
  EXPECT_EQ(code_of("not json"), ErrorCode::kInvalidRequest);
  EXPECT_EQ(code_of(R"({"message": "x"})"), ErrorCode::kInvalidRequest);  // no data
  EXPECT_EQ(code_of(R"({"data": 5})"), ErrorCode::kInvalidRequest);       // not a string
  EXPECT_EQ(code_of(R"({"data": "%%%"})"), ErrorCode::kInvalidRequest);   // not base64
  EXPECT_EQ(code_of(R"({"data": "AAAA"})"), ErrorCode::kInvalidRequest);  // not deflate
  EXPECT_EQ(code_of(R"({"data": "{}"} trailing)"), ErrorCode::kInvalidRequest);
  // A bomb: a small reply that inflates past the limit.
  EXPECT_EQ(code_of(Reply(std::string(200000, ' ') + "{}", true), 100000), ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(code_of(Reply("{" + std::string(200, ' ') + "}", false), 100), ErrorCode::kPayloadTooLarge);
}

TEST(DarwinDumpTest, ParsesItemsAndNamesTheBadOne) {
  std::vector<model::EntityMetadata> entities;
  ASSERT_TRUE(ParseEntityDump(EntityDump({Entity("a", 60), Entity("b")}), &entities).ok());
  ASSERT_EQ(entities.size(), 2u);
  EXPECT_EQ(entities[0].entity.ttl_seconds, 60);
  EXPECT_EQ(entities[1].tags, std::vector<std::string>{"team-a"});

  std::vector<model::FeatureGroupMetadata> groups;
  model::FeatureGroupMetadata written = Group("g", "a", 3, {"x", "y"});
  written.tenant.write = "w2";
  ASSERT_TRUE(ParseFeatureGroupDump(GroupDump({written}), &groups).ok());
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].version, "v3");
  EXPECT_EQ(groups[0].tenant, written.tenant);
  EXPECT_EQ(groups[0].feature_group.features.size(), 2u);
  EXPECT_EQ(groups[0].description, written.description);
  groups.clear();

  // Darwin's snake_case aliases.
  Status parsed = ParseFeatureGroupDump(
      R"({"featureGroups": [{"name": "g", "version": "V2", "state": "ARCHIVED", "owner": "o",
          "tenant_config": {"read": "r1", "write": "w1"},
          "feature_group": {"featureGroupName": "g", "entityName": "a", "versionEnabled": "true",
                            "features": [{"name": "f", "type": "varint"}]}}]})",
      &groups);
  ASSERT_TRUE(parsed.ok()) << parsed.ToString();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].version, "v2");
  EXPECT_EQ(groups[0].state, model::State::kArchived);
  EXPECT_EQ(groups[0].tenant.read, "r1");
  EXPECT_EQ(groups[0].tenant.consume, model::kDefaultTenant);
  EXPECT_EQ(groups[0].feature_group.features[0].type, DataType::kVarint);

  entities.clear();
  Status bad = ParseEntityDump(R"({"entities": [{"name": "a", "entity": {"tableName": "a", "features": [],
      "primaryKeys": []}}, {"name": "b"}]})",
                               &entities);
  EXPECT_EQ(bad.code(), ErrorCode::kInvalidRequest);
  EXPECT_NE(bad.message().find("entities[1]"), std::string_view::npos) << bad.ToString();
  EXPECT_FALSE(ParseEntityDump(R"({"featureGroups": []})", &entities).ok());  // the wrong dump
  std::vector<model::FeatureGroupVersion> heads;
  EXPECT_FALSE(ParseVersionDump(R"({"versions": [{"name": "g"}]})", &heads).ok());  // no latestVersion
}

TEST_F(DarwinImportTest, RegistersEverythingAndAReRunChangesNothing) {
  DarwinCatalog catalog;
  catalog.entities = {Entity("user", 3600), Entity("old")};
  catalog.entities[1].state = model::State::kArchived;
  model::FeatureGroupMetadata v1 = Group("spend", "user", 1, {"total"});
  v1.tenant.read = "cluster-b";
  model::FeatureGroupMetadata v2 = Group("spend", "user", 2, {"total", "avg"});
  model::FeatureGroupMetadata other = Group("clicks", "user", 1, {"n"});
  other.state = model::State::kArchived;
  catalog.versions = {v2, other, v1};  // any order
  catalog.heads = {{"spend", "v2", 0}, {"clicks", "v1", 0}};

  ImportReport report = Import(catalog);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
  EXPECT_EQ(report.entities_created, 2);
  EXPECT_EQ(report.versions_created, 3);

  Result<model::EntityMetadata> user = store_->GetEntity("user");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->entity.ttl_seconds, 3600);
  EXPECT_EQ(user->description, "user entity");
  EXPECT_EQ(user->created_at, 1000);
  EXPECT_EQ(store_->GetEntity("old")->state, model::State::kArchived);
  Result<model::FeatureGroupMetadata> spend1 = store_->GetFeatureGroup("spend", "v1");
  ASSERT_TRUE(spend1.ok());
  EXPECT_EQ(spend1->tenant.read, "cluster-b");
  Result<model::FeatureGroupMetadata> spend2 = store_->GetFeatureGroup("spend", std::nullopt);
  ASSERT_TRUE(spend2.ok());
  EXPECT_EQ(spend2->version, "v2");
  EXPECT_EQ(spend2->feature_group.features.size(), 2u);
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v1")->state, model::State::kArchived);

  const int64_t counter = store_->ChangeCounter().value();
  ImportReport again = Import(catalog);
  EXPECT_TRUE(again.problems.empty());
  EXPECT_EQ(again.entities_created + again.versions_created, 0);
  EXPECT_EQ(again.entities_unchanged, 2);
  EXPECT_EQ(again.versions_unchanged, 3);
  EXPECT_EQ(store_->ChangeCounter().value(), counter);

  // Darwin added a version since: a second run takes it.
  catalog.versions.push_back(Group("spend", "user", 3, {"total", "avg", "max"}));
  ImportReport third = Import(catalog);
  EXPECT_EQ(third.versions_created, 1);
  EXPECT_EQ(store_->GetFeatureGroup("spend", std::nullopt)->version, "v3");
}

TEST_F(DarwinImportTest, ReportsConflictsGapsAndInvalidItemsAndImportsTheRest) {
  model::EntityMetadata existing = Entity("user");
  existing.entity.features.push_back({0, "extra", DataType::kText, "", {}});
  ASSERT_TRUE(store_->CreateEntity(existing, 1).ok());

  DarwinCatalog catalog;
  model::EntityMetadata bad = Entity("bad");
  bad.entity.primary_keys = {"missing"};
  catalog.entities = {Entity("user"), bad, Entity("item")};
  catalog.versions = {Group("gap", "item", 1, {"a"}), Group("gap", "item", 3, {"a"}),
                      Group("orphan", "nobody", 1, {"a"}), Group("ok", "item", 1, {"a"})};
  catalog.heads = {{"ghost", "v1", 0}};

  ImportReport report = Import(catalog);
  EXPECT_EQ(report.entities_created, 1);  // item
  EXPECT_EQ(report.versions_created, 2);  // gap v1, ok v1
  ASSERT_EQ(report.problems.size(), 5u);
  std::string all;
  for (const auto& p : report.problems) all += p + "\n";
  EXPECT_NE(all.find("entity 'user' is already registered with another schema"), std::string::npos) << all;
  EXPECT_NE(all.find("entity 'bad' was not imported"), std::string::npos) << all;
  EXPECT_NE(all.find("'gap' v3"), std::string::npos) << all;
  EXPECT_NE(all.find("'nobody' is not registered"), std::string::npos) << all;
  EXPECT_NE(all.find("'ghost'"), std::string::npos) << all;
  // The existing entity is left as it was.
  EXPECT_EQ(store_->GetEntity("user")->entity.features.size(), 3u);
  EXPECT_EQ(store_->GetFeatureGroup("gap", std::nullopt)->version, "v1");
}

TEST_F(DarwinImportTest, DryRunChangesNothing) {
  DarwinCatalog catalog;
  catalog.entities = {Entity("user")};
  catalog.versions = {Group("spend", "user", 1, {"a"}), Group("spend", "user", 2, {"a", "b"})};
  const int64_t counter = store_->ChangeCounter().value();
  ImportReport report = Import(catalog, /*dry_run=*/true);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
  EXPECT_EQ(report.entities_created, 1);
  EXPECT_EQ(report.versions_created, 2);
  EXPECT_EQ(store_->ChangeCounter().value(), counter);
  EXPECT_EQ(store_->GetEntity("user").status().code(), ErrorCode::kEntityNotFound);
}

}  // namespace
}  // namespace ofs::admin
