#pragma once
// The parameters of a load job (POST /v1/load; docs/ingestion.md, "Load jobs"), decoded from the request
// body, and the canonical JSON the metadata store keeps (LoadJob::request) and workers decode again.
// Built without Delta support too (the admin API validates and records jobs; workers need OFS_DELTA).
//
// Body: {"tablePath", "featureGroupName", "featureGroupVersion"?, "fromVersion"?, "toVersion"?,
// "timestamp"? (the cells' write time, epoch ms), "runId"?, "replicate"?, "columns"? {delta: feature},
// "storageOptions"? {key: value}}. Credentials are never part of a job (the metadata store would keep
// them): a storage option whose key names a secret is refused; workers take those from their own
// settings (populate.storage_options).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ofs::populate {

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
};

// INVALID-REQUEST-EXCEPTION naming the field for a malformed body, a missing tablePath or
// featureGroupName, a negative version, fromVersion > toVersion, or a credential among storageOptions.
// `json` must be followed by simdjson's padding (an HTTP request body is; see DecodeStoredLoadRequest).
Result<LoadRequest> DecodeLoadRequest(std::string_view json);
// The same for a stored request (copies it to a padded buffer).
Result<LoadRequest> DecodeStoredLoadRequest(const std::string& json);
// The canonical JSON of `request` (every field present that is set; the keys of the body).
std::string EncodeLoadRequest(const LoadRequest& request);

// Whether a storage option key names a credential (secret, token, password, access key).
bool IsCredentialOption(std::string_view key);

}  // namespace ofs::populate
