#include "storage/rocksdb/hashed_memtable.h"

#include <rocksdb/env.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/rocksdb/memtable_runs.h"

namespace ofs::storage::rocks {
namespace {

using memtable::Compare;
using memtable::Less;
using memtable::ParsedKey;
using memtable::ParseInternalKey;
using memtable::ParseMemtableKey;

inline uint64_t HashUserKey(std::string_view user_key) { return std::hash<std::string_view>{}(user_key); }

// True when `cmp` orders memtable keys as Compare does (the column family uses the BytewiseComparator).
bool OrdersLikeBytewise(const rocksdb::MemTableRep::KeyComparator& cmp) {
  auto key = [](std::string_view user_key, uint64_t sequence) {
    std::string out(1, static_cast<char>(user_key.size() + 8));  // every test key is < 120 bytes
    out += user_key;
    const uint64_t trailer = sequence << 8 | 1;  // type 1 = value
    for (int i = 0; i < 8; ++i) out += static_cast<char>(trailer >> (8 * i));
    return out;
  };
  const std::pair<std::string, std::string> ascending[] = {
      {key("a", 5), key("b", 5)},       {key("ab", 1), key("b", 1)}, {key("a", 1), key("a\x01", 1)},
      {key("\x7f", 1), key("\x80", 1)}, {key("a", 9), key("a", 2)},  // same user key: the newer sorts first
  };
  for (const auto& [lo, hi] : ascending) {
    if (cmp(lo.data(), hi.data()) >= 0 || cmp(hi.data(), lo.data()) <= 0) return false;
    if (Compare(ParseMemtableKey(lo.data()), ParseMemtableKey(hi.data())) >= 0) return false;
  }
  return true;
}

// ---- Entries ----------------------------------------------------------------------------------------

// Each entry is a Node followed by its memtable key, in the memtable's arena.
struct Node {
  std::atomic<Node*> next_in_bucket{nullptr};  // older entry of the same bucket
  uint64_t hash = 0;                           // of the user key
  char* key() { return reinterpret_cast<char*>(this + 1); }
};
static_assert(sizeof(Node) == 16);

// Append-only array of memtable keys: one writer, any number of readers, which see [0, Size()). Chunks
// double in size so the array grows without moving: chunk c holds indexes [kFirst(2^c - 1),
// kFirst(2^(c+1) - 1)).
class EntryLog {
 public:
  EntryLog() = default;
  EntryLog(const EntryLog&) = delete;
  EntryLog& operator=(const EntryLog&) = delete;
  ~EntryLog() {
    for (auto& chunk : chunks_) delete[] chunk.load(std::memory_order_relaxed);
  }

  // Writer only.
  void Append(const char* key) {
    const size_t i = size_.load(std::memory_order_relaxed);
    const auto [c, offset] = Locate(i);
    const char** chunk = chunks_[c].load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      chunk = new const char*[kFirst << c];
      chunks_[c].store(chunk, std::memory_order_relaxed);  // published by the size_ store below
      bytes_.fetch_add((kFirst << c) * sizeof(const char*), std::memory_order_relaxed);
    }
    chunk[offset] = key;
    size_.store(i + 1, std::memory_order_release);
  }

  size_t Size() const { return size_.load(std::memory_order_acquire); }
  // i < a Size() this thread has read.
  const char* At(size_t i) const {
    const auto [c, offset] = Locate(i);
    return chunks_[c].load(std::memory_order_relaxed)[offset];
  }
  size_t Bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kFirst = 1024;
  static constexpr int kChunks = 48;  // kFirst * 2^48 entries: beyond any memory

  static std::pair<int, size_t> Locate(size_t i) {
    const int c = std::bit_width(i / kFirst + 1) - 1;
    return {c, i - kFirst * ((size_t{1} << c) - 1)};
  }

  std::atomic<const char**> chunks_[kChunks] = {};
  std::atomic<size_t> size_{0};
  std::atomic<size_t> bytes_{0};
};

// ---- Iterators --------------------------------------------------------------------------------------

// Storage of iterators that RocksDB places "in its arena": it then only runs their destructor, never
// frees them (MemTableIterator in arena mode). RocksDB's Arena is not part of its public headers, so
// such iterators live in blocks from this cache instead. A destroyed iterator's block goes to the cache
// of the thread that destroyed it and is reused only by that thread, after the destructor has returned.
class IteratorBlocks {
 public:
  static constexpr size_t kBlockBytes = 1024;
  static void* Take() {
    auto& free = Local().free_;
    if (free.empty()) return ::operator new(kBlockBytes);
    void* block = free.back();
    free.pop_back();
    return block;
  }
  // Called by a destructor for its own block: the block is freed or reused only after it returns.
  static void Give(void* block) {
    auto& free = Local().free_;
    if (free.size() >= kKept) {  // an older block, whose destructor has long returned, is freed instead
      ::operator delete(free.front());
      free.erase(free.begin());
    }
    free.push_back(block);
  }

 private:
  static constexpr size_t kKept = 16;
  static IteratorBlocks& Local() {
    thread_local IteratorBlocks blocks;
    return blocks;
  }
  ~IteratorBlocks() {
    for (void* block : free_) ::operator delete(block);
  }
  std::vector<void*> free_;
};

// A RunsIterator in a block of IteratorBlocks.
class BlockRunsIterator final : public memtable::RunsIterator {
 public:
  using RunsIterator::RunsIterator;
  // The block is reused only by this thread, after this destructor (and the base's) has returned.
  ~BlockRunsIterator() override { IteratorBlocks::Give(this); }
};
static_assert(sizeof(BlockRunsIterator) <= IteratorBlocks::kBlockBytes);

// The entries of one user key, newest first: what MemTableRep::Get walks (it seeks to the lookup key,
// then calls its callback on each entry until the callback stops or the entries end).
class PointIterator final : public rocksdb::MemTableRep::Iterator {
 public:
  explicit PointIterator(const std::atomic<Node*>* buckets, size_t mask) : buckets_(buckets), mask_(mask) {}

  bool Valid() const override { return next_ < found_.size(); }
  const char* key() const override { return found_[next_]; }
  void Next() override { ++next_; }

  // Positions at the first entry >= internal_key of the same user key: its entries with a sequence
  // number at or below the lookup's.
  void Seek(const rocksdb::Slice& internal_key, const char* /*memtable_key*/) override {
    const ParsedKey target = ParseInternalKey(internal_key.data(), internal_key.size());
    const uint64_t hash = HashUserKey(target.user_key);
    found_.clear();
    next_ = 0;
    for (Node* node = buckets_[hash & mask_].load(std::memory_order_acquire); node != nullptr;
         node = node->next_in_bucket.load(std::memory_order_acquire)) {
      if (node->hash != hash) continue;
      const ParsedKey entry = ParseMemtableKey(node->key());
      if (entry.user_key == target.user_key && entry.trailer <= target.trailer) found_.push_back(node->key());
    }
    // Chains are newest first, which is already the order wanted; sorting keeps this true for any
    // insertion order.
    std::sort(found_.begin(), found_.end(), Less);
  }

  // Not used by MemTableRep::Get (the only caller): positioned nowhere.
  void Prev() override { next_ = found_.size(); }
  void SeekForPrev(const rocksdb::Slice&, const char*) override { next_ = found_.size(); }
  void SeekToFirst() override { next_ = found_.size(); }
  void SeekToLast() override { next_ = found_.size(); }

 private:
  const std::atomic<Node*>* buckets_;
  size_t mask_;
  std::vector<const char*> found_;
  size_t next_ = 0;
};

// ---- The representation -----------------------------------------------------------------------------

class HashedMemTableRep final : public rocksdb::MemTableRep {
 public:
  HashedMemTableRep(rocksdb::Allocator* allocator, size_t bucket_count)
      : MemTableRep(allocator),
        bucket_count_(bucket_count),
        buckets_(new std::atomic<Node*>[bucket_count]()),
        view_(std::make_shared<const memtable::RunSet>()) {}

  rocksdb::KeyHandle Allocate(const size_t len, char** buf) override {
    char* raw = nullptr;
    MemTableRep::Allocate(len + sizeof(Node) + alignof(Node) - 1, &raw);
    const auto at = (reinterpret_cast<uintptr_t>(raw) + alignof(Node) - 1) & ~uintptr_t{alignof(Node) - 1};
    Node* node = new (reinterpret_cast<void*>(at)) Node;
    *buf = node->key();
    return node;
  }

  // One writer at a time (allow_concurrent_memtable_write = false). The entry is in the log, then in
  // its bucket; readers that find it there see its key bytes (release/acquire).
  void Insert(rocksdb::KeyHandle handle) override {
    Node* node = static_cast<Node*>(handle);
    node->hash = HashUserKey(ParseMemtableKey(node->key()).user_key);
    log_.Append(node->key());
    std::atomic<Node*>& head = buckets_[node->hash & (bucket_count_ - 1)];
    node->next_in_bucket.store(head.load(std::memory_order_relaxed), std::memory_order_relaxed);
    head.store(node, std::memory_order_release);
  }

  bool Contains(const char* key) const override {
    const ParsedKey wanted = ParseMemtableKey(key);
    const uint64_t hash = HashUserKey(wanted.user_key);
    for (Node* node = buckets_[hash & (bucket_count_ - 1)].load(std::memory_order_acquire); node != nullptr;
         node = node->next_in_bucket.load(std::memory_order_acquire)) {
      if (node->hash == hash && Compare(ParseMemtableKey(node->key()), wanted) == 0) return true;
    }
    return false;
  }

  void MarkReadOnly() override { read_only_.store(true, std::memory_order_release); }

  // Changes only with inserts: RocksDB adds a memtable's usage to its list of immutable memtables and
  // later subtracts it again, so reads must not change it. The sorted runs are counted as the single
  // run of one pointer per entry that a flush builds, whether built yet or not.
  size_t ApproximateMemoryUsage() override {
    return bucket_count_ * sizeof(std::atomic<Node*>) + log_.Bytes() + log_.Size() * sizeof(const char*);
  }

  Iterator* GetIterator(rocksdb::Arena* arena) override {
    std::shared_ptr<const memtable::RunSet> view = CurrentView();
    if (arena == nullptr) return new memtable::RunsIterator(std::move(view));
    return new (IteratorBlocks::Take()) BlockRunsIterator(std::move(view));
  }

  // Without a prefix extractor RocksDB calls this only from MemTableRep::Get, which deletes it.
  Iterator* GetDynamicPrefixIterator(rocksdb::Arena* arena) override {
    if (arena != nullptr) return GetIterator(arena);
    return new PointIterator(buckets_.get(), bucket_count_ - 1);
  }

 private:
  // The runs covering every entry appended so far, sorting what is new; one run once the memtable is
  // read-only (its flush and later iterators then read one array).
  std::shared_ptr<const memtable::RunSet> CurrentView() {
    std::lock_guard lock(view_mu_);
    const size_t entries = log_.Size();
    const bool read_only = read_only_.load(std::memory_order_acquire);
    bool changed = false;
    if (entries > covered_) {
      memtable::KeyRun tail;
      tail.reserve(entries - covered_);
      for (size_t i = covered_; i < entries; ++i) tail.push_back(log_.At(i));
      memtable::SortKeys(&tail);
      runs_.Add(std::move(tail));
      covered_ = entries;
      changed = true;
    }
    if (read_only && runs_.runs().size() > 1) {
      runs_.MergeAll();
      changed = true;
    }
    if (changed) view_ = std::make_shared<const memtable::RunSet>(runs_.runs());
    return view_;
  }

  const size_t bucket_count_;  // a power of two
  const std::unique_ptr<std::atomic<Node*>[]> buckets_;
  EntryLog log_;
  std::atomic<bool> read_only_{false};

  std::mutex view_mu_;
  memtable::SortedRuns runs_;                     // guarded by view_mu_
  size_t covered_ = 0;                            // guarded by view_mu_: log entries in runs_
  std::shared_ptr<const memtable::RunSet> view_;  // guarded by view_mu_: runs_ as iterators take it
};

class HashedMemTableFactory final : public rocksdb::MemTableRepFactory {
 public:
  explicit HashedMemTableFactory(size_t bucket_count) : bucket_count_(bucket_count) {}

  const char* Name() const override { return kHashedMemTableName; }

  using rocksdb::MemTableRepFactory::CreateMemTableRep;
  rocksdb::MemTableRep* CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator& cmp,
                                          rocksdb::Allocator* allocator,
                                          const rocksdb::SliceTransform* prefix,
                                          rocksdb::Logger* logger) override {
    if (prefix != nullptr || !OrdersLikeBytewise(cmp)) {
      rocksdb::Warn(logger, "%s: %s, so this memtable is a skip list", kHashedMemTableName,
                    prefix != nullptr ? "a prefix extractor is set" : "the comparator is not bytewise");
      return skip_list_.CreateMemTableRep(cmp, allocator, prefix, logger);
    }
    return new HashedMemTableRep(allocator, bucket_count_);
  }

  bool IsInsertConcurrentlySupported() const override { return false; }
  bool CanHandleDuplicatedKey() const override { return false; }

 private:
  const size_t bucket_count_;
  rocksdb::SkipListFactory skip_list_;
};

}  // namespace

std::shared_ptr<rocksdb::MemTableRepFactory> NewHashedMemTableFactory(size_t bucket_count) {
  return std::make_shared<HashedMemTableFactory>(std::bit_ceil(std::max<size_t>(bucket_count, 1024)));
}

}  // namespace ofs::storage::rocks
