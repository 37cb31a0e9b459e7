#include "storage/rocksdb/wal_syncer.h"

#include <pthread.h>

#include <utility>

namespace ofs::storage::rocks {

WalSyncer::WalSyncer(std::function<Status()> sync, std::chrono::microseconds max_hold)
    : sync_(std::move(sync)), max_hold_(max_hold), thread_([this] { Run(); }) {}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalSyncer::AfterSync(Completion done, SyncStart start) {
  bool notify = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_.push_back(std::move(done));
    if (start == SyncStart::kNow) {
      start_requested_ = true;
    } else if (!deferred_.load(std::memory_order_relaxed)) {
      // The first deferred waiter: the syncer arms the max_hold deadline.
      first_deferred_at_ = std::chrono::steady_clock::now();
      deferred_.store(true, std::memory_order_relaxed);
    } else {
      notify = false;  // the deadline is armed; StartSyncs() or the deadline starts the sync
    }
  }
  if (notify) wake_.notify_one();
}

void WalSyncer::StartSyncs() {
  if (!deferred_.load(std::memory_order_relaxed)) return;  // the common case, without the lock
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Checked again: the deadline or another caller may have started the sync since. A request with
    // nothing deferred would start the next group's sync early, mid-batch.
    if (!deferred_.load(std::memory_order_relaxed)) return;
    start_requested_ = true;
  }
  wake_.notify_one();
}

WalSyncer::Stats WalSyncer::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Status WalSyncer::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

void WalSyncer::Run() {
  pthread_setname_np(pthread_self(), "ofs-wal-sync");
  std::vector<Completion> batch;
  for (;;) {
    Status failed;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Sync when asked to, when the oldest deferred waiter has waited max_hold, or, stopping, for
      // whoever is left.
      for (;;) {
        // start_requested_ implies waiters: kNow queues one, StartSyncs() asks only while some are deferred.
        if (start_requested_ || (stopping_ && !waiting_.empty())) break;
        if (stopping_) return;  // nothing left to serve
        if (deferred_.load(std::memory_order_relaxed)) {
          if (wake_.wait_until(lock, first_deferred_at_ + max_hold_) == std::cv_status::timeout) {
            ++stats_.max_hold_syncs;
            break;
          }
        } else {
          wake_.wait(lock);
        }
      }
      start_requested_ = false;
      deferred_.store(false, std::memory_order_relaxed);
      batch.swap(waiting_);
      failed = failed_;
    }
    // Everyone in `batch` was queued before this sync starts: it covers their writes.
    const Status status = failed.ok() ? sync_() : failed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (failed.ok()) ++stats_.syncs;
      if (!status.ok() && failed_.ok()) failed_ = status;
      stats_.waiters += batch.size();
    }
    for (Completion& done : batch) done(status);
    batch.clear();
  }
}

}  // namespace ofs::storage::rocks
