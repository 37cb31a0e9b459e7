#include "backup_commands.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "metadata_backup.h"
#include "metadata_selection.h"

namespace ofs::app {
namespace {

namespace fs = std::filesystem;

int Fail(std::string_view command, std::string_view setting, const Status& status) {
  std::cerr << "ofs " << command << ": " << setting << ": " << status.message();
  if (!status.cause().empty()) std::cerr << " (" << status.cause() << ")";
  std::cerr << "\n";
  return 1;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<catalog::MetadataStore>> Open(const BackupFlags& flags, std::string* description) {
  OFS_ASSIGN_OR_RETURN(MetadataSelection selection, ParseMetadataSelection(flags.metadata_url));
  *description = selection.description;
  // A store restored to a new place: its SQLite file's directory is made (a server engine's missing
  // database is created by OpenMetadataStore).
  const fs::path file =
      selection.engine == MetadataSelection::Engine::kSqlite && !selection.sqlite_path.empty()
          ? fs::path(selection.sqlite_path)
          : fs::path(flags.data_dir) / "metadata.sqlite";
  if (selection.engine == MetadataSelection::Engine::kSqlite && file.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
  }
  return OpenMetadataStore(selection, flags.data_dir, nullptr);
}

void AddStoreFlags(CLI::App* command, BackupFlags* flags) {
  command->add_option("--metadata", flags->metadata_url, "The metadata store (as metadata.url)")
      ->envname("OFS_METADATA")
      ->capture_default_str();
  command->add_option("--data-dir", flags->data_dir, "Data directory (for --metadata sqlite)")
      ->envname("OFS_DATA_DIR")
      ->capture_default_str();
}

}  // namespace

void AddBackupFlags(CLI::App* command, BackupFlags* flags) {
  AddStoreFlags(command, flags);
  command->add_option("--to", flags->to, "Directory that keeps the backups (created if missing)")->required();
  command->add_option("--keep", flags->keep, "Backups kept in it: older ones are removed")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->capture_default_str();
}

void AddRestoreFlags(CLI::App* command, BackupFlags* flags) {
  AddStoreFlags(command, flags);
  command->add_option("--from", flags->from, "A backup file, or a directory of backups (its newest is used)")
      ->required();
}

int RunBackup(const BackupFlags& flags) {
  std::string description;
  Result<std::unique_ptr<catalog::MetadataStore>> store = Open(flags, &description);
  if (!store.ok()) return Fail("backup", "--metadata " + description, store.status());
  Result<WrittenBackup> written = WriteMetadataBackup(**store, flags.to, flags.keep, NowMillis());
  if (!written.ok()) {
    // The store's failures are METASTORE-UNAVAILABLE; the directory's, INVALID_REQUEST.
    const bool store_failed = written.status().code() != ErrorCode::kInvalidRequest;
    return Fail("backup", store_failed ? "--metadata " + description : std::string("--to"), written.status());
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
      return Fail("restore", "--from",
                  Status(ErrorCode::kInvalidRequest, "no backup (ofs-metadata-*.json) in " + flags.from));
    }
    path = backups.back();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Fail("restore", "--from", Status(ErrorCode::kInvalidRequest, "cannot read " + path.string()));
  std::stringstream text;
  text << in.rdbuf();
  std::string description;
  Result<std::unique_ptr<catalog::MetadataStore>> store = Open(flags, &description);
  if (!store.ok()) return Fail("restore", "--metadata " + description, store.status());
  if (Status restored = (*store)->Restore(text.str()); !restored.ok()) {
    return Fail("restore",
                restored.code() == ErrorCode::kInvalidRequest &&
                        restored.message().find("not empty") == std::string_view::npos
                    ? "--from " + path.string()
                    : "--metadata " + description,
                restored);
  }
  std::cout << "restored " << description << " from " << path.string() << "\n";
  return 0;
}

}  // namespace ofs::app
