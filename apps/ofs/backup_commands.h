#pragma once
// `ofs backup --metadata URL --to DIR|s3://BUCKET/PREFIX [--keep N]` and `ofs restore --metadata URL
// --from FILE|DIR|s3://...`: metadata backups as files or S3 objects (catalog/sql/snapshot.h has the
// document; backup_location.h where they go; docs/operations.md, "Backing up the metadata"). Either
// engine backs up, and restores into an empty store of either engine.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "backup_location.h"

namespace ofs::app {

struct BackupFlags {
  std::string metadata_url = "sqlite";
  std::string data_dir = "./data";
  std::string to;       // backup: the location that keeps the backups (a directory or s3://BUCKET/PREFIX)
  int64_t keep = 14;    // backup: the newest N backups kept there, older ones removed
  std::string from;     // restore: a backup (file, s3://BUCKET/KEY.json), or a location (its newest backup)
  S3BackupSettings s3;  // for s3:// locations: --s3-endpoint, --s3-region, --s3-timeout-ms
};

void AddBackupFlags(CLI::App* command, BackupFlags* flags);
void AddRestoreFlags(CLI::App* command, BackupFlags* flags);

// Exit codes: 0 done (the file or object written / restored from is printed); 1 the store, the files or
// the S3 endpoint could not be used (one line naming the flags and the reason); 2 bad flags.
int RunBackup(const BackupFlags& flags);
int RunRestore(const BackupFlags& flags);

}  // namespace ofs::app
