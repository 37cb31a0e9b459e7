// ofs_delta_load: S6, the bulk load of a Delta table (PERFORMANCE.md; bench/README.md, "S6"), one mode per
// process, one JSON line on stdout:
//
//   --mode kernel   the reference: every data file of the table read through delta-kernel-rs (the C ABI of
//                   native/delta, the reader the populator uses) into Arrow batches, rows counted, nothing
//                   converted or written
//   --mode write    the storage write limit: the store writes of this very load — the rows the product
//                   converts from the table (captured first, not timed), in its batches of --batch-rows,
//                   with its sync per data file — replayed into a fresh store opened as `ofs standalone`
//                   opens it: RocksStore::Write in a tight loop
//   --mode ofs      the product: bench_user / bench_fg created through the admin routes in a fresh data
//                   directory, a load job recorded in its metadata store, and one LoadWorker (the code
//                   `ofs standalone` and `ofs populate` run) claiming and loading until the job ends;
//                   then a sample of keys read back
//
//   ofs_delta_load --mode kernel|write|ofs --table PATH --work-dir DIR [--batch-rows 8192]
//
// The table (bench/run.py writes it with delta-rs) has the columns id, f0..f9 of the dataset's types.

#include <sys/prctl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "admin/admin.h"
#include "api/auth.h"
#include "api/endpoint.h"
#include "base/clock.h"
#include "bench/dataset.h"
#include "bench/in_process.h"
#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "delta/delta_table.h"
#include "ingest/countdown.h"
#include "metrics/metrics.h"
#include "populate/load_request.h"
#include "populate/load_worker.h"
#include "storage/rocksdb/rocks_store.h"
#include "storage/testing/forwarding_store.h"

namespace ofs::bench {
namespace {

struct Options {
  std::string mode;
  std::string table;
  std::string work_dir;
  size_t batch_rows = 8192;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(
      stderr,
      "ofs_delta_load: %s\nusage: ofs_delta_load --mode kernel|write|ofs --table PATH --work-dir DIR "
      "[--batch-rows N]\n",
      why);
  std::exit(64);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) Usage("missing value");
    const char* v = argv[++i];
    if (flag == "--mode") {
      o.mode = v;
    } else if (flag == "--table") {
      o.table = v;
    } else if (flag == "--work-dir") {
      o.work_dir = v;
    } else if (flag == "--batch-rows") {
      o.batch_rows = static_cast<size_t>(std::max(1L, std::strtol(v, nullptr, 10)));
    } else {
      Usage("unknown flag");
    }
  }
  if (o.mode != "kernel" && o.mode != "write" && o.mode != "ofs") Usage("--mode kernel|write|ofs");
  if (o.table.empty() || o.work_dir.empty()) Usage("--table and --work-dir are required");
  return o;
}

int PrintError(const std::string& mode, const std::string& why) {
  std::string escaped;
  for (char ch : why) {
    if (ch == '"' || ch == '\\') escaped.push_back('\\');
    escaped.push_back(static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch);
  }
  std::printf("{\"ok\":false,\"mode\":\"%s\",\"error\":\"%s\"}\n", mode.c_str(), escaped.c_str());
  return 1;
}

int PrintResult(const std::string& mode, int64_t rows, double seconds, const std::string& extra = "") {
  std::printf("{\"ok\":true,\"mode\":\"%s\",\"rows\":%lld,\"seconds\":%.4f,\"rows_per_s\":%.1f%s}\n",
              mode.c_str(), static_cast<long long>(rows), seconds,
              seconds > 0 ? static_cast<double>(rows) / seconds : 0.0, extra.c_str());
  return 0;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::vector<std::string> TableColumns() {
  std::vector<std::string> columns{kKeyColumn};
  for (size_t c = 0; c < 10; ++c) columns.push_back(FeatureName(c));
  return columns;
}

// bench_user and bench_fg (dataset.h, 10 features) through the admin routes, in the catalog.
Status CreateSchema(catalog::MetadataStore* metadata, catalog::Catalog* catalog,
                    storage::OnlineStore* store) {
  metrics::Registry registry;
  api::Authenticator auth;
  api::Endpoint endpoint(&auth, &registry, "admin");
  admin::RegisterAdminRoutes(endpoint, admin::AdminDeps{metadata, catalog, store, SystemClock::Default()});
  for (const auto& [path, body] :
       {std::pair{"/v1/entity", SchemaEntityJson()}, std::pair{"/v1/feature-group", SchemaGroupJson(10)}}) {
    auto [status, answer] = CallAdmin(endpoint, path, body);
    if (status != 200) return Status(ErrorCode::kInternal, std::string("POST ") + path + ": " + answer);
  }
  return catalog->Refresh(true);
}

// A fresh data directory as the `ofs` modes need it: metadata store, store and catalog with bench_fg.
struct Fresh {
  std::unique_ptr<catalog::SqliteMetadataStore> metadata;
  std::unique_ptr<storage::RocksStore> store;
  std::unique_ptr<catalog::Catalog> catalog;
};

Result<Fresh> OpenFresh(const std::filesystem::path& dir) {
  Fresh fresh;
  OFS_ASSIGN_OR_RETURN(fresh.metadata,
                       catalog::SqliteMetadataStore::Open((dir / "metadata.sqlite").string()));
  OFS_ASSIGN_OR_RETURN(fresh.store, OpenServerStore(dir));
  fresh.catalog = std::make_unique<catalog::Catalog>(fresh.metadata.get());
  OFS_RETURN_IF_ERROR(CreateSchema(fresh.metadata.get(), fresh.catalog.get(), fresh.store.get()));
  return fresh;
}

int RunKernel(const Options& o) {
  const auto start = std::chrono::steady_clock::now();
  delta::OpenOptions options;
  options.batch_rows = o.batch_rows;
  auto table = delta::DeltaTable::Open(o.table, options);
  if (!table.ok()) return PrintError(o.mode, table.status().ToString());
  auto scan = (*table)->Scan(TableColumns());
  if (!scan.ok()) return PrintError(o.mode, scan.status().ToString());
  int64_t rows = 0;
  for (size_t i = 0; i < (*scan)->files().size(); ++i) {
    Status read = (*scan)->ReadFile(i, [&](const delta::ArrowBatch& batch) {
      rows += batch.rows();
      return Status::Ok();
    });
    if (!read.ok()) return PrintError(o.mode, read.ToString());
  }
  return PrintResult(o.mode, rows, Seconds(start), ",\"files\":" + std::to_string((*scan)->files().size()));
}

// A store that keeps what a load writes instead of writing it: every row's key and cells, batch by batch,
// and where the load synced. Replaying it into a real store is the storage write limit of exactly that
// load (the same rows, values, batches and syncs), without the Delta read and the conversion.
class CapturingStore : public storage::testing::ForwardingStore {
 public:
  explicit CapturingStore(storage::OnlineStore* inner) : ForwardingStore(inner) {}

  void Write(const storage::WriteRequest& req, storage::Completion done) override {
    Batch batch{std::string(req.tenant), req.table, req.write_time_micros, rows_.size()};
    for (const storage::WriteRow& row : req.rows) {
      Row captured{cells_.size(), row.cells.size(), spans_.size(), row.key.size()};
      for (std::string_view part : row.key) spans_.push_back(Keep(part));
      for (const storage::Cell& cell : row.cells) cells_.push_back({cell.column_id, Keep(cell.value)});
      rows_.push_back(captured);
    }
    batch.row_end = rows_.size();
    steps_.push_back(std::move(batch));
    done(Status::Ok());
  }
  void SyncWrites(storage::Completion done, storage::SyncStart) override {
    steps_.push_back(Batch{});  // a sync: no table
    done(Status::Ok());
  }

  // Writes everything captured into `store` (durability as the load asked: applied, then a sync where
  // it synced). Returns the rows written.
  Result<int64_t> Replay(storage::OnlineStore& store) const {
    std::vector<std::string_view> keys;
    std::vector<storage::Cell> cells;
    std::vector<storage::WriteRow> rows;
    int64_t written = 0;
    for (const Batch& batch : steps_) {
      if (batch.table == nullptr) {
        ingest::Countdown synced(1);
        store.SyncWrites([&](Status s) { synced.Arrive(std::move(s)); }, storage::SyncStart::kNow);
        OFS_RETURN_IF_ERROR(synced.Wait());
        continue;
      }
      keys.clear();
      cells.clear();
      rows.clear();
      for (size_t r = batch.row_begin; r < batch.row_end; ++r) {
        for (size_t k = 0; k < rows_[r].key_parts; ++k) keys.push_back(View(spans_[rows_[r].key_begin + k]));
        for (size_t c = 0; c < rows_[r].cell_count; ++c) {
          const auto& [column, span] = cells_[rows_[r].cell_begin + c];
          cells.push_back(storage::Cell{column, View(span)});
        }
      }
      size_t key_at = 0, cell_at = 0;
      for (size_t r = batch.row_begin; r < batch.row_end; ++r) {
        rows.push_back(
            storage::WriteRow{std::span<const std::string_view>(keys.data() + key_at, rows_[r].key_parts),
                              std::span<const storage::Cell>(cells.data() + cell_at, rows_[r].cell_count)});
        key_at += rows_[r].key_parts;
        cell_at += rows_[r].cell_count;
      }
      storage::WriteRequest request{batch.tenant, batch.table, batch.write_time, rows,
                                    storage::Durability::kApplied};
      ingest::Countdown done(1);
      store.Write(request, [&](Status s) { done.Arrive(std::move(s)); });
      OFS_RETURN_IF_ERROR(done.Wait());
      written += static_cast<int64_t>(rows.size());
    }
    return written;
  }

 private:
  struct Batch {
    std::string tenant;
    const model::TableSpec* table = nullptr;  // nullptr: a sync
    int64_t write_time = 0;
    size_t row_begin = 0, row_end = 0;
  };
  struct Row {
    size_t cell_begin, cell_count, key_begin, key_parts;
  };
  using Span = std::pair<size_t, size_t>;  // offset, size into bytes_

  Span Keep(std::string_view bytes) {
    const size_t at = bytes_.size();
    bytes_.append(bytes);
    return {at, bytes.size()};
  }
  std::string_view View(Span span) const { return std::string_view(bytes_).substr(span.first, span.second); }

  std::string bytes_;
  std::vector<Span> spans_;                       // key parts
  std::vector<std::pair<uint32_t, Span>> cells_;  // (column id, value)
  std::vector<Row> rows_;
  std::vector<Batch> steps_;
};

// The storage write limit: the load's own store writes (captured from the product's conversion, not timed)
// replayed into a fresh store.
int RunWrite(const Options& o, const std::filesystem::path& dir) {
  auto fresh = OpenFresh(dir);
  if (!fresh.ok()) return PrintError(o.mode, fresh.status().ToString());
  populate::LoadSpec spec;
  spec.table_path = o.table;
  spec.group_name = kGroup;
  spec.batch_rows = o.batch_rows;
  std::shared_ptr<const catalog::Snapshot> snapshot = fresh->catalog->CurrentShared();
  auto load = populate::PrepareLoad(spec, *snapshot);
  if (!load.ok()) return PrintError(o.mode, load.status().ToString());
  CapturingStore capture(fresh->store.get());
  populate::LoadOptions options{.write_time_micros = 1'000'000};
  for (size_t index : load->files) {
    auto outcome = populate::LoadFile(*load->scan, index, load->plan, capture, options);
    if (!outcome.ok()) return PrintError(o.mode, outcome.status().ToString());
  }
  const auto start = std::chrono::steady_clock::now();
  auto written = capture.Replay(*fresh->store);
  if (!written.ok()) return PrintError(o.mode, written.status().ToString());
  return PrintResult(o.mode, *written, Seconds(start));
}

int RunOfs(const Options& o, const std::filesystem::path& dir) {
  auto fresh = OpenFresh(dir);
  if (!fresh.ok()) return PrintError(o.mode, fresh.status().ToString());
  auto& metadata = fresh->metadata;
  auto& store = fresh->store;
  catalog::Catalog& catalog = *fresh->catalog;
  populate::LoadRequest request;
  request.table_path = o.table;
  request.group_name = kGroup;
  model::LoadJob job;
  job.request = populate::EncodeLoadRequest(request);
  job.group_name = kGroup;
  job.group_version = "v1";
  job.table_path = o.table;
  job.run_id = "s6";
  job.write_time_ms = SystemClock::Default()->NowMillis();
  job.created_at = job.write_time_ms;
  auto created = metadata->CreateLoadJob(job);
  if (!created.ok()) return PrintError(o.mode, created.status().ToString());

  metrics::Registry registry;
  populate::LoadWorkerOptions options;
  options.name = "s6";
  options.batch_rows = o.batch_rows;
  populate::LoadWorker worker(metadata.get(), &catalog, store.get(), SystemClock::Default(), options,
                              &registry);
  const auto start = std::chrono::steady_clock::now();
  model::LoadJob state;
  while (true) {
    const bool worked = worker.RunOnce();
    auto current = metadata->GetLoadJob(created->id);
    if (!current.ok()) return PrintError(o.mode, current.status().ToString());
    state = *current;
    if (state.state == model::kLoadSucceeded || state.state == model::kLoadFailed) break;
    if (!worked)
      return PrintError(o.mode, "the worker found no work in a job that had not ended: " + state.error);
  }
  const double seconds = Seconds(start);
  if (state.state != model::kLoadSucceeded) return PrintError(o.mode, "the job failed: " + state.error);

  // A sample read back: every key of the table must be there.
  const catalog::GroupEntry* group = catalog.Current()->FindGroup(kGroup, std::nullopt);
  std::vector<uint32_t> column_ids;
  for (const auto& column : group->columns) {
    if (column.is_group_column) column_ids.push_back(column.id);
  }
  Rng rng(7);
  std::vector<char> key_bytes(1000 * 8);
  std::vector<std::string_view> keys;
  for (size_t i = 0; i < 1000; ++i) {
    EncodeBigint(rng.Below(static_cast<uint64_t>(state.rows_loaded)), &key_bytes[i * 8]);
    keys.emplace_back(key_bytes.data() + i * 8, 8);
  }
  storage::RowSet found;
  Status read;
  store->MultiGet(storage::ReadRequest{group->meta.tenant.read, &group->entity->table, keys, column_ids},
                  &found, [&](Status s) { read = std::move(s); });
  if (!read.ok()) return PrintError(o.mode, read.ToString());
  size_t present = 0;
  for (size_t i = 0; i < keys.size(); ++i) present += found.found(i) ? 1 : 0;
  if (present != keys.size()) {
    return PrintError(o.mode, std::to_string(keys.size() - present) + " of 1000 sampled keys are missing");
  }
  return PrintResult(o.mode, state.rows_loaded, seconds,
                     ",\"rows_failed\":" + std::to_string(state.rows_failed) +
                         ",\"files\":" + std::to_string(state.files_total) + ",\"sampled_found\":1000");
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  // As `ofs populate` runs (apps/ofs/populate_command.cc: no transparent huge pages for a loading process).
  prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  if (o.mode == "kernel") return RunKernel(o);
  const std::filesystem::path dir(o.work_dir);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return PrintError(o.mode, "cannot create " + dir.string() + ": " + ec.message());
  return o.mode == "write" ? RunWrite(o, dir) : RunOfs(o, dir);
}

}  // namespace
}  // namespace ofs::bench

int main(int argc, char** argv) { return ofs::bench::Main(argc, argv); }
