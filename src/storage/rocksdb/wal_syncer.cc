#include "storage/rocksdb/wal_syncer.h"

#include <pthread.h>

#include <utility>

namespace ofs::storage::rocks {

WalSyncer::WalSyncer(std::function<Status()> sync) : sync_(std::move(sync)), thread_([this] { Run(); }) {}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalSyncer::AfterSync(Completion done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_.push_back(std::move(done));
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
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping, nothing left to serve
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
