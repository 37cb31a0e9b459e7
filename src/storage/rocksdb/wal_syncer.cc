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

void WalSyncer::Run() {
  pthread_setname_np(pthread_self(), "ofs-wal-sync");
  std::vector<Completion> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping, nothing left to serve
      batch.swap(waiting_);
    }
    // Everyone in `batch` was queued before this sync starts: it covers their writes.
    const Status status = sync_();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.syncs;
      stats_.waiters += batch.size();
    }
    for (Completion& done : batch) done(status);
    batch.clear();
  }
}

}  // namespace ofs::storage::rocks
