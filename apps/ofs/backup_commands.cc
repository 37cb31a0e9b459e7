#include "backup_commands.h"

#include <iostream>

#include "base/clock.h"
#include "command_support.h"
#include "metadata_backup.h"

namespace ofs::app {
namespace {

// Parses and opens --metadata: 2 for a bad URL, 1 for a store that cannot be used (printed), else 0.
int OpenStore(std::string_view command, const BackupFlags& flags, std::string* description,
              std::unique_ptr<catalog::MetadataStore>* store) {
  Result<MetadataSelection> selection = ParseMetadataSelection(flags.metadata_url);
  if (!selection.ok()) return CommandFailure(command, "--metadata", selection.status(), 2);
  *description = selection->description;
  Result<std::unique_ptr<catalog::MetadataStore>> opened = OpenCommandMetadata(*selection, flags.data_dir);
  if (!opened.ok()) return CommandFailure(command, "--metadata " + *description, opened.status());
  *store = std::move(opened).value();
  return 0;
}

// The S3 settings of an s3:// location, named and read from the environment as the server's
// metadata.backup_s3_* settings (config.cc).
void AddS3Flags(CLI::App* command, S3BackupSettings* s3) {
  command
      ->add_option("--s3-endpoint", s3->endpoint,
                   "For s3:// locations: the S3-compatible endpoint, http(s)://HOST[:PORT] (\"\" = AWS's "
                   "endpoint of --s3-region); credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
      ->envname("OFS_METADATA_BACKUP_S3_ENDPOINT")
      ->capture_default_str();
  command->add_option("--s3-region", s3->region, "For s3:// locations: the region requests are signed for")
      ->envname("OFS_METADATA_BACKUP_S3_REGION")
      ->capture_default_str();
  command->add_option("--s3-timeout-ms", s3->timeout_ms, "For s3:// locations: each request, at most")
      ->envname("OFS_METADATA_BACKUP_S3_TIMEOUT_MS")
      ->check(CLI::Range(int64_t{100}, int64_t{600'000}))
      ->capture_default_str();
}

}  // namespace

void AddBackupFlags(CLI::App* command, BackupFlags* flags) {
  AddMetadataFlags(command, &flags->metadata_url, &flags->data_dir);
  command
      ->add_option("--to", flags->to,
                   "Where the backups are kept: a directory (created if missing) or s3://BUCKET/PREFIX")
      ->required();
  command->add_option("--keep", flags->keep, "Backups kept there: older ones are removed")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->capture_default_str();
  AddS3Flags(command, &flags->s3);
}

void AddRestoreFlags(CLI::App* command, BackupFlags* flags) {
  AddMetadataFlags(command, &flags->metadata_url, &flags->data_dir);
  command
      ->add_option("--from", flags->from,
                   "A backup (a file, s3://BUCKET/KEY.json), or where backups are kept (a directory, "
                   "s3://BUCKET/PREFIX: the newest is used)")
      ->required();
  AddS3Flags(command, &flags->s3);
}

int RunBackup(const BackupFlags& flags) {
  Result<std::unique_ptr<BackupLocation>> location = OpenBackupLocation(flags.to, flags.s3);
  if (!location.ok()) return CommandFailure("backup", "--to " + flags.to, location.status());
  std::string description;
  std::unique_ptr<catalog::MetadataStore> store;
  if (int failed = OpenStore("backup", flags, &description, &store); failed != 0) return failed;
  Result<WrittenBackup> written =
      WriteMetadataBackup(*store, **location, flags.keep, SystemClock::Default()->NowMillis());
  if (!written.ok()) {
    // The message says whether the store or the location failed.
    return CommandFailure("backup", "--metadata " + description + " --to " + flags.to, written.status());
  }
  std::cout << written->path << " (" << written->bytes << " bytes)\n";
  return 0;
}

int RunRestore(const BackupFlags& flags) {
  Result<BackupDocument> backup = ReadBackup(flags.from, flags.s3);
  if (!backup.ok()) return CommandFailure("restore", "--from " + flags.from, backup.status());
  std::string description;
  std::unique_ptr<catalog::MetadataStore> store;
  if (int failed = OpenStore("restore", flags, &description, &store); failed != 0) return failed;
  if (Status restored = store->Restore(backup->text); !restored.ok()) {
    // The message says whether the file or the store is the problem.
    return CommandFailure("restore", "--from " + backup->where + " --metadata " + description, restored);
  }
  std::cout << "restored " << description << " from " << backup->where << "\n";
  return 0;
}

}  // namespace ofs::app
