#include "storage/rocksdb/health_listener.h"

#include "base/log.h"
#include "storage/rocksdb/rocks_status.h"

namespace ofs::storage::rocks {

void HealthListener::OnBackgroundError(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status* error) {
  if (error == nullptr || error->ok() || error->severity() < rocksdb::Status::Severity::kHardError) return;
  const std::string full = error->ToString();
  OFS_LOG_ERROR("storage", "RocksDB stopped accepting writes after a background error: {}", full);
  std::lock_guard lock(mu_);
  error_ = WithoutPaths(full);
  failed_.store(true, std::memory_order_release);
}

void HealthListener::OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status /*error*/,
                                          bool* auto_recovery) {
  if (reason == rocksdb::BackgroundErrorReason::kWriteCallback ||
      reason == rocksdb::BackgroundErrorReason::kMemTable) {
    *auto_recovery = false;
  }
}

void HealthListener::OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) {
  if (!info.new_bg_error.ok()) return;
  OFS_LOG_INFO("storage", "RocksDB recovered from a background error; writes resume");
  std::lock_guard lock(mu_);
  error_.clear();
  failed_.store(false, std::memory_order_release);
}

Status HealthListener::Check() const {
  if (!failed_.load(std::memory_order_acquire)) return Status::Ok();
  std::lock_guard lock(mu_);
  return Status(ErrorCode::kStoreUnavailable, "RocksDB stopped accepting writes after a background error",
                error_);
}

}  // namespace ofs::storage::rocks
