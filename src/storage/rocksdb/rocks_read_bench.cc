// The storage limit (PERFORMANCE.md "References"): RocksDB Get / MultiGet from a tight loop in one
// thread, on the RocksStore's own options (MakeRocksTuning) and data layout — 100k rows under a
// 1-column BIGINT key, each value one 10-cell row (row_codec.h) written as a merge operand, then
// compacted to the bottom level and read once so that every block is in the block cache.
//
// Variants (arg): 0 = the options as shipped (index and filter blocks in the block cache, pinned for
// L0 only); 1 = the same with metadata_cache_options.unpartitioned_pinning = kAll (index and filter
// blocks of every level pinned: no block-cache lookup for them per read). allocs/op counts global
// operator new calls per iteration.

#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>
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

#include "base/clock.h"
#include "codec/value_codec.h"
#include "storage/rocksdb/key_codec.h"
#include "storage/rocksdb/rocks_options.h"
#include "storage/rocksdb/row_codec.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Counts every global operator new (the library's operator delete calls free(), which matches).
[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  if (void* p = std::malloc(size)) return p;
  throw std::bad_alloc();
}

namespace ofs::storage::rocks {
namespace {

constexpr int64_t kRows = 100'000;

void Must(const rocksdb::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "bench setup: %s: %s\n", what, status.ToString().c_str());
    std::abort();
  }
}

class Db {
 public:
  // Built on first use. Closed and removed by an atexit handler registered after the database opened:
  // it runs before RocksDB's own statics are destroyed, which a static Db's destructor would not.
  static Db& Get(int variant) {
    if (dbs_[variant] == nullptr) {
      dbs_[variant] = new Db(variant);
      std::atexit(variant == 0 ? &Destroy<0> : &Destroy<1>);
    }
    return *dbs_[variant];
  }

  template <int variant>
  static void Destroy() {
    delete dbs_[variant];
    dbs_[variant] = nullptr;
  }

  ~Db() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  rocksdb::DB* db() const { return db_.get(); }
  std::string Key(int64_t i) const {
    std::string value, key;
    codec::AppendValue(model::DataType::kBigint, codec::JsonScalar::Number(std::to_string(i)), &value)
        .IgnoreError();
    const std::string_view views[] = {value};
    AppendRowKey(table_, views, &key);
    return key;
  }

 private:
  explicit Db(int variant) {
    table_.id = 1;
    table_.key_columns.push_back(model::ColumnSpec{1, "user_id", model::DataType::kBigint});
    dir_ = std::filesystem::temp_directory_path() /
           ("ofs-rocks-read-bench-" + std::to_string(::getpid()) + "-" + std::to_string(variant));
    std::filesystem::remove_all(dir_);
    RocksStoreOptions options;
    options.path = dir_.string();
    options.block_cache_bytes = 256ull << 20;
    tuning_ =
        MakeRocksTuning(options, std::make_shared<rocksdb::EventListener>(), rocksdb::FileSystem::Default());
    if (variant == 1) {
      rocksdb::BlockBasedTableOptions table =
          *tuning_.column_family.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
      table.metadata_cache_options.unpartitioned_pinning = rocksdb::PinningTier::kAll;
      tuning_.column_family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    }
    rocksdb::DB* raw = nullptr;
    Must(rocksdb::DB::Open(rocksdb::Options(tuning_.db, tuning_.column_family), options.path, &raw), "open");
    db_.reset(raw);
    Load();
  }

  void Load() {
    std::vector<CellView> scratch;
    rocksdb::WriteOptions write;
    write.disableWAL = true;
    for (int64_t first = 0; first < kRows; first += 1000) {
      rocksdb::WriteBatch batch;
      for (int64_t i = first; i < first + 1000; ++i) {
        std::vector<std::string> values(10);
        std::vector<Cell> cells;
        for (uint32_t c = 0; c < 10; ++c) {
          values[c] = "value-" + std::to_string(i * 10 + c) + "-of-some-length";
          cells.push_back(Cell{c + 1, values[c]});
        }
        std::string row;
        EncodeWrittenRow(cells, 1'700'000'000'000'000 + i, 0, &scratch, &row);
        Must(batch.Merge(Key(i), row), "merge");
      }
      Must(db_->Write(write, &batch), "write");
    }
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    Must(db_->CompactRange(compact, nullptr, nullptr), "compact");
    rocksdb::PinnableSlice value;
    for (int64_t i = 0; i < kRows; ++i) {
      value.Reset();
      Must(db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), Key(i), &value), "warm");
    }
  }

  static inline Db* dbs_[2] = {nullptr, nullptr};

  model::TableSpec table_;
  std::filesystem::path dir_;
  RocksTuning tuning_;  // its env outlives db_
  std::unique_ptr<rocksdb::DB> db_;
};

std::vector<std::string> RandomKeys(const Db& db, size_t n, int64_t base) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> key(0, kRows - 1);
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i) keys.push_back(db.Key(base + key(rng)));
  return keys;
}

void Finish(benchmark::State& state, uint64_t allocations_before, int64_t items_per_iteration) {
  const uint64_t allocations = g_allocations.load(std::memory_order_relaxed) - allocations_before;
  state.SetItemsProcessed(state.iterations() * items_per_iteration);
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  state.SetLabel(state.range(0) == 0 ? "as shipped" : "index+filter pinned");
}

void RunGet(benchmark::State& state, int64_t base) {
  const Db& db = Db::Get(static_cast<int>(state.range(0)));
  const std::vector<std::string> keys = RandomKeys(db, 4096, base);
  rocksdb::PinnableSlice value;
  size_t next = 0, found = 0;
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    value.Reset();
    found += db.db()->Get(rocksdb::ReadOptions(), db.db()->DefaultColumnFamily(), keys[next], &value).ok();
    if (++next == keys.size()) next = 0;
  }
  benchmark::DoNotOptimize(found);
  Finish(state, before, 1);
}

void BM_RocksGet(benchmark::State& state) { RunGet(state, 0); }
BENCHMARK(BM_RocksGet)->Arg(0)->Arg(1);

void BM_RocksGetMissing(benchmark::State& state) { RunGet(state, 10 * kRows); }
BENCHMARK(BM_RocksGetMissing)->Arg(0)->Arg(1);

// MultiGet of `range(1)` keys per call, as RocksStore::Read issues it.
void BM_RocksMultiGet(benchmark::State& state) {
  const Db& db = Db::Get(static_cast<int>(state.range(0)));
  const size_t batch = static_cast<size_t>(state.range(1));
  const std::vector<std::string> keys = RandomKeys(db, 4096 * batch, 0);
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(batch);
  std::vector<rocksdb::Status> statuses(batch);
  size_t next = 0;
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    db.db()->MultiGet(rocksdb::ReadOptions(), db.db()->DefaultColumnFamily(), batch, slices.data() + next,
                      values.data(), statuses.data());
    for (auto& value : values) value.Reset();
    next += batch;
    if (next == slices.size()) next = 0;
  }
  Finish(state, before, static_cast<int64_t>(batch));
}
BENCHMARK(BM_RocksMultiGet)->ArgsProduct({{0, 1}, {1, 100}});

}  // namespace
}  // namespace ofs::storage::rocks
