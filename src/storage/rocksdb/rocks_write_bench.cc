// The store's write path as S4 drives it (PERFORMANCE.md): RocksStore::Write of 100 rows at uniformly
// random keys among 1M (10 cells of 8-24 bytes each), applied without waiting for the disk
// (Durability::kApplied, the group-commit path; the fsync is shared across requests and not measured
// here). The store is preloaded with every key once, so the memtable and the table files look like the
// bench server's. args: (row cache, memtables_per_flush). Row cache 0 = none; 1 = one holding every row,
// so each write also invalidates 100 cached rows, as in the server after its warm-up sweep. The 64 MiB
// write buffer is one memtable (1) or eight of 8 MiB (8, the default).
// Items/s = rows/s. The memtable fills and flushes in the background as the benchmark runs: run it with
// --benchmark_min_time=5 or more and compare runs of the same length.

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "base/clock.h"
#include "storage/rocksdb/rocks_store.h"

namespace ofs::storage::rocks {
namespace {

constexpr int64_t kKeys = 1'000'000;
constexpr size_t kRowsPerWrite = 100;
constexpr uint32_t kCells = 10;

std::string BigintKey(int64_t v) {  // canonical BIGINT: 8 bytes big-endian
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xFF);
  return out;
}

model::TableSpec Table() {
  model::TableSpec table{7, "bench", {{1, "id", model::DataType::kBigint}}, {}, 0};
  for (uint32_t c = 0; c < kCells; ++c)
    table.value_columns.push_back({c + 2, "f" + std::to_string(c), model::DataType::kText});
  return table;
}

// One request's rows: keys, values and the views the WriteRequest points at.
struct Batch {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  std::vector<std::string_view> key_views;
  std::vector<Cell> cells;
  std::vector<WriteRow> rows;

  // Rows for `ids`, each with kCells values of 8-24 bytes.
  void Fill(const std::vector<int64_t>& ids, std::mt19937_64& rng) {
    const size_t n = ids.size();
    keys.clear();
    values.clear();
    key_views.clear();
    cells.clear();
    rows.clear();
    keys.reserve(n);
    values.reserve(n * kCells);
    for (int64_t id : ids) {
      keys.push_back(BigintKey(id));
      for (uint32_t c = 0; c < kCells; ++c) values.push_back(std::string(8 + rng() % 17, 'a' + c));
    }
    for (const std::string& k : keys) key_views.push_back(k);
    for (size_t r = 0; r < n; ++r) {
      for (uint32_t c = 0; c < kCells; ++c) cells.push_back(Cell{c + 2, values[r * kCells + c]});
    }
    for (size_t r = 0; r < n; ++r) {
      rows.push_back(WriteRow{std::span<const std::string_view>(&key_views[r], 1),
                              std::span<const Cell>(cells.data() + r * kCells, kCells)});
    }
  }
};

void BM_RocksStoreWrite100(benchmark::State& state) {
  const bool row_cache = state.range(0) == 1;
  std::string dir = (std::filesystem::temp_directory_path() / "ofs-write-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  RocksStoreOptions options;
  options.path = dir + "/db";
  options.row_cache_bytes = row_cache ? size_t{1} << 30 : 0;
  options.memtables_per_flush = static_cast<int>(state.range(1));
  Result<std::unique_ptr<RocksStore>> opened = RocksStore::Open(options);
  if (!opened.ok()) {
    state.SkipWithError(opened.status().ToString().c_str());
    return;
  }
  std::unique_ptr<RocksStore> store = std::move(opened).value();
  const model::TableSpec table = Table();
  std::mt19937_64 rng(42);
  Batch batch;
  const auto write = [&](const Batch& b, Durability durability) {
    WriteRequest request{"t", &table, 1'700'000'000'000'000, b.rows};
    request.durability = durability;
    Status result;
    store->Write(request, [&result](Status s) { result = std::move(s); });
    return result;
  };
  // Preload every key once, in order (1,000 rows per write), then read each one back when the row cache is on
  // (fills it).
  std::vector<int64_t> ids;
  for (int64_t first = 0; first < kKeys; first += 1000) {
    ids.clear();
    for (int64_t k = first; k < first + 1000; ++k) ids.push_back(k);
    batch.Fill(ids, rng);
    if (!write(batch, Durability::kApplied).ok()) return state.SkipWithError("preload failed");
  }
  if (row_cache) {
    const std::vector<uint32_t> columns = {2};
    for (int64_t first = 0; first < kKeys; first += 1000) {
      std::vector<std::string> keys;
      for (int64_t k = first; k < first + 1000; ++k) keys.push_back(BigintKey(k));
      const std::vector<std::string_view> views(keys.begin(), keys.end());
      RowSet rows;
      store->MultiGet(ReadRequest{"t", &table, views, columns}, &rows, [](Status) {});
    }
  }
  std::vector<Batch> batches(1024);  // ~100k distinct random keys, cycled
  for (Batch& b : batches) {
    ids.clear();
    for (size_t r = 0; r < kRowsPerWrite; ++r) ids.push_back(static_cast<int64_t>(rng() % kKeys));
    b.Fill(ids, rng);
  }
  size_t next = 0;
  for (auto _ : state) {
    const Status status = write(batches[next++ % batches.size()], Durability::kApplied);
    if (!status.ok()) return state.SkipWithError(status.ToString().c_str());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRowsPerWrite));
  store.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}
BENCHMARK(BM_RocksStoreWrite100)->ArgsProduct({{0, 1}, {1, 8}})->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ofs::storage::rocks
