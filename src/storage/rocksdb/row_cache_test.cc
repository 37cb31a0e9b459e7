#include "storage/rocksdb/row_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ofs::storage::rocks {
namespace {

using Key = RowCache::Key;

std::string KeyBytes(int i) { return "key-" + std::to_string(i); }

// Fills `key` with `row` through the reader protocol (ticket, then fill).
void Put(RowCache& cache, const Key& key, std::string_view row) { cache.Fill(key, cache.Ticket(key), row); }

TEST(RowCacheTest, MissThenHitReturnsTheFilledRow) {
  RowCache cache(1 << 20);
  const std::string bytes = KeyBytes(1);
  const Key key = RowCache::MakeKey(7, bytes);
  std::string row;
  EXPECT_FALSE(cache.Read(key, &row));
  Put(cache, key, "row-1");
  ASSERT_TRUE(cache.Read(key, &row));
  EXPECT_EQ(row, "row-1");
  const RowCache::Stats stats = cache.GetStats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.fills, 1u);
  EXPECT_EQ(stats.entries, 1u);
}

TEST(RowCacheTest, SpacesAreDistinct) {
  RowCache cache(1 << 20);
  const std::string bytes = KeyBytes(1);
  Put(cache, RowCache::MakeKey(1, bytes), "in-space-1");
  std::string row;
  EXPECT_FALSE(cache.Read(RowCache::MakeKey(2, bytes), &row));
  ASSERT_TRUE(cache.Read(RowCache::MakeKey(1, bytes), &row));
  EXPECT_EQ(row, "in-space-1");
}

TEST(RowCacheTest, InvalidateDropsTheRowAndVoidsEarlierTickets) {
  RowCache cache(1 << 20);
  const std::string bytes = KeyBytes(1);
  const Key key = RowCache::MakeKey(0, bytes);
  Put(cache, key, "old");
  const uint64_t ticket = cache.Ticket(key);  // a reader missed before the write committed...
  cache.Invalidate(key);                      // ...the writer invalidates...
  std::string row;
  EXPECT_FALSE(cache.Read(key, &row));
  cache.Fill(key, ticket, "stale");  // ...and the reader's stale fill is refused
  EXPECT_FALSE(cache.Read(key, &row));
  EXPECT_EQ(cache.GetStats().rejected_fills, 1u);
  Put(cache, key, "new");  // a ticket taken after the write fills
  ASSERT_TRUE(cache.Read(key, &row));
  EXPECT_EQ(row, "new");
}

TEST(RowCacheTest, RefillReplacesTheRow) {
  RowCache cache(1 << 20);
  const std::string bytes = KeyBytes(1);
  const Key key = RowCache::MakeKey(0, bytes);
  Put(cache, key, "first");
  Put(cache, key, "second, longer");
  std::string row;
  ASSERT_TRUE(cache.Read(key, &row));
  EXPECT_EQ(row, "second, longer");
  EXPECT_EQ(cache.GetStats().entries, 1u);
}

TEST(RowCacheTest, StaysWithinCapacityAndEvicts) {
  constexpr size_t kCapacity = 256 << 10;
  RowCache cache(kCapacity);
  const std::string row(200, 'r');
  for (int i = 0; i < 20'000; ++i) {
    const std::string bytes = KeyBytes(i);
    Put(cache, RowCache::MakeKey(0, bytes), row);
    ASSERT_LE(cache.GetStats().bytes, kCapacity);
  }
  const RowCache::Stats stats = cache.GetStats();
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_GT(stats.entries, 500u);  // most of the capacity holds rows
  EXPECT_EQ(stats.entries + stats.evictions, 20'000u);
}

TEST(RowCacheTest, ClockKeepsRowsThatAreReadWhileColdRowsPass) {
  RowCache cache(256 << 10);
  const std::string row(200, 'r');
  std::vector<std::string> hot_keys;
  for (int i = 0; i < 50; ++i) hot_keys.push_back("hot-" + std::to_string(i));
  for (const std::string& k : hot_keys) Put(cache, RowCache::MakeKey(0, k), row);
  std::string out;
  for (int i = 0; i < 20'000; ++i) {
    for (const std::string& k : hot_keys) {
      if (i % 100 == 0) cache.Read(RowCache::MakeKey(0, k), &out);  // referenced between sweeps
    }
    const std::string bytes = KeyBytes(i);
    Put(cache, RowCache::MakeKey(0, bytes), row);
  }
  int hot_hits = 0;
  for (const std::string& k : hot_keys) hot_hits += cache.Read(RowCache::MakeKey(0, k), &out) ? 1 : 0;
  EXPECT_EQ(hot_hits, 50);
}

TEST(RowCacheTest, RowsLargerThanAShardAreNotCached) {
  RowCache cache(64 << 10);  // 1 KiB per shard
  const std::string bytes = KeyBytes(1);
  const Key key = RowCache::MakeKey(0, bytes);
  Put(cache, key, std::string(4096, 'x'));
  std::string row;
  EXPECT_FALSE(cache.Read(key, &row));
  EXPECT_EQ(cache.GetStats().bytes, 0u);
}

// Random fills, invalidations and reads against a model: exercises probing, backward-shift deletion,
// growth and eviction. With room for every key nothing is evicted, so the cache must equal the model.
TEST(RowCacheTest, MatchesAModelUnderRandomOperations) {
  RowCache cache(64 << 20);
  std::map<std::string, std::string> model;
  std::mt19937 rng(12345);
  std::string row;
  for (int step = 0; step < 200'000; ++step) {
    const std::string bytes = KeyBytes(static_cast<int>(rng() % 5000));
    const Key key = RowCache::MakeKey(static_cast<uint32_t>(bytes.size() % 3), bytes);
    const std::string model_key = std::to_string(key.space) + "/" + bytes;
    switch (rng() % 3) {
      case 0: {
        const std::string value = "v" + std::to_string(step) + std::string(rng() % 64, 'p');
        Put(cache, key, value);
        model[model_key] = value;
        break;
      }
      case 1:
        cache.Invalidate(key);
        model.erase(model_key);
        break;
      default: {
        const auto it = model.find(model_key);
        const bool hit = cache.Read(key, &row);
        ASSERT_EQ(hit, it != model.end()) << "step " << step;
        if (hit) {
          ASSERT_EQ(row, it->second) << "step " << step;
        }
      }
    }
  }
  EXPECT_EQ(cache.GetStats().entries, model.size());
  EXPECT_EQ(cache.GetStats().evictions, 0u);
}

// Readers fill from a "store" (an atomic version per key) while a writer bumps versions and
// invalidates: after the writer's invalidation returns, no read may return an older version. Run under
// TSan too (make test-tsan).
TEST(RowCacheTest, ConcurrentFillsNeverOutliveAnInvalidation) {
  RowCache cache(1 << 20);
  constexpr int kKeys = 8;
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back(KeyBytes(i));
  std::vector<std::atomic<uint64_t>> store(kKeys);
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      std::string row;
      for (uint64_t n = 0; !done.load(); ++n) {
        const int i = static_cast<int>((n + static_cast<uint64_t>(r)) % kKeys);
        const Key key = RowCache::MakeKey(0, keys[i]);
        if (cache.Read(key, &row)) continue;
        const uint64_t ticket = cache.Ticket(key);
        const uint64_t version = store[i].load();
        std::this_thread::yield();  // widen the window between the store read and the fill
        cache.Fill(key, ticket, std::to_string(version));
      }
    });
  }
  std::string row;
  int stale = 0;
  for (uint64_t version = 1; version <= 20'000; ++version) {
    const int i = static_cast<int>(version % kKeys);
    const Key key = RowCache::MakeKey(0, keys[i]);
    store[i].store(version);  // the write commits...
    cache.Invalidate(key);    // ...then invalidates, then is acknowledged
    if (cache.Read(key, &row) && std::stoull(row) < version) ++stale;
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(stale, 0);
}

}  // namespace
}  // namespace ofs::storage::rocks
