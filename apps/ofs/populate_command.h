#pragma once
// `ofs populate`: without --table, a role that runs load jobs (POST /v1/load) with populate.workers workers
// until stopped (Application, RolePlan::runs_loads). With `--table PATH --feature-group NAME [...]`: a
// one-off load of a Delta table into a feature group (docs/ingestion.md, "Bulk loads from Delta tables"),
// no workers, over the stores the role flags name
// (--data-dir for the embedded ones while no server holds them, or --metadata URL --store URL), with a
// progress bar on a terminal (a line per file otherwise), and a run record (/feature-group/run-data) at
// the end.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "application.h"
#include "role.h"

namespace ofs::app {

struct PopulateFlags {
  std::string table;
  std::string feature_group;
  std::optional<int64_t> feature_group_version;
  std::optional<int64_t> from_version;
  std::optional<int64_t> to_version;
  std::vector<std::string> columns;          // DELTA_COLUMN=FEATURE_COLUMN
  std::vector<std::string> storage_options;  // KEY=VALUE (object_store keys)
  std::optional<int64_t> write_time_ms;      // default: the load's start
  bool replicate = false;
  std::string run_id;
  size_t batch_rows = 8192;
  bool progress_bar = true;  // only on a terminal
};

RolePlan PopulateRole();
void AddPopulateFlags(CLI::App* command, PopulateFlags* flags);

// Runs the load on a started Application. Exit codes: 0 every row loaded; 3 loaded, but some rows failed
// (counted and sampled on stderr); 1 the load could not run or stopped (the reason on stderr); 2 bad flags.
int RunPopulate(Application& app, const PopulateFlags& flags);

}  // namespace ofs::app
