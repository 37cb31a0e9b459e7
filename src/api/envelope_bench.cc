// Micro-benchmarks of response encoding: a read response (1 or 100 keys x 10 mixed features) written
// into the response buffer inside the {"data": ...} envelope the way the read handler writes it
// (codec::WriteValueJson per cell from canonical bytes), and the error envelope. Per-type value
// conversion and raw JsonWriter figures are in codec/value_codec_bench.cc.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "api/envelope.h"
#include "codec/value_codec.h"

namespace ofs::api {
namespace {

using codec::JsonScalar;
using model::DataType;

struct Feature {
  DataType type;
  std::string value;  // canonical bytes
};

std::vector<Feature> RowOfFeatures(int row) {
  const std::string text = "txt-" + std::to_string(row) + "-xxxxxxxxxxxxxx";
  const std::string city = "city-" + std::to_string(row % 997) + "-yyyyyyyyyy";
  const std::string i1 = std::to_string(row * 7919), i2 = std::to_string(row * 1'000'003LL);
  const std::string d1 = std::to_string(row * 0.001 + 0.123456789), f1 = std::to_string(row * 0.37f);
  const std::string i3 = std::to_string(row % 1000), d2 = std::to_string(1.0 / (row + 1));
  const std::string f2 = std::to_string(row / 7.0f);
  const std::pair<DataType, JsonScalar> in[] = {
      {DataType::kInt, JsonScalar::Number(i1)},    {DataType::kBigint, JsonScalar::Number(i2)},
      {DataType::kDouble, JsonScalar::Number(d1)}, {DataType::kFloat, JsonScalar::Number(f1)},
      {DataType::kText, JsonScalar::String(text)}, {DataType::kBoolean, JsonScalar::Bool(row % 3 == 0)},
      {DataType::kInt, JsonScalar::Number(i3)},    {DataType::kDouble, JsonScalar::Number(d2)},
      {DataType::kFloat, JsonScalar::Number(f2)},  {DataType::kText, JsonScalar::String(city)},
  };
  std::vector<Feature> features;
  for (const auto& [type, json] : in) {
    Feature feature{type, {}};
    codec::AppendValue(type, json, &feature.value).IgnoreError();
    features.push_back(std::move(feature));
  }
  return features;
}

void BM_ReadResponse(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  std::vector<std::vector<Feature>> rows;
  std::vector<std::string> echoes;
  for (int k = 0; k < keys; ++k) {
    rows.push_back(RowOfFeatures(k * 101 + 7));
    echoes.push_back("[" + std::to_string(k * 1009) + "]");
  }
  http::Response response;
  for (auto _ : state) {
    response.Reset();
    codec::JsonWriter out = BeginData(response);
    out.StartObject();
    out.Key("featureGroupName");
    out.String("user_features");
    out.Key("featureGroupVersion");
    out.String("v1");
    out.Key("successfulKeys");
    out.StartArray();
    for (int k = 0; k < keys; ++k) {
      out.StartObject();
      out.Key("key");
      out.Raw(echoes[k]);
      out.Key("features");
      out.StartArray();
      for (const Feature& feature : rows[k]) codec::WriteValueJson(feature.type, feature.value, &out);
      out.EndArray();
      out.EndObject();
    }
    out.EndArray();
    out.Key("failedKeys");
    out.StartArray();
    out.EndArray();
    out.EndObject();
    EndData(out);
    benchmark::DoNotOptimize(response.body.data());
  }
  state.SetItemsProcessed(state.iterations() * keys);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(response.body.size()));
}
BENCHMARK(BM_ReadResponse)->Arg(1)->Arg(100);

void BM_ErrorEnvelope(benchmark::State& state) {
  const Status status(ErrorCode::kFeatureGroupNotFound, "feature group not found", "user_featurez");
  http::Response response;
  for (auto _ : state) {
    WriteError(status, response);
    benchmark::DoNotOptimize(response.body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ErrorEnvelope);

}  // namespace
}  // namespace ofs::api
