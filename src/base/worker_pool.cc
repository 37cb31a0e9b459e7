#include "base/worker_pool.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

namespace ofs {

WorkerPool::WorkerPool(Options options) : options_(std::move(options)) {
  const size_t threads = std::max<size_t>(1, options_.threads);
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this, i] { Work(i); });
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queued) {
      ++stats_.refused;
      return false;  // `job` is destroyed on return, outside the lock
    }
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

void WorkerPool::Stop() {
  std::call_once(stopped_, [this] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  });
}

WorkerPool::Stats WorkerPool::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats stats = stats_;
  stats.queued = queue_.size();
  return stats;
}

void WorkerPool::Work(size_t index) {
  const std::string name = (options_.name + "-" + std::to_string(index)).substr(0, 15);
  pthread_setname_np(pthread_self(), name.c_str());
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and every queued job has run
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    ++stats_.running;
    lock.unlock();
    job();
    job = nullptr;  // whatever it holds is released before the next wait
    lock.lock();
    --stats_.running;
    ++stats_.done;
  }
}

}  // namespace ofs
