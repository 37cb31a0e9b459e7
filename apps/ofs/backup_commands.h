#pragma once
// `ofs backup --metadata URL --to DIR [--keep N]` and `ofs restore --metadata URL --from PATH`: metadata
// backups as files (catalog/sql/snapshot.h has the document; docs/operations.md, "Backing up the
// metadata"). Either engine backs up, and restores into an empty store of either engine.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace ofs::app {

struct BackupFlags {
  std::string metadata_url = "sqlite";
  std::string data_dir = "./data";
  std::string to;     // backup: the directory that keeps the backups
  int64_t keep = 14;  // backup: the newest N backups kept there, older ones removed
  std::string from;   // restore: a backup file, or a directory (its newest backup)
};

void AddBackupFlags(CLI::App* command, BackupFlags* flags);
void AddRestoreFlags(CLI::App* command, BackupFlags* flags);

// Exit codes: 0 done (the file written / restored from is printed); 1 the store or the files could not be
// used (one line naming the flags and the reason); 2 bad flags.
int RunBackup(const BackupFlags& flags);
int RunRestore(const BackupFlags& flags);

}  // namespace ofs::app
