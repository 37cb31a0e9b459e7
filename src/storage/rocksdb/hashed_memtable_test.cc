// The hashed memtable against RocksDB's skip list: the same operations on two databases, one with each
// representation, must read the same through every read path (Get, MultiGet, iterators both ways,
// snapshots), before and after flushes and WAL recovery.
#include "storage/rocksdb/hashed_memtable.h"

#include <gtest/gtest.h>
#include <rocksdb/comparator.h>
#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/fallback.h"

namespace ofs::storage::rocks {
namespace {

// Merge operands are appended with a separator, so the order RocksDB applies them in is visible.
class AppendOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    *new_value = existing ? existing->ToString() + "," + value.ToString() : value.ToString();
    return true;
  }
  const char* Name() const override { return "AppendOperator"; }
};

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("ofs-hashed-memtable-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

rocksdb::Options BaseOptions(bool hashed) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.merge_operator = std::make_shared<AppendOperator>();
  options.write_buffer_size = 64 << 10;  // many memtables and flushes in a short test
  options.min_write_buffer_number_to_merge = 2;
  options.max_write_buffer_number = 4;
  // Merges fold once 3 operands stack up, which walks a key's entries through GetDynamicPrefixIterator.
  options.max_successive_merges = 3;
  if (hashed) {
    options.memtable_factory = NewHashedMemTableFactory(64);
    options.allow_concurrent_memtable_write = false;
  }
  return options;
}

std::unique_ptr<rocksdb::DB> Open(const rocksdb::Options& options, const std::string& path) {
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::unique_ptr<rocksdb::DB>(db);
}

// Keys that stress the order: a shared prefix (as a table id), keys that are prefixes of others,
// bytes above 0x7f, and a few hundred distinct keys so that each has several versions.
std::string RandomKey(std::mt19937_64& rng) {
  static const std::vector<std::string> tails = {
      "", "a", "ab", "abc", "b", std::string("\xff", 1), std::string("a\x00", 2), std::string("\x80z", 2)};
  std::string key("\x00\x00\x00\x07", 4);
  key += std::to_string(rng() % 300);
  key += tails[rng() % tails.size()];
  return key;
}

// Everything an iterator returns, forward or backward.
std::vector<std::pair<std::string, std::string>> Scan(rocksdb::DB* db, const rocksdb::Snapshot* snapshot,
                                                      bool backward) {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(options));
  std::vector<std::pair<std::string, std::string>> out;
  if (backward) {
    for (it->SeekToLast(); it->Valid(); it->Prev())
      out.emplace_back(it->key().ToString(), it->value().ToString());
  } else {
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return out;
}

// A walk that seeks and turns around: Seek / SeekForPrev to random targets, then steps both ways.
std::vector<std::string> Walk(rocksdb::DB* db, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  std::vector<std::string> out;
  for (int round = 0; round < 20; ++round) {
    const std::string target = RandomKey(rng);
    if (rng() % 2) {
      it->Seek(target);
    } else {
      it->SeekForPrev(target);
    }
    for (int step = 0; step < 12 && it->Valid(); ++step) {
      out.push_back(it->key().ToString() + "=" + it->value().ToString());
      if (rng() % 3 == 0) {
        it->Prev();
      } else {
        it->Next();
      }
    }
    out.push_back(it->Valid() ? "valid" : "end");
  }
  return out;
}

class HashedMemTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kHashedMemTableSupported) {
      GTEST_SKIP() << "built against RocksDB " << ROCKSDB_MAJOR << "." << ROCKSDB_MINOR
                   << ": the factory hands out the skip list (HashedMemTableFallsBackOnOtherRocksDBVersions)";
    }
  }
  void TearDown() override { ForceLookupKeyFallbackForTests(false); }

  void OpenBoth() {
    hashed_ = Open(BaseOptions(true), hashed_dir_.path());
    skip_list_ = Open(BaseOptions(false), skip_list_dir_.path());
    ASSERT_NE(hashed_, nullptr);
    ASSERT_NE(skip_list_, nullptr);
  }
  void CloseBoth() {
    hashed_.reset();
    skip_list_.reset();
  }

  // Applies one random batch to both databases.
  void RandomBatch(std::mt19937_64& rng) {
    rocksdb::WriteBatch batch;
    const int ops = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < ops; ++i) {
      const std::string key = RandomKey(rng);
      const std::string value = "v" + std::to_string(rng() % 1000);
      switch (rng() % 4) {
        case 0:
          ASSERT_TRUE(batch.Put(key, value).ok());
          break;
        case 1:
        case 2:
          ASSERT_TRUE(batch.Merge(key, value).ok());
          break;
        default:
          ASSERT_TRUE(batch.Delete(key).ok());
          break;
      }
    }
    rocksdb::WriteBatch copy(batch);
    ASSERT_TRUE(hashed_->Write(rocksdb::WriteOptions(), &batch).ok());
    ASSERT_TRUE(skip_list_->Write(rocksdb::WriteOptions(), &copy).ok());
  }

  void ExpectSameReads(uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 50; ++i) {
      const std::string key = RandomKey(rng);
      std::string a, b;
      const rocksdb::Status sa = hashed_->Get(rocksdb::ReadOptions(), key, &a);
      const rocksdb::Status sb = skip_list_->Get(rocksdb::ReadOptions(), key, &b);
      ASSERT_EQ(sa.code(), sb.code()) << sa.ToString() << " vs " << sb.ToString();
      ASSERT_EQ(a, b) << "key " << key;
    }
    std::vector<std::string> keys;
    for (int i = 0; i < 20; ++i) keys.push_back(RandomKey(rng));
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<std::string> va, vb;
    const auto sa = hashed_->MultiGet(rocksdb::ReadOptions(), slices, &va);
    const auto sb = skip_list_->MultiGet(rocksdb::ReadOptions(), slices, &vb);
    for (size_t i = 0; i < keys.size(); ++i) {
      ASSERT_EQ(sa[i].code(), sb[i].code());
      ASSERT_EQ(va[i], vb[i]);
    }
    ASSERT_EQ(Scan(hashed_.get(), nullptr, false), Scan(skip_list_.get(), nullptr, false));
    ASSERT_EQ(Scan(hashed_.get(), nullptr, true), Scan(skip_list_.get(), nullptr, true));
    ASSERT_EQ(Walk(hashed_.get(), seed), Walk(skip_list_.get(), seed));
  }

  TempDir hashed_dir_{"hashed"};
  TempDir skip_list_dir_{"skiplist"};
  std::unique_ptr<rocksdb::DB> hashed_;
  std::unique_ptr<rocksdb::DB> skip_list_;
};

// The memtable really is hashed, not the skip-list fallback: its bucket array (1 MiB here) is in the
// memtable's size from the start.
TEST_F(HashedMemTableTest, TheDatabaseUsesIt) {
  TempDir dir("buckets");
  rocksdb::Options options = BaseOptions(true);
  options.write_buffer_size = 64 << 20;
  options.memtable_factory = NewHashedMemTableFactory(1 << 17);
  auto db = Open(options, dir.path());
  ASSERT_NE(db, nullptr);
  EXPECT_STREQ(db->GetOptions().memtable_factory->Name(), kHashedMemTableName);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "k", "v").ok());
  uint64_t bytes = 0;
  ASSERT_TRUE(db->GetIntProperty("rocksdb.cur-size-active-mem-table", &bytes));
  EXPECT_GE(bytes, uint64_t{1} << 20);

  TempDir skip_list_dir("skiplist-size");
  options = BaseOptions(false);
  options.write_buffer_size = 64 << 20;
  auto skip_list = Open(options, skip_list_dir.path());
  ASSERT_NE(skip_list, nullptr);
  ASSERT_TRUE(skip_list->Put(rocksdb::WriteOptions(), "k", "v").ok());
  ASSERT_TRUE(skip_list->GetIntProperty("rocksdb.cur-size-active-mem-table", &bytes));
  EXPECT_LT(bytes, uint64_t{1} << 20);
}

// Reads interleave with writes, so the mutable memtable is iterated with several sorted runs, runs are
// merged, full memtables are flushed two at a time, and snapshots pin older versions.
TEST_F(HashedMemTableTest, ReadsLikeTheSkipListUnderRandomWrites) {
  OpenBoth();
  std::mt19937_64 rng(42);
  const rocksdb::Snapshot* hashed_snapshot = nullptr;
  const rocksdb::Snapshot* skip_list_snapshot = nullptr;
  std::vector<std::pair<std::string, std::string>> at_snapshot;
  for (int step = 0; step < 3000; ++step) {
    RandomBatch(rng);
    if (HasFatalFailure()) return;
    if (step % 97 == 0) ExpectSameReads(step);
    if (HasFatalFailure()) return;
    if (step == 1000) {
      hashed_snapshot = hashed_->GetSnapshot();
      skip_list_snapshot = skip_list_->GetSnapshot();
      at_snapshot = Scan(skip_list_.get(), skip_list_snapshot, false);
      ASSERT_EQ(Scan(hashed_.get(), hashed_snapshot, false), at_snapshot);
    }
  }
  // The snapshot still reads what it read, across the later writes and flushes.
  EXPECT_EQ(Scan(hashed_.get(), hashed_snapshot, false), at_snapshot);
  EXPECT_EQ(Scan(hashed_.get(), hashed_snapshot, true), Scan(skip_list_.get(), skip_list_snapshot, true));
  hashed_->ReleaseSnapshot(hashed_snapshot);
  skip_list_->ReleaseSnapshot(skip_list_snapshot);
  std::string files;
  ASSERT_TRUE(hashed_->GetProperty("rocksdb.num-files-at-level0", &files));
  EXPECT_NE(files, "0") << "the test should have flushed memtables";

  // Recovery: the WAL replays into new memtables of the same kind.
  CloseBoth();
  OpenBoth();
  ExpectSameReads(7);
  ASSERT_TRUE(hashed_->Flush(rocksdb::FlushOptions()).ok());
  ASSERT_TRUE(skip_list_->Flush(rocksdb::FlushOptions()).ok());
  ExpectSameReads(8);
  // Every point lookup read RocksDB's LookupKey directly.
  EXPECT_EQ(FallbackCount(Fallback::kMemtableLookupKey), 0u);
}

// Point lookups as they go when LookupKey's layout is not the one expected (another RocksDB): through
// MemTableRep::Get, reading the same, counted, and without the iterator per lookup that RocksDB's own
// Get leaks (LeakSanitizer under the asan-ubsan preset; the alive count here).
TEST_F(HashedMemTableTest, ThePointLookupFallbackReadsTheSameAndLeaksNothing) {
  ForceLookupKeyFallbackForTests(true);
  const uint64_t before = FallbackCount(Fallback::kMemtableLookupKey);
  OpenBoth();
  std::mt19937_64 rng(7);
  for (int step = 0; step < 600; ++step) {
    RandomBatch(rng);
    if (HasFatalFailure()) return;
    if (step % 97 == 0) ExpectSameReads(step);
    if (HasFatalFailure()) return;
  }
  ExpectSameReads(1);
  EXPECT_GT(FallbackCount(Fallback::kMemtableLookupKey), before);
  EXPECT_EQ(PointIteratorsAliveForTests(), 0);
  CloseBoth();
  EXPECT_EQ(PointIteratorsAliveForTests(), 0);
}

TEST(HashedMemTableVersionTest, HashedMemTableFallsBackOnOtherRocksDBVersions) {
  EXPECT_TRUE(HashedMemTableSupports(7, 8));
  EXPECT_FALSE(HashedMemTableSupports(7, 9));
  EXPECT_FALSE(HashedMemTableSupports(8, 0));
  EXPECT_FALSE(HashedMemTableSupports(6, 29));
  EXPECT_EQ(kHashedMemTableSupported, ROCKSDB_MAJOR == 7 && ROCKSDB_MINOR == 8);
  // On an unsupported version the factory's memtables are skip lists, and say so.
  TempDir dir("version");
  const uint64_t before = FallbackCount(Fallback::kMemtableSkipList);
  auto db = Open(BaseOptions(true), dir.path());
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "k", "v").ok());
  EXPECT_EQ(FallbackCount(Fallback::kMemtableSkipList) > before, !kHashedMemTableSupported);
}

// An iterator refreshed after more writes sees them at its next seek, as with the skip list.
TEST_F(HashedMemTableTest, ARefreshedIteratorSeesLaterWrites) {
  OpenBoth();
  for (rocksdb::DB* db : {hashed_.get(), skip_list_.get()}) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "a", "1").ok());
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "b", "2").ok());
    ASSERT_TRUE(it->Refresh().ok());
    std::vector<std::string> keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "b"})) << db->GetOptions().memtable_factory->Name();
  }
}

// One key written many times in one memtable: Get merges every operand in order, newest last.
TEST_F(HashedMemTableTest, GetFindsEveryVersionOfAKeyNewestFirst) {
  OpenBoth();
  ASSERT_TRUE(hashed_->Put(rocksdb::WriteOptions(), "k", "base").ok());
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(hashed_->Merge(rocksdb::WriteOptions(), "k", std::to_string(i)).ok());
  std::string expected = "base";
  for (int i = 0; i < 100; ++i) expected += "," + std::to_string(i);
  std::string value;
  ASSERT_TRUE(hashed_->Get(rocksdb::ReadOptions(), "k", &value).ok());
  EXPECT_EQ(value, expected);
  ASSERT_TRUE(hashed_->Delete(rocksdb::WriteOptions(), "k").ok());
  EXPECT_TRUE(hashed_->Get(rocksdb::ReadOptions(), "k", &value).IsNotFound());
  EXPECT_TRUE(hashed_->Get(rocksdb::ReadOptions(), "other", &value).IsNotFound());
}

// With a comparator other than bytewise, or a prefix extractor, the factory hands out the skip list:
// the database still orders and finds keys correctly.
TEST_F(HashedMemTableTest, OtherComparatorsAndPrefixExtractorsGetTheSkipList) {
  const uint64_t before = FallbackCount(Fallback::kMemtableSkipList);
  TempDir dir("reverse");
  rocksdb::Options options = BaseOptions(true);
  options.comparator = rocksdb::ReverseBytewiseComparator();
  auto db = Open(options, dir.path());
  ASSERT_NE(db, nullptr);
  for (const char* key : {"b", "a", "c"}) ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, key).ok());
  std::vector<std::string> keys;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
  EXPECT_EQ(keys, (std::vector<std::string>{"c", "b", "a"}));
  it.reset();
  db.reset();

  TempDir prefixed("prefix");
  options = BaseOptions(true);
  options.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  db = Open(options, prefixed.path());
  ASSERT_NE(db, nullptr);
  for (const char* key : {"b2", "a1", "b1", "c1"})
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, key).ok());
  keys.clear();
  it.reset(db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("b"); it->Valid() && it->key().starts_with("b"); it->Next())
    keys.push_back(it->key().ToString());
  EXPECT_EQ(keys, (std::vector<std::string>{"b1", "b2"}));
  EXPECT_GE(FallbackCount(Fallback::kMemtableSkipList), before + 2);  // counted (and logged once)
}

// One writer, readers meanwhile: every acknowledged write is visible to Get and to iterators, which
// return keys in order. Under TSan this also checks the publication of entries and sorted runs.
TEST_F(HashedMemTableTest, ReadersSeeEveryAcknowledgedWriteWhileOneWrites) {
  TempDir dir("concurrent");
  rocksdb::Options options = BaseOptions(true);
  options.write_buffer_size = 4 << 20;  // one memtable for most of the test: readers sort its runs
  auto db = Open(options, dir.path());
  ASSERT_NE(db, nullptr);
  constexpr int kWrites = 20000;
  auto key = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "key%08d", (i * 7919) % kWrites);  // a permutation: random order
    return std::string(buf);
  };
  std::atomic<int> acknowledged{0};
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      if (!db->Put(rocksdb::WriteOptions(), key(i), std::to_string(i)).ok()) failed = true;
      acknowledged.store(i + 1, std::memory_order_release);
    }
  });
  auto reader = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (acknowledged.load(std::memory_order_acquire) < kWrites && !failed) {
      const int done = acknowledged.load(std::memory_order_acquire);
      if (done == 0) continue;
      const int i = static_cast<int>(rng() % done);
      std::string value;
      if (!db->Get(rocksdb::ReadOptions(), key(i), &value).ok() || value != std::to_string(i)) failed = true;
      if (rng() % 16 == 0) {
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
        std::string previous;
        int seen = 0;
        for (it->SeekToFirst(); it->Valid(); it->Next(), ++seen) {
          if (!previous.empty() && it->key().ToString() <= previous) failed = true;
          previous = it->key().ToString();
        }
        if (seen < done) failed = true;
      }
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  writer.join();
  r1.join();
  r2.join();
  EXPECT_FALSE(failed.load());
}

}  // namespace
}  // namespace ofs::storage::rocks
