// Micro-benchmarks of RocksDB row keys (key_codec.h): table id + ordered key columns. The serving
// bench's shapes: a 1-column BIGINT key (point reads), a 2-column BIGINT + BIGINT key (partition +
// clustering column), and a TEXT + INT key for a string partition key.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "codec/value_codec.h"
#include "storage/rocksdb/key_codec.h"

namespace ofs::storage::rocks {
namespace {

using codec::JsonScalar;
using model::DataType;

struct KeyShape {
  const char* label;
  std::vector<DataType> types;
  std::vector<JsonScalar> values;
};

const KeyShape& ShapeOf(const benchmark::State& state) {
  static const KeyShape kShapes[] = {
      {"BIGINT", {DataType::kBigint}, {JsonScalar::Number("1234567")}},
      {"BIGINT,BIGINT",
       {DataType::kBigint, DataType::kBigint},
       {JsonScalar::Number("1234567"), JsonScalar::Number("1700000000000")}},
      {"TEXT,INT",
       {DataType::kText, DataType::kInt},
       {JsonScalar::String("device-0f3a9c2e"), JsonScalar::Number("42")}},
  };
  return kShapes[state.range(0)];
}

struct Key {
  model::TableSpec table;
  std::vector<std::string> values;  // canonical bytes
  std::vector<std::string_view> views;

  explicit Key(const KeyShape& shape) {
    table.id = 17;
    table.name = "t";
    for (size_t i = 0; i < shape.types.size(); ++i) {
      table.key_columns.push_back(
          model::ColumnSpec{static_cast<uint32_t>(i + 1), "k" + std::to_string(i), shape.types[i]});
      std::string value;
      codec::AppendValue(shape.types[i], shape.values[i], &value).IgnoreError();
      values.push_back(std::move(value));
    }
    views.assign(values.begin(), values.end());
  }
};

void BM_AppendRowKey(benchmark::State& state) {
  const Key key(ShapeOf(state));
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendRowKey(key.table, key.views, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(ShapeOf(state).label);
}
BENCHMARK(BM_AppendRowKey)->DenseRange(0, 2);

// What a 100-key read encodes before MultiGet: 100 keys into one buffer.
void BM_AppendRowKey100(benchmark::State& state) {
  const Key key(ShapeOf(state));
  std::string out;
  std::vector<size_t> ends;
  for (auto _ : state) {
    out.clear();
    ends.clear();
    for (int i = 0; i < 100; ++i) {
      AppendRowKey(key.table, key.views, &out);
      ends.push_back(out.size());
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.SetLabel(ShapeOf(state).label);
}
BENCHMARK(BM_AppendRowKey100)->Arg(0);

void BM_AppendPartitionPrefix(benchmark::State& state) {
  const Key key(ShapeOf(state));
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendPartitionPrefix(key.table, key.views[0], {}, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(ShapeOf(state).label);
}
BENCHMARK(BM_AppendPartitionPrefix)->Arg(1);

// A partition scan decodes the key of every row it returns.
void BM_DecodeRowKey(benchmark::State& state) {
  const Key key(ShapeOf(state));
  std::string encoded;
  AppendRowKey(key.table, key.views, &encoded);
  std::string values;
  std::vector<size_t> ends;
  for (auto _ : state) {
    benchmark::DoNotOptimize(DecodeRowKey(key.table, encoded, &values, &ends).ok());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(ShapeOf(state).label);
}
BENCHMARK(BM_DecodeRowKey)->DenseRange(0, 2);

}  // namespace
}  // namespace ofs::storage::rocks
