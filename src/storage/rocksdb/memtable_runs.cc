#include "storage/rocksdb/memtable_runs.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <iterator>
#include <utility>

namespace ofs::storage::rocks::memtable {

ParsedKey ParseInternalKey(const char* data, size_t size) {
  uint64_t trailer;
  std::memcpy(&trailer, data + size - 8, sizeof(trailer));
  if constexpr (std::endian::native == std::endian::big) trailer = __builtin_bswap64(trailer);
  return ParsedKey{std::string_view(data, size - 8), trailer};
}

ParsedKey ParseMemtableKey(const char* key) {
  const auto* p = reinterpret_cast<const uint8_t*>(key);
  uint32_t size = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t byte = *p++;
    size |= uint32_t{byte & 0x7fu} << shift;
    if (byte < 0x80) break;
  }
  return ParseInternalKey(reinterpret_cast<const char*>(p), size);
}

int Compare(const ParsedKey& a, const ParsedKey& b) {
  const int c = a.user_key.compare(b.user_key);  // char_traits<char> compares as unsigned char
  if (c != 0) return c;
  return a.trailer > b.trailer ? -1 : (a.trailer < b.trailer ? 1 : 0);
}

bool Less(const char* a, const char* b) { return Compare(ParseMemtableKey(a), ParseMemtableKey(b)) < 0; }

// Comparisons first use 8 bytes of each user key, taken after the bytes that every key shares (keys of
// one table share their table id) and held beside the pointer; only ties read the keys themselves.
// That keeps most comparisons inside the array being sorted instead of in the memtable's arena.
void SortKeys(KeyRun* keys) {
  if (keys->size() < 2) return;
  struct Item {
    uint64_t head;  // big-endian bytes [shared, shared + 8) of the user key, zero-padded
    const char* key;
  };
  std::vector<std::string_view> user_keys(keys->size());
  const std::string_view first = ParseMemtableKey((*keys)[0]).user_key;
  size_t shared = first.size();
  for (size_t i = 0; i < keys->size(); ++i) {
    user_keys[i] = ParseMemtableKey((*keys)[i]).user_key;
    const size_t limit = std::min(shared, user_keys[i].size());
    size_t n = 0;
    while (n < limit && user_keys[i][n] == first[n]) ++n;
    shared = n;
  }
  std::vector<Item> items(keys->size());
  for (size_t i = 0; i < keys->size(); ++i) {
    const std::string_view uk = user_keys[i];
    uint64_t head = 0;
    for (size_t b = shared; b < shared + 8; ++b)
      head = head << 8 | (b < uk.size() ? static_cast<uint8_t>(uk[b]) : 0);
    items[i] = Item{head, (*keys)[i]};
  }
  // Different heads order their keys as the full comparison would (a zero-padded head never
  // contradicts it); equal heads defer to it.
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.head != b.head) return a.head < b.head;
    return Less(a.key, b.key);
  });
  for (size_t i = 0; i < items.size(); ++i) (*keys)[i] = items[i].key;
}

void SortedRuns::Add(KeyRun sorted) {
  if (sorted.empty()) return;
  runs_.push_back(std::make_shared<const KeyRun>(std::move(sorted)));
  while (runs_.size() >= 2 &&
         (runs_.size() > kMaxRuns || runs_.back()->size() * 2 >= runs_[runs_.size() - 2]->size())) {
    MergeNewestTwo();
  }
}

void SortedRuns::MergeAll() {
  while (runs_.size() >= 2) MergeNewestTwo();
}

void SortedRuns::MergeNewestTwo() {
  const KeyRun& older = *runs_[runs_.size() - 2];
  const KeyRun& newer = *runs_.back();
  KeyRun merged;
  merged.reserve(older.size() + newer.size());
  std::merge(older.begin(), older.end(), newer.begin(), newer.end(), std::back_inserter(merged), Less);
  runs_.pop_back();
  runs_.back() = std::make_shared<const KeyRun>(std::move(merged));
}

void RunsIterator::Reset(std::shared_ptr<const RunSet> runs) {
  assert(runs->size() <= SortedRuns::kMaxRuns);
  runs_ = std::move(runs);
  count_ = std::min(runs_->size(), SortedRuns::kMaxRuns);
  for (size_t r = 0; r < count_; ++r) run_[r] = (*runs_)[r].get();
  current_ = -1;
}

void RunsIterator::Next() {
  assert(Valid());
  if (!forward_) {
    // Every other run moves to its first key after the current one.
    const ParsedKey at = ParseMemtableKey(key());
    for (size_t r = 0; r < count_; ++r) {
      if (static_cast<int>(r) != current_) pos_[r] = UpperBound(r, at);
    }
    forward_ = true;
  }
  ++pos_[current_];
  PickSmallest();
}

void RunsIterator::Prev() {
  assert(Valid());
  if (forward_) {
    // Every other run moves to its last key before the current one.
    const ParsedKey at = ParseMemtableKey(key());
    for (size_t r = 0; r < count_; ++r) {
      if (static_cast<int>(r) != current_) pos_[r] = LowerBound(r, at) - 1;
    }
    forward_ = false;
  }
  --pos_[current_];
  PickLargest();
}

void RunsIterator::Seek(const rocksdb::Slice& internal_key, const char* /*memtable_key*/) {
  const ParsedKey target = ParseInternalKey(internal_key.data(), internal_key.size());
  for (size_t r = 0; r < count_; ++r) pos_[r] = LowerBound(r, target);
  forward_ = true;
  PickSmallest();
}

void RunsIterator::SeekForPrev(const rocksdb::Slice& internal_key, const char* /*memtable_key*/) {
  const ParsedKey target = ParseInternalKey(internal_key.data(), internal_key.size());
  for (size_t r = 0; r < count_; ++r) pos_[r] = UpperBound(r, target) - 1;
  forward_ = false;
  PickLargest();
}

void RunsIterator::SeekToFirst() {
  for (size_t r = 0; r < count_; ++r) pos_[r] = 0;
  forward_ = true;
  PickSmallest();
}

void RunsIterator::SeekToLast() {
  for (size_t r = 0; r < count_; ++r) pos_[r] = static_cast<ptrdiff_t>(run_[r]->size()) - 1;
  forward_ = false;
  PickLargest();
}

bool RunsIterator::InRun(size_t r) const {
  return pos_[r] >= 0 && pos_[r] < static_cast<ptrdiff_t>(run_[r]->size());
}

ptrdiff_t RunsIterator::LowerBound(size_t r, const ParsedKey& target) const {
  auto it = std::partition_point(run_[r]->begin(), run_[r]->end(),
                                 [&](const char* k) { return Compare(ParseMemtableKey(k), target) < 0; });
  return it - run_[r]->begin();
}

ptrdiff_t RunsIterator::UpperBound(size_t r, const ParsedKey& target) const {
  auto it = std::partition_point(run_[r]->begin(), run_[r]->end(),
                                 [&](const char* k) { return Compare(ParseMemtableKey(k), target) <= 0; });
  return it - run_[r]->begin();
}

void RunsIterator::PickSmallest() {
  current_ = -1;
  for (size_t r = 0; r < count_; ++r) {
    if (InRun(r) && (current_ < 0 || Less((*run_[r])[pos_[r]], key()))) current_ = static_cast<int>(r);
  }
}

void RunsIterator::PickLargest() {
  current_ = -1;
  for (size_t r = 0; r < count_; ++r) {
    if (InRun(r) && (current_ < 0 || Less(key(), (*run_[r])[pos_[r]]))) current_ = static_cast<int>(r);
  }
}

}  // namespace ofs::storage::rocks::memtable
