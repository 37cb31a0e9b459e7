#include "storage/rocksdb/hashed_memtable.h"

#include <rocksdb/env.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/fallback.h"
#include "storage/rocksdb/memtable_index.h"
#include "storage/rocksdb/memtable_runs.h"

namespace ofs::storage::rocks {
namespace {

using memtable::Compare;
using memtable::HashedLog;
using memtable::Less;
using memtable::ParsedKey;
using memtable::ParseInternalKey;
using memtable::ParseMemtableKey;

std::atomic<bool> force_lookup_key_fallback{false};
std::atomic<int64_t> point_iterators_alive{0};

// True when `cmp` orders memtable keys as memtable::Compare does (the column family uses the
// BytewiseComparator).
bool OrdersLikeBytewise(const rocksdb::MemTableRep::KeyComparator& cmp) {
  auto key = [](std::string_view user_key, uint64_t sequence) {
    std::string out(1, static_cast<char>(user_key.size() + 8));  // every key here is < 120 bytes
    out += user_key;
    const uint64_t trailer = sequence << 8 | 1;  // type 1 = value
    for (int i = 0; i < 8; ++i) out += static_cast<char>(trailer >> (8 * i));
    return out;
  };
  const std::pair<std::string, std::string> ascending[] = {
      {key("a", 5), key("b", 5)},       {key("ab", 1), key("b", 1)}, {key("a", 1), key("a\x01", 1)},
      {key("\x7f", 1), key("\x80", 1)}, {key("a", 9), key("a", 2)},  // same user key: the newer first
  };
  for (const auto& [lo, hi] : ascending) {
    if (cmp(lo.data(), hi.data()) >= 0 || cmp(hi.data(), lo.data()) <= 0) return false;
    if (Compare(ParseMemtableKey(lo.data()), ParseMemtableKey(hi.data())) >= 0) return false;
  }
  return true;
}

// The lookup key of MemTableRep::Get. RocksDB's LookupKey is declared in its public headers but defined
// in db/dbformat.h, which is not installed; in 7.8 it starts with three pointers: the memtable key
// (varint32 length + internal key), the internal key, and its end. The layout is checked on every call:
// three pointers that agree with the varint length they frame. nullopt when they do not (the caller
// then takes MemTableRep's own Get).
std::optional<ParsedKey> ReadLookupKey(const rocksdb::LookupKey& lookup) {
  const char* pointers[3];
  std::memcpy(pointers, reinterpret_cast<const char*>(&lookup), sizeof(pointers));
  const char* memtable_key = pointers[0];
  const char* internal_key = pointers[1];
  const char* end = pointers[2];
  if (memtable_key == nullptr || internal_key <= memtable_key || internal_key > memtable_key + 5 ||
      end < internal_key + 8) {
    return std::nullopt;
  }
  uint64_t size = 0;
  const char* p = memtable_key;
  for (int shift = 0; p < internal_key; shift += 7) {
    const auto byte = static_cast<uint8_t>(*p++);
    size |= uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) break;
  }
  if (p != internal_key || size != static_cast<uint64_t>(end - internal_key)) return std::nullopt;
  return ParseInternalKey(internal_key, static_cast<size_t>(size));
}

// Calls callback(arg, key) on the entries of `target`'s user key at or below its sequence number,
// newest first, until it returns false: MemTableRep::Get's contract.
void VisitVersions(const HashedLog& log, const ParsedKey& target, void* arg,
                   bool (*callback)(void*, const char*)) {
  // The chain is newest first already (one writer, sequence numbers rising); sorted anyway if not.
  std::array<const char*, 16> inline_keys;
  std::vector<const char*> more;
  size_t count = 0;
  bool sorted = true;
  log.ForEachVersion(target.user_key, [&](const char* key) {
    if (ParseMemtableKey(key).trailer > target.trailer) return true;  // newer than the lookup
    if (count > 0) {
      const char* previous = count <= inline_keys.size() ? inline_keys[count - 1] : more.back();
      sorted = sorted && Less(previous, key);
    }
    if (count < inline_keys.size()) {
      inline_keys[count] = key;
    } else {
      if (more.empty()) more.assign(inline_keys.begin(), inline_keys.end());
      more.push_back(key);
    }
    ++count;
    return true;
  });
  const char** keys = count <= inline_keys.size() ? inline_keys.data() : more.data();
  if (!sorted) std::sort(keys, keys + count, Less);
  for (size_t i = 0; i < count && callback(arg, keys[i]); ++i) {
  }
}

// The entries of one user key, newest first, as an iterator: what RocksDB's other users of
// GetDynamicPrefixIterator walk without a prefix extractor (MemTable::CountSuccessiveMergeEntries with
// max_successive_merges, in-place updates). They own and delete it. Seek positions at the entries at or
// below the target's sequence number; the other moves position nowhere.
class PointIterator final : public rocksdb::MemTableRep::Iterator {
 public:
  explicit PointIterator(const HashedLog* log) : log_(log) {
    point_iterators_alive.fetch_add(1, std::memory_order_relaxed);
  }
  ~PointIterator() override { point_iterators_alive.fetch_sub(1, std::memory_order_relaxed); }
  PointIterator(const PointIterator&) = delete;
  PointIterator& operator=(const PointIterator&) = delete;

  bool Valid() const override { return next_ < found_.size(); }
  const char* key() const override { return found_[next_]; }
  void Next() override { ++next_; }
  void Seek(const rocksdb::Slice& internal_key, const char* /*memtable_key*/) override {
    const ParsedKey target = ParseInternalKey(internal_key.data(), internal_key.size());
    found_.clear();
    next_ = 0;
    VisitVersions(*log_, target, this, [](void* self, const char* key) {
      static_cast<PointIterator*>(self)->found_.push_back(key);
      return true;
    });
  }
  void Prev() override { next_ = found_.size(); }
  void SeekForPrev(const rocksdb::Slice&, const char*) override { next_ = found_.size(); }
  void SeekToFirst() override { next_ = found_.size(); }
  void SeekToLast() override { next_ = found_.size(); }

 private:
  const HashedLog* log_;
  std::vector<const char*> found_;
  size_t next_ = 0;
};

// Storage of iterators that RocksDB places "in its arena": it then only runs their destructor, never
// frees them (MemTableIterator in arena mode). RocksDB's Arena is not in its public headers, so such
// iterators live in blocks from this cache instead. A destroyed iterator's block goes to the cache of
// the thread that destroyed it and is reused only by that thread, after the destructor has returned.
class IteratorBlocks {
 public:
  static constexpr size_t kBlockBytes = 1024;
  static void* Take() {
    if (gone_) return ::operator new(kBlockBytes);
    auto& free = Local().free_;
    if (free.empty()) return ::operator new(kBlockBytes);
    void* block = free.back();
    free.pop_back();
    return block;
  }
  // Called by a destructor for its own block: the block is freed or reused only after it returns. An
  // iterator destroyed during its thread's exit, after this thread's cache, leaks its block.
  static void Give(void* block) {
    if (gone_) return;
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
    gone_ = true;
    for (void* block : free_) ::operator delete(block);
  }
  static inline thread_local bool gone_ = false;  // trivially destructible: valid during thread exit
  std::vector<void*> free_;
};

class HashedMemTableRep;

// Iterates the memtable's sorted runs as they are at each seek, so that an iterator re-seeked after
// Iterator::Refresh() sees the entries written since it was made, as a skip list's would.
class ViewIterator : public memtable::RunsIterator {
 public:
  explicit ViewIterator(HashedMemTableRep* rep) : rep_(rep) {}

  void Seek(const rocksdb::Slice& internal_key, const char* memtable_key) override {
    Refresh();
    RunsIterator::Seek(internal_key, memtable_key);
  }
  void SeekForPrev(const rocksdb::Slice& internal_key, const char* memtable_key) override {
    Refresh();
    RunsIterator::SeekForPrev(internal_key, memtable_key);
  }
  void SeekToFirst() override {
    Refresh();
    RunsIterator::SeekToFirst();
  }
  void SeekToLast() override {
    Refresh();
    RunsIterator::SeekToLast();
  }

 private:
  void Refresh();
  HashedMemTableRep* rep_;
};

// A ViewIterator in a block of IteratorBlocks.
class BlockViewIterator final : public ViewIterator {
 public:
  using ViewIterator::ViewIterator;
  ~BlockViewIterator() override { IteratorBlocks::Give(this); }
};
static_assert(sizeof(BlockViewIterator) <= IteratorBlocks::kBlockBytes);

// The iterator a HashedMemTableRep's Get lends to MemTableRep::Get on this thread (`rep` tells which).
struct LentIterator {
  const void* rep = nullptr;
  rocksdb::MemTableRep::Iterator* iterator = nullptr;
};
thread_local LentIterator lent_;

class HashedMemTableRep final : public rocksdb::MemTableRep {
 public:
  HashedMemTableRep(rocksdb::Allocator* allocator, size_t bucket_count)
      : MemTableRep(allocator), log_(bucket_count) {}

  // One writer at a time (allow_concurrent_memtable_write = false).
  void Insert(rocksdb::KeyHandle handle) override { log_.Append(static_cast<const char*>(handle)); }

  bool Contains(const char* key) const override {
    const ParsedKey wanted = ParseMemtableKey(key);
    bool found = false;
    log_.ForEachVersion(wanted.user_key, [&](const char* entry) {
      found = ParseMemtableKey(entry).trailer == wanted.trailer;
      return !found;
    });
    return found;
  }

  void Get(const rocksdb::LookupKey& lookup, void* arg, bool (*callback)(void*, const char*)) override {
    if (!force_lookup_key_fallback.load(std::memory_order_relaxed)) {
      if (const std::optional<ParsedKey> target = ReadLookupKey(lookup)) {
        VisitVersions(log_, *target, arg, callback);
        return;
      }
    }
    NoteFallback(Fallback::kMemtableLookupKey,
                 "RocksDB's LookupKey does not have the layout of RocksDB 7.8: point lookups in the hashed "
                 "memtable go through MemTableRep::Get, slower (set rocksdb.memtable = skip_list)");
    // MemTableRep::Get seeks the iterator GetDynamicPrefixIterator() returns and never deletes it (7.8's
    // db/memtable.cc): it gets one this call owns.
    PointIterator owned(&log_);
    lent_ = LentIterator{this, &owned};
    MemTableRep::Get(lookup, arg, callback);
    lent_ = LentIterator{};
  }

  void MarkReadOnly() override { read_only_.store(true, std::memory_order_release); }

  // Changes only with inserts: RocksDB adds a memtable's usage to its list of immutable memtables and
  // later subtracts it again, so reads must not change it. The sorted runs are counted as the one run
  // of a pointer per entry that its flush builds, whether built yet or not; merges and iterators hold
  // more for a while.
  size_t ApproximateMemoryUsage() override { return log_.Bytes() + log_.Size() * sizeof(const char*); }

  Iterator* GetIterator(rocksdb::Arena* arena) override {
    if (arena == nullptr) return new ViewIterator(this);
    return new (IteratorBlocks::Take()) BlockViewIterator(this);
  }

  // Without a prefix extractor (the factory sees to that) RocksDB uses this only for one key's entries.
  Iterator* GetDynamicPrefixIterator(rocksdb::Arena* arena) override {
    if (arena != nullptr) return GetIterator(arena);
    if (lent_.rep == this) {  // Get's fallback, on this thread: Get owns the iterator
      Iterator* owned = lent_.iterator;
      lent_ = LentIterator{};
      return owned;
    }
    return new PointIterator(&log_);
  }

  // The runs covering every entry appended so far, sorting what is new; one run once the memtable is
  // read-only (its flush and later iterators then read one array).
  std::shared_ptr<const memtable::RunSet> CurrentView() {
    std::lock_guard lock(view_mu_);
    const size_t entries = log_.Size();
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
    if (read_only_.load(std::memory_order_acquire) && runs_.runs().size() > 1) {
      runs_.MergeAll();
      changed = true;
    }
    if (changed || view_ == nullptr) view_ = std::make_shared<const memtable::RunSet>(runs_.runs());
    return view_;
  }

 private:
  HashedLog log_;
  std::atomic<bool> read_only_{false};

  std::mutex view_mu_;
  memtable::SortedRuns runs_;                     // guarded by view_mu_
  size_t covered_ = 0;                            // guarded by view_mu_: log entries in runs_
  std::shared_ptr<const memtable::RunSet> view_;  // guarded by view_mu_: runs_ as iterators take it
};

void ViewIterator::Refresh() { Reset(rep_->CurrentView()); }

class HashedMemTableFactory final : public rocksdb::MemTableRepFactory {
 public:
  explicit HashedMemTableFactory(size_t bucket_count) : bucket_count_(bucket_count) {}

  const char* Name() const override { return kHashedMemTableName; }

  using rocksdb::MemTableRepFactory::CreateMemTableRep;
  rocksdb::MemTableRep* CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator& cmp,
                                          rocksdb::Allocator* allocator,
                                          const rocksdb::SliceTransform* prefix,
                                          rocksdb::Logger* logger) override {
    const char* why = !kHashedMemTableSupported
                          ? "OFS was built against a RocksDB other than 7.8, whose private "
                            "layouts the hashed memtable reads"
                      : prefix != nullptr        ? "the column family has a prefix extractor"
                      : !OrdersLikeBytewise(cmp) ? "the column family's comparator is not bytewise"
                                                 : nullptr;
    if (why != nullptr) {
      NoteFallback(Fallback::kMemtableSkipList, std::string("rocksdb.memtable = hashed but ") + why +
                                                    ": memtables are RocksDB's skip list (slower writes)");
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

void ForceLookupKeyFallbackForTests(bool force) {
  force_lookup_key_fallback.store(force, std::memory_order_relaxed);
}

int64_t PointIteratorsAliveForTests() { return point_iterators_alive.load(std::memory_order_relaxed); }

}  // namespace ofs::storage::rocks
