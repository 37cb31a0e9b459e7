#pragma once
// What the benchmark tools that run OFS's own code in process share (ofs_kafka_ingest's consumer, S5;
// ofs_delta_load's load worker, S6): the store opened as `ofs standalone` opens it, the dataset's schema
// created through the admin routes as the admin server would dispatch them, and key encoding.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "api/endpoint.h"
#include "base/clock.h"
#include "bench/dataset.h"
#include "http/server.h"
#include "storage/rocksdb/rocks_store.h"

namespace ofs::bench {

// Canonical BIGINT bytes (codec/value_codec.h): 8 bytes, big-endian two's complement.
inline void EncodeBigint(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

// The embedded store under `dir` as `ofs standalone` opens it (apps/ofs/application.cc with
// apps/ofs/config.h's defaults), but for the row cache, sized as ofs_storage_limit's (the server's is a
// quarter of the memory).
inline Result<std::unique_ptr<storage::RocksStore>> OpenServerStore(const std::filesystem::path& dir) {
  storage::RocksStoreOptions options;
  options.path = (dir / "rocksdb").string();
  options.block_cache_bytes = size_t{256} << 20;
  options.write_buffer_bytes = size_t{64} << 20;
  options.memtables_per_flush = 1;
  options.memtable = storage::RocksStoreOptions::MemTable::kHashed;
  options.row_cache_bytes = size_t{1024} << 20;
  options.sync_writes = true;
  options.clock = SystemClock::Default();
  return storage::RocksStore::Open(options);
}

// POSTs `json` to an admin route in process, as the admin server would dispatch it: (status, body).
inline std::pair<int, std::string> CallAdmin(api::Endpoint& endpoint, std::string_view path,
                                             std::string_view json) {
  std::string padded(json);
  padded.append(http::kBodyPadding, '\0');
  http::Request request;
  request.method = http::Method::kPost;
  request.path = path;
  request.body = std::string_view(padded).substr(0, json.size());
  http::Response response;
  endpoint.Dispatch(request, response);
  return {response.status, response.body};
}

// POST /v1/entity's body for bench_user (key id BIGINT).
inline std::string SchemaEntityJson() {
  return std::string("{\"entity\":{\"tableName\":\"") + kEntity + "\",\"primaryKeys\":[\"" + kKeyColumn +
         "\"],\"ttl\":0,\"features\":[{\"name\":\"" + kKeyColumn +
         "\",\"type\":\"BIGINT\"}]},\"owner\":\"bench@example.com\",\"description\":\"benchmark dataset\"}";
}

// POST /v1/feature-group's body for bench_fg with `features` features of the dataset's types, consumed
// (Kafka) from `consume_tenant`'s topic when it is not empty.
inline std::string SchemaGroupJson(size_t features, const std::string& consume_tenant = "") {
  std::string list = "[";
  for (size_t c = 0; c < features; ++c) {
    if (c) list += ',';
    list += "{\"name\":\"" + FeatureName(c) + "\",\"type\":\"" + FeatureType(c) + "\"}";
  }
  list += "]";
  std::string body = std::string("{\"featureGroup\":{\"featureGroupName\":\"") + kGroup +
                     "\",\"entityName\":\"" + kEntity + "\",\"features\":" + list +
                     "},\"owner\":\"bench@example.com\"";
  if (!consume_tenant.empty()) body += ",\"tenant\":{\"consume\":\"" + consume_tenant + "\"}";
  return body + "}";
}

}  // namespace ofs::bench
