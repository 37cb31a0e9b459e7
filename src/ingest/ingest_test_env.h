#pragma once
// A catalog (SQLite in memory, through the admin API) and a RocksDB store for the ingestion tests, with the
// serving API to read back what ingestion wrote.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "admin/admin.h"
#include "api/endpoint.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "http/server.h"
#include "serving/serving.h"
#include "storage/rocksdb/rocks_store.h"

namespace ofs::ingest::testing {

class IngestEnv {
 public:
  explicit IngestEnv(std::string name) {
    dir_ = std::filesystem::temp_directory_path() /
           ("ofs-ingest-test-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    metadata = std::move(catalog::SqliteMetadataStore::Open(":memory:")).value();
    storage::RocksStoreOptions options;
    options.path = (dir_ / "rocksdb").string();
    options.sync_writes = false;
    options.clock = &clock;
    store = std::move(storage::RocksStore::Open(options)).value();
    catalog = std::make_unique<catalog::Catalog>(metadata.get());
    endpoint = std::make_unique<api::Endpoint>(&auth, &registry, "test");
    serving::RegisterServingRoutes(*endpoint,
                                   serving::ServingDeps{catalog.get(), store.get(), &clock, &registry, {}});
    admin::RegisterAdminRoutes(*endpoint,
                               admin::AdminDeps{metadata.get(), catalog.get(), store.get(), &clock});
  }
  ~IngestEnv() {
    endpoint.reset();
    store.reset();
    std::filesystem::remove_all(dir_);
  }

  std::pair<int, std::string> Call(http::Method method, std::string_view path, std::string_view json) {
    std::string padded(json);
    padded.append(http::kBodyPadding, '\0');
    http::Request request;
    request.method = method;
    request.path = path;
    request.body = std::string_view(padded).substr(0, json.size());
    http::Response response;
    endpoint->Dispatch(request, response);
    return {response.status, response.body};
  }
  std::pair<int, std::string> Post(std::string_view path, std::string_view json) {
    return Call(http::Method::kPost, path, json);
  }

  // Entity `u` (id BIGINT key, TTL 0) and group `g` (v INT, s TEXT, b BLOB).
  void CreateSchema() {
    ASSERT_EQ(Post("/v1/entity", R"({"entity":{"tableName":"u","primaryKeys":["id"],"ttl":0,
                   "features":[{"name":"id","type":"BIGINT"}]},"owner":"t@x.io"})")
                  .first,
              200);
    ASSERT_EQ(Post("/v1/feature-group", R"({"featureGroup":{"featureGroupName":"g","entityName":"u",
                   "features":[{"name":"v","type":"INT"},{"name":"s","type":"TEXT"},{"name":"b","type":"BLOB"}]},
                   "owner":"t@x.io"})")
                  .first,
              200);
  }

  // The read answer's "successfulKeys" features of key `id` for `columns` (a JSON array), or "" if failed.
  std::string Read(int64_t id, std::string_view columns = R"(["v","s","b"])") {
    auto [status, body] =
        Post("/v1/feature-group/read", R"({"featureGroupName":"g","featureColumns":)" + std::string(columns) +
                                           R"(,"primaryKeys":{"names":["id"],"values":[[)" +
                                           std::to_string(id) + "]]}}");
    EXPECT_EQ(status, 200) << body;
    const size_t at = body.find("\"features\":");
    if (at == std::string::npos) return "";
    return body.substr(at + 11, body.find(']', at) - at - 10);
  }

  ManualClock clock{1'700'000'000'000'000};
  metrics::Registry registry;
  api::Authenticator auth;
  std::unique_ptr<catalog::SqliteMetadataStore> metadata;
  std::unique_ptr<storage::RocksStore> store;
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<api::Endpoint> endpoint;

 private:
  std::filesystem::path dir_;
};

// A v2 record of group `g`.
inline Record V2(std::string value, int64_t timestamp_ms = 1'700'000'000'000, std::string group = "g") {
  Record r;
  r.value = std::move(value);
  r.timestamp_ms = timestamp_ms;
  r.headers = {{"sdk-version", "v2"}, {"feature-group-name", std::move(group)}, {"run-id", "run-1"}};
  return r;
}

}  // namespace ofs::ingest::testing
