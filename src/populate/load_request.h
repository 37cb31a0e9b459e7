#pragma once
// The parameters of a load job (POST /v1/load; docs/ingestion.md, "Load jobs"), decoded from the request
// body, and the canonical JSON the metadata store keeps (LoadJob::request) and workers decode again.
// Built without Delta support too (the admin API validates and records jobs; workers need OFS_DELTA).
//
// Body: {"tablePath", "featureGroupName", "featureGroupVersion"?, "fromVersion"?, "toVersion"?,
// "timestamp"? (the cells' write time, epoch ms), "runId"?, "replicate"?, "columns"? {delta: feature},
// "storageOptions"? {key: value}, "sink"? ("auto" | "store" | "kafka")}. A job's storage options are limited
// to the region and the addressing style (IsJobStorageOption): credentials would be kept by the metadata
// store, and an endpoint chosen by a job would receive requests signed with the workers' credentials. Workers
// take both from their own settings (populate.storage_options), which win over a job's.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ofs::populate {

// Where a job's rows go (docs/ingestion.md, "Loads through Kafka"). The admin API resolves kAuto when it
// records the job: kKafka when the group's consume tenant has a registered topic (the /consumer/* routes)
// and the admin node has Kafka, else kStore. A stored job without one (recorded before sinks existed)
// loads into the store.
enum class LoadSink { kAuto, kStore, kKafka };
std::string_view LoadSinkName(LoadSink sink);  // "auto", "store", "kafka"

struct LoadRequest {
  std::string table_path;
  std::string group_name;
  std::optional<std::string> group_version;  // "vN" normalized; absent: the latest at creation
  std::optional<int64_t> from_version;
  std::optional<int64_t> to_version;
  std::optional<int64_t> timestamp_ms;
  std::string run_id;
  bool replicate = false;
  std::map<std::string, std::string> columns;
  std::map<std::string, std::string> storage_options;
  LoadSink sink = LoadSink::kAuto;
};

// INVALID-REQUEST-EXCEPTION naming the field for a malformed body, a missing tablePath or
// featureGroupName, a negative version, fromVersion > toVersion, a timestamp outside [0, INT64_MAX / 1000],
// a storage option a job may not set (IsJobStorageOption), or a sink other than auto, store or kafka.
// `json` must be followed by simdjson's padding (an HTTP request body is; see DecodeStoredLoadRequest).
Result<LoadRequest> DecodeLoadRequest(std::string_view json);
// The same for a stored request (copies it to a padded buffer).
Result<LoadRequest> DecodeStoredLoadRequest(const std::string& json);
// The canonical JSON of `request` (every field present that is set; the keys of the body).
std::string EncodeLoadRequest(const LoadRequest& request);

// Whether a storage option key names a credential (secret, token, password, access key).
bool IsCredentialOption(std::string_view key);
// Whether a job may set this storage option (the region, the addressing style).
bool IsJobStorageOption(std::string_view key);

}  // namespace ofs::populate
