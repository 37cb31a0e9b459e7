#include "backup_commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "metadata_selection.h"

namespace ofs::app {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "ofs-metadata-";
constexpr std::string_view kSuffix = ".json";

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

// ofs-metadata-20261207T043512.123Z.json: names sort by time.
std::string BackupName(int64_t now_ms) {
  const std::time_t seconds = static_cast<std::time_t>(now_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &utc);
  char millis[8];
  std::snprintf(millis, sizeof(millis), ".%03dZ", static_cast<int>(now_ms % 1000));
  return std::string(kPrefix) + stamp + millis + std::string(kSuffix);
}

bool IsBackupName(const std::string& name) {
  return name.size() > kPrefix.size() + kSuffix.size() && name.starts_with(kPrefix) &&
         name.ends_with(kSuffix);
}

// The backups in `dir`, oldest first.
std::vector<fs::path> ListBackups(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && IsBackupName(entry.path().filename().string()))
      found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Writes `text` to `path` durably: a temporary file fsync'ed, renamed over `path`, the directory fsync'ed.
Status WriteDurably(const fs::path& path, std::string_view text) {
  const fs::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return Status(ErrorCode::kInvalidRequest, "cannot create " + temporary.string(), std::strerror(errno));
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return Status(ErrorCode::kInvalidRequest, "cannot write " + temporary.string(), std::strerror(error));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return Status(ErrorCode::kInvalidRequest, "cannot sync " + temporary.string(), std::strerror(error));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status(ErrorCode::kInvalidRequest, "cannot rename to " + path.string(), std::strerror(errno));
  }
  const int dir_fd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
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
  const int64_t now = NowMillis();
  Result<std::string> document = (*store)->Backup(now);
  if (!document.ok()) return Fail("backup", "--metadata " + description, document.status());
  std::error_code ec;
  fs::create_directories(flags.to, ec);
  if (ec)
    return Fail("backup", "--to",
                Status(ErrorCode::kInvalidRequest, "cannot create " + flags.to, ec.message()));
  const fs::path path = fs::path(flags.to) / BackupName(now);
  if (Status written = WriteDurably(path, *document); !written.ok()) return Fail("backup", "--to", written);
  std::vector<fs::path> backups = ListBackups(flags.to);
  const size_t keep = static_cast<size_t>(flags.keep);
  for (size_t i = 0; i + keep < backups.size(); ++i) fs::remove(backups[i], ec);
  std::cout << path.string() << " (" << document->size() << " bytes)\n";
  return 0;
}

int RunRestore(const BackupFlags& flags) {
  fs::path path = flags.from;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> backups = ListBackups(path);
    if (backups.empty()) {
      return Fail("restore", "--from",
                  Status(ErrorCode::kInvalidRequest,
                         "no backup (" + std::string(kPrefix) + "*.json) in " + flags.from));
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
