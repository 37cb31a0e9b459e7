#include "populate/delta_load.h"

#include <span>
#include <string_view>
#include <utility>

#include "base/strings.h"
#include "ingest/countdown.h"

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
  // Views, rebuilt per batch.
  std::vector<std::string_view> keys;
  std::vector<storage::Cell> cells;
  std::vector<storage::WriteRow> rows;

  void Clear() {
    bytes.clear();
    key_spans.clear();
    cell_spans.clear();
    row_cells.clear();
  }
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

  auto fail_row = [&](int64_t row, std::string_view column, std::string_view why) {
    ++outcome.rows_failed;
    if (outcome.error_samples.size() < options.max_error_samples) {
      outcome.error_samples.push_back("file " + scan.files()[index].path + ", row " +
                                      std::to_string(row_base + row) + ", column " + std::string(column) +
                                      ": " + std::string(why));
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
  ingest::Countdown synced(1);
  store.SyncWrites([&synced](Status s) { synced.Arrive(std::move(s)); }, storage::SyncStart::kNow);
  OFS_RETURN_IF_ERROR(synced.Wait());
  return outcome;
}

}  // namespace ofs::populate
