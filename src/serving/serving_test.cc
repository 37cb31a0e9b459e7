// The serving handlers end to end in process (real SQLite catalog and RocksDB store, manual clock):
// behaviours that need a controlled clock and so cannot be checked from the black-box suite.

#include "serving/serving.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "admin/admin.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "storage/rocksdb/rocks_store.h"

namespace ofs::serving {
namespace {

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
    RegisterServingRoutes(*endpoint_, ServingDeps{catalog_.get(), store_.get(), &clock_, &registry_, {}});
    admin::RegisterAdminRoutes(*endpoint_,
                               admin::AdminDeps{metadata_.get(), catalog_.get(), store_.get(), &clock_});
  }
  void TearDown() override {
    endpoint_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Sends a POST and returns (status, body).
  std::pair<int, std::string> Post(std::string_view path, std::string_view json) {
    std::string padded(json);
    padded.append(http::kBodyPadding, '\0');
    http::Request request;
    request.method = http::Method::kPost;
    request.path = path;
    request.body = std::string_view(padded).substr(0, json.size());
    http::Response response;
    endpoint_->Dispatch(request, response);
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

}  // namespace
}  // namespace ofs::serving
