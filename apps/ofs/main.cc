// ofs: one binary, several roles (ARCHITECTURE.md section 1). Wiring lives in application.cc.

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "allocator.h"
#include "application.h"
#include "backup_commands.h"
#include "base/fallback.h"
#include "base/log.h"
#include "config.h"
#include "import_darwin.h"
#ifdef OFS_WITH_DELTA
#include "populate_command.h"
#endif
#include "role.h"

namespace {

// Runs `role` until SIGINT or SIGTERM, or, with `once`, runs `once` on the started application and ends
// with its exit code (`ofs populate`).
int RunRole(const CLI::App& command, const ofs::app::Config& flags, const ofs::app::RolePlan& role,
            const std::function<int(ofs::app::Application&)>& once = {}) {
  auto config = ofs::app::ResolveConfig(command, flags);
  if (!config.ok()) {
    std::cerr << "ofs: " << config.status().message();
    if (!config.status().cause().empty()) std::cerr << " (" << config.status().cause() << ")";
    std::cerr << "\n";
    return 2;
  }
  ofs::log::SetLevel(config->log_level);
  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  OFS_LOG_INFO("app", "memory allocator: {}", ofs::app::AllocatorDescription());
  if (!role.huge_pages) {
    const std::string error = ofs::app::DisableHugePagesForProcess();
    OFS_LOG_INFO("app", "transparent huge pages: off for ofs {}{}", role.name,
                 error.empty() ? "" : " was asked but failed: " + error);
  } else if (const std::string problem = ofs::app::AllocatorHugePagesProblem(); !problem.empty()) {
    ofs::NoteFallback(ofs::Fallback::kHugePages,
                      problem + "; point reads on a large row cache miss the TLB more (apps/ofs/README.md)");
  }
  ofs::app::Application app(std::move(*config), role);
  ofs::Status started = app.Start();
  if (!started.ok()) {
    OFS_LOG_ERROR("app", "ofs {} cannot start: {}", role.name, started.ToString());
    return 1;
  }
  if (once) {
    // The stop signals end the process as usual (a load is idempotent: run it again to finish it).
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
    const int code = once(app);
    app.Stop();
    return code;
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  OFS_LOG_INFO("app", "signal {} received, stopping", signal_number);
  app.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"OFS: an online feature store (Darwin Feature Store compatible)", "ofs"};
  cli.require_subcommand(1);
  ofs::app::Config flags;
  const ofs::app::RolePlan roles[] = {ofs::app::StandaloneRole(), ofs::app::AdminRole(),
                                      ofs::app::ServeRole(), ofs::app::ConsumeRole()};
  std::vector<std::pair<CLI::App*, const ofs::app::RolePlan*>> role_commands;
  for (const ofs::app::RolePlan& role : roles) {
    CLI::App* command = cli.add_subcommand(std::string(role.name), std::string(role.description));
    ofs::app::AddFlags(command, &flags);
    role_commands.emplace_back(command, &role);
  }
#ifdef OFS_WITH_DELTA
  ofs::app::PopulateFlags populate_flags;
  const ofs::app::RolePlan populate_role = ofs::app::PopulateRole();
  CLI::App* populate =
      cli.add_subcommand(std::string(populate_role.name), std::string(populate_role.description));
  ofs::app::AddFlags(populate, &flags);
  ofs::app::AddPopulateFlags(populate, &populate_flags);
#endif
  CLI::App* config_template =
      cli.add_subcommand("config-template", "Print a documented TOML file with every setting");
  CLI::App* import_darwin = cli.add_subcommand(
      "import-darwin", "Register a running Darwin admin's catalog in a metadata store (metadata only)");
  ofs::app::ImportDarwinFlags import_flags;
  ofs::app::AddImportDarwinFlags(import_darwin, &import_flags);
  ofs::app::BackupFlags backup_flags;
  CLI::App* backup = cli.add_subcommand("backup", "Write a backup of the metadata store to a directory");
  ofs::app::AddBackupFlags(backup, &backup_flags);
  CLI::App* restore = cli.add_subcommand("restore", "Fill an empty metadata store from a backup");
  ofs::app::AddRestoreFlags(restore, &backup_flags);
  CLI::App* version = cli.add_subcommand("version", "Print the version");
  CLI11_PARSE(cli, argc, argv);
  for (const auto& [command, role] : role_commands) {
    if (*command) return RunRole(*command, flags, *role);
  }
#ifdef OFS_WITH_DELTA
  if (*populate) {
    if (populate_flags.table.empty()) return RunRole(*populate, flags, populate_role);
    ofs::app::RolePlan one_off = populate_role;
    one_off.runs_loads = false;
    one_off.catalog_changed_elsewhere = false;
    return RunRole(*populate, flags, one_off,
                   [&](ofs::app::Application& app) { return ofs::app::RunPopulate(app, populate_flags); });
  }
#endif
  if (*import_darwin) return ofs::app::RunImportDarwin(import_flags);
  if (*backup) return ofs::app::RunBackup(backup_flags);
  if (*restore) return ofs::app::RunRestore(backup_flags);
  if (*config_template) {
    std::cout << ofs::app::ConfigTemplate();
    return 0;
  }
  if (*version) {
    std::cout << "ofs " << OFS_VERSION << "\n";
    return 0;
  }
  return 0;
}
