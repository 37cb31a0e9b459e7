// Micro-benchmarks of request JSON decoding alone (no catalog, no store): a realistic read request
// (10 feature columns, 1 or 100 keys) and a 100-row write request, decoded the way the serving
// handlers do it with the api::json_read helpers — case-insensitive key matching, ReadScalar per key /
// row value, in one pass as read_handler.cc and write_handler.cc do.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "api/json_read.h"
#include "base/strings.h"
#include "http/server.h"

namespace ofs::api {
namespace {

constexpr ErrorCode kCode = ErrorCode::kReadFeatureGroupRequest;

struct Body {
  std::string text;  // json + padding
  size_t size = 0;
  std::string_view json() const { return std::string_view(text).substr(0, size); }
};

Body MakeBody(std::string json) {
  Body body{std::move(json), 0};
  body.size = body.text.size();
  body.text.append(http::kBodyPadding, '\0');
  return body;
}

constexpr const char* kColumns =
    R"(["f_int","f_bigint","f_double","f_float","f_text","f_bool","f_int2","f_double2","f_float2","f_text2"])";

Body ReadRequest(int keys) {
  std::string json = std::string(R"({"featureGroupName":"user_features","featureColumns":)") + kColumns +
                     R"(,"primaryKeys":{"names":["user_id"],"values":[)";
  for (int k = 0; k < keys; ++k) {
    if (k) json += ',';
    json += '[' + std::to_string(1'000'003LL * (k + 1) % 100'000) + ']';
  }
  return MakeBody(json + "]}}");
}

Body WriteRequest(int rows) {
  std::string json =
      R"({"featureGroupName":"user_features","features":{"names":["user_id","f_int","f_bigint","f_double",)"
      R"("f_float","f_text","f_bool","f_int2","f_double2","f_float2","f_text2"],"values":[)";
  char row[256];
  for (int r = 0; r < rows; ++r) {
    std::snprintf(row, sizeof row,
                  R"(%s[%d,%d,%lld,%.17g,%.9g,"txt-%d-xxxxxxxxxxxx",%s,%d,%.17g,%.9g,"city-%d-yyyyyyyyyy"])",
                  r ? "," : "", r, r * 7919, r * 1'000'003LL, r * 0.001 + 0.123456789, r * 0.37f, r,
                  r % 3 ? "false" : "true", r % 1000, 1.0 / (r + 1), r / 7.0f, r % 997);
    json += row;
  }
  return MakeBody(json + "]}}");
}

// What the read handler extracts.
struct ReadDecoded {
  std::string_view name, version;
  std::vector<std::string_view> columns;
  std::vector<std::string_view> key_names;
  size_t values = 0;
  size_t raw_bytes = 0;
};

// The read handler's decode (read_handler.cc): one pass, each nested value consumed where it is met;
// scalars are kept and converted once the group is known, so field order does not matter.
Status DecodeRead(std::string_view body, ReadDecoded* d) {
  od::document doc;
  od::object object;
  OFS_RETURN_IF_ERROR(IterateObject(body, 1, &doc, &object, kCode));
  bool has_version = false;
  for (auto field : object) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return JsonError(error, kCode, "request body");
    if (EqualsIgnoreCase(key, "featureGroupName")) {
      OFS_RETURN_IF_ERROR(ReadString(field.value(), &d->name, kCode, "featureGroupName"));
    } else if (EqualsIgnoreCase(key, "featureGroupVersion")) {
      OFS_RETURN_IF_ERROR(ReadOptionalString(field.value(), &d->version, &has_version, kCode, "version"));
    } else if (EqualsIgnoreCase(key, "featureColumns")) {
      OFS_RETURN_IF_ERROR(ReadStringArray(field.value(), &d->columns, kCode, "featureColumns"));
    } else if (EqualsIgnoreCase(key, "primaryKeys")) {
      od::object keys;
      if (auto error = field.value().get_object().get(keys)) return JsonError(error, kCode, "primaryKeys");
      for (auto kfield : keys) {
        std::string_view kkey;
        if (auto error = kfield.unescaped_key().get(kkey)) return JsonError(error, kCode, "primaryKeys");
        if (EqualsIgnoreCase(kkey, "names")) {
          OFS_RETURN_IF_ERROR(ReadStringArray(kfield.value(), &d->key_names, kCode, "primaryKeys.names"));
        } else if (EqualsIgnoreCase(kkey, "values")) {
          od::array rows;
          if (auto error = kfield.value().get_array().get(rows)) return JsonError(error, kCode, "values");
          for (auto row_value : rows) {
            od::array row;
            if (auto error = row_value.get_array().get(row)) return JsonError(error, kCode, "rows");
            for (auto element : row) {
              codec::JsonScalar scalar;
              std::string_view raw;
              OFS_RETURN_IF_ERROR(ReadScalar(element, &scalar, &raw));
              ++d->values;
              d->raw_bytes += raw.size();
            }
          }
        }
      }
    }
  }
  return Status::Ok();
}

template <Status (*Decode)(std::string_view, ReadDecoded*)>
void RunRead(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(0));
  const Body body = ReadRequest(keys);
  ReadDecoded d;
  for (auto _ : state) {
    d.columns.clear();
    d.key_names.clear();
    d.values = 0;
    Status status = Decode(body.json(), &d);
    if (!status.ok() || d.values != static_cast<size_t>(keys) || d.columns.size() != 10) {
      state.SkipWithError("decode failed");
      return;
    }
    benchmark::DoNotOptimize(d.raw_bytes);
  }
  state.SetItemsProcessed(state.iterations() * keys);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size));
}

void BM_DecodeRead(benchmark::State& state) { RunRead<DecodeRead>(state); }
BENCHMARK(BM_DecodeRead)->Arg(1)->Arg(100);

// The write handler's decode (write_handler.cc): one pass, ReadScalar per value.
Status DecodeWrite(std::string_view body, std::vector<std::string_view>* names, size_t* values) {
  od::document doc;
  od::object object;
  OFS_RETURN_IF_ERROR(IterateObject(body, 1, &doc, &object, kCode));
  std::string_view name;
  return ForEachField(object, kCode, "request body", [&](std::string_view key, JsonValue value) {
    if (EqualsIgnoreCase(key, "featureGroupName")) return ReadString(std::move(value), &name, kCode, "name");
    if (!EqualsIgnoreCase(key, "features")) return Status::Ok();
    od::object features;
    if (auto error = value.get_object().get(features)) return JsonError(error, kCode, "features");
    return ForEachField(features, kCode, "features", [&](std::string_view fkey, JsonValue field) {
      if (EqualsIgnoreCase(fkey, "names")) return ReadStringArray(std::move(field), names, kCode, "names");
      if (!EqualsIgnoreCase(fkey, "values")) return Status::Ok();
      od::array rows;
      if (auto error = field.get_array().get(rows)) return JsonError(error, kCode, "values");
      for (auto row_value : rows) {
        od::array row;
        if (auto error = row_value.get_array().get(row)) return JsonError(error, kCode, "rows");
        for (auto element : row) {
          codec::JsonScalar scalar;
          std::string_view raw;
          OFS_RETURN_IF_ERROR(ReadScalar(element, &scalar, &raw));
          ++*values;
        }
      }
      return Status::Ok();
    });
  });
}

void BM_DecodeWrite(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  const Body body = WriteRequest(rows);
  std::vector<std::string_view> names;
  for (auto _ : state) {
    names.clear();
    size_t values = 0;
    Status status = DecodeWrite(body.json(), &names, &values);
    if (!status.ok() || values != static_cast<size_t>(rows) * 11 || names.size() != 11) {
      state.SkipWithError(("decode failed: " + status.ToString()).c_str());
      return;
    }
    benchmark::DoNotOptimize(values);
  }
  state.SetItemsProcessed(state.iterations() * rows);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size));
}
BENCHMARK(BM_DecodeWrite)->Arg(100);

}  // namespace
}  // namespace ofs::api
