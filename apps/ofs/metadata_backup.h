#pragma once
// Metadata backups as files in a directory (docs/operations.md, "Backing up the metadata"): what
// `ofs backup` does once and `ofs admin` does on a schedule (metadata.backup_dir, .backup_interval_s,
// .backup_keep) and on POST /v1/admin/backup.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "catalog/metadata_store.h"
#include "metrics/metrics.h"

namespace ofs::app {

struct WrittenBackup {
  std::string path;
  size_t bytes = 0;
};

// Backs `store` up into `dir` (created if missing) as ofs-metadata-<UTC time>.json, durably (a temporary
// file fsync'ed, renamed, the directory fsync'ed), then removes all but the newest `keep` backups there.
// Errors name the file or the store.
Result<WrittenBackup> WriteMetadataBackup(catalog::MetadataStore& store, const std::string& dir, int64_t keep,
                                          int64_t now_ms);

// The backups in `dir`, oldest first.
std::vector<std::filesystem::path> ListMetadataBackups(const std::filesystem::path& dir);

// Backs the store up every `interval` (the first one an interval after Start) on a thread of its own, and
// on demand (BackupNow, from any thread; one backup at a time). Counts them in /metrics:
// ofs_metadata_backups_total{result="ok"|"failed"}, ofs_metadata_backup_last_success_seconds (Unix time).
class BackupScheduler {
 public:
  struct Options {
    std::string dir;
    int64_t keep = 14;
    std::chrono::seconds interval{0};  // 0: on demand only
  };
  BackupScheduler(catalog::MetadataStore* store, Options options, metrics::Registry* registry);
  ~BackupScheduler();
  BackupScheduler(const BackupScheduler&) = delete;
  BackupScheduler& operator=(const BackupScheduler&) = delete;

  void Start();
  void Stop();
  Result<WrittenBackup> BackupNow();

 private:
  void Loop();

  catalog::MetadataStore* store_;
  const Options options_;
  metrics::Counter* ok_;
  metrics::Counter* failed_;
  metrics::Gauge* last_success_;
  std::mutex backup_mu_;  // one backup at a time
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ofs::app
