#include "storage/rocksdb/wal_syncer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace ofs::storage::rocks {
namespace {

// A sync function the test controls: each call blocks until released, and records what it saw.
class GatedSync {
 public:
  Status operator()() {
    std::unique_lock<std::mutex> lock(mu_);
    ++started_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_ >= started_; });
    return result_;
  }
  void Release(int total) {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = total;
    changed_.notify_all();
  }
  bool AwaitStarted(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return started_ >= n; });
  }
  int started() {
    std::lock_guard<std::mutex> lock(mu_);
    return started_;
  }
  void Fail(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    result_ = std::move(status);
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int started_ = 0;
  int released_ = 0;
  Status result_;
};

struct Outcomes {
  std::mutex mu;
  std::vector<Status> seen;
  std::thread::id thread;
  Completion Record() {
    return [this](Status status) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(std::move(status));
      thread = std::this_thread::get_id();
    };
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return seen.size();
  }
};

bool Eventually(const std::function<bool()>& predicate) {
  for (int i = 0; i < 5000 && !predicate(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return predicate();
}

TEST(WalSyncerTest, WaitersQueuedDuringASyncShareTheNextOne) {
  GatedSync gate;
  Outcomes outcomes;
  WalSyncer syncer([&] { return gate(); });
  syncer.AfterSync(outcomes.Record());
  ASSERT_TRUE(gate.AwaitStarted(1));
  // These arrive while the first sync runs: it may not answer them (their writes may postdate it).
  for (int i = 0; i < 10; ++i) syncer.AfterSync(outcomes.Record());
  gate.Release(1);
  ASSERT_TRUE(Eventually([&] { return outcomes.count() == 1; }));
  ASSERT_TRUE(gate.AwaitStarted(2));
  EXPECT_EQ(outcomes.count(), 1u);  // the ten wait for the second sync
  gate.Release(2);
  ASSERT_TRUE(Eventually([&] { return outcomes.count() == 11; }));
  EXPECT_EQ(gate.started(), 2);
  EXPECT_NE(outcomes.thread, std::this_thread::get_id());
  const WalSyncer::Stats stats = syncer.GetStats();
  EXPECT_EQ(stats.syncs, 2u);
  EXPECT_EQ(stats.waiters, 11u);
  for (const Status& status : outcomes.seen) EXPECT_TRUE(status.ok());
}

TEST(WalSyncerTest, AFailedSyncFailsItsWaitersAndEveryLaterOne) {
  GatedSync gate;
  gate.Fail(Status(ErrorCode::kStoreUnavailable, "disk gone"));
  gate.Release(1000);
  Outcomes outcomes;
  WalSyncer syncer([&] { return gate(); });
  EXPECT_TRUE(syncer.Health().ok());
  for (int i = 0; i < 3; ++i) syncer.AfterSync(outcomes.Record());
  ASSERT_TRUE(Eventually([&] { return outcomes.count() == 3; }));
  const int syncs = gate.started();
  // The disk "recovers": later waiters still fail, without another sync (it would prove nothing).
  gate.Fail(Status::Ok());
  for (int i = 0; i < 2; ++i) syncer.AfterSync(outcomes.Record());
  ASSERT_TRUE(Eventually([&] { return outcomes.count() == 5; }));
  EXPECT_EQ(gate.started(), syncs);
  for (const Status& status : outcomes.seen) EXPECT_EQ(status.code(), ErrorCode::kStoreUnavailable);
  EXPECT_EQ(syncer.Health().code(), ErrorCode::kStoreUnavailable);
  EXPECT_EQ(syncer.GetStats().waiters, 5u);
}

TEST(WalSyncerTest, DestructionServesWhatIsQueued) {
  GatedSync gate;
  Outcomes outcomes;
  {
    WalSyncer syncer([&] { return gate(); });
    syncer.AfterSync(outcomes.Record());
    ASSERT_TRUE(gate.AwaitStarted(1));
    syncer.AfterSync(outcomes.Record());
    gate.Release(2);
  }
  EXPECT_EQ(outcomes.count(), 2u);
  EXPECT_EQ(gate.started(), 2);
}

TEST(WalSyncerTest, ConcurrentCallersAreAllAnswered) {
  std::atomic<int> syncs{0};
  Outcomes outcomes;
  WalSyncer syncer([&] {
    syncs.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    return Status::Ok();
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) syncer.AfterSync(outcomes.Record());
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(Eventually([&] { return outcomes.count() == 1000; }));
  EXPECT_LT(syncs.load(), 1000);  // shared, not one each
  EXPECT_EQ(syncer.GetStats().waiters, 1000u);
}

// Deferred waiters share one sync, started by StartSyncs(), however long the caller takes to get there.
TEST(WalSyncerTest, DeferredWaitersWaitForStartSyncs) {
  GatedSync gate;
  gate.Release(1000);
  Outcomes outcomes;
  WalSyncer syncer([&] { return gate(); }, std::chrono::hours(1));
  syncer.StartSyncs();  // nothing deferred: no sync
  for (int i = 0; i < 5; ++i) syncer.AfterSync(outcomes.Record(), SyncStart::kAtStartSyncs);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(gate.started(), 0);
  EXPECT_EQ(outcomes.count(), 0u);
  syncer.StartSyncs();
  ASSERT_TRUE(Eventually([&] { return outcomes.count() == 5; }));
  EXPECT_EQ(gate.started(), 1);
  // A waiter that asks for a sync now takes the deferred ones along.
  syncer.AfterSync(outcomes.Record(), SyncStart::kAtStartSyncs);
  syncer.AfterSync(outcomes.Record(), SyncStart::kNow);
  ASSERT_TRUE(Eventually([&] { return outcomes.count() == 7; }));
  EXPECT_EQ(gate.started(), 2);
  EXPECT_EQ(syncer.GetStats().waiters, 7u);
  EXPECT_EQ(syncer.GetStats().max_hold_syncs, 0u);
}

// Without StartSyncs, a deferred waiter is synced max_hold after the first of its group was queued.
TEST(WalSyncerTest, DeferredWaitersWithoutStartSyncsAreSyncedAfterMaxHold) {
  GatedSync gate;
  gate.Release(1000);
  Outcomes outcomes;
  WalSyncer syncer([&] { return gate(); }, std::chrono::milliseconds(100));
  const auto queued = std::chrono::steady_clock::now();
  syncer.AfterSync(outcomes.Record(), SyncStart::kAtStartSyncs);
  syncer.AfterSync(outcomes.Record(), SyncStart::kAtStartSyncs);
  ASSERT_TRUE(Eventually([&] { return outcomes.count() == 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - queued, std::chrono::milliseconds(100));
  EXPECT_EQ(gate.started(), 1);
  EXPECT_EQ(syncer.GetStats().max_hold_syncs, 1u);
}

TEST(WalSyncerTest, DestructionServesDeferredWaiters) {
  GatedSync gate;
  gate.Release(1000);
  Outcomes outcomes;
  {
    WalSyncer syncer([&] { return gate(); }, std::chrono::hours(1));
    syncer.AfterSync(outcomes.Record(), SyncStart::kAtStartSyncs);
  }
  EXPECT_EQ(outcomes.count(), 1u);
}

}  // namespace
}  // namespace ofs::storage::rocks
