#include "storage/rocksdb/row_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "storage/rocksdb/legacy_row_for_tests.h"

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
  EncodeRow(cells, &row);
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

bool SameCells(const std::vector<CellView>& a, const std::vector<CellView>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const CellView& x, const CellView& y) {
    return x.column_id == y.column_id && x.write_time == y.write_time && x.expire_at == y.expire_at &&
           x.value == y.value;
  });
}

TEST(RowCodecTest, WrittenRowStatesItsTimesOnce) {
  const std::vector<Cell> cells = {{1, "ab"}, {200, ""}};
  std::vector<CellView> scratch;
  std::string row;
  EncodeWrittenRow(cells, 0x0102030405060708, 0, &scratch, &row);
  const std::string expected(
      "\x80\x00"                          // tag
      "\x08\x07\x06\x05\x04\x03\x02\x01"  // base write time
      "\x00"                              // base expiry: never (zigzag 0)
      "\x00\x00"                          // marker: column 0 without own times, empty value
      "\x02\x02\x61\x62"                  // column 1, 2 value bytes: "ab"
      "\x90\x03\x00",                     // column 200: head 400 as a two-byte varint, empty value
      20);
  EXPECT_EQ(row, expected);
  // Ten cells of a 10-byte value each: 2 bytes per cell over the value, where the legacy form spent 18.
  std::vector<Cell> ten;
  for (uint32_t column = 1; column <= 10; ++column) ten.push_back({column, "0123456789"});
  row.clear();
  EncodeWrittenRow(ten, 1'700'000'000'000'000, 1'800'000'000'000'000, &scratch, &row);
  EXPECT_EQ(row.size(), 2 + 8 + 8 + 11 * 2 + 100u);
  EXPECT_EQ(LegacyRowForTests(Cells(row)).size(), 11 * 18 + 100u);
}

TEST(RowCodecTest, CellsWithOtherTimesCarryTheirOwnAtAnyDistance) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::vector<CellView> cells = {{0, 5, 0, ""},          {1, 5, 0, "same"},      {2, 4, 0, "older"},
                                       {3, 5, 9, "expiry"},    {4, kMin, kMax, "far"}, {5, kMax, kMin, "x"},
                                       {6, 5, 0, "same again"}};
  const std::string row = Row(cells);
  EXPECT_TRUE(SameCells(Cells(row), cells));
  // Only the cells whose times differ from the first cell's pay for them: the last cell costs its head,
  // its length and its 10 value bytes.
  const std::vector<CellView> all_but_last(cells.begin(), cells.end() - 1);
  EXPECT_EQ(row.size() - Row(all_but_last).size(), 1 + 1 + 10u);
}

// The decoder's one-byte fast path ends at column id 63 (head 126) and value length 127.
TEST(RowCodecTest, CellsAroundTheOneByteBoundariesRoundTrip) {
  const std::string v127(127, 'a'), v128(128, 'b');
  const std::vector<CellView> cells = {{0, 7, 0, ""},    {63, 7, 0, v127},  {64, 7, 0, v128},
                                       {65, 7, 0, "x"},  {127, 7, 0, v128}, {128, 7, 0, v127},
                                       {129, 8, 0, v128}};
  const std::string row = Row(cells);
  EXPECT_TRUE(SameCells(Cells(row), cells));
}

TEST(RowCodecTest, LegacyRowsReadAndMergeIntoTheTaggedForm) {
  const std::vector<CellView> old_cells = {{0, 10, 0, ""}, {2, 10, 0, "old"}, {3, 10, 500, "kept"}};
  const std::string legacy = LegacyRowForTests(old_cells);
  ASSERT_EQ(legacy.substr(0, 2), std::string("\x00\x0a", 2))
      << "a legacy row starts with its first column id";
  EXPECT_TRUE(SameCells(Cells(legacy), old_cells));
  EXPECT_EQ(RowLiveAt(legacy, 1000), std::optional<bool>(true));
  std::string out;
  EXPECT_EQ(DropExpiredCells(legacy, 499, &out), ExpiryOutcome::kUnchanged);
  EXPECT_EQ(DropExpiredCells(legacy, 500, &out), ExpiryOutcome::kRewritten);
  EXPECT_EQ(out, Row({{0, 10, 0, ""}, {2, 10, 0, "old"}})) << "a rewritten legacy row is tagged";

  const std::string newer = Row({{0, 20, 0, ""}, {2, 20, 0, "new"}});
  const std::string merged = Merge({legacy, newer});
  EXPECT_EQ(merged, Row({{0, 20, 0, ""}, {2, 20, 0, "new"}, {3, 10, 500, "kept"}}));
  EXPECT_EQ(Merge({newer, legacy}), merged);
  EXPECT_EQ(Merge({merged, legacy}), merged) << "idempotent across the two forms";
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
  // A tag and base times without cells (an empty row has no tag), and a column id beyond 32 bits.
  const std::string header(
      "\x80\x00"
      "\x01\x00\x00\x00\x00\x00\x00\x00"
      "\x00",
      11);
  EXPECT_FALSE(RowLiveAt(header, 0).has_value()) << "tag without cells";
  EXPECT_TRUE(RowLiveAt(header + std::string("\x00\x00", 2), 0).has_value());
  EXPECT_FALSE(RowLiveAt(header + std::string("\x80\x80\x80\x80\x20\x00", 6), 0).has_value())
      << "column id 2^32";
  EXPECT_TRUE(RowLiveAt(header + std::string("\xfe\xff\xff\xff\x1f\x00", 6), 0).has_value())
      << "column id 2^32 - 1";
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
      ASSERT_TRUE(CopyLiveCells(cached, slots, now, 0, &from_cached, &live_cached));
      ASSERT_EQ(live_stored, live_cached) << "trial " << trial << " now " << now;
      for (size_t c = 0; c < requested.size(); ++c) {
        ASSERT_EQ(from_stored.cell(0, c), from_cached.cell(0, c)) << "trial " << trial << " column " << c;
      }
    }
  }
}

// The cached form keeps no write times, so cells from different writes cost no more than one write's.
TEST(RowCodecTest, CachedFormDropsWriteTimesAndExpiredCells) {
  const std::string stored =
      Row({{0, 9, 0, ""}, {1, 3, 0, "from an older write"}, {2, 9, 50, "expiring"}, {3, 7, 0, "x"}});
  std::string cached;
  ASSERT_TRUE(EncodeCachedRow(stored, 10, &cached));
  EXPECT_EQ(cached,
            Row({{0, 0, 0, ""}, {1, 0, 0, "from an older write"}, {2, 0, 50, "expiring"}, {3, 0, 0, "x"}}));
  ASSERT_TRUE(EncodeCachedRow(stored, 50, &cached));
  EXPECT_EQ(cached, Row({{0, 0, 0, ""}, {1, 0, 0, "from an older write"}, {3, 0, 0, "x"}}));
  EXPECT_EQ(cached.size(), 2 + 8 + 1 + 3 * 2 + 20u) << "no cell carries times of its own";
  EXPECT_FALSE(EncodeCachedRow(stored.substr(0, stored.size() - 1), 10, &cached));
}

}  // namespace
}  // namespace ofs::storage::rocks
