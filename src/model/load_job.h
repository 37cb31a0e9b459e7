#pragma once
// Bulk load jobs (POST /v1/load; docs/ingestion.md, "Load jobs"): what the metadata store keeps of a job
// and of each of its data files, and the work a worker claims.

#include <cstdint>
#include <optional>
#include <string>

namespace ofs::model {

inline constexpr std::string_view kLoadQueued = "QUEUED";
inline constexpr std::string_view kLoadRunning = "RUNNING";
inline constexpr std::string_view kLoadSucceeded = "SUCCEEDED";
inline constexpr std::string_view kLoadFailed = "FAILED";

struct LoadJob {
  int64_t id = 0;
  std::string request;  // the parameters as JSON (populate/load_request.h): table, columns, versions, ...
  std::string group_name;
  std::string group_version;  // "v1", ... (resolved when the job is created)
  std::string table_path;
  std::string run_id;
  int64_t write_time_ms = 0;  // every cell's write time: loading a file again changes nothing
  std::string state = std::string(kLoadQueued);
  int64_t table_version = -1;  // the table version loaded; -1 until planned
  int64_t files_total = 0;
  int64_t files_done = 0;
  int64_t rows_total = -1;  // from the data files' stats; -1 unknown
  int64_t rows_loaded = 0;
  int64_t rows_failed = 0;
  std::string error;         // why the job failed, or the last retried failure while it runs
  std::string error_sample;  // the first failed row's reason
  int64_t created_at = 0;
  int64_t started_at = 0;  // 0 until planned
  int64_t updated_at = 0;
  int64_t finished_at = 0;  // 0 until SUCCEEDED or FAILED
};

struct LoadFileEntry {
  std::string path;      // as the table's log names it
  int64_t records = -1;  // from its stats; -1 unknown
};

// Work a worker holds until `lease_until` (epoch ms), renewable: planning a queued job (file_no < 0) or
// loading one data file of a running job.
struct LoadClaim {
  LoadJob job;
  int64_t file_no = -1;
  std::string path;
  int64_t attempt = 1;  // 1 for the first try
};

}  // namespace ofs::model
