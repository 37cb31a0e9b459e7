// Micro-benchmarks of the stored row format (row_codec.h) and its merge operator (merge_operator.h),
// on a 10-cell row of the serving bench's mixed feature group (INT, BIGINT, DOUBLE, FLOAT, TEXT of
// 16-32 bytes, BOOLEAN, ...): what a write encodes per row, what a read decodes per key, and what a read
// of a key whose history is more than one operand (or a compaction) merges.

#include <benchmark/benchmark.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/slice.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <new>
#include <string>
#include <vector>

#include "base/clock.h"
#include "codec/value_codec.h"
#include "storage/online_store.h"
#include "storage/rocksdb/merge_operator.h"
#include "storage/rocksdb/row_codec.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// Counts global operator new calls (allocs/op); the library's operator delete calls free(), which
// matches. This binary also holds key_codec_bench.cc, which does not use the counter.
[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  if (void* p = std::malloc(size)) return p;
  throw std::bad_alloc();
}

namespace ofs::storage::rocks {
namespace {

using codec::JsonScalar;

// Sets items/s and allocs/op (operator new calls per iteration since `before`).
void Finish(benchmark::State& state, uint64_t before) {
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(g_allocations.load(std::memory_order_relaxed) - before),
                         benchmark::Counter::kAvgIterations);
}
using model::DataType;

constexpr int64_t kWriteTime = 1'700'000'000'000'000;

struct Feature {
  DataType type;
  JsonScalar json;
};

// Column ids 1..10 (0 is the row marker).
const Feature kFeatures[] = {
    {DataType::kInt, JsonScalar::Number("123456789")},
    {DataType::kBigint, JsonScalar::Number("9007199254740993")},
    {DataType::kDouble, JsonScalar::Number("0.123456789012345")},
    {DataType::kFloat, JsonScalar::Number("0.1234567")},
    {DataType::kText, JsonScalar::String("a feature value of 24 ch")},
    {DataType::kBoolean, JsonScalar::Bool(true)},
    {DataType::kInt, JsonScalar::Number("42")},
    {DataType::kDouble, JsonScalar::Number("17.25")},
    {DataType::kFloat, JsonScalar::Number("3.5")},
    {DataType::kText, JsonScalar::String("city-123-yyyyyyyyyyy")},
};
constexpr size_t kCells = std::size(kFeatures);

// Canonical value bytes of every feature, and the cells that point into them.
struct RowValues {
  std::vector<std::string> values;
  std::vector<Cell> cells;

  explicit RowValues(int variant = 0) {
    values.resize(kCells);
    for (size_t i = 0; i < kCells; ++i) {
      JsonScalar json = kFeatures[i].json;
      std::string alt;
      if (variant != 0 && kFeatures[i].type == DataType::kText) {
        alt = std::string(json.text) + "-v" + std::to_string(variant);
        json = JsonScalar::String(alt);
      }
      codec::AppendValue(kFeatures[i].type, json, &values[i]).IgnoreError();
    }
    for (size_t i = 0; i < kCells; ++i) cells.push_back(Cell{static_cast<uint32_t>(i + 1), values[i]});
  }
};

std::string EncodedRow(const RowValues& row, int64_t write_time) {
  std::vector<CellView> scratch;
  std::string out;
  EncodeWrittenRow(row.cells, write_time, 0, &scratch, &out);
  return out;
}

// What a write does per row: marker + 10 cells, sorted, encoded.
void BM_EncodeWrittenRow(benchmark::State& state) {
  const RowValues row;
  std::vector<CellView> scratch;
  std::string out;
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    out.clear();
    EncodeWrittenRow(row.cells, kWriteTime, 0, &scratch, &out);
    benchmark::DoNotOptimize(out.data());
  }
  Finish(state, before);
  state.counters["row_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_EncodeWrittenRow);

// Walks every cell of a stored row.
void BM_DecodeRow(benchmark::State& state) {
  const std::string row = EncodedRow(RowValues(), kWriteTime);
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    RowReader reader(row);
    size_t bytes = 0;
    for (CellView cell; reader.Next(&cell);) bytes += cell.value.size();
    benchmark::DoNotOptimize(bytes);
    benchmark::DoNotOptimize(reader.ok());
  }
  Finish(state, before);
}
BENCHMARK(BM_DecodeRow);

// What a point read does per key: select the 10 requested columns' live cells into a RowSet.
void BM_CopyLiveCells(benchmark::State& state) {
  const std::string row = EncodedRow(RowValues(), kWriteTime);
  std::vector<uint32_t> ids;
  for (uint32_t id = kCells; id >= 1; --id) ids.push_back(id);  // requested in another order than stored
  std::vector<ColumnSlot> slots;
  SelectColumns(ids, 0, &slots);
  RowSet rows;
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    rows.Reset(ids.size());
    bool live = false;
    const size_t r = rows.AddRow(false);
    benchmark::DoNotOptimize(CopyLiveCells(row, slots, kWriteTime + 1, r, &rows, &live));
    benchmark::DoNotOptimize(live);
  }
  Finish(state, before);
}
BENCHMARK(BM_CopyLiveCells);

// The merge of two 10-cell operands (every column written twice; the newer wins), as MergeRows.
void BM_MergeRows2(benchmark::State& state) {
  const RowValues older(0), newer(1);
  const std::string a = EncodedRow(older, kWriteTime), b = EncodedRow(newer, kWriteTime + 1);
  const std::vector<std::string_view> rows = {a, b};
  const bool full = state.range(0) != 0;
  std::string out;
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(
        MergeRows(rows, full ? std::optional<int64_t>(kWriteTime + 2) : std::nullopt, &out));
  }
  Finish(state, before);
  state.SetLabel(full ? "full (drop expired)" : "partial");
}
BENCHMARK(BM_MergeRows2)->Arg(0)->Arg(1);

// The same through RocksDB's interface: a read of a key with a base value and one operand.
void BM_FullMergeV2(benchmark::State& state) {
  const RowValues older(0), newer(1);
  const std::string a = EncodedRow(older, kWriteTime), b = EncodedRow(newer, kWriteTime + 1);
  const CellMergeOperator op(SystemClock::Default());
  const rocksdb::Slice key("k"), existing(a);
  const std::vector<rocksdb::Slice> operands = {rocksdb::Slice(b)};
  std::string new_value;
  rocksdb::Slice existing_operand;
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    rocksdb::MergeOperator::MergeOperationInput in(key, &existing, operands, nullptr);
    rocksdb::MergeOperator::MergeOperationOutput out(new_value, existing_operand);
    benchmark::DoNotOptimize(op.FullMergeV2(in, &out));
  }
  Finish(state, before);
}
BENCHMARK(BM_FullMergeV2);

// A compaction combining two operands of a key.
void BM_PartialMergeMulti(benchmark::State& state) {
  const RowValues older(0), newer(1);
  const std::string a = EncodedRow(older, kWriteTime), b = EncodedRow(newer, kWriteTime + 1);
  const CellMergeOperator op(SystemClock::Default());
  const std::deque<rocksdb::Slice> operands = {rocksdb::Slice(a), rocksdb::Slice(b)};
  std::string new_value;
  const uint64_t before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    benchmark::DoNotOptimize(op.PartialMergeMulti(rocksdb::Slice("k"), operands, &new_value, nullptr));
  }
  Finish(state, before);
}
BENCHMARK(BM_PartialMergeMulti);

}  // namespace
}  // namespace ofs::storage::rocks
