// The serving handlers end to end in process (real SQLite catalog and RocksDB store, manual clock):
// behaviours that need a controlled clock and so cannot be checked from the black-box suite.

#include "serving/serving.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "admin/admin.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "storage/rocksdb/rocks_store.h"
#include "storage/testing/forwarding_store.h"

namespace ofs::serving {
namespace {

// The RocksDB store with SyncWrites under the test's control: inline with a given status, or held until
// the test completes it (as the WAL syncer's thread would).
class SyncControlStore final : public storage::testing::ForwardingStore {
 public:
  explicit SyncControlStore(storage::OnlineStore* store) : ForwardingStore(store) {}
  void Write(const storage::WriteRequest& req, storage::Completion done) override {
    durabilities.push_back(req.durability);
    ForwardingStore::Write(req, std::move(done));
  }
  void SyncWrites(storage::Completion done, storage::SyncStart start) override {
    ++syncs;
    starts.push_back(start);
    if (hold) {
      held.push_back(std::move(done));
    } else {
      done(inline_status);
    }
  }

  bool hold = false;
  Status inline_status;
  int syncs = 0;
  std::vector<storage::SyncStart> starts;
  std::vector<storage::Durability> durabilities;
  std::vector<storage::Completion> held;
};

// The RocksDB store as a remote store looks to the serving path: operations run at once on the inner
// store, but their completions are held until the test releases them (from a thread of its own, as a
// driver's thread would call them).
class LaterStore final : public storage::testing::ForwardingStore {
 public:
  explicit LaterStore(storage::OnlineStore* store) : ForwardingStore(store) {}
  bool CompletesInline() const override { return false; }
  void MultiGet(const storage::ReadRequest& req, storage::RowSet* out, storage::Completion done) override {
    ForwardingStore::MultiGet(req, out, Hold(std::move(done)));
  }
  void Write(const storage::WriteRequest& req, storage::Completion done) override {
    ForwardingStore::Write(req, Hold(std::move(done)));
  }
  // Completes the held operations from another thread, newest first.
  void ReleaseAll() {
    std::vector<std::function<void()>> held;
    held.swap(held_);
    std::thread([&] {
      for (auto it = held.rbegin(); it != held.rend(); ++it) (*it)();
    }).join();
  }
  size_t held() const { return held_.size(); }

 private:
  storage::Completion Hold(storage::Completion done) {
    return [this, done = std::move(done)](Status status) mutable {
      held_.push_back(
          [done = std::move(done), status = std::move(status)]() mutable { done(std::move(status)); });
    };
  }
  std::vector<std::function<void()>> held_;
};

// Stands in for the server's connection: records the suspension and its hook; resumptions land in a
// mailbox the test drains (the tag is never dereferenced).
class TestSuspender final : public http::Suspender {
 public:
  bool CanSuspend() const override { return true; }
  http::Resumer Suspend() override {
    suspended = true;
    return http::Resumer(mailbox, ++tickets);
  }
  bool IsSuspended() const override { return suspended; }
  void OnResume(http::ResumeHook h) override { hook = std::move(h); }
  // The status the request was resumed with; nullopt when none arrived.
  std::optional<Status> Resumed() {
    std::vector<http::Resumption> posted;
    mailbox->Drain(&posted);
    if (posted.empty()) return std::nullopt;
    return posted.front().then ? posted.front().then(response) : posted.front().status;
  }

  std::shared_ptr<http::Mailbox> mailbox = std::make_shared<http::Mailbox>();
  uint64_t tickets = 0;
  http::Response response;  // what a continuation finishes
  bool suspended = false;
  http::ResumeHook hook;
};

class ServingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ofs-serving-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto metadata = catalog::SqliteMetadataStore::Open(":memory:");
    ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
    metadata_ = std::move(metadata).value();
    storage::RocksStoreOptions options;
    options.path = (dir_ / "rocksdb").string();
    options.sync_writes = false;
    options.clock = &clock_;
    auto store = storage::RocksStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    catalog_ = std::make_unique<catalog::Catalog>(metadata_.get());
    endpoint_ = std::make_unique<api::Endpoint>(&auth_, &registry_, "test");
    sync_store_ = std::make_unique<SyncControlStore>(store_.get());
    RegisterServingRoutes(*endpoint_,
                          ServingDeps{catalog_.get(), sync_store_.get(), &clock_, &registry_, {}});
    later_store_ = std::make_unique<LaterStore>(store_.get());
    later_endpoint_ = std::make_unique<api::Endpoint>(&auth_, &registry_, "later");
    RegisterServingRoutes(*later_endpoint_,
                          ServingDeps{catalog_.get(), later_store_.get(), &clock_, &registry_, {}});
    admin::RegisterAdminRoutes(*endpoint_,
                               admin::AdminDeps{metadata_.get(), catalog_.get(), store_.get(), &clock_});
  }
  void TearDown() override {
    endpoint_.reset();
    later_endpoint_.reset();
    later_store_.reset();
    sync_store_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Sends a POST and returns (status, body); through `suspender` when given.
  std::pair<int, std::string> Post(std::string_view path, std::string_view json,
                                   http::Suspender* suspender = nullptr, api::Endpoint* endpoint = nullptr) {
    // Kept for the test's lifetime: a suspended request's continuation reads its body, as the server keeps
    // a suspended request's body until it is answered.
    bodies_.push_back(std::make_unique<std::string>(json));
    std::string& padded = *bodies_.back();
    padded.append(http::kBodyPadding, '\0');
    http::Request request;
    request.suspender = suspender;
    request.method = http::Method::kPost;
    request.path = path;
    request.body = std::string_view(padded).substr(0, json.size());
    http::Response response;
    (endpoint != nullptr ? endpoint : endpoint_.get())->Dispatch(request, response);
    return {response.status, response.body};
  }

  void CreateSchema(int ttl_seconds) {
    ASSERT_EQ(Post("/v1/entity", R"({"entity":{"tableName":"u","primaryKeys":["id"],"ttl":)" +
                                     std::to_string(ttl_seconds) +
                                     R"(,"features":[{"name":"id","type":"BIGINT"}]},"owner":"t@x.io"})")
                  .first,
              200);
    ASSERT_EQ(Post("/v1/feature-group", R"({"featureGroup":{"featureGroupName":"g","entityName":"u",
                   "features":[{"name":"v","type":"INT"}]},"owner":"t@x.io"})")
                  .first,
              200);
  }

  std::string Write(int value) {
    auto [status, body] =
        Post("/v1/feature-group/write", R"({"featureGroupName":"g","features":{"names":["id","v"],
                               "values":[[1,)" +
                                            std::to_string(value) + "]]}}");
    EXPECT_EQ(status, 200) << body;
    return body;
  }

  std::string Read() {
    auto [status, body] = Post("/v1/feature-group/read", R"({"featureGroupName":"g","featureColumns":["v"],
                               "primaryKeys":{"names":["id"],"values":[[1]]}})");
    EXPECT_EQ(status, 200) << body;
    return body;
  }

  std::filesystem::path dir_;
  ManualClock clock_{1'700'000'000'000'000};
  metrics::Registry registry_;
  api::Authenticator auth_;
  std::unique_ptr<catalog::SqliteMetadataStore> metadata_;
  std::unique_ptr<storage::RocksStore> store_;
  std::unique_ptr<SyncControlStore> sync_store_;
  std::unique_ptr<LaterStore> later_store_;
  std::vector<std::unique_ptr<std::string>> bodies_;
  std::unique_ptr<api::Endpoint> later_endpoint_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<api::Endpoint> endpoint_;
};

TEST_F(ServingTest, SequentialWritesWinInOrderEvenWithinOneClockTick) {
  CreateSchema(0);
  // The clock does not move: every write falls in the same microsecond. Decreasing values would win
  // a timestamp tie, so only strictly increasing write times make the last write the one served.
  for (int value = 50; value >= 1; --value) Write(value);
  EXPECT_NE(Read().find(R"("features":[1])"), std::string::npos) << Read();
}

TEST_F(ServingTest, TtlHidesCellsFromTheirWriteTimePlusTtl) {
  CreateSchema(60);
  Write(7);
  clock_.AdvanceMicros(59'000'000);
  EXPECT_NE(Read().find(R"("successfulKeys":[{"key":[1],"features":[7]}])"), std::string::npos) << Read();
  clock_.AdvanceMicros(1'000'000);
  EXPECT_NE(Read().find(R"("failedKeys":[[1]])"), std::string::npos) << Read();
  Write(8);  // a new write is visible again for another TTL
  EXPECT_NE(Read().find(R"("features":[8])"), std::string::npos) << Read();
}

constexpr std::string_view kWriteOne =
    R"({"featureGroupName":"g","features":{"names":["id","v"],"values":[[1,5]]}})";

TEST_F(ServingTest, ASuspendableWriteIsAppliedThenAnsweredWhenTheStoreHasSynced) {
  CreateSchema(0);
  sync_store_->hold = true;
  TestSuspender suspender;
  auto [status, body] = Post("/v1/feature-group/write", kWriteOne, &suspender);
  EXPECT_EQ(status, 200);
  EXPECT_NE(body.find(R"("successfulRows":[[1,5]])"), std::string::npos) << body;  // written before the wait
  ASSERT_EQ(sync_store_->durabilities.size(), 1u);
  EXPECT_EQ(sync_store_->durabilities[0], storage::Durability::kApplied);
  EXPECT_TRUE(suspender.suspended);
  EXPECT_FALSE(suspender.Resumed().has_value());                             // not before the sync
  EXPECT_NE(Read().find(R"("features":[5])"), std::string::npos) << Read();  // visible once applied
  ASSERT_EQ(sync_store_->held.size(), 1u);
  std::thread([&] { sync_store_->held[0](Status::Ok()); }).join();  // the syncer's thread
  std::optional<Status> resumed = suspender.Resumed();
  ASSERT_TRUE(resumed.has_value());
  EXPECT_TRUE(resumed->ok()) << resumed->ToString();
  EXPECT_TRUE(suspender.hook != nullptr);  // the endpoint counts the request when it is answered
}

TEST_F(ServingTest, AFailedSyncResumesTheWriteWithItsError) {
  CreateSchema(0);
  sync_store_->hold = true;
  TestSuspender suspender;
  Post("/v1/feature-group/batch-write", R"({"batches":[)" + std::string(kWriteOne) + "]}", &suspender);
  ASSERT_EQ(sync_store_->held.size(), 1u);
  sync_store_->held[0](Status(ErrorCode::kStoreUnavailable, "fsync failed"));
  std::optional<Status> resumed = suspender.Resumed();
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->code(), ErrorCode::kStoreUnavailable);
}

TEST_F(ServingTest, ASyncThatCompletesInlineAnswersAtOnce) {
  CreateSchema(0);
  sync_store_->inline_status = Status(ErrorCode::kStoreUnavailable, "fsync failed");
  TestSuspender suspender;
  auto [status, body] = Post("/v1/feature-group/write", kWriteOne, &suspender);
  EXPECT_EQ(status, 503) << body;
  EXPECT_NE(body.find("STORE-UNAVAILABLE"), std::string::npos) << body;
  EXPECT_FALSE(suspender.suspended);
  sync_store_->inline_status = Status::Ok();
  EXPECT_EQ(Post("/v1/feature-group/write", kWriteOne, &suspender).first, 200);
  EXPECT_FALSE(suspender.suspended);
  EXPECT_EQ(sync_store_->syncs, 2);
  // Requests defer their sync to the end of the serving loop's batch (StartSyncs), to share it.
  EXPECT_EQ(sync_store_->starts, (std::vector<storage::SyncStart>{storage::SyncStart::kAtStartSyncs,
                                                                  storage::SyncStart::kAtStartSyncs}));
}

TEST_F(ServingTest, WritesThatCannotSuspendAreDurableOnCompletionAndNeverWait) {
  CreateSchema(0);
  sync_store_->hold = true;  // would hang a request that waited
  Write(3);
  Post("/v1/feature-group/write",
       R"({"featureGroupName":"g","features":{"names":["id","nope"],"values":[[1,5]]}})");
  EXPECT_EQ(sync_store_->syncs, 0);
  ASSERT_EQ(sync_store_->durabilities.size(), 1u);
  EXPECT_EQ(sync_store_->durabilities[0], storage::Durability::kDurable);
}

// ---- A store that completes later: the request suspends and its continuation answers ----

TEST_F(ServingTest, AReadFromAStoreThatCompletesLaterIsAnsweredByItsContinuation) {
  CreateSchema(0);
  Write(42);
  TestSuspender suspender;
  auto [status, body] = Post("/v1/feature-group/read", R"({"featureGroupName":"g","featureColumns":["v"],
                             "primaryKeys":{"names":["id"],"values":[[1],[2]]}})",
                             &suspender, later_endpoint_.get());
  EXPECT_TRUE(suspender.suspended);
  EXPECT_EQ(body, "");  // nothing before the store answered
  EXPECT_FALSE(suspender.Resumed().has_value());
  ASSERT_EQ(later_store_->held(), 1u);
  later_store_->ReleaseAll();
  std::optional<Status> resumed = suspender.Resumed();
  ASSERT_TRUE(resumed.has_value());
  EXPECT_TRUE(resumed->ok()) << resumed->ToString();
  EXPECT_NE(
      suspender.response.body.find(R"("successfulKeys":[{"key":[1],"features":[42]}],"failedKeys":[[2]])"),
      std::string::npos)
      << suspender.response.body;
}

TEST_F(ServingTest, AMultiReadFansOutItsBatchesAndAnswersInRequestOrder) {
  CreateSchema(0);
  Write(7);
  TestSuspender suspender;
  Post("/v1/feature-group/multi-read", R"({"batches":[
         {"featureGroupName":"g","featureColumns":["v"],"primaryKeys":{"names":["id"],"values":[[1]]}},
         {"featureGroupName":"nope","featureColumns":["v"],"primaryKeys":{"names":["id"],"values":[[1]]}},
         {"featureGroupName":"g","featureColumns":["v"],"primaryKeys":{"names":["id"],"values":[[2]]}}]})",
       &suspender, later_endpoint_.get());
  EXPECT_EQ(later_store_->held(), 2u);  // both reads in flight at once, the bad batch never sent
  later_store_->ReleaseAll();           // completed newest first
  ASSERT_TRUE(suspender.Resumed().has_value());
  const std::string& body = suspender.response.body;
  const size_t first = body.find(R"("features":[7])");
  const size_t error = body.find(R"("featureGroupName":"nope","error")");
  const size_t third = body.find(R"("failedKeys":[[2]])");
  ASSERT_NE(first, std::string::npos) << body;
  ASSERT_NE(error, std::string::npos) << body;
  ASSERT_NE(third, std::string::npos) << body;
  EXPECT_LT(first, error);
  EXPECT_LT(error, third);
}

TEST_F(ServingTest, AWriteToAStoreThatCompletesLaterIsDurableWhenItCompletes) {
  CreateSchema(0);
  TestSuspender suspender;
  Post("/v1/feature-group/write", kWriteOne, &suspender, later_endpoint_.get());
  ASSERT_EQ(later_store_->held(), 1u);
  EXPECT_EQ(sync_store_->syncs, 0);
  later_store_->ReleaseAll();
  std::optional<Status> resumed = suspender.Resumed();
  ASSERT_TRUE(resumed.has_value());
  EXPECT_TRUE(resumed->ok()) << resumed->ToString();
  EXPECT_NE(suspender.response.body.find(R"("successfulRows":[[1,5]])"), std::string::npos)
      << suspender.response.body;
  EXPECT_NE(Read().find(R"("features":[5])"), std::string::npos) << Read();
}

TEST_F(ServingTest, ARequestThatCannotSuspendIsRefusedBeforeAnyRemoteWork) {
  CreateSchema(0);
  auto [status, body] = Post("/v1/feature-group/write", kWriteOne, nullptr, later_endpoint_.get());
  EXPECT_EQ(status, 503) << body;
  EXPECT_NE(body.find("OVERLOADED"), std::string::npos) << body;
  EXPECT_EQ(later_store_->held(), 0u);
}

}  // namespace
}  // namespace ofs::serving
