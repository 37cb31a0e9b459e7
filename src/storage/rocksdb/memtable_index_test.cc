// The hashed log of the hashed memtable, alone (no RocksDB frames, so TSan sees all of it).
#include "storage/rocksdb/memtable_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocksdb/memtable_keys_for_tests.h"

namespace ofs::storage::rocks::memtable {
namespace {

using Keys = MemtableKeysForTests;

std::vector<const char*> Versions(const HashedLog& log, std::string_view user_key) {
  std::vector<const char*> out;
  log.ForEachVersion(user_key, [&](const char* key) {
    out.push_back(key);
    return true;
  });
  return out;
}

TEST(HashedLogTest, FindsEveryVersionNewestFirstAndOnlyItsOwn) {
  Keys keys;
  HashedLog log(1);  // one bucket: every key collides, so tags and key bytes must tell them apart
  const char* a1 = keys.Add("a", 1);
  const char* b2 = keys.Add("b", 2);
  const char* a3 = keys.Add("a", 3);
  const char* ab4 = keys.Add("ab", 4);
  for (const char* key : {a1, b2, a3, ab4}) log.Append(key);
  EXPECT_EQ(Versions(log, "a"), (std::vector<const char*>{a3, a1}));
  EXPECT_EQ(Versions(log, "b"), (std::vector<const char*>{b2}));
  EXPECT_EQ(Versions(log, "ab"), (std::vector<const char*>{ab4}));
  EXPECT_TRUE(Versions(log, "c").empty());
  int visited = 0;
  log.ForEachVersion("a", [&](const char*) { return ++visited < 1; });  // stops when told
  EXPECT_EQ(visited, 1);
}

TEST(HashedLogTest, KeepsAppendOrderAcrossChunksAndCountsItsMemory) {
  Keys keys;
  HashedLog log(1 << 10);
  EXPECT_EQ(log.Bytes(), 0u);  // nothing allocated before the first entry
  EXPECT_TRUE(Versions(log, "x").empty());
  std::vector<const char*> appended;
  for (int i = 0; i < 10000; ++i) {
    appended.push_back(keys.Add("key" + std::to_string(i % 2500), i + 1));
    log.Append(appended.back());
  }
  ASSERT_EQ(log.Size(), appended.size());
  for (size_t i = 0; i < appended.size(); ++i) ASSERT_EQ(log.At(i), appended[i]) << i;
  EXPECT_EQ(Versions(log, "key7").size(), 4u);
  // 1,024 buckets of 8 bytes, chunks of 1k, 2k, 4k and 8k slots of 16 bytes.
  EXPECT_EQ(log.Bytes(), 1024u * 8 + (1024u + 2048 + 4096 + 8192) * 16);
}

// One writer, readers meanwhile: every entry a reader can count is readable, and every key appended
// before a reader's look is found with all its versions so far.
TEST(HashedLogTest, ReadersSeeWhatTheWriterPublished) {
  constexpr int kEntries = 200000;
  constexpr int kUserKeys = 5000;
  Keys keys;
  std::vector<const char*> all;
  for (int i = 0; i < kEntries; ++i) all.push_back(keys.Add("user" + std::to_string(i % kUserKeys), i + 1));
  HashedLog log(1 << 12);
  std::atomic<bool> failed{false};
  std::atomic<bool> done{false};
  auto reader = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (!done.load(std::memory_order_acquire)) {
      const size_t n = log.Size();
      if (n == 0) continue;
      const size_t i = rng() % n;
      if (log.At(i) != all[i]) failed = true;
      // Versions of entry i's user key appended before n: all present, in descending order.
      const std::string user_key = "user" + std::to_string(i % kUserKeys);
      size_t expected = 0;
      for (size_t j = i % kUserKeys; j < n; j += kUserKeys) ++expected;
      size_t found = 0;
      const char* previous = nullptr;
      log.ForEachVersion(user_key, [&](const char* key) {
        if (previous != nullptr && ParseMemtableKey(key).trailer >= ParseMemtableKey(previous).trailer)
          failed = true;
        previous = key;
        ++found;
        return true;
      });
      if (found < expected) failed = true;
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  for (const char* key : all) log.Append(key);
  done.store(true, std::memory_order_release);
  r1.join();
  r2.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(log.Size(), static_cast<size_t>(kEntries));
}

}  // namespace
}  // namespace ofs::storage::rocks::memtable
