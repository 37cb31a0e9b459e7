#pragma once
// Watches RocksDB background errors so that Health() answers without touching the database: a hard
// background error (failed flush, compaction or WAL write) stops writes until RocksDB recovers (its
// SstFileManager retries a disk-full error once space returns). The error is logged in full; Check's
// cause has no file paths.
// Callbacks run on RocksDB threads; Check may be called from any thread.

#include <rocksdb/listener.h>

#include <atomic>
#include <mutex>
#include <string>

#include "base/status.h"

namespace ofs::storage::rocks {

class HealthListener final : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override;

  // OK, or STORE-UNAVAILABLE with the background error that stopped writes. Lock-free when healthy.
  Status Check() const;

 private:
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  std::string error_;  // guarded by mu_
};

}  // namespace ofs::storage::rocks
