#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "catalog/sqlite/sqlite_metadata_store.h"

namespace ofs::catalog {
namespace {

using model::DataType;
using model::EntityMetadata;
using model::FeatureGroupMetadata;

// Entity "User": columns user_id(1) day(2) country(3); primary key (day, user_id) — not declared order.
EntityMetadata User() {
  EntityMetadata e;
  e.id = 7;
  e.name = "User";
  e.entity.table_name = "User";
  e.entity.features = {{1, "user_id", DataType::kBigint, "", {}},
                       {2, "day", DataType::kText, "", {}},
                       {3, "country", DataType::kAscii, "", {}}};
  e.entity.primary_keys = {"day", "USER_ID"};
  e.entity.ttl_seconds = 60;
  return e;
}

FeatureGroupMetadata Group(int64_t id, std::string name, std::string version,
                           std::vector<model::FeatureColumn> columns, bool version_enabled = true) {
  FeatureGroupMetadata g;
  g.id = id;
  g.name = name;
  g.version = version;
  g.feature_group.feature_group_name = name;
  g.feature_group.entity_name = "user";
  g.feature_group.features = std::move(columns);
  g.feature_group.version_enabled = version_enabled;
  return g;
}

std::shared_ptr<const Snapshot> Sample() {
  return Snapshot::Build(
      {User()},
      {Group(11, "Clicks", "v2",
             {{6, "clicks", DataType::kInt, "", {}},
              {7, "a_very_long_column_name_x", DataType::kDouble, "", {}}}),
       Group(10, "Clicks", "v1", {{4, "clicks", DataType::kBigint, "", {}}}),
       Group(12, "flat", "v1", {{5, "score", DataType::kFloat, "", {}}}, /*version_enabled=*/false)},
      42);
}

std::vector<std::string> SpecNames(const std::vector<model::ColumnSpec>& specs) {
  std::vector<std::string> names;
  for (const model::ColumnSpec& s : specs) names.push_back(s.name + "#" + std::to_string(s.id));
  return names;
}

TEST(Snapshot, EntityTable) {
  auto snapshot = Sample();
  EXPECT_EQ(snapshot->change_counter(), 42);
  const EntityEntry* user = snapshot->FindEntity("USER");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user, snapshot->FindEntity("user"));
  EXPECT_EQ(user->table.id, 7u);
  EXPECT_EQ(user->table.name, "User");
  EXPECT_EQ(user->table.ttl_seconds, 60);
  EXPECT_EQ(SpecNames(user->table.key_columns), (std::vector<std::string>{"day#2", "user_id#1"}));
  EXPECT_EQ(user->table.key_columns[1].type, DataType::kBigint);
  // Non-key entity columns, then every group version's columns in creation order.
  EXPECT_EQ(SpecNames(user->table.value_columns),
            (std::vector<std::string>{"country#3", "Clicks__v1__clicks#4", "Clicks__v2__clicks#6",
                                      "Clicks__v2__a_very_long_column_name_x#7", "flat__score#5"}));
  EXPECT_EQ(user->table.value_columns[2].type, DataType::kInt);
  EXPECT_EQ(snapshot->FindEntity("nobody"), nullptr);
}

TEST(Snapshot, GroupColumnsAndLookup) {
  auto snapshot = Sample();
  const GroupEntry* v2 = snapshot->FindGroup("clicks", 2);
  ASSERT_NE(v2, nullptr);
  EXPECT_EQ(v2->version_number, 2);
  EXPECT_EQ(v2->entity, snapshot->FindEntity("User"));
  ASSERT_EQ(v2->columns.size(), 5u);
  EXPECT_EQ(v2->columns[0].name, "user_id");
  EXPECT_EQ(v2->columns[0].key_index, 1);
  EXPECT_EQ(v2->columns[1].name, "day");
  EXPECT_EQ(v2->columns[1].key_index, 0);
  EXPECT_EQ(v2->columns[2].key_index, -1);
  EXPECT_FALSE(v2->columns[2].is_group_column);
  EXPECT_TRUE(v2->columns[3].is_group_column);
  EXPECT_EQ(v2->columns[3].id, 6u);
  EXPECT_EQ(v2->columns[3].type, DataType::kInt);

  EXPECT_EQ(v2->Find("CLICKS"), &v2->columns[3]);
  EXPECT_EQ(v2->Find("Country"), &v2->columns[2]);
  EXPECT_EQ(v2->Find("A_VERY_LONG_COLUMN_NAME_X"), &v2->columns[4]);
  EXPECT_EQ(v2->Find("score"), nullptr);  // another group's column
  EXPECT_EQ(v2->Find(""), nullptr);
  EXPECT_EQ(v2->Find(std::string(200, 'x')), nullptr);
}

TEST(Snapshot, VersionResolution) {
  auto snapshot = Sample();
  const GroupEntry* latest = snapshot->FindGroup("CLICKS", std::nullopt);
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->meta.version, "v2");
  const GroupEntry* v1 = snapshot->FindGroup("clicks", 1);
  ASSERT_NE(v1, nullptr);
  EXPECT_EQ(v1->meta.version, "v1");
  EXPECT_EQ(v1->Find("clicks")->type, DataType::kBigint);
  EXPECT_EQ(snapshot->FindGroup("clicks", 3), nullptr);
  EXPECT_EQ(snapshot->FindGroup("clicks", 0), nullptr);
  EXPECT_EQ(snapshot->FindGroup("nope", std::nullopt), nullptr);
  EXPECT_TRUE(snapshot->HasGroup("Flat"));
  EXPECT_FALSE(snapshot->HasGroup("nope"));
  EXPECT_EQ(snapshot->groups().size(), 3u);
  EXPECT_EQ(snapshot->entities().size(), 1u);
}

TEST(Snapshot, GroupWithoutItsEntityIsLeftOut) {
  FeatureGroupMetadata orphan = Group(1, "orphan", "v1", {{4, "x", DataType::kInt, "", {}}});
  orphan.feature_group.entity_name = "missing";
  auto snapshot = Snapshot::Build({User()}, {orphan}, 1);
  EXPECT_EQ(snapshot->FindGroup("orphan", std::nullopt), nullptr);
  EXPECT_TRUE(snapshot->groups().empty());
}

TEST(Snapshot, TenantsOfEveryVersionOfAGroupAndOfEveryGroupOnAnEntity) {
  EntityMetadata other = User();
  other.id = 8;
  other.name = "other";
  FeatureGroupMetadata clicks_v1 = Group(10, "Clicks", "v1", {{4, "c", DataType::kInt, "", {}}});
  clicks_v1.tenant = {"ta", "ta", "ta"};
  FeatureGroupMetadata clicks_v2 = Group(11, "clicks", "v2", {{5, "c", DataType::kInt, "", {}}});
  clicks_v2.tenant = {"ta", "tb", "ta"};
  FeatureGroupMetadata clicks_v3 = Group(12, "clicks", "v3", {{6, "c", DataType::kInt, "", {}}});
  clicks_v3.tenant = {"ta", "ta", "ta"};  // equal to v1's: listed once
  FeatureGroupMetadata views = Group(13, "views", "v1", {{7, "v", DataType::kInt, "", {}}});
  views.tenant = {"tc", "tc", "tc"};
  auto snapshot = Snapshot::Build({User(), other}, {clicks_v3, views, clicks_v1, clicks_v2}, 1);

  auto configs = [](const std::vector<const model::TenantConfig*>& set) {
    std::vector<model::TenantConfig> out;
    for (const model::TenantConfig* t : set) out.push_back(*t);
    return out;
  };
  const std::vector<model::TenantConfig> clicks = {{"ta", "ta", "ta"}, {"ta", "tb", "ta"}};
  for (int64_t version : {1, 2, 3}) {  // the same set whatever version is named
    const GroupEntry* entry = snapshot->FindGroup("CLICKS", version);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(configs(entry->group_tenants), clicks) << version;
  }
  const EntityEntry* user = snapshot->FindEntity("user");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(configs(user->group_tenants),
            (std::vector<model::TenantConfig>{{"ta", "ta", "ta"}, {"ta", "tb", "ta"}, {"tc", "tc", "tc"}}));
  ASSERT_EQ(user->groups.size(), 2u);  // the latest version of each group, in order of first creation
  EXPECT_EQ(user->groups[0], snapshot->FindGroup("clicks", std::nullopt));
  EXPECT_EQ(user->groups[1], snapshot->FindGroup("views", std::nullopt));
  const EntityEntry* unused = snapshot->FindEntity("other");
  ASSERT_NE(unused, nullptr);
  EXPECT_TRUE(unused->groups.empty());
  EXPECT_TRUE(unused->group_tenants.empty());
}

// ----- Catalog over a real (in-memory) SQLite store -----

EntityMetadata NewUser() {
  EntityMetadata e = User();
  e.id = 0;
  for (model::FeatureColumn& c : e.entity.features) c.id = 0;
  return e;
}

FeatureGroupMetadata NewGroup(std::string name) {
  return Group(0, std::move(name), "", {{0, "clicks", DataType::kInt, "", {}}});
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->CreateEntity(NewUser(), 1).ok());
  }

  std::unique_ptr<SqliteMetadataStore> store_;
};

TEST_F(CatalogTest, NullBeforeFirstRefresh) {
  Catalog catalog(store_.get());
  EXPECT_EQ(catalog.Current(), nullptr);
  EXPECT_EQ(catalog.CurrentShared(), nullptr);
  EXPECT_EQ(catalog.store(), store_.get());
}

TEST_F(CatalogTest, RefreshRebuildsOnlyOnChange) {
  Catalog catalog(store_.get());
  ASSERT_TRUE(catalog.Refresh().ok());
  std::shared_ptr<const Snapshot> first = catalog.CurrentShared();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(catalog.Current(), first.get());
  EXPECT_EQ(first->change_counter(), *store_->ChangeCounter());
  EXPECT_NE(first->FindEntity("user"), nullptr);

  ASSERT_TRUE(catalog.Refresh().ok());
  EXPECT_EQ(catalog.CurrentShared(), first);  // nothing changed: same snapshot

  ASSERT_TRUE(store_->CreateFeatureGroup(NewGroup("clicks"), false, 2).ok());
  EXPECT_EQ(catalog.Current(), first.get());  // not visible before a refresh
  ASSERT_TRUE(catalog.Refresh().ok());
  std::shared_ptr<const Snapshot> second = catalog.CurrentShared();
  EXPECT_NE(second, first);
  EXPECT_GT(second->change_counter(), first->change_counter());
  const GroupEntry* group = second->FindGroup("Clicks", std::nullopt);
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->Find("clicks")->id, 4u);
  EXPECT_EQ(group->entity->table.value_columns.back().name, "clicks__v1__clicks");

  ASSERT_TRUE(catalog.Refresh(/*force=*/true).ok());
  EXPECT_NE(catalog.CurrentShared(), second);
  EXPECT_EQ(catalog.Current()->change_counter(), second->change_counter());
}

TEST_F(CatalogTest, ArchivedItemsStayInTheSnapshot) {
  ASSERT_TRUE(store_->CreateFeatureGroup(NewGroup("clicks"), false, 2).ok());
  ASSERT_TRUE(store_->SetFeatureGroupState("clicks", std::nullopt, model::State::kArchived, 3).ok());
  ASSERT_TRUE(store_->SetEntityState("user", model::State::kArchived, 3).ok());
  Catalog catalog(store_.get());
  ASSERT_TRUE(catalog.Refresh().ok());
  const GroupEntry* group = catalog.Current()->FindGroup("clicks", std::nullopt);
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->meta.state, model::State::kArchived);
  EXPECT_EQ(catalog.Current()->FindEntity("user")->meta.state, model::State::kArchived);
}

TEST_F(CatalogTest, UpgradeIsTheNewLatest) {
  Catalog catalog(store_.get());
  ASSERT_TRUE(store_->CreateFeatureGroup(NewGroup("clicks"), false, 2).ok());
  ASSERT_TRUE(store_->CreateFeatureGroup(NewGroup("clicks"), true, 3).ok());
  ASSERT_TRUE(catalog.Refresh().ok());
  const Snapshot* snapshot = catalog.Current();
  EXPECT_EQ(snapshot->FindGroup("clicks", std::nullopt)->version_number, 2);
  EXPECT_EQ(snapshot->FindGroup("clicks", 2)->Find("clicks")->id, 5u);
  EXPECT_EQ(snapshot->FindGroup("clicks", 1)->Find("clicks")->id, 4u);
}

TEST_F(CatalogTest, SeveralCatalogsInOneProcess) {
  auto other_store = SqliteMetadataStore::Open(":memory:");
  ASSERT_TRUE(other_store.ok());
  Catalog a(store_.get());
  Catalog b(other_store->get());
  ASSERT_TRUE(a.Refresh().ok());
  ASSERT_TRUE(b.Refresh().ok());
  EXPECT_NE(a.Current(), b.Current());
  EXPECT_NE(a.Current()->FindEntity("user"), nullptr);
  EXPECT_EQ(b.Current()->FindEntity("user"), nullptr);
}

TEST_F(CatalogTest, NewCatalogNeverSeesADestroyedOnesSnapshot) {
  for (int i = 0; i < 8; ++i) {
    auto catalog = std::make_unique<Catalog>(store_.get());  // likely reuses the previous address
    EXPECT_EQ(catalog->Current(), nullptr);
    ASSERT_TRUE(catalog->Refresh().ok());
    EXPECT_NE(catalog->Current(), nullptr);
  }
}

// Readers call Current() in a loop while a writer mutates the store and publishes; run under TSan.
TEST_F(CatalogTest, ConcurrentReadersWhileWriterPublishes) {
  Catalog catalog(store_.get());
  ASSERT_TRUE(catalog.Refresh().ok());
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      int64_t last = -1;
      while (!stop.load(std::memory_order_relaxed)) {
        const Snapshot* snapshot = catalog.Current();
        if (snapshot == nullptr || snapshot->change_counter() < last) {
          ++errors;
          break;
        }
        last = snapshot->change_counter();
        const EntityEntry* user = snapshot->FindEntity("user");
        if (user == nullptr || user->table.key_columns.size() != 2) ++errors;
        for (const auto& group : snapshot->groups()) {
          if (group->Find("clicks") == nullptr ||
              snapshot->FindGroup(group->meta.name, std::nullopt) == nullptr) {
            ++errors;
          }
        }
      }
    });
  }
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(store_->CreateFeatureGroup(NewGroup("g" + std::to_string(i)), false, 10 + i).ok());
    ASSERT_TRUE(catalog.Refresh().ok());
  }
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(catalog.Current()->groups().size(), 30u);
}

}  // namespace
}  // namespace ofs::catalog
