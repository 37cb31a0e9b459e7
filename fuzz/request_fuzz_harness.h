#pragma once
// Shared setup of the request fuzz targets: a complete in-process feature store (SQLite in memory,
// RocksDB in a temporary directory, catalog, serving + admin endpoints) with one entity and group
// covering every data type and a few rows. Requests go through api::Endpoint::Dispatch exactly as the
// HTTP server would hand them over; the invariant checked is that no input produces a 5xx answer
// (5xx means a bug or an unhandled case) or a crash.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "admin/admin.h"
#include "api/endpoint.h"
#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "http/server.h"
#include "serving/serving.h"
#include "storage/rocksdb/rocks_store.h"

namespace ofs::fuzz {

class RequestHarness {
 public:
  static RequestHarness& Get() {
    static RequestHarness* harness =
        new RequestHarness();  // lives for the process (libFuzzer never exits cleanly)
    return *harness;
  }

  // Dispatches `body` as `method path` to the serving (admin=false) or admin endpoint; aborts on 5xx.
  void Dispatch(bool admin, http::Method method, std::string_view path, std::string_view query,
                const uint8_t* data, size_t size) {
    body_.assign(reinterpret_cast<const char*>(data), size);
    body_.append(http::kBodyPadding, '\0');
    http::Request request;
    request.method = method;
    request.path = path;
    request.query = query;
    request.body = std::string_view(body_).substr(0, size);
    request.request_id = "fuzz";
    http::Response response;
    (admin ? admin_ : serving_)->Dispatch(request, response);
    if (response.status >= 500) {
      std::fprintf(stderr, "5xx answer %d for %.*s: %s\n", response.status, static_cast<int>(path.size()),
                   path.data(), response.body.c_str());
      std::abort();
    }
  }

 private:
  RequestHarness() {
    dir_ = std::filesystem::temp_directory_path() / ("ofs-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    metadata_ = Must(catalog::SqliteMetadataStore::Open(":memory:"));
    storage::RocksStoreOptions options;
    options.path = (dir_ / "rocksdb").string();
    options.sync_writes = false;
    options.block_cache_bytes = 8 << 20;
    options.row_cache_bytes = 1 << 20;  // the server's read path; small, so that fuzzed writes also evict
    store_ = Must(storage::RocksStore::Open(options));
    catalog_ = std::make_unique<catalog::Catalog>(metadata_.get());
    serving_ = std::make_unique<api::Endpoint>(&auth_, &registry_, "serving");
    admin_ = std::make_unique<api::Endpoint>(&auth_, &registry_, "admin");
    admin::AdminDeps admin_deps{metadata_.get(), catalog_.get(), store_.get(), SystemClock::Default()};
    serving::ServingDeps serving_deps{catalog_.get(), store_.get(), SystemClock::Default(), &registry_, {}};
    serving::RegisterServingRoutes(*serving_, serving_deps);
    admin::RegisterAdminRoutes(*admin_, admin_deps);
    Seed();
  }

  template <typename T>
  static T Must(Result<T> result) {
    if (!result.ok()) {
      std::fprintf(stderr, "fuzz harness setup failed: %s\n", result.status().ToString().c_str());
      std::abort();
    }
    return std::move(result).value();
  }

  void Post(bool admin, std::string_view path, std::string_view json) {
    Dispatch(admin, http::Method::kPost, path, "", reinterpret_cast<const uint8_t*>(json.data()),
             json.size());
  }

  void Seed() {
    Post(true, "/v1/entity",
         R"({"entity":{"tableName":"e","primaryKeys":["id","day"],"ttl":0,
             "features":[{"name":"id","type":"BIGINT"},{"name":"day","type":"TEXT"}]},"owner":"f@x.io"})");
    Post(true, "/v1/feature-group",
         R"({"featureGroup":{"featureGroupName":"g","entityName":"e","features":[
             {"name":"t","type":"TEXT"},{"name":"a","type":"ASCII"},{"name":"vc","type":"VARCHAR"},
             {"name":"b","type":"BLOB"},{"name":"bo","type":"BOOLEAN"},{"name":"de","type":"DECIMAL"},
             {"name":"d","type":"DOUBLE"},{"name":"f","type":"FLOAT"},{"name":"i","type":"INT"},
             {"name":"bi","type":"BIGINT"},{"name":"ts","type":"TIMESTAMP"},{"name":"tu","type":"TIMEUUID"},
             {"name":"u","type":"UUID"},{"name":"in","type":"INET"},{"name":"vi","type":"VARINT"}]},
             "owner":"f@x.io"})");
    Post(false, "/v1/feature-group/write",
         R"({"featureGroupName":"g","features":{"names":["id","day","t","i","d","vi"],
             "values":[[1,"a","x",1,1.5,123456789012345678901234567890],[1,"b","y",2,2.5,-1]]}})");
  }

  std::filesystem::path dir_;
  metrics::Registry registry_;
  api::Authenticator auth_;
  std::unique_ptr<catalog::SqliteMetadataStore> metadata_;
  std::unique_ptr<storage::RocksStore> store_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<api::Endpoint> serving_;
  std::unique_ptr<api::Endpoint> admin_;
  std::string body_;
};

}  // namespace ofs::fuzz
