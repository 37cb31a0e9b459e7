#include "backup_commands.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "base/clock.h"
#include "command_support.h"
#include "metadata_backup.h"

namespace ofs::app {
namespace {

namespace fs = std::filesystem;

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

}  // namespace

void AddBackupFlags(CLI::App* command, BackupFlags* flags) {
  AddMetadataFlags(command, &flags->metadata_url, &flags->data_dir);
  command->add_option("--to", flags->to, "Directory that keeps the backups (created if missing)")->required();
  command->add_option("--keep", flags->keep, "Backups kept in it: older ones are removed")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->capture_default_str();
}

void AddRestoreFlags(CLI::App* command, BackupFlags* flags) {
  AddMetadataFlags(command, &flags->metadata_url, &flags->data_dir);
  command->add_option("--from", flags->from, "A backup file, or a directory of backups (its newest is used)")
      ->required();
}

int RunBackup(const BackupFlags& flags) {
  std::string description;
  std::unique_ptr<catalog::MetadataStore> store;
  if (int failed = OpenStore("backup", flags, &description, &store); failed != 0) return failed;
  Result<WrittenBackup> written =
      WriteMetadataBackup(*store, flags.to, flags.keep, SystemClock::Default()->NowMillis());
  if (!written.ok()) {
    // The message says whether the store or the directory failed.
    return CommandFailure("backup", "--metadata " + description + " --to " + flags.to, written.status());
  }
  std::cout << written->path << " (" << written->bytes << " bytes)\n";
  return 0;
}

int RunRestore(const BackupFlags& flags) {
  fs::path path = flags.from;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> backups = ListMetadataBackups(path);
    if (backups.empty()) {
      return CommandFailure(
          "restore", "--from",
          Status(ErrorCode::kInvalidRequest, "no backup (ofs-metadata-*.json) in " + flags.from));
    }
    path = backups.back();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return CommandFailure("restore", "--from",
                          Status(ErrorCode::kInvalidRequest, "cannot read " + path.string()));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string description;
  std::unique_ptr<catalog::MetadataStore> store;
  if (int failed = OpenStore("restore", flags, &description, &store); failed != 0) return failed;
  if (Status restored = store->Restore(text.str()); !restored.ok()) {
    // The message says whether the file or the store is the problem.
    return CommandFailure("restore", "--from " + path.string() + " --metadata " + description, restored);
  }
  std::cout << "restored " << description << " from " << path.string() << "\n";
  return 0;
}

}  // namespace ofs::app
