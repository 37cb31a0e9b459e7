#include "base/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace ofs {
namespace {

TEST(WorkerPoolTest, RunsEveryJobOnItsThreads) {
  WorkerPool pool({.threads = 2, .max_queued = 100, .name = "test"});
  std::atomic<int> ran{0};
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> on_caller{false};
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pool.TrySubmit([&] {
      if (std::this_thread::get_id() == caller) on_caller = true;
      ++ran;
    }));
  }
  pool.Stop();  // runs what is queued first
  EXPECT_EQ(ran.load(), 50);
  EXPECT_FALSE(on_caller.load());
  EXPECT_EQ(pool.GetStats().done, 50u);
}

TEST(WorkerPoolTest, AFullQueueRefusesAtOnce) {
  WorkerPool pool({.threads = 1, .max_queued = 2, .name = "test"});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();  // the thread is busy; the queue is empty
  ASSERT_TRUE(pool.TrySubmit([] {}));
  ASSERT_TRUE(pool.TrySubmit([] {}));
  // Full: refused, and the refused job is destroyed without running.
  auto token = std::make_shared<int>(0);
  bool ran = false;
  EXPECT_FALSE(pool.TrySubmit([token, &ran] { ran = true; }));
  EXPECT_EQ(token.use_count(), 1);
  WorkerPool::Stats stats = pool.GetStats();
  EXPECT_EQ(stats.queued, 2u);
  EXPECT_EQ(stats.running, 1u);
  EXPECT_EQ(stats.refused, 1u);
  release.set_value();
  pool.Stop();
  EXPECT_FALSE(ran);
  EXPECT_EQ(pool.GetStats().done, 3u);
  EXPECT_FALSE(pool.TrySubmit([] {}));  // stopped
}

}  // namespace
}  // namespace ofs
