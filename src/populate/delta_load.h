#pragma once
// Loading Delta data files into the OnlineStore (docs/ingestion.md, "Bulk loads from Delta tables"):
//
//   LoadPlan::Build(table columns, group, mapping)  which Delta column feeds which feature column, and
//                                                   how its Arrow type converts (delta/arrow_value.h);
//                                                   every mismatch found before any row is read
//   LoadFile(scan, index, plan, store, options)     one data file, batch by batch: rows converted straight
//                                                   from the Arrow buffers, one store write per batch,
//                                                   then one sync; OK once every row is durable. With
//                                                   options.kafka, each batch is produced instead as v2
//                                                   records to the group's topic (OK once Kafka has
//                                                   acknowledged every record; the consumers apply them)
//
// Idempotent: every cell of a load carries the load's write time, so loading a file again (a retry, a
// worker killed mid-file) writes the same cells at the same time and changes nothing in effect. A row
// whose key is null or a value does not convert is skipped and counted with a reason; a null feature
// value leaves that cell unwritten.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"
#include "delta/arrow_value.h"
#include "delta/delta_table.h"
#include "ingest/record_channel.h"
#include "storage/online_store.h"

namespace ofs::populate {

struct LoadColumn {
  std::string delta_name;  // the Delta column read
  const catalog::ResolvedColumn* column = nullptr;
  delta::ValueConverter converter;
};

class LoadPlan {
 public:
  // `mapping`: Delta column -> feature column (case-insensitive plain names). Empty: every Delta column
  // whose name is a column of the group (case-insensitive) is loaded, and a Delta column that is not is
  // an error (name it in a mapping to choose columns). Errors (INVALID-REQUEST-EXCEPTION, one message
  // naming every problem): a mapped column missing from the table or the group, an entity key column
  // the table does not provide, a type that does not convert.
  static Result<LoadPlan> Build(const std::vector<delta::ArrowField>& table_columns,
                                const catalog::GroupEntry& group,
                                const std::map<std::string, std::string>& mapping);

  const catalog::GroupEntry& group() const { return *group_; }
  const std::vector<LoadColumn>& columns() const { return columns_; }
  // The Delta columns to read, in the order of columns().
  std::vector<std::string> DeltaColumnNames() const;

 private:
  const catalog::GroupEntry* group_ = nullptr;
  std::vector<LoadColumn> columns_;
};

// A load into the group's consume-tenant topic (docs/ingestion.md, "Loads through Kafka"): each row one v2
// record as Darwin's populator produced it (headers sdk-version, feature-group-name/-version, run-id,
// replicated-writes) plus ofs-write-time, the load's write time, so a consumer applies it exactly as the
// direct path would have written it; keyed by the partition key's value.
struct KafkaTarget {
  ingest::RecordSink* sink = nullptr;
  std::string topic;
  std::string run_id;
  // A row whose record is larger fails with a reason (ingest.max_record_bytes).
  size_t max_record_bytes = 1 << 20;
};

struct LoadOptions {
  int64_t write_time_micros = 0;  // every cell's last-write-wins time (fixed per load: retries are no-ops)
  bool replicate = false;         // also write the group's read tenant when it differs from its write tenant
  size_t max_error_samples = 5;   // row failures kept with their reason
  const KafkaTarget* kafka = nullptr;  // set: rows go to this topic, not to `store`
};

struct FileOutcome {
  int64_t rows_loaded = 0;
  int64_t rows_failed = 0;
  std::vector<std::string> error_samples;  // "row N: column C: reason", the first few
};

// Loads data file `index` of `scan` (opened with plan.DeltaColumnNames()). Errors: the Delta read's
// (retryable when the storage failed), the store's (as the store reports them) or the sink's
// (STORE-UNAVAILABLE, OVERLOADED; always retryable); rows already written or produced stay so (a retry
// writes them again: idempotent). `progress(rows)` is called after each batch's write (with a KafkaTarget:
// once the batch is handed to the producer); when it returns false the load stops there with kInternal
// "the load was stopped". With a KafkaTarget, rows_loaded counts the rows Kafka acknowledged, not the rows
// the consumers applied (a record they dead-letter was still loaded here).
Result<FileOutcome> LoadFile(const delta::DeltaScan& scan, size_t index, const LoadPlan& plan,
                             storage::OnlineStore& store, const LoadOptions& options,
                             const std::function<bool(int64_t rows)>& progress = {});

}  // namespace ofs::populate
