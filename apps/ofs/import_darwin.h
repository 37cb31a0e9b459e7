#pragma once
// `ofs import-darwin --admin-url URL --metadata URL`: registers a running Darwin admin's catalog in an
// OFS metadata store as metadata only (admin/darwin_import.h; docs/operations.md, "Moving from Darwin").

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ofs::app {

struct ImportDarwinFlags {
  std::string admin_url;  // the Darwin admin's base URL, e.g. http://darwin-admin:8081
  std::string metadata_url = "sqlite";
  std::string data_dir = "./data";
  std::vector<std::string> headers;  // "Name: value", sent with every dump request
  int64_t timeout_ms = 30000;
  int64_t max_dump_mb = 256;
  bool dry_run = false;
};

// Adds the subcommand's flags to `command`.
void AddImportDarwinFlags(CLI::App* command, ImportDarwinFlags* flags);

// Runs the import and prints what it did. Exit codes: 0 everything imported (or already present);
// 3 imported, with problems listed (items left out); 1 nothing changed: the admin or the metadata store
// could not be used (one line naming it and the reason); 2 bad flags.
int RunImportDarwin(const ImportDarwinFlags& flags);

}  // namespace ofs::app
