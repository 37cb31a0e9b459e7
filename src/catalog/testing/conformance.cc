#include "catalog/testing/conformance.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ofs::catalog::testing {

using model::DataType;
using model::EntityMetadata;
using model::FeatureGroupMetadata;
using model::State;

void PrintTo(const MetadataStoreUnderTest& engine, std::ostream* os) { *os << engine.name; }

std::string MetadataStoreUnderTestName(const ::testing::TestParamInfo<MetadataStoreUnderTest>& info) {
  LinkLoadJobConformance();  // the suite's other file, which nothing else references in the static library
  return info.param.name;
}

void MetadataStoreConformance::SetUp() {
  if (GetParam().skip_reason) {
    const std::string reason = GetParam().skip_reason();
    if (!reason.empty()) GTEST_SKIP() << reason;
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->name());
  std::replace(name.begin(), name.end(), '/', '_');
  dir_ = (std::filesystem::temp_directory_path() / ("ofs_metadata_" + std::to_string(getpid()) + "_" + name))
             .string();
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  store_ = OpenAnother();
  ASSERT_NE(store_, nullptr);
}

void MetadataStoreConformance::TearDown() {
  store_.reset();
  if (dir_.empty()) return;
  if (GetParam().cleanup) GetParam().cleanup(dir_);
  std::filesystem::remove_all(dir_);
}

std::unique_ptr<MetadataStore> MetadataStoreConformance::OpenAnother() {
  auto opened = GetParam().open(dir_);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

EntityMetadata MetadataStoreConformance::CreateUser(int64_t now) {
  auto created = store_->CreateEntity(UserEntity(), now);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  return created.ok() ? *created : EntityMetadata{};
}

FeatureGroupMetadata MetadataStoreConformance::CreateGroup(const FeatureGroupMetadata& g, bool upgrade,
                                                           int64_t now) {
  auto created = store_->CreateFeatureGroup(g, upgrade, now);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  return created.ok() ? *created : FeatureGroupMetadata{};
}

int64_t MetadataStoreConformance::Counter() {
  auto c = store_->ChangeCounter();
  EXPECT_TRUE(c.ok());
  return c.ok() ? *c : -1;
}

// ----- entities -----

TEST_P(MetadataStoreConformance, CreateEntityAssignsIdsAndTimestamps) {
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

TEST_P(MetadataStoreConformance, EntityNamesAreCaseInsensitiveAndStoredAsFirstWritten) {
  CreateUser();
  EXPECT_EQ(store_->CreateEntity(UserEntity("USER"), 5).status().code(), ErrorCode::kEntityAlreadyExists);
  auto got = store_->GetEntity("uSeR");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "User");
}

TEST_P(MetadataStoreConformance, GetEntityNotFound) {
  EntityMetadata e = CreateUser();
  EXPECT_EQ(store_->GetEntity("nobody").status().code(), ErrorCode::kEntityNotFound);
  EXPECT_EQ(store_->GetEntityById(e.id + 100).status().code(), ErrorCode::kEntityNotFound);
  auto by_id = store_->GetEntityById(e.id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->name, "User");
}

TEST_P(MetadataStoreConformance, ListEntitiesUpdatedSinceByName) {
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

TEST_P(MetadataStoreConformance, ArchivingEntityRequiresNoLiveGroup) {
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

TEST_P(MetadataStoreConformance, SetEntityTtl) {
  CreateUser(100);
  ASSERT_TRUE(store_->SetEntityTtl("USER", 0, 150).ok());
  auto got = store_->GetEntity("User");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->entity.ttl_seconds, 0);
  EXPECT_EQ(got->updated_at, 150);
  EXPECT_EQ(store_->SetEntityTtl("nobody", 1, 150).code(), ErrorCode::kEntityNotFound);
}

TEST_P(MetadataStoreConformance, SearchEntities) {
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

TEST_P(MetadataStoreConformance, CreateFeatureGroupV1) {
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

TEST_P(MetadataStoreConformance, CreateFeatureGroupErrors) {
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

TEST_P(MetadataStoreConformance, UpgradeOfMissingGroupCreatesV1) {
  CreateUser();
  FeatureGroupMetadata g = CreateGroup(Group("clicks"), /*upgrade=*/true);
  EXPECT_EQ(g.version, "v1");
}

TEST_P(MetadataStoreConformance, ColumnIdsAreAllocatedPerEntityAndNeverReused) {
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

TEST_P(MetadataStoreConformance, GetFeatureGroupByVersion) {
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

TEST_P(MetadataStoreConformance, ListFeatureGroupsAndVersions) {
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

// The listings load in bulk (a few statements for the whole catalog); each item must be exactly what the
// single-item reads return: columns in order with their ids and tags, keys, tags, tenants, states.
TEST_P(MetadataStoreConformance, ListingsCarryEveryDetailOfEachItem) {
  CreateUser(100);
  model::EntityMetadata other = UserEntity("device");
  other.entity.features[2].tags = {"t1", "t2", "t3"};
  other.tags = {"z", "a"};
  ASSERT_TRUE(store_->CreateEntity(other, 110).ok());
  model::FeatureGroupMetadata tagged = Group("clicks", "user", {"a", "b", "c"});
  tagged.feature_group.features[1].tags = {"x", "y"};
  tagged.tags = {"one", "two", "three"};
  CreateGroup(tagged, false, 200);
  CreateGroup(Group("clicks", "user", {"a", "d"}), true, 300);
  CreateGroup(Group("plain", "device", {"p"}), false, 400);
  ASSERT_TRUE(store_->SetFeatureGroupState("clicks", "v1", model::State::kArchived, 500).ok());
  ASSERT_TRUE(
      store_->SetFeatureGroupTenant("plain", std::nullopt, model::TenantConfig{"r", "w", "c"}, 600).ok());

  auto entities = store_->ListEntities(0);
  ASSERT_TRUE(entities.ok()) << entities.status().ToString();
  ASSERT_EQ(entities->size(), 2u);
  for (const model::EntityMetadata& listed : *entities) {
    auto got = store_->GetEntity(listed.name);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(listed == *got) << listed.name;
  }
  auto groups = store_->ListFeatureGroups(0);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(Names(*groups), (std::vector<std::string>{"clicks/v1", "clicks/v2", "plain/v1"}));
  for (const model::FeatureGroupMetadata& listed : *groups) {
    auto got = store_->GetFeatureGroup(listed.name, listed.version);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(listed == *got) << listed.name << " " << listed.version;
  }
  EXPECT_EQ((*groups)[0].feature_group.features[1].tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ((*groups)[0].tags, (std::vector<std::string>{"one", "two", "three"}));
  // Since a time: only what changed then, with every detail too.
  auto since = store_->ListFeatureGroups(550);
  ASSERT_TRUE(since.ok());
  ASSERT_EQ(Names(*since), (std::vector<std::string>{"plain/v1"}));
  EXPECT_EQ((*since)[0].tenant, (model::TenantConfig{"r", "w", "c"}));
  EXPECT_EQ((*since)[0].feature_group.features.size(), 1u);
}

TEST_P(MetadataStoreConformance, VersionHeads) {
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

TEST_P(MetadataStoreConformance, SetFeatureGroupStateLatestOrVersion) {
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

TEST_P(MetadataStoreConformance, SetFeatureGroupTenantLatestOrVersion) {
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

TEST_P(MetadataStoreConformance, MoveTenant) {
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

TEST_P(MetadataStoreConformance, SearchFeatureGroups) {
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

TEST_P(MetadataStoreConformance, RunsNewestFirstPerVersion) {
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

// ----- consume tenants' topics -----

TEST_P(MetadataStoreConformance, ConsumerTopicsAreAddedOnceUpdatedAndListedByTenant) {
  EXPECT_TRUE(store_->ListConsumerTopics().value().empty());
  const int64_t c0 = Counter();
  ASSERT_TRUE(store_->AddConsumerTopic(model::ConsumerTopic{"t2", "topic-2", 3, 1, 0}, 100).ok());
  ASSERT_TRUE(store_->AddConsumerTopic(model::ConsumerTopic{"default-tenant", "default", 8, 2, 0}, 110).ok());
  EXPECT_EQ(Counter(), c0 + 2);  // part of the catalog: serve nodes and consumers see changes
  EXPECT_EQ(store_->AddConsumerTopic(model::ConsumerTopic{"t2", "other", 1, 1, 0}, 120).code(),
            ErrorCode::kInvalidRequest);
  ASSERT_TRUE(store_->UpdateConsumerTopic(model::ConsumerTopic{"t2", "topic-2b", 6, 3, 0}, 130).ok());
  EXPECT_EQ(store_->UpdateConsumerTopic(model::ConsumerTopic{"nope", "x", 1, 1, 0}, 140).code(),
            ErrorCode::kTenantNotFound);
  EXPECT_EQ(store_->ListConsumerTopics().value(),
            (std::vector<model::ConsumerTopic>{{"default-tenant", "default", 8, 2, 110},
                                               {"t2", "topic-2b", 6, 3, 130}}));
  EXPECT_EQ(Counter(), c0 + 3);
}

// ----- counter, health -----

TEST_P(MetadataStoreConformance, ChangeCounterMovesOnEveryCommittedMutationOnly) {
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

TEST_P(MetadataStoreConformance, Health) { EXPECT_TRUE(store_->Health().ok()); }

TEST_P(MetadataStoreConformance, ConcurrentCallersAreSerialized) {
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

// ----- several admins on one database -----

TEST_P(MetadataStoreConformance, TwoClientsShareDataAndCounter) {
  std::unique_ptr<MetadataStore> other = OpenAnother();
  ASSERT_NE(other, nullptr);
  const int64_t before = *other->ChangeCounter();
  CreateUser();
  EXPECT_GT(*other->ChangeCounter(), before);
  EXPECT_TRUE(other->GetEntity("user").ok());
  EXPECT_EQ(other->CreateEntity(UserEntity("USER"), 2).status().code(), ErrorCode::kEntityAlreadyExists);
}

// Two admins register the same entity at once: exactly one wins, the other is told it exists.
TEST_P(MetadataStoreConformance, RacingAdminsCreatingOneEntityOneWins) {
  std::unique_ptr<MetadataStore> other = OpenAnother();
  ASSERT_NE(other, nullptr);
  for (int round = 0; round < 10; ++round) {
    const std::string name = "racer" + std::to_string(round);
    Status a, b;
    std::thread t([&] { a = store_->CreateEntity(UserEntity(name), 1).status(); });
    b = other->CreateEntity(UserEntity(name), 1).status();
    t.join();
    EXPECT_EQ(a.ok() + b.ok(), 1) << a.ToString() << " / " << b.ToString();
    const Status& lost = a.ok() ? b : a;
    EXPECT_EQ(lost.code(), ErrorCode::kEntityAlreadyExists) << lost.ToString();
  }
  auto all = store_->ListEntities(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 10u);
}

// Admins upgrading one group and creating other groups of the same entity at once: every call succeeds,
// version numbers are 1..n without gaps or repeats, and no column id is handed out twice.
TEST_P(MetadataStoreConformance, RacingAdminsGetDistinctVersionsAndColumnIds) {
  CreateUser();
  CreateGroup(Group("shared"));
  std::vector<std::unique_ptr<MetadataStore>> admins;
  for (int i = 0; i < 3; ++i) {
    admins.push_back(OpenAnother());
    ASSERT_NE(admins.back(), nullptr);
  }
  constexpr int kRounds = 8;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (size_t a = 0; a < admins.size(); ++a) {
    threads.emplace_back([&, a] {
      for (int i = 0; i < kRounds; ++i) {
        auto upgraded = admins[a]->CreateFeatureGroup(Group("shared"), /*upgrade=*/true, 300);
        if (!upgraded.ok()) {
          ++failures;
          ADD_FAILURE() << upgraded.status().ToString();
        }
        auto other = admins[a]->CreateFeatureGroup(
            Group("own_" + std::to_string(a) + "_" + std::to_string(i)), false, 300);
        if (!other.ok()) {
          ++failures;
          ADD_FAILURE() << other.status().ToString();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  auto versions = store_->ListFeatureGroupVersions("shared");
  ASSERT_TRUE(versions.ok());
  const size_t expected = 1 + admins.size() * kRounds;
  ASSERT_EQ(versions->size(), expected);
  for (size_t i = 0; i < versions->size(); ++i)
    EXPECT_EQ((*versions)[i].version, "v" + std::to_string(i + 1));
  auto all = store_->ListFeatureGroups(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), expected + admins.size() * kRounds);
  std::set<uint32_t> ids;
  size_t columns = 0;
  for (const FeatureGroupMetadata& g : *all) {
    for (uint32_t id : ColumnIds(g.feature_group.features)) {
      if (id <= 3) continue;  // the entity's own columns, repeated in every version
      ++columns;
      EXPECT_TRUE(ids.insert(id).second)
          << "column id " << id << " handed out twice (" << g.name << "/" << g.version << ")";
    }
  }
  EXPECT_EQ(columns, all->size() * 2);
  auto head = store_->GetVersionHead("shared");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->latest_version, "v" + std::to_string(expected));
}

// ----- backups -----

TEST_P(MetadataStoreConformance, BackupRestoresAnEmptyStoreToTheSameCatalog) {
  CreateUser();
  CreateGroup(Group("Spend"));
  CreateGroup(Group("Spend"), /*upgrade=*/true, 300);
  ASSERT_TRUE(store_->SetFeatureGroupState("Spend", "v1", State::kArchived, 400).ok());
  ASSERT_TRUE(store_->SetFeatureGroupTenant("Spend", "v2", model::TenantConfig{"r", "w", "c"}, 500).ok());
  ASSERT_TRUE(store_->AddRun(MakeRun("Spend", "v2", "run-1", 600)).ok());
  ASSERT_TRUE(store_->AddConsumerTopic(model::ConsumerTopic{"c", "spend-topic", 4, 2, 0}, 650).ok());
  Result<std::string> backup = store_->Backup(700);
  ASSERT_TRUE(backup.ok()) << backup.status().ToString();

  const std::string other = dir_ + "_restored";
  std::filesystem::remove_all(other);
  std::filesystem::create_directories(other);
  {
    auto opened = GetParam().open(other);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    MetadataStore& restored = **opened;
    // Refused and nothing written: a document that is not a backup, or one with a bad value.
    EXPECT_EQ(restored.Restore("{}").code(), ErrorCode::kInvalidRequest);
    std::string bad = *backup;
    const size_t run = bad.find("\"run-1\"");
    ASSERT_NE(run, std::string::npos);
    bad.replace(run, 7, "17");  // a number where the run id (text) belongs
    EXPECT_EQ(restored.Restore(bad).code(), ErrorCode::kInvalidRequest);

    Status done = restored.Restore(*backup);
    ASSERT_TRUE(done.ok()) << done.ToString();
    // Byte for byte the same store: its own backup at the same time is the same document.
    EXPECT_EQ(restored.Backup(700).value(), *backup);
    EXPECT_EQ(restored.ChangeCounter().value(), Counter());
    EXPECT_EQ(restored.GetFeatureGroup("spend", "v2")->tenant.write, "w");
    EXPECT_EQ(RunIds(restored.ListRuns("Spend", "v2", 10).value()), std::vector<std::string>{"run-1"});
    EXPECT_EQ(restored.ListConsumerTopics().value(),
              (std::vector<model::ConsumerTopic>{model::ConsumerTopic{"c", "spend-topic", 4, 2, 650}}));
    // Not empty any more: a second restore is refused.
    EXPECT_EQ(restored.Restore(*backup).code(), ErrorCode::kInvalidRequest);
    // It goes on where the original left off: the next version and fresh column ids.
    auto v3 = restored.CreateFeatureGroup(Group("Spend"), /*upgrade=*/true, 800);
    ASSERT_TRUE(v3.ok()) << v3.status().ToString();
    EXPECT_EQ(v3->version, "v3");
    auto v2 = restored.GetFeatureGroup("Spend", "v2");
    EXPECT_GT(ColumnIds(v3->feature_group.features).front(), ColumnIds(v2->feature_group.features).back());
  }
  if (GetParam().cleanup) GetParam().cleanup(other);
  std::filesystem::remove_all(other);
}

}  // namespace ofs::catalog::testing
