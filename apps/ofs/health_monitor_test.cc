#include "health_monitor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace ofs::app {
namespace {

using namespace std::chrono_literals;

// Polls `monitor` until `pred` holds for its state (or 5 s pass); the last state seen.
template <typename Pred>
HealthMonitor::State WaitFor(const HealthMonitor& monitor, Pred pred) {
  HealthMonitor::State state = monitor.Current();
  for (auto until = std::chrono::steady_clock::now() + 5s;
       !pred(state) && std::chrono::steady_clock::now() < until; state = monitor.Current()) {
    std::this_thread::sleep_for(2ms);
  }
  return state;
}

TEST(HealthMonitorTest, AnswersFromTheLastRoundAndFollowsTheChecks) {
  std::atomic<bool> store_ok{true};
  HealthMonitor monitor(
      {.poll = 10ms, .stale_after = 5s},
      {{"disk", [] { return Status::Ok(); }},
       {"store",
        [&] { return store_ok ? Status::Ok() : Status(ErrorCode::kStoreUnavailable, "read-only"); }}});
  EXPECT_FALSE(monitor.Current().up);  // not checked yet
  monitor.Start();
  EXPECT_TRUE(monitor.Current().up);  // Start checked once already
  store_ok = false;
  HealthMonitor::State down = WaitFor(monitor, [](const auto& s) { return !s.up; });
  EXPECT_FALSE(down.up);
  EXPECT_EQ(down.failures, "store: STORE-UNAVAILABLE: read-only");
  EXPECT_LT(down.age, 1s);
  store_ok = true;
  EXPECT_TRUE(WaitFor(monitor, [](const auto& s) { return s.up; }).up);
}

TEST(HealthMonitorTest, ACheckThatHangsTurnsItDownWithoutBlockingReaders) {
  std::atomic<bool> hang{false};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  HealthMonitor monitor({.poll = 10ms, .stale_after = 100ms}, {{"store", [&] {
                                                                  if (hang) released.wait();
                                                                  return Status::Ok();
                                                                }}});
  monitor.Start();
  hang = true;
  const auto start = std::chrono::steady_clock::now();
  HealthMonitor::State stale = WaitFor(monitor, [](const auto& s) { return !s.up; });
  EXPECT_FALSE(stale.up);
  EXPECT_NE(stale.failures.find("the store check has not answered for"), std::string::npos) << stale.failures;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
  hang = false;
  release.set_value();
  EXPECT_TRUE(WaitFor(monitor, [](const auto& s) { return s.up; }).up);
  monitor.Stop();
}

}  // namespace
}  // namespace ofs::app
