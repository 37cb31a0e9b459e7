// Fuzz target for the consumer's decoding of ingestion records (ingest/row_batch.h: Darwin's v1 and v2
// formats, API.md section 6) and of the embedded queue's entries (ingest/queue/embedded_queue.h).
// Input: the first byte picks the headers (bit 0: sdk-version v2, else none = v1; bit 1: the group header
// names group `g`, else `nosuch`; bit 2: feature-group-version v1; bit 3: replicated-writes false; bit 4:
// an ofs-write-time header taken from the text before the first '\n', which is then dropped); the rest is
// the record value. Checks, aborting on failure: Add either rejects with a reason and adds no row, or adds
// exactly one; a queue entry either fails to decode or decodes to a record that encodes back to a
// decodable entry with the same fields. Every column type is in the group, so values reach every converter.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "ingest/queue/embedded_queue.h"
#include "ingest/row_batch.h"

namespace {

using ofs::model::DataType;

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "ingest_record_fuzz: %s\n", what);
  std::abort();
}

std::shared_ptr<const ofs::catalog::Snapshot> MakeSnapshot() {
  ofs::model::EntityMetadata e;
  e.name = "u";
  e.entity.table_name = "u";
  e.entity.features = {{1, "id", DataType::kBigint, "", {}}, {2, "day", DataType::kText, "", {}}};
  e.entity.primary_keys = {"id", "day"};
  ofs::model::FeatureGroupMetadata g;
  g.name = "g";
  g.version = "v1";
  g.feature_group.feature_group_name = "g";
  g.feature_group.entity_name = "u";
  const DataType types[] = {DataType::kText,    DataType::kAscii,    DataType::kVarchar, DataType::kBlob,
                            DataType::kBoolean, DataType::kInt,      DataType::kBigint,  DataType::kFloat,
                            DataType::kDouble,  DataType::kDecimal,  DataType::kVarint,  DataType::kTimestamp,
                            DataType::kUuid,    DataType::kTimeuuid, DataType::kInet};
  uint32_t id = 3;
  for (DataType type : types) {
    g.feature_group.features.push_back({id, "c" + std::to_string(id), type, "", {}});
    ++id;
  }
  return ofs::catalog::Snapshot::Build({e}, {g}, 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const ofs::catalog::Snapshot> snapshot = MakeSnapshot();
  static const ofs::ManualClock clock{1'700'000'000'000'000};
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // The queue's entry decoder on the raw bytes.
  ofs::ingest::Record queued;
  if (ofs::ingest::DecodeQueuedRecord(input, &queued)) {
    ofs::ingest::Record again;
    Require(ofs::ingest::DecodeQueuedRecord(ofs::ingest::EncodeQueuedRecord(queued, queued.topic), &again),
            "a decoded queue entry does not encode back to a decodable one");
    Require(again.topic == queued.topic && again.key == queued.key && again.value == queued.value &&
                again.timestamp_ms == queued.timestamp_ms && again.headers.size() == queued.headers.size(),
            "a queue entry does not round-trip");
  }

  if (input.empty()) return 0;
  const auto flags = static_cast<uint8_t>(input.front());
  input.remove_prefix(1);
  ofs::ingest::Record record;
  record.timestamp_ms = 1'700'000'000'000;
  if (flags & 1) record.headers.push_back({"sdk-version", "v2"});
  record.headers.push_back({"feature-group-name", (flags & 2) ? "g" : "nosuch"});
  if (flags & 4) record.headers.push_back({"feature-group-version", "v1"});
  if (flags & 8) record.headers.push_back({"replicated-writes", "false"});
  if (flags & 16) {
    const size_t newline = input.find('\n');
    const std::string_view time = input.substr(0, newline);
    record.headers.push_back({"ofs-write-time", std::string(time)});
    input.remove_prefix(newline == std::string_view::npos ? input.size() : newline + 1);
  }
  record.value.assign(input);

  ofs::ingest::RowBatch batch(&clock, ofs::ingest::RowBatchLimits{});
  batch.Use(snapshot);
  const std::optional<ofs::ingest::Rejection> rejection = batch.Add(record);
  if (rejection.has_value()) {
    Require(batch.rows() == 0, "a rejected record added a row");
    Require(!rejection->reason.empty() && !rejection->message.empty(), "a rejection without its reason");
  } else {
    Require(batch.rows() == 1, "an accepted record did not add exactly one row");
  }
  return 0;
}
