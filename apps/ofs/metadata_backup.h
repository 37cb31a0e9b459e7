#pragma once
// Metadata backups (docs/operations.md, "Backing up the metadata") into a BackupLocation (a directory or
// an s3:// prefix): what `ofs backup` does once and `ofs admin` does on a schedule (metadata.backup_dir,
// .backup_interval_s, .backup_keep) and on POST /v1/admin/backup.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backup_location.h"
#include "base/status.h"
#include "catalog/metadata_store.h"
#include "metrics/metrics.h"

namespace ofs::app {

struct WrittenBackup {
  std::string path;  // the file or the s3:// object written
  size_t bytes = 0;
};

// Backs `store` up into `location` as ofs-metadata-<UTC time of now_ms>.json, then removes all but the
// newest `keep` backups there. Errors name the store or the file/object; once the backup is written,
// failing to list or remove older ones is only logged (a warning): the backup itself succeeded.
Result<WrittenBackup> WriteMetadataBackup(catalog::MetadataStore& store, BackupLocation& location,
                                          int64_t keep, int64_t now_ms);

// Backs the store up every `interval` (the first one an interval after Start) on a thread of its own, and
// on demand (BackupNow, from any thread; one backup at a time). Counts them in /metrics:
// ofs_metadata_backups_total{result="ok"|"failed"}, ofs_metadata_backup_last_success_seconds (Unix time).
class BackupScheduler {
 public:
  struct Options {
    std::shared_ptr<BackupLocation> location;  // required
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
