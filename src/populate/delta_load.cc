#include "populate/delta_load.h"

#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "base/strings.h"
#include "codec/json_writer.h"
#include "codec/value_codec.h"
#include "ingest/countdown.h"
#include "ingest/record.h"

namespace ofs::populate {

Result<LoadPlan> LoadPlan::Build(const std::vector<delta::ArrowField>& table_columns,
                                 const catalog::GroupEntry& group,
                                 const std::map<std::string, std::string>& mapping) {
  LoadPlan plan;
  plan.group_ = &group;
  std::vector<std::string> problems;
  std::vector<bool> key_given(group.entity->table.key_columns.size(), false);
  auto add = [&](const delta::ArrowField& field, const catalog::ResolvedColumn* column) {
    for (const LoadColumn& taken : plan.columns_) {
      if (taken.column == column) {
        problems.push_back("columns " + taken.delta_name + " and " + field.name + " both feed " +
                           column->name);
        return;
      }
      if (taken.delta_name == field.name) {
        problems.push_back("column " + field.name + " is mapped twice");
        return;
      }
    }
    Result<delta::ValueConverter> converter = delta::ValueConverter::For(field, column->type);
    if (!converter.ok()) {
      problems.emplace_back(converter.status().message());
      return;
    }
    if (column->key_index >= 0) key_given[static_cast<size_t>(column->key_index)] = true;
    plan.columns_.push_back(LoadColumn{field.name, column, *converter});
  };
  auto find_field = [&](std::string_view name) -> const delta::ArrowField* {
    for (const delta::ArrowField& field : table_columns) {
      if (EqualsIgnoreCase(field.name, name)) return &field;
    }
    return nullptr;
  };
  const std::string group_name = group.meta.feature_group.feature_group_name;
  if (mapping.empty()) {
    for (const delta::ArrowField& field : table_columns) {
      const catalog::ResolvedColumn* column = group.Find(field.name);
      if (column == nullptr) {
        problems.push_back("column " + field.name + " of the table is not a column of feature group " +
                           group_name + " (map the columns to load with \"columns\")");
        continue;
      }
      add(field, column);
    }
  } else {
    for (const auto& [delta_name, feature_name] : mapping) {
      const delta::ArrowField* field = find_field(delta_name);
      const catalog::ResolvedColumn* column = group.Find(feature_name);
      if (field == nullptr) problems.push_back("the table has no column " + delta_name);
      if (column == nullptr)
        problems.push_back("feature group " + group_name + " has no column " + feature_name);
      if (field != nullptr && column != nullptr) add(*field, column);
    }
  }
  for (size_t i = 0; i < key_given.size(); ++i) {
    if (!key_given[i]) {
      problems.push_back("the entity's key column " + group.entity->table.key_columns[i].name +
                         " is not among the columns loaded");
    }
  }
  if (!problems.empty()) {
    std::string message = "the Delta table does not match feature group " + group_name + ": ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return Status(ErrorCode::kInvalidRequest, std::move(message));
  }
  return plan;
}

std::vector<std::string> LoadPlan::DeltaColumnNames() const {
  std::vector<std::string> names;
  names.reserve(columns_.size());
  for (const LoadColumn& c : columns_) names.push_back(c.delta_name);
  return names;
}

namespace {

// The rows of one batch as spans into one byte buffer (views are made once the buffer stops growing).
struct BatchRows {
  std::string bytes;
  std::vector<uint32_t> key_spans;   // per row: `width` (offset, size) pairs
  std::vector<uint32_t> cell_spans;  // per cell: (column id, offset, size)
  std::vector<uint32_t> row_cells;   // per row: index of its first cell triple
  std::vector<int64_t> row_numbers;  // per row: its number in the batch (for a failure's reason)
  // Views, rebuilt per batch.
  std::vector<std::string_view> keys;
  std::vector<storage::Cell> cells;
  std::vector<storage::WriteRow> rows;
  std::vector<ingest::Record> records;  // a KafkaTarget's

  void Clear() {
    bytes.clear();
    key_spans.clear();
    cell_spans.clear();
    row_cells.clear();
    row_numbers.clear();
  }
};

// Turns a batch's rows into v2 records for a KafkaTarget: {"<key column>": value, ..., "<column>": value}
// in each value's JSON read form (codec::WriteValueJson), which the consumer converts back to the same
// bytes (a BLOB's base64 is decoded once, as for Darwin's producers).
class RecordBuilder {
 public:
  RecordBuilder(const LoadPlan& plan, const KafkaTarget& target, const LoadOptions& options)
      : target_(target), key_columns_(plan.group().entity->table.key_columns.size(), nullptr) {
    for (const LoadColumn& column : plan.columns()) {
      const catalog::ResolvedColumn* resolved = column.column;
      if (resolved->key_index >= 0) {
        key_columns_[static_cast<size_t>(resolved->key_index)] = resolved;
      } else {
        if (by_id_.size() <= resolved->id) by_id_.resize(resolved->id + 1, nullptr);
        by_id_[resolved->id] = resolved;
      }
    }
    const catalog::GroupEntry& group = plan.group();
    headers_ = {{std::string(ingest::kSdkVersionHeader), "v2"},
                {std::string(ingest::kGroupNameHeader), group.meta.name},
                {std::string(ingest::kGroupVersionHeader), group.meta.version},
                {std::string(ingest::kRunIdHeader), target.run_id},
                {std::string(ingest::kReplicatedWritesHeader), options.replicate ? "true" : "false"},
                {std::string(ingest::kWriteTimeHeader), std::to_string(options.write_time_micros)}};
    timestamp_ms_ = options.write_time_micros / 1000;
  }

  // The record of a row (its key values, in key order, and its cells); false when it is over the limit.
  bool Build(std::span<const std::string_view> keys, std::span<const storage::Cell> cells,
             ingest::Record* record) const {
    record->value.clear();
    codec::JsonWriter out(&record->value);
    out.StartObject();
    for (size_t k = 0; k < keys.size(); ++k) {
      out.Key(key_columns_[k]->name);
      codec::WriteValueJson(key_columns_[k]->type, keys[k], &out);
    }
    for (const storage::Cell& cell : cells) {
      const catalog::ResolvedColumn* column = by_id_[cell.column_id];
      out.Key(column->name);
      codec::WriteValueJson(column->type, cell.value, &out);
    }
    out.EndObject();
    if (record->value.size() > target_.max_record_bytes) return false;
    record->key.assign(keys[0]);  // the partition key: a key's updates stay in order on one partition
    record->headers = headers_;
    record->timestamp_ms = timestamp_ms_;
    return true;
  }

 private:
  const KafkaTarget& target_;
  std::vector<const catalog::ResolvedColumn*> key_columns_;  // by key index
  std::vector<const catalog::ResolvedColumn*> by_id_;        // value columns by storage id
  std::vector<ingest::Header> headers_;
  int64_t timestamp_ms_ = 0;
};

// A file's batches of records in flight to a KafkaTarget, at most kMaxInFlight batches and about
// kMaxInFlightRecords records (a larger batch goes alone): the next batch is read and converted while Kafka
// acknowledges the earlier ones (one batch at a time took 143k rows/s, bench/kafka_load.py), and the
// producer's queue, which write-async shares, keeps room. A failure of the sink (the broker unreachable or
// slow, the queue full) is retryable: the file is given back and loaded again later. The sink's completions
// point into batches_, so every one is waited for before this is destroyed.
class ProducesInFlight {
 public:
  static constexpr size_t kMaxInFlight = 4;
  static constexpr int64_t kMaxInFlightRecords = 100'000;

  explicit ProducesInFlight(const KafkaTarget& target) : target_(target) {}
  ~ProducesInFlight() { Drain(0, 0, nullptr).IgnoreError(); }
  ProducesInFlight(const ProducesInFlight&) = delete;
  ProducesInFlight& operator=(const ProducesInFlight&) = delete;

  // Sends `records` once there is room for them; *acknowledged gains the rows of the batches acknowledged
  // meanwhile. Errors: the first failed batch's.
  Status Send(std::vector<ingest::Record> records, int64_t* acknowledged) {
    const auto rows = static_cast<int64_t>(records.size());
    OFS_RETURN_IF_ERROR(Drain(kMaxInFlight - 1, kMaxInFlightRecords - rows, acknowledged));
    Batch* batch = batches_.emplace_back(std::make_unique<Batch>(rows)).get();
    in_flight_ += rows;
    target_.sink->Produce(target_.topic, std::move(records),
                          [batch](Status status) { batch->done.Arrive(std::move(status)); });
    return Status::Ok();
  }

  // Waits (the oldest first) until at most `keep_batches` batches and `keep_records` records are in flight,
  // adding the rows of the acknowledged ones to *acknowledged (when given). Errors: the first failed batch's.
  Status Drain(size_t keep_batches, int64_t keep_records, int64_t* acknowledged) {
    Status first_error;
    while (!batches_.empty() && (batches_.size() > keep_batches || in_flight_ > keep_records)) {
      Status status = batches_.front()->done.Wait();
      if (!status.ok()) {
        if (first_error.ok()) first_error = Status(std::move(status)).MarkRetryable();
      } else if (acknowledged != nullptr) {
        *acknowledged += batches_.front()->rows;
      }
      in_flight_ -= batches_.front()->rows;
      batches_.pop_front();
    }
    return first_error;
  }

 private:
  struct Batch {
    explicit Batch(int64_t n) : rows(n) {}
    int64_t rows;
    ingest::Countdown done{1};
  };
  const KafkaTarget& target_;
  std::deque<std::unique_ptr<Batch>> batches_;
  int64_t in_flight_ = 0;  // records of batches_
};

}  // namespace

Result<FileOutcome> LoadFile(const delta::DeltaScan& scan, size_t index, const LoadPlan& plan,
                             storage::OnlineStore& store, const LoadOptions& options,
                             const std::function<bool(int64_t rows)>& progress) {
  const catalog::GroupEntry& group = plan.group();
  const size_t width = group.entity->table.key_columns.size();
  const std::vector<LoadColumn>& columns = plan.columns();
  const model::TenantConfig& tenant = group.meta.tenant;
  const bool dual = options.replicate && tenant.read != tenant.write;
  FileOutcome outcome;
  BatchRows rows;
  std::string reason;
  int64_t row_base = 0;  // the file's row number of the batch's first row
  std::optional<RecordBuilder> records;
  std::optional<ProducesInFlight> in_flight;
  if (options.kafka != nullptr) {
    records.emplace(plan, *options.kafka, options);
    in_flight.emplace(*options.kafka);
  }

  auto fail_row = [&](int64_t row, std::string_view column, std::string_view why) {
    ++outcome.rows_failed;
    if (outcome.error_samples.size() < options.max_error_samples) {
      outcome.error_samples.push_back(
          "file " + scan.files()[index].path + ", row " + std::to_string(row_base + row) +
          (column.empty() ? "" : ", column " + std::string(column)) + ": " + std::string(why));
    }
  };

  Status read = scan.ReadFile(index, [&](const delta::ArrowBatch& batch) -> Status {
    rows.Clear();
    const int64_t count = batch.rows();
    for (int64_t r = 0; r < count; ++r) {
      const size_t bytes_mark = rows.bytes.size();
      const size_t keys_mark = rows.key_spans.size();
      const size_t cells_mark = rows.cell_spans.size();
      rows.key_spans.resize(keys_mark + 2 * width, 0);
      bool ok = true;
      for (size_t c = 0; c < columns.size() && ok; ++c) {
        const LoadColumn& column = columns[c];
        const delta::ArrowColumn arrow = batch.column(c);
        const bool key = column.column->key_index >= 0;
        if (arrow.IsNull(r)) {
          if (key) {
            fail_row(r, column.delta_name, "a key column is null");
            ok = false;
          }
          continue;  // a null feature: the cell is not written
        }
        const size_t start = rows.bytes.size();
        if (!column.converter.Append(arrow, r, &rows.bytes, &reason)) {
          fail_row(r, column.delta_name, reason);
          ok = false;
          continue;
        }
        const auto size = static_cast<uint32_t>(rows.bytes.size() - start);
        if (key) {
          const size_t at = keys_mark + 2 * static_cast<size_t>(column.column->key_index);
          rows.key_spans[at] = static_cast<uint32_t>(start);
          rows.key_spans[at + 1] = size;
        } else {
          rows.cell_spans.insert(rows.cell_spans.end(),
                                 {column.column->id, static_cast<uint32_t>(start), size});
        }
      }
      if (!ok) {  // drop what the row added
        rows.bytes.resize(bytes_mark);
        rows.key_spans.resize(keys_mark);
        rows.cell_spans.resize(cells_mark);
        continue;
      }
      rows.row_cells.push_back(static_cast<uint32_t>(cells_mark / 3));
      rows.row_numbers.push_back(r);
    }
    const size_t row_count = rows.row_cells.size();
    if (row_count > 0) {
      const std::string_view bytes(rows.bytes);
      rows.keys.clear();
      rows.cells.clear();
      rows.rows.clear();
      for (size_t i = 0; i < rows.key_spans.size(); i += 2) {
        rows.keys.push_back(bytes.substr(rows.key_spans[i], rows.key_spans[i + 1]));
      }
      for (size_t i = 0; i < rows.cell_spans.size(); i += 3) {
        rows.cells.push_back(
            storage::Cell{rows.cell_spans[i], bytes.substr(rows.cell_spans[i + 1], rows.cell_spans[i + 2])});
      }
      for (size_t r = 0; r < row_count; ++r) {
        const size_t first = rows.row_cells[r];
        const size_t end = r + 1 < row_count ? rows.row_cells[r + 1] : rows.cells.size();
        rows.rows.push_back(
            storage::WriteRow{std::span<const std::string_view>(rows.keys.data() + r * width, width),
                              std::span<const storage::Cell>(rows.cells.data() + first, end - first)});
      }
      if (records) {
        rows.records.resize(row_count);
        size_t produced = 0;
        for (size_t r = 0; r < row_count; ++r) {
          if (!records->Build(rows.rows[r].key, rows.rows[r].cells, &rows.records[produced])) {
            fail_row(rows.row_numbers[r], "",
                     std::to_string(rows.records[produced].value.size()) +
                         " bytes as a record, over ingest.max_record_bytes (" +
                         std::to_string(options.kafka->max_record_bytes) + ")");
            continue;
          }
          ++produced;
        }
        rows.records.resize(produced);
        if (produced > 0) {
          // The sink takes the records; their buffers are rebuilt for the next batch.
          OFS_RETURN_IF_ERROR(in_flight->Send(std::move(rows.records), &outcome.rows_loaded));
          rows.records.clear();
        }
        row_base += count;
        if (progress && !progress(count)) return Status(ErrorCode::kInternal, "the load was stopped");
        return Status::Ok();
      }
      storage::WriteRequest request{tenant.write, &group.entity->table, options.write_time_micros, rows.rows,
                                    storage::Durability::kApplied};
      ingest::Countdown written(dual ? 2 : 1);
      store.Write(request, [&written](Status s) { written.Arrive(std::move(s)); });
      if (dual) {
        storage::WriteRequest read_tenant = request;
        read_tenant.tenant = tenant.read;
        store.Write(read_tenant, [&written](Status s) { written.Arrive(std::move(s)); });
      }
      OFS_RETURN_IF_ERROR(written.Wait());
      outcome.rows_loaded += static_cast<int64_t>(row_count);
    }
    row_base += count;
    if (progress && !progress(count)) return Status(ErrorCode::kInternal, "the load was stopped");
    return Status::Ok();
  });
  OFS_RETURN_IF_ERROR(read);
  if (in_flight) {  // done once every record is acknowledged (acks=all): nothing to sync here
    OFS_RETURN_IF_ERROR(in_flight->Drain(0, 0, &outcome.rows_loaded));
    return outcome;
  }
  ingest::Countdown synced(1);
  store.SyncWrites([&synced](Status s) { synced.Arrive(std::move(s)); }, storage::SyncStart::kNow);
  OFS_RETURN_IF_ERROR(synced.Wait());
  return outcome;
}

}  // namespace ofs::populate
