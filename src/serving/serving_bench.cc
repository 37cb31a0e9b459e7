// Micro-benchmarks of the whole serving handler path without sockets: api::Endpoint::Dispatch on an
// in-process store (SQLite metadata in memory, RocksDB in a temporary directory, catalog, serving
// routes), as the HTTP server would hand requests over. Dataset (PERFORMANCE.md, scaled down): entity
// `bench_user` (BIGINT key) with a group of 10 mixed features, 100k rows written through the API; entity
// `bench_session` (BIGINT partition key + BIGINT clustering column) with 1000 partitions of 100 rows.
//
// Two stores with the same data: "compacted" (CompactAll after the load: values are plain Puts in the
// bottom level, the steady state of a store loaded long ago) and "memtable" (right after the load:
// every row is one merge operand in the memtable, so each read runs the merge operator).
//
// Counters: items/s (keys or rows), allocs/op (global operator new calls per request, every thread).
// For a repeatable instruction profile, run BM_ProfileReadOneKey (a fixed iteration count) under
//   valgrind --tool=callgrind --toggle-collect='*DispatchMeasured*' <bench> --benchmark_filter=Profile
// and divide the collected instructions by the calls of DispatchMeasured.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "api/endpoint.h"
#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "http/server.h"
#include "serving/serving.h"
#include "storage/rocksdb/rocks_store.h"

// ---- allocation counter: every global operator new of the process (RocksDB's included) ----
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  if (void* p = std::malloc(size)) return p;
  throw std::bad_alloc();
}
// The library's operator delete calls free(), which matches; operator new[] and the nothrow forms call
// this operator new.

namespace ofs::serving {
namespace {

constexpr int64_t kUsers = 100'000;
constexpr int64_t kPartitions = 1'000;
constexpr int64_t kRowsPerPartition = 100;
constexpr size_t kBodyVariants = 4096;  // distinct request bodies cycled through (keys drawn at random)

constexpr const char* kFeatureNames[] = {"f_int",  "f_bigint", "f_double",  "f_float",  "f_text",
                                         "f_bool", "f_int2",   "f_double2", "f_float2", "f_text2"};
constexpr model::DataType kFeatureTypes[] = {
    model::DataType::kInt,   model::DataType::kBigint,  model::DataType::kDouble, model::DataType::kFloat,
    model::DataType::kText,  model::DataType::kBoolean, model::DataType::kInt,    model::DataType::kDouble,
    model::DataType::kFloat, model::DataType::kText};
constexpr size_t kFeatures = std::size(kFeatureNames);

template <typename T>
T Must(Result<T> result, const char* what) {
  if (!result.ok()) {
    std::fprintf(stderr, "bench setup: %s: %s\n", what, result.status().ToString().c_str());
    std::abort();
  }
  return std::move(result).value();
}

void Must(const Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "bench setup: %s: %s\n", what, status.ToString().c_str());
    std::abort();
  }
}

// A request body followed by the padding the HTTP layer guarantees (simdjson reads past the end).
struct Body {
  std::string text;  // json + kBodyPadding zero bytes
  size_t size = 0;
  std::string_view json() const { return std::string_view(text).substr(0, size); }
};

Body MakeBody(std::string json) {
  Body body;
  body.size = json.size();
  body.text = std::move(json);
  body.text.append(http::kBodyPadding, '\0');
  return body;
}

// The JSON values of row `i` of a 10-feature group, comma-separated.
void AppendFeatureValues(int64_t i, std::string* out) {
  char buf[256];
  const int text_len = 16 + static_cast<int>(i % 17);  // 16..32 characters
  std::string text = "txt-" + std::to_string(i) + "-";
  text.resize(static_cast<size_t>(text_len), 'x');
  std::string text2 = "city-" + std::to_string(i % 997) + "-";
  text2.resize(static_cast<size_t>(16 + (i * 7) % 17), 'y');
  std::snprintf(buf, sizeof buf, "%lld,%lld,%.17g,%.9g,\"%s\",%s,%lld,%.17g,%.9g,\"%s\"",
                static_cast<long long>((i * 7919) % 2'000'000'000), static_cast<long long>(i * 1'000'003LL),
                static_cast<double>(i) * 0.001 + 0.123456789,
                static_cast<double>(static_cast<float>(i) * 0.37f), text.c_str(),
                (i % 3 == 0) ? "true" : "false", static_cast<long long>(i % 1000),
                1.0 / static_cast<double>(i + 1), static_cast<double>(static_cast<float>(i % 500) / 7.0f),
                text2.c_str());
  out->append(buf);
}

std::string FeatureColumnsJson() {
  std::string json = "[";
  for (size_t f = 0; f < kFeatures; ++f) {
    if (f) json += ',';
    json += '"';
    json += kFeatureNames[f];
    json += '"';
  }
  return json + "]";
}

model::EntityMetadata EntityMeta(const std::string& name, const std::vector<std::string>& keys) {
  model::EntityMetadata meta;
  meta.name = name;
  meta.owner = "bench@ofs.io";
  meta.entity.table_name = name;
  for (const std::string& key : keys) {
    meta.entity.features.push_back(model::FeatureColumn{0, key, model::DataType::kBigint, "", {}});
  }
  meta.entity.primary_keys = keys;
  return meta;
}

model::FeatureGroupMetadata GroupMeta(const std::string& name, const std::string& entity) {
  model::FeatureGroupMetadata meta;
  meta.name = name;
  meta.owner = "bench@ofs.io";
  meta.feature_group.feature_group_name = name;
  meta.feature_group.entity_name = entity;
  for (size_t f = 0; f < kFeatures; ++f) {
    meta.feature_group.features.push_back(
        model::FeatureColumn{0, kFeatureNames[f], kFeatureTypes[f], "", {}});
  }
  return meta;
}

// The dispatch every benchmark measures; not inlined so that callgrind can collect exactly it.
[[gnu::noinline]] void DispatchMeasured(const api::Endpoint& endpoint, const http::Request& request,
                                        http::Response& response) {
  endpoint.Dispatch(request, response);
}

// One complete in-process feature store with the bench dataset.
class Env {
 public:
  // kRowCache: the compacted store behind the server's row cache (every row cached by Warm).
  enum Kind { kCompacted, kMemtable, kRowCache };

  // Built on first use. Closed and removed by an atexit handler registered after the database opened:
  // it runs before RocksDB's own statics are destroyed, which a static Env's destructor would not.
  static Env& Get(Kind kind) {
    if (envs_[kind] == nullptr) {
      envs_[kind] = new Env(kind);
      static constexpr void (*kDestroy[])() = {&Destroy<kCompacted>, &Destroy<kMemtable>,
                                               &Destroy<kRowCache>};
      std::atexit(kDestroy[kind]);
    }
    return *envs_[kind];
  }

  template <Kind kind>
  static void Destroy() {
    delete envs_[kind];
    envs_[kind] = nullptr;
  }

  ~Env() {
    serving_.reset();
    catalog_.reset();
    store_.reset();  // closes the database before its directory goes
    metadata_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  const api::Endpoint& endpoint() const { return *serving_; }

  // Dispatches outside the measured path (setup and checks); aborts unless the answer is 200.
  void Post(std::string_view path, const Body& body, http::Response& response) {
    http::Request request = MakeRequest(path, body);
    response.Reset();
    serving_->Dispatch(request, response);
    if (response.status != 200) {
      std::fprintf(stderr, "bench setup: %.*s answered %d: %s\n", static_cast<int>(path.size()), path.data(),
                   response.status, response.body.c_str());
      std::abort();
    }
  }

  static http::Request MakeRequest(std::string_view path, const Body& body) {
    http::Request request;
    request.method = http::Method::kPost;
    request.path = path;
    request.body = body.json();
    request.request_id = "bench";
    return request;
  }

 private:
  explicit Env(Kind kind) {
    dir_ = std::filesystem::temp_directory_path() /
           ("ofs-serving-bench-" + std::to_string(::getpid()) + "-" + std::to_string(kind));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    metadata_ = Must(catalog::SqliteMetadataStore::Open(":memory:"), "metadata store");
    storage::RocksStoreOptions options;
    options.path = (dir_ / "rocksdb").string();
    options.sync_writes = false;
    options.block_cache_bytes = 256ull << 20;
    if (kind == kRowCache) options.row_cache_bytes = 256ull << 20;
    store_ = Must(storage::RocksStore::Open(options), "rocksdb");
    catalog_ = std::make_unique<catalog::Catalog>(metadata_.get());
    serving_ = std::make_unique<api::Endpoint>(&auth_, &registry_, "serving");
    ServingDeps deps{catalog_.get(), store_.get(), SystemClock::Default(), &registry_, {}};
    RegisterServingRoutes(*serving_, deps);

    const int64_t now = SystemClock::Default()->NowMillis();
    Must(metadata_->CreateEntity(EntityMeta("bench_user", {"user_id"}), now), "entity");
    Must(metadata_->CreateEntity(EntityMeta("bench_session", {"user_id", "event_time"}), now), "entity");
    Must(metadata_->CreateFeatureGroup(GroupMeta("user_features", "bench_user"), false, now), "group");
    Must(metadata_->CreateFeatureGroup(GroupMeta("session_features", "bench_session"), false, now), "group");
    Must(catalog_->Refresh(true), "catalog refresh");
    for (const auto& entity : catalog_->Current()->entities()) {
      Must(store_->EnsureTable(model::kDefaultTenant, entity->table), "ensure table");
    }
    Load();
    if (kind != kMemtable) Must(store_->CompactAll(), "compaction");
    Warm();
  }

  // Reads every row once, so that the measured reads find their blocks in the block cache.
  void Warm() {
    http::Response response;
    const std::string columns = FeatureColumnsJson();
    for (int64_t first = 0; first < kUsers; first += 100) {
      std::string json = R"({"featureGroupName":"user_features","featureColumns":)" + columns +
                         R"(,"primaryKeys":{"names":["user_id"],"values":[)";
      for (int64_t i = first; i < first + 100; ++i)
        json += (i > first ? ",[" : "[") + std::to_string(i) + "]";
      json += "]}}";
      Post("/v1/feature-group/read", MakeBody(std::move(json)), response);
    }
    for (int64_t p = 0; p < kPartitions; ++p) {
      Post("/v1/feature-group/partition/read",
           MakeBody(R"({"featureGroupName":"session_features","featureColumns":)" + columns +
                    R"(,"partitionKey":{"names":["user_id"],"values":[)" + std::to_string(p) + "]}}"),
           response);
    }
  }

  // 100k users in requests of 100 rows; 1000 partitions of 100 rows (one request per partition).
  void Load() {
    http::Response response;
    const std::string names_tail = [] {
      std::string s;
      for (const char* name : kFeatureNames) s += std::string(",\"") + name + "\"";
      return s;
    }();
    for (int64_t first = 0; first < kUsers; first += 100) {
      std::string json = R"({"featureGroupName":"user_features","features":{"names":["user_id")" +
                         names_tail + R"(],"values":[)";
      for (int64_t i = first; i < first + 100; ++i) {
        if (i > first) json += ',';
        json += '[' + std::to_string(i) + ',';
        AppendFeatureValues(i, &json);
        json += ']';
      }
      json += "]}}";
      Post("/v1/feature-group/write", MakeBody(std::move(json)), response);
    }
    for (int64_t p = 0; p < kPartitions; ++p) {
      std::string json =
          R"({"featureGroupName":"session_features","features":{"names":["user_id","event_time")" +
          names_tail + R"(],"values":[)";
      for (int64_t r = 0; r < kRowsPerPartition; ++r) {
        if (r) json += ',';
        json += '[' + std::to_string(p) + ',' + std::to_string(1'700'000'000'000 + r * 1000) + ',';
        AppendFeatureValues(p * kRowsPerPartition + r, &json);
        json += ']';
      }
      json += "]}}";
      Post("/v1/feature-group/write", MakeBody(std::move(json)), response);
    }
  }

  static inline Env* envs_[3] = {nullptr, nullptr, nullptr};

  std::filesystem::path dir_;
  metrics::Registry registry_;
  api::Authenticator auth_;  // no tokens: access control off, as in standalone mode
  std::unique_ptr<catalog::SqliteMetadataStore> metadata_;
  std::unique_ptr<storage::RocksStore> store_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<api::Endpoint> serving_;
};

// ---- request bodies ----

std::vector<Body> ReadBodies(size_t keys_per_request, int64_t key_base) {
  std::mt19937_64 rng(42 + keys_per_request);
  std::uniform_int_distribution<int64_t> key(0, kUsers - 1);
  const std::string columns = FeatureColumnsJson();
  std::vector<Body> bodies;
  const size_t variants = keys_per_request == 1 ? kBodyVariants : 256;
  for (size_t v = 0; v < variants; ++v) {
    std::string json = R"({"featureGroupName":"user_features","featureColumns":)" + columns +
                       R"(,"primaryKeys":{"names":["user_id"],"values":[)";
    for (size_t k = 0; k < keys_per_request; ++k) {
      if (k) json += ',';
      json += '[' + std::to_string(key_base + key(rng)) + ']';
    }
    json += "]}}";
    bodies.push_back(MakeBody(std::move(json)));
  }
  return bodies;
}

std::vector<Body> WriteBodies(size_t rows_per_request) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> key(0, kUsers - 1);
  std::string names = R"(["user_id")";
  for (const char* name : kFeatureNames) names += std::string(",\"") + name + "\"";
  names += "]";
  std::vector<Body> bodies;
  for (size_t v = 0; v < 256; ++v) {
    std::string json =
        R"({"featureGroupName":"user_features","features":{"names":)" + names + R"(,"values":[)";
    for (size_t r = 0; r < rows_per_request; ++r) {
      if (r) json += ',';
      const int64_t k = key(rng);
      json += '[' + std::to_string(k) + ',';
      AppendFeatureValues(k + static_cast<int64_t>(v), &json);
      json += ']';
    }
    json += "]}}";
    bodies.push_back(MakeBody(std::move(json)));
  }
  return bodies;
}

std::vector<Body> PartitionBodies() {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> partition(0, kPartitions - 1);
  const std::string columns = FeatureColumnsJson();
  std::vector<Body> bodies;
  for (size_t v = 0; v < 1024; ++v) {
    bodies.push_back(MakeBody(R"({"featureGroupName":"session_features","featureColumns":)" + columns +
                              R"(,"partitionKey":{"names":["user_id"],"values":[)" +
                              std::to_string(partition(rng)) + "]}}"));
  }
  return bodies;
}

// Checks one answer of each kind before measuring (a bench of error answers would be meaningless).
void CheckAnswer(Env& env, std::string_view path, const Body& body, std::string_view must_contain) {
  http::Response response;
  env.Post(path, body, response);
  if (response.body.find(must_contain) == std::string::npos) {
    std::fprintf(stderr, "bench check failed: %.*s answered %s\n", static_cast<int>(path.size()), path.data(),
                 response.body.c_str());
    std::abort();
  }
}

// Runs `bodies` round-robin through Dispatch; items = items_per_request per iteration.
void RunDispatch(benchmark::State& state, Env& env, std::string_view path, const std::vector<Body>& bodies,
                 int64_t items_per_request) {
  std::vector<http::Request> requests;
  requests.reserve(bodies.size());
  for (const Body& body : bodies) requests.push_back(Env::MakeRequest(path, body));
  http::Response response;
  response.body.reserve(64 << 10);
  size_t next = 0;
  int failures = 0;
  const uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    response.Reset();
    DispatchMeasured(env.endpoint(), requests[next], response);
    failures += response.status != 200;
    benchmark::DoNotOptimize(response.body.data());
    if (++next == requests.size()) next = 0;
  }
  const uint64_t allocations = g_allocations.load(std::memory_order_relaxed) - allocations_before;
  if (failures) state.SkipWithError("non-200 answers");
  state.SetItemsProcessed(state.iterations() * items_per_request);
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  state.counters["resp_bytes"] = static_cast<double>(response.body.size());
}

Env::Kind KindOf(const benchmark::State& state) { return static_cast<Env::Kind>(state.range(0)); }

void SetKindLabel(benchmark::State& state) {
  static constexpr const char* kLabels[] = {"compacted", "memtable", "row cache"};
  state.SetLabel(kLabels[KindOf(state)]);
}

void BM_ReadOneKey(benchmark::State& state) {
  Env& env = Env::Get(KindOf(state));
  static const std::vector<Body> bodies = ReadBodies(1, 0);
  CheckAnswer(env, "/v1/feature-group/read", bodies[0], R"("failedKeys":[]})");
  RunDispatch(state, env, "/v1/feature-group/read", bodies, 1);
  SetKindLabel(state);
}
BENCHMARK(BM_ReadOneKey)->Arg(Env::kCompacted)->Arg(Env::kMemtable)->Arg(Env::kRowCache);

// Keys that were never written: the RocksDB Bloom filters answer (compacted), or a memtable miss.
void BM_ReadOneMissingKey(benchmark::State& state) {
  Env& env = Env::Get(KindOf(state));
  static const std::vector<Body> bodies = ReadBodies(1, 10 * kUsers);
  CheckAnswer(env, "/v1/feature-group/read", bodies[0], R"("successfulKeys":[],"failedKeys":[[)");
  RunDispatch(state, env, "/v1/feature-group/read", bodies, 1);
  SetKindLabel(state);
}
BENCHMARK(BM_ReadOneMissingKey)->Arg(Env::kCompacted)->Arg(Env::kMemtable);

void BM_Read100Keys(benchmark::State& state) {
  Env& env = Env::Get(KindOf(state));
  static const std::vector<Body> bodies = ReadBodies(100, 0);
  CheckAnswer(env, "/v1/feature-group/read", bodies[0], R"("failedKeys":[]})");
  RunDispatch(state, env, "/v1/feature-group/read", bodies, 100);
  SetKindLabel(state);
}
BENCHMARK(BM_Read100Keys)->Arg(Env::kCompacted)->Arg(Env::kMemtable)->Arg(Env::kRowCache);

void BM_PartitionRead100Rows(benchmark::State& state) {
  Env& env = Env::Get(KindOf(state));
  static const std::vector<Body> bodies = PartitionBodies();
  CheckAnswer(env, "/v1/feature-group/partition/read", bodies[0], R"("features":[[)");
  RunDispatch(state, env, "/v1/feature-group/partition/read", bodies, kRowsPerPartition);
  SetKindLabel(state);
}
BENCHMARK(BM_PartitionRead100Rows)->Arg(Env::kCompacted)->Arg(Env::kMemtable);

// Upserts of 100 existing keys (10 features each), WAL without fsync (sync_writes=false). Registered
// last: it adds merge operands to the store that the read benchmarks above would otherwise see.
void BM_Write100Rows(benchmark::State& state) {
  Env& env = Env::Get(KindOf(state));
  static const std::vector<Body> bodies = WriteBodies(100);
  CheckAnswer(env, "/v1/feature-group/write", bodies[0], R"("failedRows":[])");
  RunDispatch(state, env, "/v1/feature-group/write", bodies, 100);
  SetKindLabel(state);
}
BENCHMARK(BM_Write100Rows)->Arg(Env::kMemtable);

// A fixed number of single-key reads on the server's default path (compacted store behind the row cache),
// for callgrind (see the file comment).
void BM_ProfileReadOneKey(benchmark::State& state) {
  Env& env = Env::Get(Env::kRowCache);
  static const std::vector<Body> bodies = ReadBodies(1, 0);
  RunDispatch(state, env, "/v1/feature-group/read", bodies, 1);
}
BENCHMARK(BM_ProfileReadOneKey)->Iterations(20'000);

}  // namespace
}  // namespace ofs::serving
