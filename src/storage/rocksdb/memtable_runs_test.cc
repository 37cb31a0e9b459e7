// The ordered side of the hashed memtable against a model: a sorted std::vector of the same keys.
#include "storage/rocksdb/memtable_runs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>
#include <string>
#include <vector>

#include "storage/rocksdb/memtable_keys_for_tests.h"

namespace ofs::storage::rocks::memtable {
namespace {

// Memtable keys, and random ones.
class Keys : public MemtableKeysForTests {
 public:
  // A random user key: a shared 4-byte prefix (a table id), then a mix of lengths (some longer than
  // 127 bytes, for a two-byte length), bytes above 0x7f, and keys that are prefixes of others.
  const char* AddRandom(std::mt19937_64& rng) {
    std::string user_key("\x00\x00\x00\x09", 4);
    switch (rng() % 4) {
      case 0:
        user_key += std::to_string(rng() % 50);
        break;
      case 1:
        user_key += std::string(1 + rng() % 3, static_cast<char>(0xf0 + rng() % 16));
        break;
      case 2:
        user_key += std::string(120 + rng() % 20, 'k') + std::to_string(rng() % 5);
        break;
      default:
        user_key += "entity-" + std::to_string(rng() % 1000);
        break;
    }
    return Add(user_key, ++sequence_);
  }

 private:
  uint64_t sequence_ = 0;
};

// The order spelled out independently: user keys as unsigned bytes, then the newer sequence first.
bool ModelLess(const char* a, const char* b) {
  const ParsedKey pa = ParseMemtableKey(a), pb = ParseMemtableKey(b);
  const std::string ua(pa.user_key), ub(pb.user_key);
  if (ua != ub) {
    return std::lexicographical_compare(ua.begin(), ua.end(), ub.begin(), ub.end(), [](char x, char y) {
      return static_cast<uint8_t>(x) < static_cast<uint8_t>(y);
    });
  }
  return (pa.trailer >> 8) > (pb.trailer >> 8);
}

TEST(MemtableRunsTest, ParsesWhatRocksDbWrites) {
  Keys keys;
  const std::string long_key(200, 'x');  // a two-byte length
  const ParsedKey parsed = ParseMemtableKey(keys.Add(long_key, 77));
  EXPECT_EQ(parsed.user_key, long_key);
  EXPECT_EQ(parsed.trailer, uint64_t{77} << 8 | 1);
}

TEST(MemtableRunsTest, OrderIsBytewiseThenNewestFirst) {
  Keys keys;
  EXPECT_TRUE(Less(keys.Add("a", 1), keys.Add("b", 1)));
  EXPECT_TRUE(Less(keys.Add("a", 1), keys.Add("ab", 1)));       // a prefix first
  EXPECT_TRUE(Less(keys.Add("\x7f", 1), keys.Add("\x80", 1)));  // unsigned bytes
  EXPECT_TRUE(Less(keys.Add("k", 9), keys.Add("k", 3)));        // newer first
  EXPECT_FALSE(Less(keys.Add("k", 3), keys.Add("k", 9)));
  const char* same = keys.Add("k", 5);
  EXPECT_FALSE(Less(same, same));
}

TEST(MemtableRunsTest, SortKeysSortsLikeTheModel) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::mt19937_64 rng(seed);
    Keys keys;
    KeyRun run;
    const size_t n = seed == 0 ? 1 : rng() % 3000;
    for (size_t i = 0; i < n; ++i) run.push_back(keys.AddRandom(rng));
    KeyRun expected = run;
    std::sort(expected.begin(), expected.end(), ModelLess);
    SortKeys(&run);
    ASSERT_EQ(run, expected) << "seed " << seed;
  }
  // Keys that share more than 8 bytes beyond their common prefix: the head ties, the full order decides.
  Keys keys;
  KeyRun run = {keys.Add("prefix-0123456789-b", 1), keys.Add("prefix-0123456789-a", 2),
                keys.Add("prefix-0", 3)};
  SortKeys(&run);
  EXPECT_EQ(ParseMemtableKey(run[0]).user_key, "prefix-0");
  EXPECT_EQ(ParseMemtableKey(run[1]).user_key, "prefix-0123456789-a");
}

TEST(MemtableRunsTest, RunsStayFewAndHoldEveryKey) {
  std::mt19937_64 rng(7);
  Keys keys;
  SortedRuns runs;
  KeyRun all;
  for (int batch = 0; batch < 400; ++batch) {
    KeyRun tail;
    const size_t n = rng() % 4 == 0 ? 1 + rng() % 500 : 1 + rng() % 10;
    for (size_t i = 0; i < n; ++i) tail.push_back(keys.AddRandom(rng));
    all.insert(all.end(), tail.begin(), tail.end());
    SortKeys(&tail);
    runs.Add(std::move(tail));
    const RunSet& set = runs.runs();
    for (size_t r = 1; r < set.size(); ++r) {
      ASSERT_LT(set[r]->size() * 2, set[r - 1]->size()) << "run " << r << " after batch " << batch;
    }
    ASSERT_LE(set.size(), static_cast<size_t>(std::bit_width(all.size())));
  }
  runs.MergeAll();
  ASSERT_EQ(runs.runs().size(), 1u);
  std::sort(all.begin(), all.end(), ModelLess);
  EXPECT_EQ(*runs.runs()[0], all);
}

// Random walks (seeks of every kind, steps both ways, turning around) over 1, 2 and many runs.
TEST(MemtableRunsTest, IteratorWalksLikeTheModel) {
  for (uint64_t seed = 0; seed < 30; ++seed) {
    std::mt19937_64 rng(seed);
    Keys keys;
    SortedRuns runs;
    KeyRun model;
    const int batches = seed % 3 == 0 ? 1 : (seed % 3 == 1 ? 2 : 60);
    for (int b = 0; b < batches; ++b) {
      KeyRun tail;
      // Two batches: a large one first, so that the second stays a run of its own.
      const size_t n = seed % 3 == 1 && b == 0 ? 200 : rng() % 80;
      for (size_t i = 0; i < n; ++i) tail.push_back(keys.AddRandom(rng));
      model.insert(model.end(), tail.begin(), tail.end());
      SortKeys(&tail);
      runs.Add(std::move(tail));
    }
    if (seed % 3 == 1) {
      ASSERT_EQ(runs.runs().size(), 2u);
    } else if (seed % 3 == 2) {
      ASSERT_GE(runs.runs().size(), 2u);
    }
    std::sort(model.begin(), model.end(), ModelLess);
    RunsIterator it(std::make_shared<const RunSet>(runs.runs()));
    ptrdiff_t at = -1;  // model position; -1 or model.size() = not valid
    auto expect_same = [&](const char* step) {
      const bool valid = at >= 0 && at < static_cast<ptrdiff_t>(model.size());
      ASSERT_EQ(it.Valid(), valid) << step << " seed " << seed;
      if (valid) {
        ASSERT_EQ(it.key(), model[at]) << step << " seed " << seed;
      }
    };
    for (int step = 0; step < 400; ++step) {
      const bool valid = at >= 0 && at < static_cast<ptrdiff_t>(model.size());
      const uint64_t op = rng() % 10;
      if (op < 3 && valid) {
        it.Next();
        ++at;
        expect_same("Next");
      } else if (op < 6 && valid) {
        it.Prev();
        --at;
        if (at < 0) at = -1;
        expect_same("Prev");
      } else if (op < 8) {
        // A target that may or may not be a key: a fresh key, or an existing user key at another sequence.
        const char* target =
            rng() % 2 == 0 || model.empty()
                ? keys.AddRandom(rng)
                : keys.Add(std::string(ParseMemtableKey(model[rng() % model.size()]).user_key), rng() % 4000);
        uint32_t size = static_cast<uint32_t>(ParseMemtableKey(target).user_key.size() + 8);
        const char* internal = ParseMemtableKey(target).user_key.data();
        if (op == 6) {
          it.Seek(rocksdb::Slice(internal, size), target);
          at = std::lower_bound(model.begin(), model.end(), target, ModelLess) - model.begin();
          expect_same("Seek");
        } else {
          it.SeekForPrev(rocksdb::Slice(internal, size), target);
          at = std::upper_bound(model.begin(), model.end(), target, ModelLess) - model.begin() - 1;
          expect_same("SeekForPrev");
        }
      } else if (op == 8) {
        it.SeekToFirst();
        at = 0;
        expect_same("SeekToFirst");
      } else {
        it.SeekToLast();
        at = static_cast<ptrdiff_t>(model.size()) - 1;
        expect_same("SeekToLast");
      }
      if (HasFatalFailure()) return;
    }
  }
}

}  // namespace
}  // namespace ofs::storage::rocks::memtable
