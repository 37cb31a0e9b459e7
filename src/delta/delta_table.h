#pragma once
// DeltaTable / DeltaScan: the one C++ owner of native/delta's C ABI (include/ofs_delta.h). A DeltaTable is
// one snapshot (version) of a Delta table read by delta-kernel-rs; a DeltaScan lists that snapshot's data
// files for a set of columns, and reads any one of them as Arrow batches (partition values filled, column
// mapping applied, rows of deletion vectors left out).
//
// Errors (Status): INVALID-REQUEST-EXCEPTION naming the table for a location, version or column that does
// not exist or a table or file the kernel cannot read; the same code marked retryable when the storage is
// unreachable or failed (an S3 outage: a load job pauses and retries it). Thread-safe: a table and a scan
// may be used from several threads (files read in parallel).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "delta/arrow_batch.h"

struct OfsDeltaTable;
struct OfsDeltaScan;

namespace ofs::delta {

struct OpenOptions {
  // object_store keys (aws_endpoint, aws_region, aws_access_key_id, aws_allow_http, ...), passed as is.
  std::vector<std::pair<std::string, std::string>> storage;
  int64_t version = -1;      // < 0: the latest
  size_t batch_rows = 8192;  // rows per Arrow batch, at most
};

struct DataFile {
  std::string path;  // as the log names it: relative to the table root, or a full URL
  int64_t size_bytes = 0;
  int64_t records = -1;  // from the file's stats; -1 unknown (includes rows a deletion vector hides)
  bool has_deletion_vector = false;
};

class DeltaScan;

class DeltaTable {
 public:
  // `location`: a local path or a URL (file://, s3://).
  static Result<std::shared_ptr<DeltaTable>> Open(const std::string& location, const OpenOptions& options);
  ~DeltaTable();
  DeltaTable(const DeltaTable&) = delete;
  DeltaTable& operator=(const DeltaTable&) = delete;

  const std::string& location() const { return location_; }
  int64_t version() const;
  // The logical columns, in the table's order.
  const std::vector<ArrowField>& columns() const { return columns_; }
  const ArrowField* FindColumn(std::string_view name) const;  // exact name; nullptr when absent

  // Lists the data files for reading `column_names` (empty: every column).
  Result<std::unique_ptr<DeltaScan>> Scan(const std::vector<std::string>& column_names) const;

 private:
  DeltaTable(std::string location, OfsDeltaTable* handle) : location_(std::move(location)), handle_(handle) {}
  std::string location_;
  OfsDeltaTable* handle_;
  std::vector<ArrowField> columns_;
};

class DeltaScan {
 public:
  ~DeltaScan();
  DeltaScan(const DeltaScan&) = delete;
  DeltaScan& operator=(const DeltaScan&) = delete;

  const std::vector<DataFile>& files() const { return files_; }
  // Calls `batch` with each batch of data file `index` in order (columns as asked, in that order), until
  // the file ends (OK), `batch` returns an error (returned), or a read fails (its status).
  Status ReadFile(size_t index, const std::function<Status(const ArrowBatch&)>& batch) const;

 private:
  friend class DeltaTable;
  DeltaScan(std::string location, OfsDeltaScan* handle) : location_(std::move(location)), handle_(handle) {}
  std::string location_;
  OfsDeltaScan* handle_;
  std::vector<DataFile> files_;
};

}  // namespace ofs::delta
