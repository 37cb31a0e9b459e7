#include "metadata_backup.h"

#include <cstdio>
#include <ctime>

#include "base/clock.h"
#include "base/log.h"

namespace ofs::app {
namespace {

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

}  // namespace

Result<WrittenBackup> WriteMetadataBackup(catalog::MetadataStore& store, BackupLocation& location,
                                          int64_t keep, int64_t now_ms) {
  OFS_ASSIGN_OR_RETURN(std::string document, store.Backup(now_ms));
  const std::string name = BackupName(now_ms);
  OFS_RETURN_IF_ERROR(location.Write(name, document));
  Result<std::vector<std::string>> backups = location.List();
  if (!backups.ok()) {
    OFS_LOG_WARN("backup", "metadata backup {} written, but older ones were not removed: {}",
                 location.Where(name), backups.status().ToString());
  } else {
    for (size_t i = 0; i + static_cast<size_t>(keep) < backups->size(); ++i) {
      if (Status removed = location.Remove((*backups)[i]); !removed.ok()) {
        OFS_LOG_WARN("backup", "cannot remove the old metadata backup {}: {}", location.Where((*backups)[i]),
                     removed.ToString());
      }
    }
  }
  return WrittenBackup{location.Where(name), document.size()};
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
  Result<WrittenBackup> written = WriteMetadataBackup(*store_, *options_.location, options_.keep, now);
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
