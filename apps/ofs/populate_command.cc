#include "populate_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>

#include "base/clock.h"
#include "command_support.h"
#include "populate/load_spec.h"

namespace ofs::app {

RolePlan PopulateRole() {
  return {.name = "populate",
          .description =
              "Run load jobs (POST /v1/load) with populate.workers workers over --metadata and --store, "
              "/health and /metrics on --port; or load one Delta table now: --table PATH|URL "
              "--feature-group NAME",
          .catalog_changed_elsewhere = true,
          .runs_loads = true,
          // It only writes: no row cache to keep on huge pages (role_consume.cc).
          .huge_pages = false};
}

void AddPopulateFlags(CLI::App* command, PopulateFlags* flags) {
  CLI::Option* table = command->add_option(
      "--table", flags->table, "Load this Delta table now: a local path, file://, or s3://BUCKET/PATH");
  command->add_option("--feature-group", flags->feature_group, "The feature group to load (with --table)")
      ->needs(table);
  table->needs("--feature-group");
  command->add_option("--feature-group-version", flags->feature_group_version,
                      "Its version (default: the latest)");
  command->add_option("--from-version", flags->from_version,
                      "Load only the data files added after this table version");
  command->add_option("--to-version", flags->to_version, "The table version to load (default: the latest)");
  command->add_option("--column", flags->columns,
                      "DELTA_COLUMN=FEATURE_COLUMN (repeatable; default: every column by its name)");
  command->add_option(
      "--storage-option", flags->storage_options,
      "KEY=VALUE for the object store (repeatable): aws_endpoint, aws_region, aws_access_key_id, "
      "aws_secret_access_key, aws_allow_http, ...");
  command
      ->add_option("--write-time-ms", flags->write_time_ms,
                   "The cells' write time (epoch ms; default: now). Loading again with the same time changes "
                   "nothing; a newer write wins over an older one")
      ->check(CLI::Range(int64_t{0}, INT64_MAX / 1000));
  command->add_flag("--replicate", flags->replicate, "Also write the group's read tenant");
  command->add_option("--run-id", flags->run_id, "The run record's id (default: populate-<time>)");
  command->add_option("--batch-rows", flags->batch_rows, "Rows per Arrow batch and store write")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  command->add_flag("!--no-progress", flags->progress_bar, "No progress bar (a line per file instead)");
}

namespace {

bool SplitPair(const std::string& text, std::pair<std::string, std::string>* out) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  *out = {text.substr(0, eq), text.substr(eq + 1)};
  return true;
}

// "[#####.....]  52% 5,200,000 / 10,000,000 rows, 1,234,567 rows/s, ETA 4 s" on one terminal line.
class ProgressLine {
 public:
  ProgressLine(bool bar, int64_t total)
      : bar_(bar), total_(total), start_(std::chrono::steady_clock::now()) {}
  void Add(int64_t rows) {
    done_ += rows;
    const auto now = std::chrono::steady_clock::now();
    if (!bar_ || now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    Print(false);
  }
  void FileDone(const std::string& path, int64_t loaded, int64_t failed) {
    if (bar_) return;
    std::fprintf(stderr, "ofs populate: %s: %lld rows loaded, %lld failed\n", path.c_str(),
                 static_cast<long long>(loaded), static_cast<long long>(failed));
  }
  void Finish() {
    if (bar_) Print(true);
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  double rate() const { return seconds() > 0 ? static_cast<double>(done_) / seconds() : 0; }

 private:
  void Print(bool last) {
    const double fraction =
        total_ > 0 ? std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_)) : 0;
    std::string bar(30, '.');
    for (size_t i = 0; i < static_cast<size_t>(fraction * 30); ++i) bar[i] = '#';
    const double eta = rate() > 0 && total_ > done_ ? static_cast<double>(total_ - done_) / rate() : 0;
    std::fprintf(stderr, "\r[%s] %3d%% %lld / %lld rows, %.0f rows/s, ETA %.0f s%s", bar.c_str(),
                 static_cast<int>(fraction * 100), static_cast<long long>(done_),
                 static_cast<long long>(total_), rate(), eta, last ? "\n" : "  ");
  }
  bool bar_;
  int64_t total_;
  int64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

int RunPopulate(Application& app, const PopulateFlags& flags) {
  populate::LoadSpec spec;
  spec.table_path = flags.table;
  spec.group_name = flags.feature_group;
  spec.group_version = flags.feature_group_version;
  spec.from_version = flags.from_version;
  spec.to_version = flags.to_version;
  spec.batch_rows = flags.batch_rows;
  for (const std::string& text : flags.columns) {
    std::pair<std::string, std::string> pair;
    if (!SplitPair(text, &pair)) {
      return CommandFailure("populate", "--column",
                            Status(ErrorCode::kInvalidRequest, "expected DELTA=FEATURE, got " + text), 2);
    }
    spec.columns.insert(std::move(pair));
  }
  for (const std::string& text : flags.storage_options) {
    std::pair<std::string, std::string> pair;
    if (!SplitPair(text, &pair)) {
      return CommandFailure("populate", "--storage-option",
                            Status(ErrorCode::kInvalidRequest, "expected KEY=VALUE, got " + text), 2);
    }
    spec.storage_options.push_back(std::move(pair));
  }
  const int64_t started_ms = SystemClock::Default()->NowMicros() / 1000;
  const int64_t write_time_ms = flags.write_time_ms.value_or(started_ms);
  populate::LoadOptions options{.write_time_micros = write_time_ms * 1000, .replicate = flags.replicate};

  std::shared_ptr<const catalog::Snapshot> snapshot = app.catalog()->CurrentShared();
  Result<populate::PreparedLoad> prepared = populate::PrepareLoad(spec, *snapshot);
  if (!prepared.ok()) return CommandFailure("populate", flags.table, prepared.status());
  const int64_t total = prepared->records_estimate;
  std::fprintf(stderr, "ofs populate: %s (version %lld) into %s: %zu data files, %s rows\n",
               flags.table.c_str(), static_cast<long long>(prepared->table->version()),
               flags.feature_group.c_str(), prepared->files.size(),
               total >= 0 ? std::to_string(total).c_str() : "unknown");
  ProgressLine progress(flags.progress_bar && isatty(STDERR_FILENO), total);
  int64_t loaded = 0;
  int64_t failed = 0;
  std::vector<std::string> samples;
  Status stopped;
  for (size_t index : prepared->files) {
    Result<populate::FileOutcome> outcome =
        populate::LoadFile(*prepared->scan, index, prepared->plan, *app.store(), options, [&](int64_t rows) {
          progress.Add(rows);
          return true;
        });
    if (!outcome.ok()) {
      stopped = outcome.status();
      break;
    }
    loaded += outcome->rows_loaded;
    failed += outcome->rows_failed;
    for (std::string& s : outcome->error_samples) {
      if (samples.size() < 5) samples.push_back(std::move(s));
    }
    progress.FileDone(prepared->scan->files()[index].path, outcome->rows_loaded, outcome->rows_failed);
  }
  progress.Finish();
  const double seconds = progress.seconds();

  model::RunRecord run;
  run.feature_group_name = prepared->plan.group().meta.name;
  run.feature_group_version = prepared->plan.group().meta.version;
  run.run_id = flags.run_id.empty() ? "populate-" + std::to_string(started_ms) : flags.run_id;
  run.time_taken = static_cast<int64_t>(seconds * 1000);
  run.count = loaded;
  run.status = !stopped.ok() ? "FAILED" : failed > 0 ? "PARTIAL" : "SUCCESS";
  run.error_message = !stopped.ok() ? std::string(stopped.message())
                      : failed > 0  ? std::to_string(failed) + " rows failed; first: " + samples.front()
                                    : "";
  run.created_at = SystemClock::Default()->NowMicros() / 1000;
  if (Status recorded = app.metadata()->AddRun(run); !recorded.ok()) {
    std::fprintf(stderr, "ofs populate: the run record was not saved: %s\n", recorded.ToString().c_str());
  }
  for (const std::string& s : samples) std::fprintf(stderr, "ofs populate: failed row: %s\n", s.c_str());
  std::fprintf(stderr, "ofs populate: %lld rows loaded, %lld failed in %.1f s (%.0f rows/s); run %s %s\n",
               static_cast<long long>(loaded), static_cast<long long>(failed), seconds,
               seconds > 0 ? static_cast<double>(loaded) / seconds : 0.0, run.run_id.c_str(),
               run.status.c_str());
  if (!stopped.ok()) return CommandFailure("populate", flags.table, stopped);
  return failed > 0 ? 3 : 0;
}

}  // namespace ofs::app
