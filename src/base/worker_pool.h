#pragma once
// WorkerPool: a few threads running queued jobs in order, for work that may block (round trips to a
// remote engine) and so must stay off the event loops — the admin handlers (api/offload.h). The queue
// is bounded: TrySubmit refuses a job when it is full, so that callers answer "overloaded" at once
// instead of queueing without bound.
// Lifecycle: the threads start in the constructor; Stop() (or the destructor) refuses new jobs, lets
// the threads finish every job already queued, and joins them.
// Thread-safety: every method may be called from any thread, except Stop() from one of the pool's jobs.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ofs {

class WorkerPool {
 public:
  struct Options {
    size_t threads = 2;               // at least 1
    size_t max_queued = 64;           // jobs waiting for a thread, at most (running ones not counted)
    std::string name = "ofs-worker";  // thread names: "<name>-<i>" (15 characters at most are kept)
  };

  explicit WorkerPool(Options options);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`; false when the queue is full or the pool is stopping (the job is then destroyed
  // without running, on the calling thread). A job must not throw.
  bool TrySubmit(std::function<void()> job);
  // Refuses new jobs, runs those queued, joins the threads. Idempotent; concurrent calls all return
  // once the threads are joined.
  void Stop();

  struct Stats {
    size_t queued = 0;     // waiting for a thread
    size_t running = 0;    // on a thread now
    uint64_t done = 0;     // ever run
    uint64_t refused = 0;  // ever refused by TrySubmit (queue full or stopping)
  };
  Stats GetStats() const;
  const Options& options() const { return options_; }

 private:
  void Work(size_t index);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  Stats stats_;                              // guarded by mu_ (but `queued`, which is queue_.size())
  std::vector<std::thread> threads_;         // set in the constructor, joined by Stop
  std::once_flag stopped_;
};

}  // namespace ofs
