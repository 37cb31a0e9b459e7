#include "catalog/sqlite/sqlite_metadata_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/fallback.h"
#include "catalog/sqlite/migrations.h"

namespace ofs::catalog {
namespace {

using model::DataType;
using model::EntityMetadata;
using model::FeatureGroupMetadata;
using model::State;

EntityMetadata UserEntity(std::string name = "User") {
  EntityMetadata e;
  e.name = name;
  e.entity.table_name = name;
  e.entity.features = {{0, "user_id", DataType::kBigint, "the user", {"pii", "key"}},
                       {0, "day", DataType::kText, "", {}},
                       {0, "country", DataType::kAscii, "", {"geo"}}};
  e.entity.primary_keys = {"user_id", "day"};
  e.entity.ttl_seconds = 3600;
  e.owner = "ml@example.com";
  e.tags = {"core", "users"};
  e.description = "All users";
  return e;
}

FeatureGroupMetadata Group(std::string name, std::string entity = "User",
                           std::vector<std::string> columns = {"clicks", "views"}) {
  FeatureGroupMetadata g;
  g.name = name;
  g.feature_group.feature_group_name = name;
  g.feature_group.entity_name = entity;
  for (std::string& c : columns)
    g.feature_group.features.push_back({0, std::move(c), DataType::kInt, "", {}});
  g.owner = "ml@example.com";
  g.tags = {"activity"};
  g.description = "Engagement counters";
  return g;
}

std::vector<uint32_t> ColumnIds(const std::vector<model::FeatureColumn>& columns) {
  std::vector<uint32_t> ids;
  for (const model::FeatureColumn& c : columns) ids.push_back(c.id);
  return ids;
}

std::vector<std::string> Names(const std::vector<EntityMetadata>& entities) {
  std::vector<std::string> names;
  for (const EntityMetadata& e : entities) names.push_back(e.name);
  return names;
}

// "name/version" of each group version.
std::vector<std::string> Names(const std::vector<FeatureGroupMetadata>& groups) {
  std::vector<std::string> names;
  for (const FeatureGroupMetadata& g : groups) names.push_back(g.name + "/" + g.version);
  return names;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  EntityMetadata CreateUser(int64_t now = 100) {
    auto created = store_->CreateEntity(UserEntity(), now);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : EntityMetadata{};
  }

  FeatureGroupMetadata CreateGroup(const FeatureGroupMetadata& g, bool upgrade = false, int64_t now = 200) {
    auto created = store_->CreateFeatureGroup(g, upgrade, now);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : FeatureGroupMetadata{};
  }

  int64_t Counter() {
    auto c = store_->ChangeCounter();
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : -1;
  }

  std::unique_ptr<SqliteMetadataStore> store_;
};

// ----- entities -----

TEST_F(SqliteStoreTest, CreateEntityAssignsIdsAndTimestamps) {
  EntityMetadata e = CreateUser(100);
  EXPECT_GT(e.id, 0);
  EXPECT_EQ(ColumnIds(e.entity.features), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(e.created_at, 100);
  EXPECT_EQ(e.updated_at, 100);

  auto got = store_->GetEntity("User");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, e.id);
  EXPECT_EQ(got->name, "User");
  EXPECT_EQ(got->entity.table_name, "User");
  EXPECT_EQ(got->entity.primary_keys, (std::vector<std::string>{"user_id", "day"}));
  EXPECT_EQ(got->entity.ttl_seconds, 3600);
  EXPECT_EQ(got->state, State::kLive);
  EXPECT_EQ(got->owner, "ml@example.com");
  EXPECT_EQ(got->tags, (std::vector<std::string>{"core", "users"}));
  EXPECT_EQ(got->description, "All users");
  ASSERT_EQ(got->entity.features.size(), 3u);
  EXPECT_EQ(got->entity.features[0].name, "user_id");
  EXPECT_EQ(got->entity.features[0].type, DataType::kBigint);
  EXPECT_EQ(got->entity.features[0].description, "the user");
  EXPECT_EQ(got->entity.features[0].tags, (std::vector<std::string>{"pii", "key"}));
  EXPECT_TRUE(got->entity.features[1].tags.empty());
  EXPECT_EQ(got->entity.features[2].type, DataType::kAscii);
  EXPECT_EQ(got->entity.features[2].tags, (std::vector<std::string>{"geo"}));
}

TEST_F(SqliteStoreTest, EntityNamesAreCaseInsensitiveAndStoredAsFirstWritten) {
  CreateUser();
  EXPECT_EQ(store_->CreateEntity(UserEntity("USER"), 5).status().code(), ErrorCode::kEntityAlreadyExists);
  auto got = store_->GetEntity("uSeR");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "User");
}

TEST_F(SqliteStoreTest, GetEntityNotFound) {
  EntityMetadata e = CreateUser();
  EXPECT_EQ(store_->GetEntity("nobody").status().code(), ErrorCode::kEntityNotFound);
  EXPECT_EQ(store_->GetEntityById(e.id + 100).status().code(), ErrorCode::kEntityNotFound);
  auto by_id = store_->GetEntityById(e.id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->name, "User");
}

TEST_F(SqliteStoreTest, ListEntitiesUpdatedSinceByName) {
  ASSERT_TRUE(store_->CreateEntity(UserEntity("zeta"), 100).ok());
  ASSERT_TRUE(store_->CreateEntity(UserEntity("Alpha"), 200).ok());
  ASSERT_TRUE(store_->CreateEntity(UserEntity("beta"), 300).ok());
  auto all = store_->ListEntities(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Names(*all), (std::vector<std::string>{"Alpha", "beta", "zeta"}));
  auto since = store_->ListEntities(200);  // inclusive
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(Names(*since), (std::vector<std::string>{"Alpha", "beta"}));
  ASSERT_TRUE(store_->SetEntityTtl("zeta", 7, 400).ok());
  auto touched = store_->ListEntities(400);
  ASSERT_TRUE(touched.ok());
  EXPECT_EQ(Names(*touched), (std::vector<std::string>{"zeta"}));
}

TEST_F(SqliteStoreTest, ArchivingEntityRequiresNoLiveGroup) {
  CreateUser(100);
  CreateGroup(Group("clicks"));
  EXPECT_EQ(store_->SetEntityState("user", State::kArchived, 300).code(), ErrorCode::kUpdateEntityRequest);
  ASSERT_TRUE(store_->SetFeatureGroupState("clicks", std::nullopt, State::kArchived, 300).ok());
  ASSERT_TRUE(store_->SetEntityState("user", State::kArchived, 400).ok());
  auto got = store_->GetEntity("User");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->state, State::kArchived);
  EXPECT_EQ(got->updated_at, 400);
  EXPECT_EQ(got->created_at, 100);
  ASSERT_TRUE(store_->SetEntityState("user", State::kLive, 500).ok());
  EXPECT_EQ(store_->SetEntityState("nobody", State::kLive, 500).code(), ErrorCode::kEntityNotFound);
}

TEST_F(SqliteStoreTest, SetEntityTtl) {
  CreateUser(100);
  ASSERT_TRUE(store_->SetEntityTtl("USER", 0, 150).ok());
  auto got = store_->GetEntity("User");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->entity.ttl_seconds, 0);
  EXPECT_EQ(got->updated_at, 150);
  EXPECT_EQ(store_->SetEntityTtl("nobody", 1, 150).code(), ErrorCode::kEntityNotFound);
}

TEST_F(SqliteStoreTest, SearchEntities) {
  EntityMetadata a = UserEntity("driver");
  a.description = "Ride DRIVERS";
  a.tags = {"Mobility"};
  a.owner = "Rides@example.com";
  EntityMetadata b = UserEntity("rider");
  b.description = "people who ride";
  b.tags = {"mobility", "pii"};
  EntityMetadata c = UserEntity("store");
  c.description = "shops";
  c.tags = {"retail"};
  for (const EntityMetadata& e : {c, a, b}) ASSERT_TRUE(store_->CreateEntity(e, 1).ok());

  auto search = [&](SearchQuery q) {
    auto r = store_->SearchEntities(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Names(*r) : std::vector<std::string>{};
  };
  EXPECT_EQ(search({}), (std::vector<std::string>{"driver", "rider", "store"}));
  EXPECT_EQ(search({.pattern = "RIDE"}),
            (std::vector<std::string>{"driver", "rider"}));  // name or description
  EXPECT_EQ(search({.pattern = "shop"}), (std::vector<std::string>{"store"}));
  EXPECT_EQ(search({.pattern = "%"}), (std::vector<std::string>{}));  // no LIKE wildcards
  EXPECT_EQ(search({.tags = {"MOBILITY"}}), (std::vector<std::string>{"driver", "rider"}));
  EXPECT_EQ(search({.tags = {"pii", "retail"}}), (std::vector<std::string>{"rider", "store"}));
  EXPECT_EQ(search({.tags = {"mob"}}), (std::vector<std::string>{}));  // whole tags only
  EXPECT_EQ(search({.owners = {"rides@example.com"}}), (std::vector<std::string>{"driver"}));
  EXPECT_EQ(search({.pattern = "r", .tags = {"mobility"}, .owners = {"ml@example.com"}}),
            (std::vector<std::string>{"rider"}));
  EXPECT_EQ(search({.limit = 2}), (std::vector<std::string>{"driver", "rider"}));
  EXPECT_EQ(search({.limit = 2, .offset = 2}), (std::vector<std::string>{"store"}));
}

// ----- feature groups -----

TEST_F(SqliteStoreTest, CreateFeatureGroupV1) {
  EntityMetadata user = CreateUser(100);
  FeatureGroupMetadata in = Group("Clicks", "USER");
  in.tenant = {"r1", "w1", "c1"};
  in.feature_group.features[0].tags = {"hot"};
  in.feature_group.feature_group_type = model::FeatureGroupType::kOffline;
  in.version = "v7";  // ignored
  FeatureGroupMetadata g = CreateGroup(in, false, 200);
  EXPECT_GT(g.id, 0);
  EXPECT_EQ(g.name, "Clicks");
  EXPECT_EQ(g.version, "v1");
  EXPECT_EQ(g.feature_group.feature_group_name, "Clicks");
  EXPECT_EQ(g.feature_group.entity_name, "User");  // as first written
  EXPECT_EQ(ColumnIds(g.feature_group.features), (std::vector<uint32_t>{4, 5}));
  EXPECT_EQ(g.feature_group.features[0].tags, (std::vector<std::string>{"hot"}));
  EXPECT_EQ(g.feature_group.features[1].name, "views");
  EXPECT_EQ(g.feature_group.feature_group_type, model::FeatureGroupType::kOffline);
  EXPECT_TRUE(g.feature_group.version_enabled);
  EXPECT_EQ(g.state, State::kLive);
  EXPECT_EQ(g.owner, "ml@example.com");
  EXPECT_EQ(g.tags, (std::vector<std::string>{"activity"}));
  EXPECT_EQ(g.description, "Engagement counters");
  EXPECT_EQ(g.tenant, (model::TenantConfig{"r1", "w1", "c1"}));
  EXPECT_EQ(g.created_at, 200);
  EXPECT_EQ(g.updated_at, 200);
  // Entity column tags are not mixed up with group column tags (same entity id space).
  auto entity = store_->GetEntity("user");
  ASSERT_TRUE(entity.ok());
  EXPECT_EQ(entity->entity.features[0].tags, (std::vector<std::string>{"pii", "key"}));
  EXPECT_EQ(entity->updated_at, user.updated_at);
}

TEST_F(SqliteStoreTest, CreateFeatureGroupErrors) {
  EXPECT_EQ(store_->CreateFeatureGroup(Group("clicks"), false, 1).status().code(),
            ErrorCode::kEntityNotFound);
  CreateUser();
  CreateGroup(Group("clicks"));
  EXPECT_EQ(store_->CreateFeatureGroup(Group("CLICKS"), false, 1).status().code(),
            ErrorCode::kFeatureGroupAlreadyExists);

  FeatureGroupMetadata flat = Group("flat");
  flat.feature_group.version_enabled = false;
  CreateGroup(flat);
  EXPECT_EQ(store_->CreateFeatureGroup(flat, true, 1).status().code(), ErrorCode::kVersioningDisabled);

  ASSERT_TRUE(store_->CreateEntity(UserEntity("other"), 1).ok());
  EXPECT_EQ(store_->CreateFeatureGroup(Group("clicks", "other"), true, 1).status().code(),
            ErrorCode::kFeatureGroupRegistrationRequest);

  ASSERT_TRUE(store_->SetFeatureGroupState("clicks", std::nullopt, State::kArchived, 1).ok());
  ASSERT_TRUE(store_->SetFeatureGroupState("flat", std::nullopt, State::kArchived, 1).ok());
  ASSERT_TRUE(store_->SetEntityState("user", State::kArchived, 1).ok());
  EXPECT_EQ(store_->CreateFeatureGroup(Group("fresh"), false, 1).status().code(), ErrorCode::kEntityState);
  EXPECT_EQ(store_->CreateFeatureGroup(Group("clicks"), true, 1).status().code(), ErrorCode::kEntityState);
}

TEST_F(SqliteStoreTest, UpgradeOfMissingGroupCreatesV1) {
  CreateUser();
  FeatureGroupMetadata g = CreateGroup(Group("clicks"), /*upgrade=*/true);
  EXPECT_EQ(g.version, "v1");
}

TEST_F(SqliteStoreTest, ColumnIdsAreAllocatedPerEntityAndNeverReused) {
  CreateUser();
  FeatureGroupMetadata v1 = CreateGroup(Group("Clicks"), false, 200);
  FeatureGroupMetadata other = CreateGroup(Group("views", "User", {"n"}), false, 250);
  FeatureGroupMetadata v2 = CreateGroup(Group("CLICKS", "user", {"clicks", "views", "ctr"}), true, 300);
  EXPECT_EQ(ColumnIds(v1.feature_group.features), (std::vector<uint32_t>{4, 5}));
  EXPECT_EQ(ColumnIds(other.feature_group.features), (std::vector<uint32_t>{6}));
  EXPECT_EQ(ColumnIds(v2.feature_group.features), (std::vector<uint32_t>{7, 8, 9}));
  EXPECT_EQ(v2.version, "v2");
  EXPECT_EQ(v2.name, "Clicks");  // as first written
  EXPECT_EQ(v2.created_at, 300);
  EXPECT_NE(v2.id, v1.id);

  // A second entity has its own id space.
  ASSERT_TRUE(store_->CreateEntity(UserEntity("item"), 1).ok());
  FeatureGroupMetadata item = CreateGroup(Group("item_stats", "item", {"sold"}));
  EXPECT_EQ(ColumnIds(item.feature_group.features), (std::vector<uint32_t>{4}));
}

TEST_F(SqliteStoreTest, GetFeatureGroupByVersion) {
  CreateUser();
  CreateGroup(Group("clicks"), false, 200);
  CreateGroup(Group("clicks", "User", {"a"}), true, 300);
  auto latest = store_->GetFeatureGroup("CLICKS", std::nullopt);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version, "v2");
  auto v1 = store_->GetFeatureGroup("clicks", "V1");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->version, "v1");
  EXPECT_EQ(v1->feature_group.features.size(), 2u);
  auto empty = store_->GetFeatureGroup("clicks", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->version, "v2");
  EXPECT_EQ(store_->GetFeatureGroup("nope", std::nullopt).status().code(), ErrorCode::kFeatureGroupNotFound);
  EXPECT_EQ(store_->GetFeatureGroup("nope", "v1").status().code(), ErrorCode::kFeatureGroupNotFound);
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v3").status().code(), ErrorCode::kFeatureGroupVersionNotFound);
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "latest").status().code(),
            ErrorCode::kFeatureGroupVersionNotFound);
}

TEST_F(SqliteStoreTest, ListFeatureGroupsAndVersions) {
  CreateUser();
  CreateGroup(Group("beta"), false, 100);
  CreateGroup(Group("Alpha"), false, 200);
  CreateGroup(Group("beta"), true, 300);
  auto all = store_->ListFeatureGroups(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Names(*all), (std::vector<std::string>{"Alpha/v1", "beta/v1", "beta/v2"}));
  auto since = store_->ListFeatureGroups(200);
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(Names(*since), (std::vector<std::string>{"Alpha/v1", "beta/v2"}));

  auto versions = store_->ListFeatureGroupVersions("BETA");
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(Names(*versions), (std::vector<std::string>{"beta/v1", "beta/v2"}));
  EXPECT_EQ(store_->ListFeatureGroupVersions("gamma").status().code(), ErrorCode::kFeatureGroupNotFound);
}

TEST_F(SqliteStoreTest, VersionHeads) {
  CreateUser();
  CreateGroup(Group("beta"), false, 100);
  CreateGroup(Group("alpha"), false, 200);
  CreateGroup(Group("beta"), true, 300);
  auto heads = store_->ListVersionHeads(0);
  ASSERT_TRUE(heads.ok());
  ASSERT_EQ(heads->size(), 2u);
  EXPECT_EQ((*heads)[0].name, "alpha");
  EXPECT_EQ((*heads)[0].latest_version, "v1");
  EXPECT_EQ((*heads)[1].name, "beta");
  EXPECT_EQ((*heads)[1].latest_version, "v2");
  EXPECT_EQ((*heads)[1].updated_at, 300);
  auto recent = store_->ListVersionHeads(250);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].name, "beta");

  auto head = store_->GetVersionHead("BETA");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->latest_version, "v2");
  EXPECT_EQ(store_->GetVersionHead("gamma").status().code(), ErrorCode::kFeatureGroupNotFound);
}

TEST_F(SqliteStoreTest, SetFeatureGroupStateLatestOrVersion) {
  CreateUser();
  CreateGroup(Group("clicks"), false, 100);
  CreateGroup(Group("clicks"), true, 200);
  ASSERT_TRUE(store_->SetFeatureGroupState("Clicks", std::nullopt, State::kArchived, 300).ok());
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v2")->state, State::kArchived);
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v2")->updated_at, 300);
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v1")->state, State::kLive);
  ASSERT_TRUE(store_->SetFeatureGroupState("clicks", "v1", State::kArchived, 400).ok());
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v1")->state, State::kArchived);
  EXPECT_EQ(store_->SetFeatureGroupState("clicks", "v3", State::kLive, 1).code(),
            ErrorCode::kFeatureGroupVersionNotFound);
  EXPECT_EQ(store_->SetFeatureGroupState("nope", std::nullopt, State::kLive, 1).code(),
            ErrorCode::kFeatureGroupNotFound);
}

TEST_F(SqliteStoreTest, SetFeatureGroupTenantLatestOrVersion) {
  CreateUser();
  CreateGroup(Group("clicks"), false, 100);
  CreateGroup(Group("clicks"), true, 200);
  model::TenantConfig t{"a", "b", "c"};
  ASSERT_TRUE(store_->SetFeatureGroupTenant("clicks", std::nullopt, t, 300).ok());
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v2")->tenant, t);
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v2")->updated_at, 300);
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v1")->tenant, model::TenantConfig{});
  ASSERT_TRUE(store_->SetFeatureGroupTenant("clicks", "v1", t, 400).ok());
  EXPECT_EQ(store_->GetFeatureGroup("clicks", "v1")->tenant, t);
  EXPECT_EQ(store_->SetFeatureGroupTenant("nope", std::nullopt, t, 1).code(),
            ErrorCode::kFeatureGroupNotFound);
  EXPECT_EQ(store_->SetFeatureGroupTenant("clicks", "v9", t, 1).code(),
            ErrorCode::kFeatureGroupVersionNotFound);
}

TEST_F(SqliteStoreTest, MoveTenant) {
  CreateUser();
  FeatureGroupMetadata a = Group("a");
  a.tenant = {"old", "old", "old"};
  FeatureGroupMetadata b = Group("b");
  b.tenant = {"old", "other", "old"};
  CreateGroup(a, false, 100);
  CreateGroup(b, false, 100);
  CreateGroup(Group("c"), false, 100);

  auto moved = store_->MoveTenant("write", "old", "new", 500);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 1);
  EXPECT_EQ(store_->GetFeatureGroup("a", std::nullopt)->tenant, (model::TenantConfig{"old", "new", "old"}));
  EXPECT_EQ(store_->GetFeatureGroup("a", std::nullopt)->updated_at, 500);
  EXPECT_EQ(store_->GetFeatureGroup("b", std::nullopt)->updated_at, 100);

  moved = store_->MoveTenant("READ", "old", "new", 600);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 2);
  moved = store_->MoveTenant("consume", "old", "k2", 600);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 2);
  EXPECT_EQ(store_->GetFeatureGroup("b", std::nullopt)->tenant, (model::TenantConfig{"new", "other", "k2"}));
  EXPECT_EQ(store_->GetFeatureGroup("c", std::nullopt)->tenant, model::TenantConfig{});
  moved = store_->MoveTenant("read", "missing", "x", 600);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 0);
  EXPECT_EQ(store_->MoveTenant("storage", "old", "new", 1).status().code(), ErrorCode::kInvalidRequest);
}

TEST_F(SqliteStoreTest, SearchFeatureGroups) {
  CreateUser();
  FeatureGroupMetadata a = Group("ride_stats");
  a.tags = {"Mobility"};
  FeatureGroupMetadata b = Group("payments");
  b.description = "Rides paid";
  b.owner = "pay@example.com";
  b.tags = {"money"};
  CreateGroup(a);
  CreateGroup(b);
  a.tags = {"v2only"};
  CreateGroup(a, true);

  auto search = [&](SearchQuery q) {
    auto r = store_->SearchFeatureGroups(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Names(*r) : std::vector<std::string>{};
  };
  EXPECT_EQ(search({}), (std::vector<std::string>{"payments/v1", "ride_stats/v1", "ride_stats/v2"}));
  EXPECT_EQ(search({.pattern = "RIDE"}),
            (std::vector<std::string>{"payments/v1", "ride_stats/v1", "ride_stats/v2"}));
  EXPECT_EQ(search({.pattern = "stats"}), (std::vector<std::string>{"ride_stats/v1", "ride_stats/v2"}));
  EXPECT_EQ(search({.tags = {"mobility"}}), (std::vector<std::string>{"ride_stats/v1"}));
  EXPECT_EQ(search({.tags = {"money", "V2ONLY"}}),
            (std::vector<std::string>{"payments/v1", "ride_stats/v2"}));
  EXPECT_EQ(search({.owners = {"PAY@example.com", "x@example.com"}}),
            (std::vector<std::string>{"payments/v1"}));
  EXPECT_EQ(search({.limit = 1, .offset = 1}), (std::vector<std::string>{"ride_stats/v1"}));
}

// ----- runs -----

model::RunRecord MakeRun(std::string group, std::string version, std::string id, int64_t created_at) {
  return model::RunRecord{std::move(group), std::move(version), std::move(id), 12, 3, "{\"a\":1}", "",
                          "SUCCESS",        created_at};
}

std::vector<std::string> RunIds(const std::vector<model::RunRecord>& runs) {
  std::vector<std::string> ids;
  for (const model::RunRecord& r : runs) ids.push_back(r.run_id);
  return ids;
}

TEST_F(SqliteStoreTest, RunsNewestFirstPerVersion) {
  CreateUser();
  CreateGroup(Group("Clicks"));
  ASSERT_TRUE(store_->AddRun(MakeRun("clicks", "v1", "r1", 100)).ok());
  ASSERT_TRUE(store_->AddRun(MakeRun("CLICKS", "v1", "r3", 300)).ok());
  ASSERT_TRUE(store_->AddRun(MakeRun("clicks", "v1", "r2", 200)).ok());
  ASSERT_TRUE(store_->AddRun(MakeRun("clicks", "v1", "r2b", 200)).ok());  // same time: later insertion first
  auto runs = store_->ListRuns("clicks", "v1", 10);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(RunIds(*runs), (std::vector<std::string>{"r3", "r2b", "r2", "r1"}));
  const model::RunRecord& r = (*runs)[0];
  EXPECT_EQ(r.feature_group_name, "Clicks");
  EXPECT_EQ(r.feature_group_version, "v1");
  EXPECT_EQ(r.time_taken, 12);
  EXPECT_EQ(r.count, 3);
  EXPECT_EQ(r.sample_data, "{\"a\":1}");
  EXPECT_EQ(r.status, "SUCCESS");
  EXPECT_EQ(r.created_at, 300);

  auto limited = store_->ListRuns("clicks", "v1", 2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(RunIds(*limited), (std::vector<std::string>{"r3", "r2b"}));

  CreateGroup(Group("clicks"), true);
  ASSERT_TRUE(store_->AddRun(MakeRun("clicks", "", "latest-run", 50)).ok());  // "" = latest version
  auto latest = store_->ListRuns("clicks", std::nullopt, 10);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(RunIds(*latest), (std::vector<std::string>{"latest-run"}));
  EXPECT_EQ((*latest)[0].feature_group_version, "v2");

  EXPECT_EQ(store_->AddRun(MakeRun("nope", "v1", "x", 1)).code(), ErrorCode::kFeatureGroupNotFound);
  EXPECT_EQ(store_->AddRun(MakeRun("clicks", "v5", "x", 1)).code(), ErrorCode::kFeatureGroupVersionNotFound);
  EXPECT_EQ(store_->ListRuns("nope", std::nullopt, 10).status().code(), ErrorCode::kFeatureGroupNotFound);
}

// ----- counter, health -----

TEST_F(SqliteStoreTest, ChangeCounterMovesOnEveryCommittedMutationOnly) {
  int64_t c0 = Counter();
  CreateUser();
  int64_t c1 = Counter();
  EXPECT_GT(c1, c0);
  ASSERT_TRUE(store_->GetEntity("user").ok());
  ASSERT_TRUE(store_->ListFeatureGroups(0).ok());
  EXPECT_EQ(Counter(), c1);  // reads do not move it
  EXPECT_FALSE(store_->CreateEntity(UserEntity(), 1).ok());
  EXPECT_EQ(Counter(), c1);  // failed mutations roll back, counter included

  CreateGroup(Group("clicks"));
  int64_t c2 = Counter();
  EXPECT_GT(c2, c1);
  ASSERT_TRUE(store_->SetFeatureGroupTenant("clicks", std::nullopt, {"a", "b", "c"}, 1).ok());
  int64_t c3 = Counter();
  EXPECT_GT(c3, c2);
  ASSERT_TRUE(store_->SetFeatureGroupState("clicks", std::nullopt, State::kArchived, 1).ok());
  int64_t c4 = Counter();
  EXPECT_GT(c4, c3);
  ASSERT_TRUE(store_->SetEntityState("user", State::kArchived, 1).ok());
  int64_t c5 = Counter();
  EXPECT_GT(c5, c4);
  ASSERT_TRUE(store_->SetEntityTtl("user", 5, 1).ok());
  int64_t c6 = Counter();
  EXPECT_GT(c6, c5);
  ASSERT_TRUE(store_->MoveTenant("read", "a", "z", 1).ok());
  int64_t c7 = Counter();
  EXPECT_GT(c7, c6);
  int64_t c8 = Counter();
  ASSERT_TRUE(store_->AddRun(MakeRun("clicks", "v1", "r", 1)).ok());
  EXPECT_EQ(Counter(), c8);  // run records are not catalog metadata: no snapshot rebuild
}

TEST_F(SqliteStoreTest, Health) { EXPECT_TRUE(store_->Health().ok()); }

TEST_F(SqliteStoreTest, ConcurrentCallersAreSerialized) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string name = "e" + std::to_string(t) + "_" + std::to_string(i);
        if (!store_->CreateEntity(UserEntity(name), i).ok()) ++failures;
        if (!store_->GetEntity(name).ok()) ++failures;
        if (!store_->ChangeCounter().ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto all = store_->ListEntities(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 80u);
}

// ----- files, migrations -----

class SqliteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ofs_sqlite_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "metadata.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `sql` on a separate raw connection; returns the first column of the first row as text.
  std::string RawQuery(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteFileTest, MigrationsAppliedOnceAndReopenKeepsData) {
  {
    auto store = SqliteMetadataStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->CreateEntity(UserEntity(), 1).ok());
  }
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM schema_version"), std::to_string(sqlite::LatestSchemaVersion()));
  EXPECT_EQ(RawQuery("PRAGMA journal_mode"), "wal");
  {
    auto store = SqliteMetadataStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto got = (*store)->GetEntity("user");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->entity.features.size(), 3u);
    EXPECT_GT(*(*store)->ChangeCounter(), 0);
  }
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM schema_version"), std::to_string(sqlite::LatestSchemaVersion()));
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM entities"), "1");
}

TEST_F(SqliteFileTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(SqliteMetadataStore::Open(path_).ok());
  RawQuery("INSERT INTO schema_version (version, file) VALUES (999, '0999_future.sql')");
  auto store = SqliteMetadataStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_NE(store.status().message().find("999"), std::string_view::npos) << store.status().ToString();
}

TEST_F(SqliteFileTest, UnopenablePathIsMetastoreUnavailable) {
  auto store = SqliteMetadataStore::Open((dir_ / "missing_dir" / "x.sqlite").string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_FALSE(store.status().cause().empty());
}

TEST_F(SqliteFileTest, TwoStoresOnOneFileShareDataAndCounter) {
  auto a = SqliteMetadataStore::Open(path_);
  auto b = SqliteMetadataStore::Open(path_);
  ASSERT_TRUE(a.ok() && b.ok());
  int64_t before = *(*b)->ChangeCounter();
  ASSERT_TRUE((*a)->CreateEntity(UserEntity(), 1).ok());
  EXPECT_GT(*(*b)->ChangeCounter(), before);
  EXPECT_TRUE((*b)->GetEntity("user").ok());
  EXPECT_EQ((*b)->CreateEntity(UserEntity("USER"), 2).status().code(), ErrorCode::kEntityAlreadyExists);
}

// ----- disk space, storage faults, degraded modes -----

TEST_F(SqliteFileTest, AStoreThatCannotJournalWithWalSaysSo) {
  const uint64_t before = FallbackCount(Fallback::kMetadataJournal);
  ASSERT_TRUE(SqliteMetadataStore::Open(path_).ok());
  EXPECT_EQ(FallbackCount(Fallback::kMetadataJournal), before);  // a local file journals with WAL
  if (sqlite3_compileoption_used("USE_URI") == 0) GTEST_SKIP() << "SQLite built without URI file names";
  // The unix-none VFS has no shared memory, so SQLite keeps the rollback journal.
  auto store = SqliteMetadataStore::Open("file:" + path_ + ".no-wal?vfs=unix-none");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(FallbackCount(Fallback::kMetadataJournal), before + 1);
  EXPECT_TRUE((*store)->CreateEntity(UserEntity(), 1).ok());
}

TEST_F(SqliteFileTest, MetadataChangesAreRefusedWhileTheDiskReserveHasNoRoom) {
  std::atomic<uint64_t> free{512 << 20};
  DiskReserve::Options options;
  options.path = "/fake";
  options.reserve_bytes = 64 << 20;
  options.poll_interval = std::chrono::milliseconds(0);
  options.free_bytes = [&](const std::string&) -> Result<uint64_t> { return free.load(); };
  DiskReserve reserve(options);
  auto store = SqliteMetadataStore::Open(path_, &reserve);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->CreateEntity(UserEntity("a"), 1).ok());
  const int64_t counter = *(*store)->ChangeCounter();

  free = 10 << 20;
  reserve.Poll();
  const auto refused = (*store)->CreateEntity(UserEntity("b"), 2);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kStoreUnavailable) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("disk is almost full"), std::string_view::npos);
  EXPECT_EQ((*store)->SetEntityTtl("a", 5, 3).code(), ErrorCode::kStoreUnavailable);
  // Reads keep working; nothing changed; the database itself is fine.
  EXPECT_TRUE((*store)->GetEntity("a").ok());
  EXPECT_EQ((*store)->GetEntity("b").status().code(), ErrorCode::kEntityNotFound);
  EXPECT_EQ(*(*store)->ChangeCounter(), counter);
  EXPECT_TRUE((*store)->Health().ok());

  free = 512 << 20;
  reserve.Poll();
  EXPECT_TRUE((*store)->CreateEntity(UserEntity("b"), 4).ok());
}

// A write that fails inside SQLite (here: the file-size limit makes the WAL append fail with EFBIG, an
// I/O error, as a full disk would with ENOSPC) shows in Health until a write succeeds again.
TEST_F(SqliteFileTest, AFailedWriteShowsInHealthUntilAWriteSucceeds) {
  auto store = SqliteMetadataStore::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->CreateEntity(UserEntity("a"), 1).ok());
  ASSERT_TRUE((*store)->Health().ok());

  uintmax_t largest = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    largest = std::max(largest, entry.file_size());
  }
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(largest);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &low), 0);
  Status failed;
  for (int i = 0; i < 100 && failed.ok(); ++i) {
    failed = (*store)->CreateEntity(UserEntity("b" + std::to_string(i)), 2).status();
  }
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, previous_handler);

  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), ErrorCode::kMetastoreUnavailable) << failed.ToString();
  const Status health = (*store)->Health();
  ASSERT_FALSE(health.ok());
  EXPECT_NE(health.message().find("the last metadata write failed"), std::string_view::npos)
      << health.ToString();
  EXPECT_EQ(health.ToString().find(dir_.string()), std::string::npos) << health.ToString();
  // A failure that is not the database's own (a duplicate name) leaves the verdict as it is.
  EXPECT_EQ((*store)->CreateEntity(UserEntity("a"), 3).status().code(), ErrorCode::kEntityAlreadyExists);
  EXPECT_FALSE((*store)->Health().ok());
  // The next write that commits clears it.
  ASSERT_TRUE((*store)->CreateEntity(UserEntity("c"), 4).ok());
  EXPECT_TRUE((*store)->Health().ok());
}

}  // namespace
}  // namespace ofs::catalog
