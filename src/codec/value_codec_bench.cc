// Micro-benchmarks of value conversion, JSON output and ordered keys, one representative value per type.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "codec/value_codec.h"

namespace ofs::codec {
namespace {

using model::DataType;

struct Sample {
  DataType type;
  JsonScalar in;
};

// One typical input per type, indexed by DataType.
const Sample kSamples[] = {
    {DataType::kText, JsonScalar::String("a feature value of 24 ch")},
    {DataType::kAscii, JsonScalar::String("plain ascii value")},
    {DataType::kVarchar, JsonScalar::String("a feature value of 24 ch")},
    {DataType::kBlob, JsonScalar::String("SGVsbG8sIGZlYXR1cmUgc3RvcmUh")},
    {DataType::kBoolean, JsonScalar::Bool(true)},
    {DataType::kDecimal, JsonScalar::Number("12345.6789")},
    {DataType::kDouble, JsonScalar::Number("0.123456789012345")},
    {DataType::kFloat, JsonScalar::Number("0.1234567")},
    {DataType::kInt, JsonScalar::Number("123456789")},
    {DataType::kBigint, JsonScalar::Number("9007199254740993")},
    {DataType::kTimestamp, JsonScalar::String("2024-02-29T12:34:56.789Z")},
    {DataType::kTimeuuid, JsonScalar::String("123e4567-e89b-12d3-a456-426614174000")},
    {DataType::kUuid, JsonScalar::String("f47ac10b-58cc-4372-a567-0e02b2c3d479")},
    {DataType::kInet, JsonScalar::String("2001:db8::1")},
    {DataType::kVarint, JsonScalar::Number("-123456789012345678901234567890")},
};

const Sample& SampleOf(const benchmark::State& state) { return kSamples[state.range(0)]; }

std::string ValueOf(const Sample& sample) {
  std::string value;
  AppendValue(sample.type, sample.in, &value).IgnoreError();
  return value;
}

void SetTypeLabel(benchmark::State& state) {
  state.SetLabel(std::string(model::DataTypeName(SampleOf(state).type)));
}

void BM_AppendValue(benchmark::State& state) {
  const Sample& sample = SampleOf(state);
  std::string out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(AppendValue(sample.type, sample.in, &out).ok());
  }
  SetTypeLabel(state);
}
BENCHMARK(BM_AppendValue)->DenseRange(0, model::kDataTypeCount - 1);

void BM_WriteValueJson(benchmark::State& state) {
  const Sample& sample = SampleOf(state);
  const std::string value = ValueOf(sample);
  std::string out;
  for (auto _ : state) {
    out.clear();
    JsonWriter writer(&out);
    WriteValueJson(sample.type, value, &writer);
    benchmark::DoNotOptimize(out.data());
  }
  SetTypeLabel(state);
}
BENCHMARK(BM_WriteValueJson)->DenseRange(0, model::kDataTypeCount - 1);

void BM_OrderedKeyEncode(benchmark::State& state) {
  const Sample& sample = SampleOf(state);
  const std::string value = ValueOf(sample);
  std::string key;
  for (auto _ : state) {
    key.clear();
    AppendOrderedKey(sample.type, value, &key);
    benchmark::DoNotOptimize(key.data());
  }
  SetTypeLabel(state);
}
BENCHMARK(BM_OrderedKeyEncode)->DenseRange(0, model::kDataTypeCount - 1);

void BM_OrderedKeyDecode(benchmark::State& state) {
  const Sample& sample = SampleOf(state);
  std::string key, value;
  AppendOrderedKey(sample.type, ValueOf(sample), &key);
  for (auto _ : state) {
    value.clear();
    std::string_view in = key;
    benchmark::DoNotOptimize(DecodeOrderedKey(sample.type, &in, &value).ok());
  }
  SetTypeLabel(state);
}
BENCHMARK(BM_OrderedKeyDecode)->DenseRange(0, model::kDataTypeCount - 1);

// The PERFORMANCE.md reference figure: 100 rows x 10 floats into one response buffer.
void BM_JsonWriter100RowsOf10Floats(benchmark::State& state) {
  std::vector<float> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.37f + 0.001f;
  std::string out;
  for (auto _ : state) {
    out.clear();
    JsonWriter writer(&out);
    writer.StartArray();
    for (size_t row = 0; row < 100; ++row) {
      writer.StartArray();
      for (size_t column = 0; column < 10; ++column) writer.Float(values[row * 10 + column]);
      writer.EndArray();
    }
    writer.EndArray();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_JsonWriter100RowsOf10Floats);

// JSON string escaping: short keys and TEXT values (the common case) and a long clean string.
void BM_AppendJsonString(benchmark::State& state) {
  const std::string text(static_cast<size_t>(state.range(0)), 'a');
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendJsonString(text, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_AppendJsonString)->Arg(12)->Arg(24)->Arg(1024);

}  // namespace
}  // namespace ofs::codec
