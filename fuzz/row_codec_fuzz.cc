// Fuzz target for storage/rocksdb/row_codec.h: the decoders of stored rows and merge operands (bytes
// read back from RocksDB, tagged or legacy) and of the row cache's cached form. Input:
//   byte 0      the requested value columns: bit i set = column id i + 1
//   bytes 1-8   `now`, little-endian int64 micros
//   byte 9      read delay: reads of the cached form happen this many milliseconds after it was filled
//   the rest    1-4 operands, each a length byte and that many bytes (the last may be cut short)
// Checks, aborting on failure:
//   - every decoder accepts or rejects any bytes without reading out of bounds (ASan), and a row it
//     accepts, encoded again, reads back as the same cells;
//   - MergeRows accepts the operands in every order or in none, with the same bytes; its result is
//     well-formed, absorbs its operands again (idempotence), and dropping expired cells from it equals
//     merging with drop_expired_at;
//   - the cached form of a merged row reads exactly like the stored row (cells and liveness) at any
//     later time (CopyLiveCells on both).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "storage/online_store.h"
#include "storage/rocksdb/row_codec.h"

namespace {

using ofs::storage::RowSet;
namespace rocks = ofs::storage::rocks;

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "row_codec_fuzz: %s\n", what);
  std::abort();
}

bool Merge(const std::vector<std::string_view>& operands, std::optional<int64_t> drop_expired_at,
           std::string* out) {
  return rocks::MergeRows(operands, drop_expired_at, out);
}

// Column ids strictly increase and every cell decodes.
bool WellFormed(std::string_view row) {
  rocks::RowReader reader(row);
  for (rocks::CellView cell; reader.Next(&cell);) {
  }
  return reader.ok();
}

std::vector<rocks::CellView> Cells(std::string_view row) {
  std::vector<rocks::CellView> cells;
  rocks::RowReader reader(row);
  for (rocks::CellView cell; reader.Next(&cell);) cells.push_back(cell);
  return cells;
}

bool SameCells(const std::vector<rocks::CellView>& a, const std::vector<rocks::CellView>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.column_id == y.column_id && x.write_time == y.write_time && x.expire_at == y.expire_at &&
           x.value == y.value;
  });
}

// A well-formed row of either form (tagged or legacy), encoded again, reads back as the same cells.
void CheckReencodingKeepsCells(std::string_view row) {
  const std::vector<rocks::CellView> cells = Cells(row);
  std::string encoded;
  rocks::EncodeRow(cells, &encoded);
  Require(WellFormed(encoded), "an encoded well-formed row is malformed");
  Require(SameCells(Cells(encoded), cells), "an encoded row reads back other cells");
}

bool SameRows(const RowSet& a, const RowSet& b) {
  if (a.rows() != b.rows() || a.columns() != b.columns()) return false;
  for (size_t r = 0; r < a.rows(); ++r) {
    if (a.found(r) != b.found(r)) return false;
    for (size_t c = 0; c < a.columns(); ++c) {
      if (a.cell(r, c) != b.cell(r, c)) return false;
    }
  }
  return true;
}

void CheckCachedFormReadsLikeStored(std::string_view merged, std::span<const rocks::ColumnSlot> slots,
                                    size_t columns, int64_t fill_time, int64_t read_time) {
  std::string cached;
  Require(rocks::EncodeCachedRow(merged, fill_time, &cached), "a well-formed row has no cached form");
  RowSet stored_rows, cached_rows;
  stored_rows.Reset(columns);
  cached_rows.Reset(columns);
  stored_rows.AddRow(false);
  cached_rows.AddRow(false);
  bool stored_live = false, cached_live = false;
  Require(rocks::CopyLiveCells(merged, slots, read_time, 0, &stored_rows, &stored_live),
          "a well-formed row does not decode");
  Require(rocks::CopyLiveCells(cached, slots, read_time, 0, &cached_rows, &cached_live),
          "an encoded cached row does not decode");
  Require(stored_live == cached_live, "the cached form disagrees on liveness");
  Require(SameRows(stored_rows, cached_rows), "the cached form reads other cells");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kHeader = 10;
  if (size < kHeader + 1) return 0;
  const uint8_t column_mask = data[0];
  int64_t now = 0;
  std::memcpy(&now, data + 1, sizeof(now));
  const int64_t delay = int64_t{data[9]} * 1000;
  const int64_t read_time = now > std::numeric_limits<int64_t>::max() - delay ? now : now + delay;

  std::string_view rest(reinterpret_cast<const char*>(data + kHeader), size - kHeader);
  std::vector<std::string_view> operands;
  while (!rest.empty() && operands.size() < 4) {
    const size_t length = static_cast<uint8_t>(rest[0]);
    rest.remove_prefix(1);
    operands.push_back(rest.substr(0, length));
    rest.remove_prefix(operands.back().size());
  }

  std::vector<uint32_t> column_ids;
  for (uint32_t bit = 0; bit < 8; ++bit) {
    if ((column_mask >> bit) & 1u) column_ids.push_back(bit + 1);
  }
  std::vector<rocks::ColumnSlot> slots;
  rocks::SelectColumns(column_ids, 0, &slots);

  // Every decoder on the raw operands: any answer is fine, reading out of bounds is not.
  for (std::string_view operand : operands) {
    RowSet rows;
    rows.Reset(column_ids.size());
    rows.AddRow(false);
    bool live = false;
    const bool stored_ok = rocks::CopyLiveCells(operand, slots, now, 0, &rows, &live);
    Require(stored_ok == WellFormed(operand), "CopyLiveCells and RowReader disagree on malformed input");
    if (stored_ok) CheckReencodingKeepsCells(operand);
    const std::optional<bool> any_live = rocks::RowLiveAt(operand, now);
    Require(any_live.has_value() == stored_ok, "RowLiveAt and RowReader disagree on malformed input");
    if (rocks::IsWellFormedAndLiveAt(operand, now)) {
      Require(stored_ok, "IsWellFormedAndLiveAt accepted a malformed row");
    }
    std::string out;
    const rocks::ExpiryOutcome outcome = rocks::DropExpiredCells(operand, now, &out);
    Require((outcome == rocks::ExpiryOutcome::kMalformed) == !stored_ok,
            "DropExpiredCells and RowReader disagree on malformed input");
    std::string cached;
    Require(rocks::EncodeCachedRow(operand, now, &cached) == stored_ok,
            "EncodeCachedRow and RowReader disagree on malformed input");
  }

  // Merging: order does not matter (every permutation of the 1-4 operands), the result is well-formed
  // and idempotent.
  std::string merged;
  const bool merged_ok = Merge(operands, std::nullopt, &merged);
  std::vector<size_t> order(operands.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  while (std::next_permutation(order.begin(), order.end())) {
    std::vector<std::string_view> permuted;
    for (size_t i : order) permuted.push_back(operands[i]);
    std::string permuted_merge;
    Require(Merge(permuted, std::nullopt, &permuted_merge) == merged_ok, "merge order changes acceptance");
    Require(!merged_ok || permuted_merge == merged, "merge order changes the result");
  }
  if (!merged_ok) return 0;
  Require(WellFormed(merged), "a merge produced a malformed row");
  std::string again;
  Require(Merge({merged, operands.front()}, std::nullopt, &again) && again == merged,
          "merging an operand into its own merge changed it");

  // Dropping expired cells after the merge equals merging with drop_expired_at.
  std::string dropped, merged_live;
  const rocks::ExpiryOutcome outcome = rocks::DropExpiredCells(merged, now, &dropped);
  Require(outcome != rocks::ExpiryOutcome::kMalformed, "a merged row is malformed");
  if (outcome == rocks::ExpiryOutcome::kUnchanged) dropped = merged;
  Require(Merge(operands, now, &merged_live), "merging with drop_expired_at failed");
  Require(merged_live == dropped, "drop_expired_at and DropExpiredCells disagree");
  Require(rocks::RowLiveAt(merged, now) == std::optional<bool>(!dropped.empty()),
          "RowLiveAt disagrees with the live cells");

  CheckCachedFormReadsLikeStored(merged, slots, column_ids.size(), now, read_time);
  return 0;
}
