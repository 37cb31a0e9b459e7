#include "metadata_backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/clock.h"
#include "base/log.h"

namespace ofs::app {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "ofs-metadata-";
constexpr std::string_view kSuffix = ".json";

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

}  // namespace

std::vector<fs::path> ListMetadataBackups(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && IsBackupName(entry.path().filename().string()))
      found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

Result<WrittenBackup> WriteMetadataBackup(catalog::MetadataStore& store, const std::string& dir, int64_t keep,
                                          int64_t now_ms) {
  OFS_ASSIGN_OR_RETURN(std::string document, store.Backup(now_ms));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Status(ErrorCode::kInvalidRequest, "cannot create the backup directory " + dir, ec.message());
  const fs::path path = fs::path(dir) / BackupName(now_ms);
  OFS_RETURN_IF_ERROR(WriteDurably(path, document));
  std::vector<fs::path> backups = ListMetadataBackups(dir);
  for (size_t i = 0; i + static_cast<size_t>(keep) < backups.size(); ++i) fs::remove(backups[i], ec);
  return WrittenBackup{path.string(), document.size()};
}

BackupScheduler::BackupScheduler(catalog::MetadataStore* store, Options options, metrics::Registry* registry)
    : store_(store),
      options_(std::move(options)),
      ok_(&registry->GetCounter("ofs_metadata_backups_total",
                                "Metadata backups written (metadata.backup_dir)", {{"result", "ok"}})),
      failed_(&registry->GetCounter("ofs_metadata_backups_total",
                                    "Metadata backups written (metadata.backup_dir)",
                                    {{"result", "failed"}})),
      last_success_(&registry->GetGauge("ofs_metadata_backup_last_success_seconds",
                                        "Unix time of the last metadata backup written (0: none yet)")) {}

BackupScheduler::~BackupScheduler() { Stop(); }

void BackupScheduler::Start() {
  if (options_.interval.count() > 0) thread_ = std::thread([this] { Loop(); });
}

void BackupScheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<WrittenBackup> BackupScheduler::BackupNow() {
  std::lock_guard one_at_a_time(backup_mu_);
  const int64_t now = SystemClock::Default()->NowMillis();
  Result<WrittenBackup> written = WriteMetadataBackup(*store_, options_.dir, options_.keep, now);
  if (written.ok()) {
    ok_->Inc();
    last_success_->Set(now / 1000);
    OFS_LOG_INFO("backup", "metadata backup written: {} ({} bytes)", written->path, written->bytes);
  } else {
    failed_->Inc();
    OFS_LOG_WARN("backup", "metadata backup failed: {}", written.status().ToString());
  }
  return written;
}

void BackupScheduler::Loop() {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
    lock.unlock();
    BackupNow().status().IgnoreError();  // logged and counted
    lock.lock();
  }
}

}  // namespace ofs::app
