// CatalogRefresher: a node's catalog follows changes made through another client of the same metadata
// database, at once on a miss, and keeps its last snapshot while the metadata store fails.

#include "catalog/refresher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "catalog/sqlite/sqlite_metadata_store.h"
#include "catalog/testing/fixtures.h"

namespace ofs::catalog {
namespace {

using std::chrono::milliseconds;
using testing::Group;
using testing::UserEntity;

// Forwards to a real store; ChangeCounter, the listings and Health fail while `down` (the metadata store
// is unreachable: a fault injected at the seam, as the real engine cannot be made to show it on demand).
class Flaky final : public MetadataStore {
 public:
  explicit Flaky(MetadataStore* real) : real_(real) {}
  std::atomic<bool> down{false};

  Status Down() const { return Status(ErrorCode::kMetastoreUnavailable, "metadata store down (test)"); }
  Result<model::EntityMetadata> CreateEntity(const model::EntityMetadata& e, int64_t now) override {
    return real_->CreateEntity(e, now);
  }
  Result<model::EntityMetadata> GetEntity(std::string_view n) override { return real_->GetEntity(n); }
  Result<model::EntityMetadata> GetEntityById(int64_t id) override { return real_->GetEntityById(id); }
  Result<std::vector<model::EntityMetadata>> ListEntities(int64_t since) override {
    if (down) return Down();
    return real_->ListEntities(since);
  }
  Status SetEntityState(std::string_view n, model::State s, int64_t now) override {
    return real_->SetEntityState(n, s, now);
  }
  Status SetEntityTtl(std::string_view n, int64_t t, int64_t now) override {
    return real_->SetEntityTtl(n, t, now);
  }
  Result<std::vector<model::EntityMetadata>> SearchEntities(const SearchQuery& q) override {
    return real_->SearchEntities(q);
  }
  Result<model::FeatureGroupMetadata> CreateFeatureGroup(const model::FeatureGroupMetadata& g, bool u,
                                                         int64_t now) override {
    return real_->CreateFeatureGroup(g, u, now);
  }
  Result<model::FeatureGroupMetadata> GetFeatureGroup(std::string_view n,
                                                      std::optional<std::string_view> v) override {
    return real_->GetFeatureGroup(n, v);
  }
  Result<std::vector<model::FeatureGroupMetadata>> ListFeatureGroups(int64_t since) override {
    if (down) return Down();
    return real_->ListFeatureGroups(since);
  }
  Result<std::vector<model::FeatureGroupMetadata>> ListFeatureGroupVersions(std::string_view n) override {
    return real_->ListFeatureGroupVersions(n);
  }
  Result<std::vector<model::FeatureGroupVersion>> ListVersionHeads(int64_t since) override {
    return real_->ListVersionHeads(since);
  }
  Result<model::FeatureGroupVersion> GetVersionHead(std::string_view n) override {
    return real_->GetVersionHead(n);
  }
  Status SetFeatureGroupState(std::string_view n, std::optional<std::string_view> v, model::State s,
                              int64_t now) override {
    return real_->SetFeatureGroupState(n, v, s, now);
  }
  Status SetFeatureGroupTenant(std::string_view n, std::optional<std::string_view> v,
                               const model::TenantConfig& t, int64_t now) override {
    return real_->SetFeatureGroupTenant(n, v, t, now);
  }
  Result<int64_t> MoveTenant(std::string_view k, std::string_view f, std::string_view t,
                             int64_t now) override {
    return real_->MoveTenant(k, f, t, now);
  }
  Result<std::vector<model::FeatureGroupMetadata>> SearchFeatureGroups(const SearchQuery& q) override {
    return real_->SearchFeatureGroups(q);
  }
  Status AddRun(const model::RunRecord& r) override { return real_->AddRun(r); }
  Result<std::vector<model::ConsumerTopic>> ListConsumerTopics() override {
    return real_->ListConsumerTopics();
  }
  Status AddConsumerTopic(const model::ConsumerTopic& t, int64_t now) override {
    return real_->AddConsumerTopic(t, now);
  }
  Status UpdateConsumerTopic(const model::ConsumerTopic& t, int64_t now) override {
    return real_->UpdateConsumerTopic(t, now);
  }
  Result<std::vector<model::RunRecord>> ListRuns(std::string_view g, std::optional<std::string_view> v,
                                                 int64_t l) override {
    return real_->ListRuns(g, v, l);
  }
  Result<int64_t> ChangeCounter() override {
    if (down) return Down();
    return real_->ChangeCounter();
  }
  Status Health() override { return down ? Down() : real_->Health(); }

 private:
  MetadataStore* real_;
};

class RefresherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ofs_refresher_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    admin_ = Open();
    node_ = Open();
    flaky_ = std::make_unique<Flaky>(node_.get());
    catalog_ = std::make_unique<Catalog>(flaky_.get());
  }
  void TearDown() override {
    refresher_.reset();
    catalog_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<SqliteMetadataStore> Open() {
    auto opened = SqliteMetadataStore::Open((dir_ / "metadata.sqlite").string());
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return std::move(opened).value();
  }

  void StartRefresher(milliseconds period) {
    refresher_ = std::make_unique<CatalogRefresher>(catalog_.get(),
                                                    CatalogRefresher::Options{period, milliseconds(20)});
    ASSERT_TRUE(refresher_->RefreshNow().ok());
    refresher_->Start();
  }

  // Polls until `check` holds or `limit` passes.
  template <typename Check>
  bool Eventually(Check check, milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!check()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return true;
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteMetadataStore> admin_;  // another process's client: the admin
  std::unique_ptr<SqliteMetadataStore> node_;
  std::unique_ptr<Flaky> flaky_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<CatalogRefresher> refresher_;
};

TEST_F(RefresherTest, AChangeByAnotherClientIsPublishedWithinAPeriod) {
  StartRefresher(milliseconds(50));
  ASSERT_TRUE(admin_->CreateEntity(UserEntity(), 1).ok());
  ASSERT_TRUE(admin_->CreateFeatureGroup(Group("clicks"), false, 2).ok());
  EXPECT_TRUE(Eventually([&] { return catalog_->CurrentShared()->HasGroup("clicks"); }, milliseconds(2000)));
  const CatalogRefresher::State state = refresher_->state();
  EXPECT_TRUE(state.loaded);
  EXPECT_FALSE(state.stale);
  EXPECT_GE(state.rebuilds, 2u);
  EXPECT_GE(state.age_ms, 0);
}

TEST_F(RefresherTest, AMissRefreshesLongBeforeThePeriod) {
  StartRefresher(milliseconds(60'000));
  ASSERT_TRUE(admin_->CreateEntity(UserEntity(), 1).ok());
  ASSERT_TRUE(admin_->CreateFeatureGroup(Group("clicks"), false, 2).ok());
  EXPECT_FALSE(catalog_->CurrentShared()->HasGroup("clicks"));
  catalog_->NoteMiss();
  EXPECT_TRUE(Eventually([&] { return catalog_->CurrentShared()->HasGroup("clicks"); }, milliseconds(5000)));
  EXPECT_GE(refresher_->state().miss_refreshes, 1u);
}

TEST_F(RefresherTest, WhileTheStoreFailsTheLastSnapshotStaysAndTheStateIsStale) {
  ASSERT_TRUE(admin_->CreateEntity(UserEntity(), 1).ok());
  ASSERT_TRUE(admin_->CreateFeatureGroup(Group("clicks"), false, 2).ok());
  StartRefresher(milliseconds(20));
  flaky_->down = true;
  EXPECT_TRUE(Eventually([&] { return refresher_->state().stale; }, milliseconds(2000)));
  EXPECT_TRUE(catalog_->CurrentShared()->HasGroup("clicks"));  // still served
  const CatalogRefresher::State down = refresher_->state();
  EXPECT_GE(down.failures, 1u);
  EXPECT_EQ(down.last_error.code(), ErrorCode::kMetastoreUnavailable);
  std::this_thread::sleep_for(milliseconds(60));
  EXPECT_GE(refresher_->state().age_ms, 60);
  ASSERT_TRUE(admin_->CreateFeatureGroup(Group("views"), false, 3).ok());
  flaky_->down = false;
  EXPECT_TRUE(Eventually([&] { return catalog_->CurrentShared()->HasGroup("views"); }, milliseconds(2000)));
  EXPECT_TRUE(Eventually([&] { return !refresher_->state().stale; }, milliseconds(2000)));
}

TEST_F(RefresherTest, AStartWithoutAReachableStoreHasNoSnapshotUntilItComes) {
  flaky_->down = true;
  refresher_ = std::make_unique<CatalogRefresher>(
      catalog_.get(), CatalogRefresher::Options{milliseconds(20), milliseconds(20)});
  EXPECT_FALSE(refresher_->RefreshNow().ok());
  refresher_->Start();
  EXPECT_EQ(catalog_->CurrentShared(), nullptr);
  EXPECT_FALSE(refresher_->state().loaded);
  flaky_->down = false;
  EXPECT_TRUE(Eventually([&] { return catalog_->CurrentShared() != nullptr; }, milliseconds(2000)));
  EXPECT_TRUE(refresher_->state().loaded);
}

TEST_F(RefresherTest, AfterCheckWaitsForACheckStartedLaterThenSeesTheChange) {
  StartRefresher(milliseconds(60'000));  // the first poll runs at once, then none during the test
  ASSERT_TRUE(admin_->CreateEntity(UserEntity(), 1).ok());
  ASSERT_TRUE(admin_->CreateFeatureGroup(Group("clicks"), false, 2).ok());
  // As a request does: numbered after the change it must see was committed.
  const uint64_t before = refresher_->ChecksStarted();
  std::atomic<bool> saw_group{false};
  std::atomic<int> calls{0};
  refresher_->AfterCheck(before, [&] {
    saw_group = catalog_->CurrentShared()->HasGroup("clicks");
    ++calls;
  });
  EXPECT_TRUE(Eventually([&] { return calls.load() == 1; }, milliseconds(5000)));
  EXPECT_TRUE(saw_group);
  EXPECT_GT(refresher_->ChecksStarted(), before);
  // A check numbered above `before` has completed: a second waiter runs at once, on this thread.
  bool at_once = false;
  refresher_->AfterCheck(before, [&] { at_once = true; });
  EXPECT_TRUE(at_once);
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(calls.load(), 1);  // each waiter runs once
}

TEST_F(RefresherTest, WaitersShareOneCheckAndAFailedCheckReleasesThemToo) {
  StartRefresher(milliseconds(60'000));
  flaky_->down = true;
  const uint64_t before = refresher_->ChecksStarted();
  std::atomic<int> calls{0};
  for (int i = 0; i < 5; ++i) refresher_->AfterCheck(before, [&] { ++calls; });
  EXPECT_TRUE(Eventually([&] { return calls.load() == 5; }, milliseconds(5000)));
  EXPECT_TRUE(refresher_->state().stale);
  EXPECT_LE(refresher_->ChecksStarted(), before + 2);  // one check served them all (a poll may add one)
}

TEST_F(RefresherTest, StopReleasesEveryWaiter) {
  refresher_ = std::make_unique<CatalogRefresher>(
      catalog_.get(), CatalogRefresher::Options{milliseconds(60'000), milliseconds(60'000)});
  ASSERT_TRUE(refresher_->RefreshNow().ok());
  refresher_->Start();
  // The first miss check runs at once; a second waiter then waits out min_miss_interval (a minute).
  std::atomic<int> calls{0};
  refresher_->AfterCheck(refresher_->ChecksStarted(), [&] { ++calls; });
  ASSERT_TRUE(Eventually([&] { return calls.load() == 1; }, milliseconds(5000)));
  refresher_->AfterCheck(refresher_->ChecksStarted(), [&] { ++calls; });
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(calls.load(), 1);
  refresher_->Stop();
  EXPECT_EQ(calls.load(), 2);
  refresher_->AfterCheck(refresher_->ChecksStarted(), [&] { ++calls; });  // stopped: at once
  EXPECT_EQ(calls.load(), 3);
}

}  // namespace
}  // namespace ofs::catalog
