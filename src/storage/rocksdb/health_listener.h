#pragma once
// Watches RocksDB background errors so that Health() answers without touching the database: a hard
// background error (failed flush, compaction or WAL write) stops writes until RocksDB recovers (its
// SstFileManager retries a disk-full error once space returns). The error is logged in full; Check's
// cause has no file paths.
// An error in the write path (a failed WAL append or WAL creation: reasons kWriteCallback and kMemTable)
// gets no automatic recovery: RocksDB 7.8 aborts at the next write or WAL sync after such a recovery
// (space_guard.h), and SpaceGuard keeps writes refused until a restart anyway. Turning it off also
// closes a RocksDB 7.8 race: its SstFileManager thread clears the error and calls OnErrorRecoveryEnd
// with the database mutex released after marking the recovery finished, so a DB::Close at that moment
// destroys the mutex that the thread then unlocks (abort: "pthread unlock: Invalid argument"). A
// recovery after a failed flush or compaction keeps that narrow window at close; later RocksDB
// releases make DB::Close wait for that notification (ErrorHandler::allow_db_shutdown_).
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
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status error,
                            bool* auto_recovery) override;
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override;

  // OK, or STORE-UNAVAILABLE with the background error that stopped writes. Lock-free when healthy.
  Status Check() const;

 private:
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  std::string error_;  // guarded by mu_
};

}  // namespace ofs::storage::rocks
