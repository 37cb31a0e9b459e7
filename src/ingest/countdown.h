#pragma once
// Countdown: waits on the calling thread for `n` completions that may run on any thread (a store's, a
// producer's), keeping the first failure. The ingestion loop is a plain thread, so it blocks here.

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <utility>

#include "base/status.h"

namespace ofs::ingest {

class Countdown {
 public:
  explicit Countdown(size_t n) : pending_(n) {}
  void Arrive(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!status.ok() && first_error_.ok()) first_error_ = std::move(status);
    if (--pending_ == 0) cv_.notify_all();
  }
  // OK once every completion arrived with OK; else the first failure.
  Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return pending_ == 0; });
    return first_error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t pending_;
  Status first_error_;
};

}  // namespace ofs::ingest
