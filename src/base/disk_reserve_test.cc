#include "base/disk_reserve.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ofs {
namespace {

constexpr uint64_t kMiB = 1 << 20;

// A file system whose free space the test sets.
struct FakeDisk {
  std::atomic<int64_t> free{100 * kMiB};
  std::atomic<bool> fail{false};
  DiskReserve::Options Options(uint64_t reserve, std::chrono::milliseconds interval = {}) {
    DiskReserve::Options options;
    options.path = "/srv/secret/data";
    options.reserve_bytes = reserve;
    options.poll_interval = interval;
    options.setting = "rocksdb.min_free_disk_mb";
    options.free_bytes = [this](const std::string&) -> Result<uint64_t> {
      if (fail) return Result<uint64_t>(ErrorCode::kStoreUnavailable, "statvfs failed", "EIO");
      return static_cast<uint64_t>(free.load());
    };
    return options;
  }
};

TEST(DiskReserveTest, AdmitsWhatLeavesTheReserveFree) {
  FakeDisk disk;
  DiskReserve reserve(disk.Options(10 * kMiB));
  EXPECT_TRUE(reserve.Admits(90 * kMiB));
  EXPECT_FALSE(reserve.Admits(90 * kMiB + 1));  // one write larger than what is left
  EXPECT_TRUE(reserve.Admit(kMiB, "write").ok());
  EXPECT_TRUE(reserve.Health().ok());
  EXPECT_EQ(reserve.GetStats().free_bytes, 100 * kMiB);
  EXPECT_FALSE(reserve.GetStats().full);
}

TEST(DiskReserveTest, RefusalSaysWhyWithoutThePath) {
  FakeDisk disk;
  disk.free = 5 * kMiB;
  DiskReserve reserve(disk.Options(10 * kMiB));
  const Status refused = reserve.Admit(100, "write");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), ErrorCode::kStoreUnavailable);
  EXPECT_NE(refused.message().find("disk is almost full"), std::string_view::npos) << refused.ToString();
  EXPECT_NE(refused.cause().find("rocksdb.min_free_disk_mb"), std::string_view::npos) << refused.ToString();
  EXPECT_EQ(refused.ToString().find("/srv/secret"), std::string::npos) << refused.ToString();
  EXPECT_EQ(reserve.GetStats().refused, 1u);
  const Status health = reserve.Health();
  ASSERT_FALSE(health.ok());
  EXPECT_EQ(health.ToString().find("/srv/secret"), std::string::npos) << health.ToString();
  EXPECT_TRUE(reserve.GetStats().full);
}

TEST(DiskReserveTest, WritesBetweenPollsAreAccounted) {
  FakeDisk disk;
  DiskReserve reserve(disk.Options(10 * kMiB));
  reserve.Wrote(60 * kMiB);  // the file system is not asked again
  EXPECT_TRUE(reserve.Admits(30 * kMiB));
  EXPECT_FALSE(reserve.Admits(30 * kMiB + 1));
  reserve.Wrote(30 * kMiB);
  EXPECT_FALSE(reserve.Health().ok());
  // The next poll measures again: the writes were deleted meanwhile (a compaction), so there is room.
  reserve.Poll();
  EXPECT_TRUE(reserve.Admits(90 * kMiB));
}

TEST(DiskReserveTest, WritesDuringAPollAreNotLost) {
  FakeDisk disk;
  DiskReserve::Options options = disk.Options(0);
  DiskReserve* self = nullptr;
  options.free_bytes = [&](const std::string&) -> Result<uint64_t> {
    if (self != nullptr) self->Wrote(kMiB);  // lands after the poll sampled its counter
    return static_cast<uint64_t>(disk.free.load());
  };
  DiskReserve reserve(options);
  self = &reserve;
  reserve.Poll();
  // statvfs may or may not have seen that MiB: the estimate assumes it did not.
  EXPECT_EQ(reserve.GetStats().free_bytes, 99 * kMiB);
}

TEST(DiskReserveTest, ResumesWhenSpaceReturns) {
  FakeDisk disk;
  disk.free = kMiB;
  DiskReserve reserve(disk.Options(10 * kMiB));
  EXPECT_FALSE(reserve.Admits(1));
  disk.free = 50 * kMiB;  // an operator deleted files
  reserve.Poll();
  EXPECT_TRUE(reserve.Admits(1));
  EXPECT_TRUE(reserve.Health().ok());
}

TEST(DiskReserveTest, ExhaustionHoldsUntilTheNextPoll) {
  FakeDisk disk;
  DiskReserve reserve(disk.Options(kMiB));
  reserve.NoteExhausted("the WAL");
  EXPECT_FALSE(reserve.Admits(1));
  EXPECT_FALSE(reserve.Health().ok());
  reserve.Poll();  // another process freed space, or the preallocation was larger than the reserve
  EXPECT_TRUE(reserve.Admits(1));
}

TEST(DiskReserveTest, ZeroReserveRefusesOnlyWhatDoesNotFit) {
  FakeDisk disk;
  disk.free = 1000;
  DiskReserve reserve(disk.Options(0));
  EXPECT_TRUE(reserve.Admits(1000));
  EXPECT_FALSE(reserve.Admits(1001));
}

TEST(DiskReserveTest, FailedPollKeepsTheLastEstimate) {
  FakeDisk disk;
  DiskReserve reserve(disk.Options(kMiB));
  disk.fail = true;
  disk.free = 0;
  reserve.Poll();
  EXPECT_TRUE(reserve.Admits(kMiB));
  EXPECT_EQ(reserve.GetStats().poll_failures, 1u);
}

TEST(DiskReserveTest, ListenersHearEveryPollUntilRemoved) {
  FakeDisk disk;
  DiskReserve reserve(disk.Options(10 * kMiB));
  std::vector<bool> heard;
  const uint64_t id = reserve.AddListener([&](bool full) { heard.push_back(full); });
  reserve.Poll();
  disk.free = kMiB;
  reserve.Poll();
  reserve.RemoveListener(id);
  reserve.Poll();
  EXPECT_EQ(heard, (std::vector<bool>{false, true}));
}

TEST(DiskReserveTest, PollThreadNoticesChanges) {
  FakeDisk disk;
  DiskReserve reserve(disk.Options(10 * kMiB, std::chrono::milliseconds(5)));
  EXPECT_TRUE(reserve.Admits(1));
  disk.free = kMiB;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (reserve.Admits(1) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_FALSE(reserve.Admits(1));
  disk.free = 50 * kMiB;
  while (!reserve.Admits(1) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(reserve.Admits(1));
}

TEST(DiskReserveTest, MeasuresARealDirectory) {
  DiskReserve::Options options;
  options.path = ::testing::TempDir();
  options.poll_interval = std::chrono::milliseconds(0);
  DiskReserve reserve(options);
  EXPECT_GT(reserve.GetStats().free_bytes, 0u);
  EXPECT_EQ(reserve.GetStats().poll_failures, 0u);
}

}  // namespace
}  // namespace ofs
