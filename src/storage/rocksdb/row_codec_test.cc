#include "storage/rocksdb/row_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

namespace ofs::storage::rocks {
namespace {

std::vector<CellView> Cells(std::string_view row) {
  std::vector<CellView> cells;
  RowReader reader(row);
  for (CellView cell; reader.Next(&cell);) cells.push_back(cell);
  EXPECT_TRUE(reader.ok());
  return cells;
}

std::string Row(const std::vector<CellView>& cells) {
  std::string row;
  for (const CellView& cell : cells) AppendCell(cell, &row);
  return row;
}

std::string Merge(const std::vector<std::string>& rows, std::optional<int64_t> now = std::nullopt) {
  const std::vector<std::string_view> views(rows.begin(), rows.end());
  std::string out;
  EXPECT_TRUE(MergeRows(views, now, &out));
  return out;
}

TEST(RowCodecTest, WrittenRowHasMarkerAndSortedUniqueCells) {
  const std::vector<Cell> cells = {{7, "x"}, {3, "b"}, {3, "a"}, {5, ""}};
  std::vector<CellView> scratch;
  std::string row;
  EncodeWrittenRow(cells, 100, 200, &scratch, &row);
  const std::vector<CellView> decoded = Cells(row);
  ASSERT_EQ(decoded.size(), 4u);
  EXPECT_EQ(decoded[0].column_id, kRowMarkerColumn);
  EXPECT_EQ(decoded[0].value, "");
  EXPECT_EQ(decoded[1].column_id, 3u);
  EXPECT_EQ(decoded[1].value, "b");  // equal write times: the greater value wins
  EXPECT_EQ(decoded[2].column_id, 5u);
  EXPECT_EQ(decoded[3].column_id, 7u);
  for (const CellView& cell : decoded) {
    EXPECT_EQ(cell.write_time, 100);
    EXPECT_EQ(cell.expire_at, 200);
  }
  EXPECT_EQ(CheckCells(cells).code(), ErrorCode::kOk);
  EXPECT_EQ(CheckCells(std::vector<Cell>{{0, "x"}}).code(), ErrorCode::kInternal);
}

TEST(RowCodecTest, ReaderRejectsMalformedRowsWithoutReadingOutOfBounds) {
  const std::string row = Row({{1, 10, 0, "abc"}, {300, -5, 7, std::string(200, 'z')}});
  for (size_t n = 0; n < row.size(); ++n) {
    RowReader reader(std::string_view(row).substr(0, n));
    CellView cell;
    size_t cells = 0;
    while (reader.Next(&cell)) ++cells;
    const bool at_boundary = n == 0 || n == Row({{1, 10, 0, "abc"}}).size();
    EXPECT_EQ(reader.ok(), at_boundary) << n;
  }
  EXPECT_FALSE(RowLiveAt(Row({{2, 1, 0, ""}, {2, 1, 0, ""}}), 0).has_value()) << "repeated column";
  EXPECT_FALSE(RowLiveAt(Row({{3, 1, 0, ""}, {2, 1, 0, ""}}), 0).has_value()) << "unsorted columns";
  EXPECT_FALSE(RowLiveAt(std::string("\xff\xff\xff\xff\xff\x01", 6), 0).has_value()) << "varint overflow";
  std::string out;
  EXPECT_FALSE(MergeRows(std::vector<std::string_view>{row.substr(0, 5)}, std::nullopt, &out));
  EXPECT_EQ(DropExpiredCells(row.substr(0, 5), 0, &out), ExpiryOutcome::kMalformed);
}

TEST(RowCodecTest, SupersedesOrdersByTimeThenValueThenExpiry) {
  EXPECT_TRUE(Supersedes({1, 2, 0, "a"}, {1, 1, 0, "z"}));
  EXPECT_TRUE(Supersedes({1, 1, 0, "b"}, {1, 1, 0, "a"}));
  EXPECT_TRUE(Supersedes({1, 1, 0, "a"}, {1, 1, 99, "a"}));  // never-expiring beats expiring
  EXPECT_TRUE(Supersedes({1, 1, 99, "a"}, {1, 1, 98, "a"}));
  EXPECT_FALSE(Supersedes({1, 1, 5, "a"}, {1, 1, 5, "a"}));
  // The saturated expiry of a huge TTL is still an expiry: it loses to "never", in either order (found
  // by row_codec_fuzz: a merge's result depended on the order of its operands).
  constexpr int64_t kLatest = std::numeric_limits<int64_t>::max();
  EXPECT_TRUE(Supersedes({1, 1, 0, "a"}, {1, 1, kLatest, "a"}));
  EXPECT_FALSE(Supersedes({1, 1, kLatest, "a"}, {1, 1, 0, "a"}));
  EXPECT_TRUE(Supersedes({1, 1, kLatest, "a"}, {1, 1, kLatest - 1, "a"}));
  EXPECT_TRUE(Supersedes({1, 1, 1, "a"}, {1, 1, -5, "a"}));
  EXPECT_TRUE(Supersedes({1, 1, 0, "\xff"}, {1, 1, 0, "\x01"})) << "bytes compare unsigned";
}

TEST(RowCodecTest, MergeIsCommutativeAssociativeAndIdempotent) {
  std::mt19937 rng(42);
  const std::vector<std::string> values = {"", "a", "b", std::string("\0", 1), "\xff"};
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> operands;
    const int count = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < count; ++i) {
      std::vector<CellView> cells;
      for (uint32_t column = 0; column < 6; ++column) {
        if (rng() % 2 == 0) continue;
        cells.push_back({column, static_cast<int64_t>(rng() % 3), static_cast<int64_t>(rng() % 3),
                         values[rng() % values.size()]});
      }
      operands.push_back(Row(cells));
    }
    const std::string all = Merge(operands);
    std::vector<std::string> shuffled = operands;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    EXPECT_EQ(Merge(shuffled), all) << "commutative";
    const size_t split = rng() % (shuffled.size() + 1);
    const std::string left = Merge({shuffled.begin(), shuffled.begin() + static_cast<std::ptrdiff_t>(split)});
    const std::string right = Merge({shuffled.begin() + static_cast<std::ptrdiff_t>(split), shuffled.end()});
    EXPECT_EQ(Merge({right, left}), all) << "associative";
    EXPECT_EQ(Merge({all, operands[rng() % operands.size()]}), all) << "idempotent";
    EXPECT_EQ(Merge({all}), all);
  }
}

TEST(RowCodecTest, FullMergeDropsExpiredWinnersAndWhatTheyHide) {
  const std::string older = Row({{0, 1, 0, ""}, {2, 1, 0, "old"}, {3, 1, 0, "keep"}});
  const std::string newer = Row({{0, 5, 50, ""}, {2, 5, 50, "new"}});
  EXPECT_EQ(Merge({newer, older}, 49), Row({{0, 5, 50, ""}, {2, 5, 50, "new"}, {3, 1, 0, "keep"}}));
  // At 50 the newer cell of column 2 has expired and still hides "old"; the marker of the older row
  // lost to the newer marker too, so only column 3 remains.
  EXPECT_EQ(Merge({newer, older}, 50), Row({{3, 1, 0, "keep"}}));
  EXPECT_EQ(Merge({newer}, 50), "");
}

TEST(RowCodecTest, DropExpiredCells) {
  std::string out;
  const std::string live = Row({{0, 1, 0, ""}, {2, 1, 100, "x"}});
  EXPECT_EQ(DropExpiredCells(live, 99, &out), ExpiryOutcome::kUnchanged);
  EXPECT_EQ(DropExpiredCells(live, 100, &out), ExpiryOutcome::kRewritten);
  EXPECT_EQ(out, Row({{0, 1, 0, ""}}));
  EXPECT_EQ(DropExpiredCells(Row({{0, 1, 10, ""}}), 10, &out), ExpiryOutcome::kNoLiveCell);
  EXPECT_EQ(DropExpiredCells("", 10, &out), ExpiryOutcome::kNoLiveCell);
  EXPECT_EQ(RowLiveAt(live, 1000), std::optional<bool>(true));
  EXPECT_EQ(RowLiveAt(Row({{0, 1, 10, ""}}), 10), std::optional<bool>(false));
}

TEST(RowCodecTest, ExpireAt) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(ExpireAt(1000, 0), 0);
  EXPECT_EQ(ExpireAt(1000, 2), 2'001'000);
  EXPECT_EQ(ExpireAt(kMax - 5, 1), kMax);
  EXPECT_EQ(ExpireAt(0, kMax), kMax);
  EXPECT_EQ(ExpireAt(-1'000'000, 1), 1) << "0 is reserved for never";
}

TEST(RowCodecTest, CopyLiveCellsFillsEveryRequestedSlot) {
  const std::string row = Row({{0, 1, 0, ""}, {2, 1, 0, "two"}, {4, 1, 10, "four"}, {9, 1, 0, "nine"}});
  const std::vector<uint32_t> columns = {9, 4, 2, 7, 2};
  std::vector<ColumnSlot> slots;
  SelectColumns(columns, 1, &slots);
  RowSet rows;
  rows.Reset(6);
  rows.AddRow(false);
  bool live = false;
  ASSERT_TRUE(CopyLiveCells(row, slots, 10, 0, &rows, &live));
  EXPECT_TRUE(live);
  EXPECT_EQ(rows.cell(0, 0), std::nullopt);
  EXPECT_EQ(rows.cell(0, 1), std::optional<std::string_view>("nine"));
  EXPECT_EQ(rows.cell(0, 2), std::nullopt) << "expired";
  EXPECT_EQ(rows.cell(0, 3), std::optional<std::string_view>("two"));
  EXPECT_EQ(rows.cell(0, 4), std::nullopt) << "never written";
  EXPECT_EQ(rows.cell(0, 5), std::optional<std::string_view>("two"));
}

// The cached form answers every read made at or after the fill exactly like the stored row: same cells
// per requested column (duplicates and unknown ids included), same liveness. Random merged rows with
// expiries in the past, the future, never, and negative write times.
TEST(RowCodecTest, CachedFormReadsLikeTheStoredRowAtAnyLaterTime) {
  std::mt19937_64 rng(99);
  const std::vector<int64_t> expiries = {0, -5, 1, 50, 100, 150, std::numeric_limits<int64_t>::max()};
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<CellView> cells;
    std::vector<std::string> values;
    values.reserve(20);
    uint32_t column = 0;
    for (int c = 0, n = static_cast<int>(rng() % 12); c < n; ++c) {
      values.push_back(std::string(rng() % 200, static_cast<char>('a' + c)));
      const int64_t write_time = static_cast<int64_t>(rng() % 1000) - 500;
      cells.push_back(CellView{column, write_time, expiries[rng() % expiries.size()], values.back()});
      column += 1 + static_cast<uint32_t>(rng() % 300);  // ids above 127 take two varint bytes
    }
    const std::string stored = Row(cells);
    const int64_t filled_at = static_cast<int64_t>(rng() % 120);
    std::string cached;
    ASSERT_TRUE(EncodeCachedRow(stored, filled_at, &cached));
    EXPECT_LE(cached.size(), stored.size());
    std::vector<uint32_t> requested;
    for (int i = 0, n = 1 + static_cast<int>(rng() % 6); i < n; ++i)
      requested.push_back(static_cast<uint32_t>(rng() % (column + 2)));
    std::vector<ColumnSlot> slots;
    SelectColumns(requested, 0, &slots);
    for (int64_t now = filled_at; now < 200; now += 1 + static_cast<int64_t>(rng() % 40)) {
      RowSet from_stored, from_cached;
      from_stored.Reset(requested.size());
      from_cached.Reset(requested.size());
      from_stored.AddRow(false);
      from_cached.AddRow(false);
      bool live_stored = false, live_cached = false;
      ASSERT_TRUE(CopyLiveCells(stored, slots, now, 0, &from_stored, &live_stored));
      ASSERT_TRUE(CopyLiveCachedCells(cached, slots, now, 0, &from_cached, &live_cached));
      ASSERT_EQ(live_stored, live_cached) << "trial " << trial << " now " << now;
      for (size_t c = 0; c < requested.size(); ++c) {
        ASSERT_EQ(from_stored.cell(0, c), from_cached.cell(0, c)) << "trial " << trial << " column " << c;
      }
    }
  }
}

TEST(RowCodecTest, CachedFormDecoderRejectsMalformedBytes) {
  std::string cached;
  ASSERT_TRUE(EncodeCachedRow(Row({{0, 1, 0, ""}, {3, 1, 0, "three"}}), 0, &cached));
  std::vector<ColumnSlot> slots;
  SelectColumns(std::vector<uint32_t>{3}, 0, &slots);
  RowSet rows;
  for (size_t cut = 1; cut < cached.size(); ++cut) {
    if (cut == 3) continue;  // the end of the marker cell (id 0, never expires, empty): a complete row
    rows.Reset(1);
    rows.AddRow(false);
    bool live = false;
    EXPECT_FALSE(CopyLiveCachedCells(std::string_view(cached).substr(0, cut), slots, 0, 0, &rows, &live))
        << "truncated at " << cut;
  }
  rows.Reset(1);
  rows.AddRow(false);
  bool live = false;
  EXPECT_FALSE(CopyLiveCachedCells(std::string("\x03\x00\x00\x01\x00\x00", 6), slots, 0, 0, &rows, &live))
      << "column ids must increase";
  EXPECT_FALSE(CopyLiveCachedCells(std::string(11, '\xff'), slots, 0, 0, &rows, &live)) << "overlong varint";
}

}  // namespace
}  // namespace ofs::storage::rocks
