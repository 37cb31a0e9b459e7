#pragma once
// A load of a Delta table into a feature group (docs/ingestion.md, "Bulk loads from Delta tables"): what
// is asked (LoadSpec), and what it resolves to before any row is read (PreparedLoad: the table's
// snapshot, the column plan, the data files to load).
//
// Versions: without fromVersion, every data file of the snapshot at toVersion (default: the latest) is
// loaded. With fromVersion, only the data files present at toVersion that were not present at
// fromVersion: the rows added after fromVersion (a file rewritten later, e.g. by a compaction, counts as
// new and is loaded again; its cells carry the same values, so that costs time, not correctness). Rows
// deleted from the table are not deleted from the store: an online store keeps the last value written.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "delta/delta_table.h"
#include "populate/delta_load.h"

namespace ofs::populate {

struct LoadSpec {
  std::string table_path;                                            // local path or URL (file://, s3://)
  std::vector<std::pair<std::string, std::string>> storage_options;  // object_store keys (aws_endpoint, ...)
  std::string group_name;
  std::optional<int64_t> group_version;  // default: the group's latest version
  std::optional<int64_t> from_version;
  std::optional<int64_t> to_version;
  std::map<std::string, std::string> columns;  // Delta column -> feature column; empty: by name
  size_t batch_rows = 8192;
};

struct PreparedLoad {
  std::shared_ptr<delta::DeltaTable> table;  // the snapshot at toVersion
  std::unique_ptr<delta::DeltaScan> scan;
  LoadPlan plan;
  std::vector<size_t> files;     // indices into scan->files() to load
  int64_t records_estimate = 0;  // the files' record counts from the log (-1 when a file has none)
};

// Resolves `spec` against `snapshot` (which must outlive the result: the plan points into it). Errors:
// FEATURE-GROUP-NOT-FOUND / VERSION-NOT-FOUND, FEATURE-GROUP-STATE for an archived group, the table's
// (delta_table.h) and the plan's (LoadPlan::Build); fromVersion > toVersion is INVALID-REQUEST.
Result<PreparedLoad> PrepareLoad(const LoadSpec& spec, const catalog::Snapshot& snapshot);

}  // namespace ofs::populate
