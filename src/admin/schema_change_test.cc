// SchemaChange (storage before metadata) on its own: what a failed commit puts back, and what Publish
// catches up with after a change made meanwhile by another admin process. The routes' use of it is in
// admin_routes_test.cc ("storage before metadata").

#include "admin/schema_change.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "admin/recording_store_for_tests.h"
#include "catalog/sqlite/sqlite_metadata_store.h"

namespace ofs::admin {
namespace {

class SchemaChangeTest : public testing::Test {
 protected:
  void SetUp() override {
    auto store = catalog::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    catalog_ = std::make_unique<catalog::Catalog>(store_.get());
    model::EntityMetadata user;
    user.name = "user";
    user.entity.table_name = "user";
    user.entity.features = {{0, "id", model::DataType::kBigint, "", {}}};
    user.entity.primary_keys = {"id"};
    user.entity.ttl_seconds = 100;
    ASSERT_TRUE(store_->CreateEntity(user, 1).ok());
    ASSERT_TRUE(catalog_->Refresh(/*force=*/true).ok());
    deps_ = AdminDeps{store_.get(), catalog_.get(), &online_, &clock_, std::make_shared<std::mutex>()};
  }

  model::TableSpec UserTable() { return catalog_->CurrentShared()->FindEntity("user")->table; }

  ManualClock clock_{1'700'000'000'000'000};
  RecordingStore online_;
  std::unique_ptr<catalog::SqliteMetadataStore> store_;
  std::unique_ptr<catalog::Catalog> catalog_;
  AdminDeps deps_;
};

TEST_F(SchemaChangeTest, AFailedCommitPutsTheTtlBack) {
  auto change = SchemaChange::Begin(deps_);
  ASSERT_TRUE(change.ok()) << change.status().ToString();
  model::TableSpec table = UserTable();
  table.ttl_seconds = 5;
  ASSERT_TRUE(change->Prepare(table, {"b", "a", "b"}).ok());
  EXPECT_EQ(online_.ensured, (decltype(online_.ensured){{"a", "user"}, {"b", "user"}}));  // distinct, sorted
  EXPECT_EQ(online_.last_ttl, 5);
  Status failed = change->Fail(Status(ErrorCode::kMetastoreUnavailable, "commit failed"));
  EXPECT_EQ(failed.ToString(), Status(ErrorCode::kMetastoreUnavailable, "commit failed").ToString());
  EXPECT_EQ(online_.ensured.size(), 4u);  // both tenants again, with the committed TTL
  EXPECT_EQ(online_.last_ttl, 100);
}

TEST_F(SchemaChangeTest, AFailedPreparationPutsBackWhatItChanged) {
  auto change = SchemaChange::Begin(deps_);
  ASSERT_TRUE(change.ok());
  model::TableSpec table = UserTable();
  table.ttl_seconds = 5;
  int calls = 0;
  online_.on_ensure = [&](std::string_view, const model::TableSpec&) {
    // The second tenant fails once; the TTL is put back on both.
    online_.fail_ensure = ++calls == 2 ? Status(ErrorCode::kStoreUnavailable, "down") : Status::Ok();
  };
  Status prepared = change->Prepare(table, {"a", "b"});
  EXPECT_EQ(prepared.code(), ErrorCode::kStoreUnavailable);
  EXPECT_NE(prepared.cause().find("table 'user' on tenant 'b'"), std::string_view::npos)
      << prepared.ToString();
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(online_.ensured, (decltype(online_.ensured){{"a", "user"}, {"a", "user"}, {"b", "user"}}));
  EXPECT_EQ(online_.last_ttl, 100);
}

TEST_F(SchemaChangeTest, PublishCatchesUpWithAChangeMadeMeanwhile) {
  {
    auto change = SchemaChange::Begin(deps_);
    ASSERT_TRUE(change.ok());
    ASSERT_TRUE(change->Prepare(UserTable(), {"a"}).ok());
    // Another admin process adds a group between the preparation and the commit.
    model::FeatureGroupMetadata group;
    group.name = "g";
    group.feature_group.feature_group_name = "g";
    group.feature_group.entity_name = "user";
    group.feature_group.features = {{0, "x", model::DataType::kInt, "", {}}};
    ASSERT_TRUE(store_->CreateFeatureGroup(group, false, 2).ok());
    ASSERT_TRUE(change->Publish("test change").ok());
    ASSERT_EQ(online_.ensured_tables.size(), 2u);
    ASSERT_EQ(online_.ensured_tables[1].value_columns.size(), 1u);
    EXPECT_EQ(online_.ensured_tables[1].value_columns[0].name, "g__v1__x");
  }
  // Nothing changed meanwhile: nothing to catch up with.
  auto change = SchemaChange::Begin(deps_);
  ASSERT_TRUE(change.ok());
  ASSERT_TRUE(change->Prepare(UserTable(), {"a"}).ok());
  ASSERT_TRUE(change->Publish("test change").ok());
  EXPECT_EQ(online_.ensured_tables.size(), 3u);
}

TEST_F(SchemaChangeTest, ChangesOfOneProcessAreSerialized) {
  std::optional<Result<SchemaChange>> first(SchemaChange::Begin(deps_));
  ASSERT_TRUE(first->ok());
  std::atomic<bool> second_began{false};
  std::thread other([&] {
    auto second = SchemaChange::Begin(deps_);
    second_began = second.ok();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(second_began.load());  // waits for the first change to end
  first.reset();
  other.join();
  EXPECT_TRUE(second_began.load());
}

TEST_F(SchemaChangeTest, ErrorsAfterTheCommitSayWhatWasCommitted) {
  auto change = SchemaChange::Begin(deps_);
  ASSERT_TRUE(change.ok());
  ASSERT_TRUE(change->Prepare(UserTable(), {"a"}).ok());
  ASSERT_TRUE(store_->SetEntityTtl("user", 7, 2).ok());  // another process
  online_.fail_ensure = Status(ErrorCode::kStoreUnavailable, "down");
  Status published = change->Publish("entity 'user' was renamed");
  EXPECT_EQ(published.code(), ErrorCode::kStoreUnavailable);
  EXPECT_NE(published.message().find("entity 'user' was renamed, but "), std::string_view::npos)
      << published.ToString();
}

}  // namespace
}  // namespace ofs::admin
