#include "storage/rocksdb/row_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/fallback.h"

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

// Such a row is always read from RocksDB: a degraded mode, counted (row_cache_row_too_large).
TEST(RowCacheTest, RowsLargerThanAShardAreNotCached) {
  RowCache cache(64 << 10);  // 1 KiB per shard
  const std::string bytes = KeyBytes(1);
  const Key key = RowCache::MakeKey(0, bytes);
  const uint64_t before = FallbackCount(Fallback::kRowCacheRowTooLarge);
  Put(cache, key, std::string(4096, 'x'));
  std::string row;
  EXPECT_FALSE(cache.Read(key, &row));
  EXPECT_EQ(cache.GetStats().bytes, 0u);
  EXPECT_EQ(FallbackCount(Fallback::kRowCacheRowTooLarge), before + 1);
  Put(cache, key, std::string(100, 'x'));  // a row that fits is not counted
  EXPECT_EQ(FallbackCount(Fallback::kRowCacheRowTooLarge), before + 1);
}

// ReadMany reports every key once, in order: hits with their rows (duplicates included), misses with
// nullptr. 100 keys are more than its prefetch distances, so the prefetching loop runs in full.
TEST(RowCacheTest, ReadManyVisitsEveryKeyInOrder) {
  RowCache cache(1 << 20);
  std::vector<std::string> bytes;
  for (int i = 0; i < 100; ++i) bytes.push_back(KeyBytes(i % 60));  // keys 0-39 appear twice
  std::vector<Key> keys;
  for (const std::string& b : bytes) keys.push_back(RowCache::MakeKey(1, b));
  for (int i = 0; i < 60; ++i) {
    if (i % 3 != 0) Put(cache, keys[static_cast<size_t>(i)], "row-" + std::to_string(i));
  }
  std::vector<std::string> seen;
  auto visit = [&](size_t index, const std::string_view* row) {
    EXPECT_EQ(index, seen.size());
    seen.push_back(row == nullptr ? "miss" : std::string(*row));
  };
  cache.ReadMany(keys, visit);
  ASSERT_EQ(seen.size(), keys.size());
  size_t hits = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    const int k = static_cast<int>(i % 60);
    EXPECT_EQ(seen[i], k % 3 != 0 ? "row-" + std::to_string(k) : "miss") << "key " << i;
    hits += k % 3 != 0 ? 1 : 0;
  }
  const RowCache::Stats stats = cache.GetStats();
  EXPECT_EQ(stats.hits, hits);
  EXPECT_EQ(stats.misses, keys.size() - hits);
}

TEST(RowCacheTest, ReadManyOfOneKeyAndOfNone) {
  RowCache cache(1 << 20);
  const std::string bytes = KeyBytes(1);
  const Key key = RowCache::MakeKey(1, bytes);
  Put(cache, key, "one");
  int calls = 0;
  auto visit = [&](size_t index, const std::string_view* row) {
    ++calls;
    EXPECT_EQ(index, 0u);
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(*row, "one");
  };
  cache.ReadMany(std::span<const Key>(&key, 1), visit);
  cache.ReadMany({}, visit);
  EXPECT_EQ(calls, 1);
}

// InvalidateMany is Invalidate of each key: the rows go, earlier tickets are void, other rows stay.
TEST(RowCacheTest, InvalidateManyDropsEveryKeyAndVoidsItsTickets) {
  RowCache cache(1 << 20);
  std::vector<std::string> bytes;
  for (int i = 0; i < 60; ++i) bytes.push_back(KeyBytes(i));
  std::vector<Key> keys;
  for (const std::string& b : bytes) keys.push_back(RowCache::MakeKey(1, b));
  for (int i = 0; i < 50; ++i) Put(cache, keys[static_cast<size_t>(i)], "row-" + std::to_string(i));
  const uint64_t early_ticket = cache.Ticket(keys[10]);
  // Keys 10-39, one twice, and keys 50-59, which were never cached.
  std::vector<Key> written(keys.begin() + 10, keys.begin() + 40);
  written.push_back(keys[20]);
  written.insert(written.end(), keys.begin() + 50, keys.end());
  cache.InvalidateMany(written);
  std::string row;
  for (int i = 0; i < 60; ++i) {
    const bool cached = cache.Read(keys[static_cast<size_t>(i)], &row);
    EXPECT_EQ(cached, i < 10 || (i >= 40 && i < 50)) << "key " << i;
  }
  cache.Fill(keys[10], early_ticket, "stale");
  EXPECT_FALSE(cache.Read(keys[10], &row));
  EXPECT_EQ(cache.GetStats().entries, 20u);
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
    if (step % 1000 == 0) {  // and the same state through ReadMany, over a batch of random keys
      std::vector<std::string> batch_bytes;
      for (int i = 0; i < 40; ++i) batch_bytes.push_back(KeyBytes(static_cast<int>(rng() % 5000)));
      std::vector<Key> batch;
      for (const std::string& b : batch_bytes) {
        batch.push_back(RowCache::MakeKey(static_cast<uint32_t>(b.size() % 3), b));
      }
      size_t visited = 0;
      auto visit = [&](size_t index, const std::string_view* cached) {
        ASSERT_EQ(index, visited++);
        const auto it = model.find(std::to_string(batch[index].space) + "/" + batch_bytes[index]);
        ASSERT_EQ(cached != nullptr, it != model.end()) << "step " << step << " key " << batch_bytes[index];
        if (cached != nullptr) {
          EXPECT_EQ(*cached, it->second);
        }
      };
      cache.ReadMany(batch, visit);
      ASSERT_EQ(visited, batch.size());
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

// ReadMany prefetches through a table address it reads without the lock while fills grow the tables
// and evict, and invalidations shift slots: every row it reports must still be whole and belong to its
// key. Run under TSan too (make test-tsan).
TEST(RowCacheTest, ReadManyRacesGrowthEvictionAndInvalidation) {
  RowCache cache(1 << 20);  // ~130 rows per shard: tables grow from 64 slots to 256, then fills evict
  constexpr int kKeys = 20'000;
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back(KeyBytes(i));
  const auto row_of = [](const std::string& key) { return key + std::string(40, '.') + key; };
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 rng(static_cast<unsigned>(r));
      std::vector<Key> batch(32);
      std::vector<int> ids(batch.size());
      while (!done.load()) {
        for (size_t i = 0; i < batch.size(); ++i) {
          ids[i] = static_cast<int>(rng() % kKeys);
          batch[i] = RowCache::MakeKey(0, keys[static_cast<size_t>(ids[i])]);
        }
        auto visit = [&](size_t index, const std::string_view* row) {
          if (row != nullptr && *row != row_of(keys[static_cast<size_t>(ids[index])])) bad.fetch_add(1);
        };
        cache.ReadMany(batch, visit);
      }
    });
  }
  std::mt19937 rng(99);
  for (int step = 0; step < 100'000; ++step) {
    const std::string& bytes = keys[rng() % kKeys];
    const Key key = RowCache::MakeKey(0, bytes);
    if (step % 4 == 0) {
      cache.Invalidate(key);
    } else {
      Put(cache, key, row_of(bytes));
    }
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(cache.GetStats().evictions, 0u);
}

}  // namespace
}  // namespace ofs::storage::rocks
