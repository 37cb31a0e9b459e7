#include "storage/testing/conformance.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <climits>
#include <filesystem>
#include <future>
#include <map>
#include <random>
#include <thread>
#include <tuple>

namespace ofs::storage::testing {
namespace {

using model::ColumnSpec;
using model::DataType;
using model::TableSpec;

constexpr int64_t kSecond = 1'000'000;
constexpr auto kCompletionTimeout = std::chrono::seconds(60);

#define OFS_ASSERT_OK(expr)                                  \
  do {                                                       \
    const ::ofs::Status ofs_status_ = (expr);                \
    ASSERT_TRUE(ofs_status_.ok()) << ofs_status_.ToString(); \
  } while (0)

// Runs an asynchronous store call and waits for its completion (inline or from another thread).
Status Await(const std::function<void(Completion)>& call) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  call([promise](Status status) { promise->set_value(std::move(status)); });
  if (future.wait_for(kCompletionTimeout) != std::future_status::ready) {
    return Status(ErrorCode::kInternal, "the store never called the completion");
  }
  return future.get();
}

std::string BigEndian(uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

// A table is its id and its name (Cassandra names tables by name): tables of other ids get other names.
std::string TableName(std::string_view base, uint32_t id, uint32_t base_id) {
  return id == base_id ? std::string(base) : std::string(base) + "_" + std::to_string(id);
}

// users: key user_id BIGINT; values 2 = INT, 3 = TEXT, 4 = DOUBLE, 5..9 = TEXT.
TableSpec Users(int64_t ttl_seconds = 0, uint32_t id = 11) {
  TableSpec table{
      id, TableName("users", id, 11), {ColumnSpec{1, "user_id", DataType::kBigint}}, {}, ttl_seconds};
  table.value_columns = {
      {2, "age", DataType::kInt}, {3, "name", DataType::kText}, {4, "score", DataType::kDouble}};
  for (uint32_t c = 5; c <= 9; ++c)
    table.value_columns.push_back({c, "f" + std::to_string(c), DataType::kText});
  return table;
}

// events: partition device TEXT, clustering bucket INT, tag TEXT, weight DOUBLE; values 5 = TEXT, 6 = BIGINT.
TableSpec Events(int64_t ttl_seconds = 0, uint32_t id = 12) {
  return TableSpec{id,
                   TableName("events", id, 12),
                   {{1, "device", DataType::kText},
                    {2, "bucket", DataType::kInt},
                    {3, "tag", DataType::kText},
                    {4, "weight", DataType::kDouble}},
                   {{5, "v", DataType::kText}, {6, "n", DataType::kBigint}},
                   ttl_seconds};
}

std::vector<std::string> UserKey(int64_t id) { return {Int64Value(id)}; }

TestRow UserRow(int64_t id, std::vector<std::pair<uint32_t, std::string>> cells) {
  return TestRow{UserKey(id), std::move(cells)};
}

struct EventKey {
  int32_t bucket;
  std::string tag;
  double weight;

  auto Order() const { return std::tie(bucket, tag, weight); }
  std::vector<std::string> Key(const std::string& device) const {
    return {device, Int32Value(bucket), tag, DoubleValue(weight)};
  }
};

// 392 distinct clustering keys: negative ints, strings with embedded zero bytes (TEXT is UTF-8: U+00FF
// is the highest of the tags), doubles of both signs.
std::vector<EventKey> ClusteringKeys() {
  const std::vector<int32_t> buckets = {INT32_MIN, -1000, -1, 0, 1, 7, INT32_MAX};
  const std::vector<std::string> tags = {"",      "a",  std::string("a\0", 2), std::string("a\0b", 3),
                                         "a\x01", "ab", std::string("\0", 1),  "\xc3\xbf"};
  const std::vector<double> weights = {-1e300, -2.5, -0.125, 0.0, 1e-300, 3.75, 1e300};
  std::vector<EventKey> keys;
  for (int32_t b : buckets) {
    for (const std::string& t : tags) {
      for (double w : weights) keys.push_back(EventKey{b, t, w});
    }
  }
  return keys;
}

std::string EventValue(const EventKey& k) {
  return std::to_string(k.bucket) + "/" + k.tag + "/" + std::to_string(k.weight);
}

// Expected scan rows of `keys` (sorted) in `device`: the 4 key columns then value column 5.
std::vector<TestCells> ExpectedEventRows(const std::string& device, std::vector<EventKey> keys) {
  std::sort(keys.begin(), keys.end(),
            [](const EventKey& a, const EventKey& b) { return a.Order() < b.Order(); });
  std::vector<TestCells> rows;
  for (const EventKey& k : keys) {
    TestCells cells;
    for (std::string& v : k.Key(device)) cells.emplace_back(std::move(v));
    cells.emplace_back(EventValue(k));
    rows.push_back(std::move(cells));
  }
  return rows;
}

std::vector<TestRow> EventRows(const std::string& device, const std::vector<EventKey>& keys) {
  std::vector<TestRow> rows;
  for (const EventKey& k : keys) rows.push_back(TestRow{k.Key(device), {{5, EventValue(k)}}});
  return rows;
}

// Wall-clock TTL tests (StoreUnderTest::wall_clock_ttl): a cell written at wall time w under a TTL of s
// seconds dies at floor(w) + s, between w + s - 1 and w + s. The tests note the time before a write
// (it dies after Before() + s - 1) and after its acknowledgement (it is dead by After() + s), and check
// between those bounds with margins for a loaded machine.
using WallTime = std::chrono::steady_clock::time_point;
WallTime WallNow() { return std::chrono::steady_clock::now(); }
void SleepUntil(WallTime from, double seconds) {
  std::this_thread::sleep_until(from + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                           std::chrono::duration<double>(seconds)));
}

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ofs-store-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

}  // namespace

std::string StoreUnderTestName(const ::testing::TestParamInfo<StoreUnderTest>& info) {
  return info.param.name;
}

void PrintTo(const StoreUnderTest& store, std::ostream* os) { *os << store.name; }

std::string Int32Value(int32_t v) { return BigEndian(static_cast<uint32_t>(v), 4); }
std::string Int64Value(int64_t v) { return BigEndian(static_cast<uint64_t>(v), 8); }
std::string DoubleValue(double v) { return BigEndian(std::bit_cast<uint64_t>(v), 8); }

TestCells RowCells(const RowSet& rows, size_t row) {
  TestCells cells;
  for (size_t c = 0; c < rows.columns(); ++c) {
    const std::optional<std::string_view> cell = rows.cell(row, c);
    cells.push_back(cell ? std::optional<std::string>(std::string(*cell)) : std::nullopt);
  }
  return cells;
}

void OnlineStoreConformance::SetUp() {
  if (GetParam().skip_reason) {
    const std::string reason = GetParam().skip_reason();
    if (!reason.empty()) GTEST_SKIP() << reason;
  }
  dir_ = MakeTempDir();
  ASSERT_FALSE(dir_.empty()) << "cannot create a temporary directory";
  store_ = GetParam().open(&clock_, dir_);
  ASSERT_NE(store_, nullptr) << "the store did not open";
}

void OnlineStoreConformance::TearDown() {
  store_.reset();
  if (!dir_.empty() && GetParam().cleanup) GetParam().cleanup(dir_);
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

void OnlineStoreConformance::Reopen() {
  if (GetParam().reopen) {
    store_ = GetParam().reopen(std::move(store_), &clock_, dir_);
  } else {
    store_.reset();
    store_ = GetParam().open(&clock_, dir_);
  }
  ASSERT_NE(store_, nullptr) << "the store did not reopen";
}

Status OnlineStoreConformance::Write(std::string_view tenant, const TableSpec& table, int64_t write_time,
                                     const std::vector<TestRow>& rows) {
  std::vector<std::vector<std::string_view>> keys;
  std::vector<std::vector<Cell>> cells;
  for (const TestRow& row : rows) {
    keys.emplace_back(row.key.begin(), row.key.end());
    cells.emplace_back();
    for (const auto& [column, value] : row.cells) cells.back().push_back(Cell{column, value});
  }
  std::vector<WriteRow> write_rows;
  for (size_t i = 0; i < rows.size(); ++i) write_rows.push_back(WriteRow{keys[i], cells[i]});
  const WriteRequest req{tenant, &table, write_time, write_rows};
  return Await([&](Completion done) { store_->Write(req, std::move(done)); });
}

Status OnlineStoreConformance::Read(std::string_view tenant, const TableSpec& table,
                                    const std::vector<std::vector<std::string>>& keys,
                                    const std::vector<uint32_t>& columns, RowSet* out) {
  std::vector<std::string_view> flat;
  for (const auto& key : keys) flat.insert(flat.end(), key.begin(), key.end());
  const ReadRequest req{tenant, &table, flat, columns};
  return Await([&](Completion done) { store_->MultiGet(req, out, std::move(done)); });
}

Status OnlineStoreConformance::Scan(std::string_view tenant, const TableSpec& table,
                                    std::string_view partition, const std::vector<uint32_t>& columns,
                                    size_t limit, std::string_view token, ScanResult* out,
                                    const std::vector<std::string>& clustering_prefix) {
  const std::vector<std::string_view> prefix(clustering_prefix.begin(), clustering_prefix.end());
  const ScanRequest req{tenant, &table, partition, columns, token, limit, prefix};
  return Await([&](Completion done) { store_->ScanPartition(req, out, std::move(done)); });
}

std::vector<TestCells> OnlineStoreConformance::ScanAll(std::string_view tenant, const TableSpec& table,
                                                       std::string_view partition,
                                                       const std::vector<uint32_t>& columns, size_t limit,
                                                       const std::vector<std::string>& clustering_prefix) {
  std::vector<TestCells> rows;
  std::string token;
  for (int page = 0;; ++page) {
    ScanResult result;
    const Status status = Scan(tenant, table, partition, columns, limit, token, &result, clustering_prefix);
    EXPECT_TRUE(status.ok()) << status.ToString();
    EXPECT_LE(result.rows.rows(), limit);
    EXPECT_EQ(result.rows.columns(), table.key_columns.size() + columns.size());
    for (size_t r = 0; r < result.rows.rows(); ++r) {
      EXPECT_TRUE(result.rows.found(r));
      rows.push_back(RowCells(result.rows, r));
    }
    // A page before the last is full; only the last page (possibly empty) has no token.
    if (!status.ok() || result.next_page_token.empty()) break;
    EXPECT_EQ(result.rows.rows(), limit) << "a page with a next-page token must be full";
    EXPECT_NE(result.next_page_token, token) << "paging does not advance";
    if (result.next_page_token == token || page > 100'000) break;
    token = result.next_page_token;
  }
  return rows;
}

// ---- point reads and upserts

TEST_P(OnlineStoreConformance, MissingKeysAreNotFound) {
  const TableSpec users = Users();
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1), UserKey(2)}, {2, 3}, &rows));  // tenant never written
  ASSERT_EQ(rows.rows(), 2u);
  EXPECT_FALSE(rows.found(0));
  EXPECT_FALSE(rows.found(1));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{std::nullopt, std::nullopt}));

  OFS_ASSERT_OK(Write("t1", users, kStartMicros, {UserRow(1, {{2, Int32Value(30)}})}));
  OFS_ASSERT_OK(Read("t1", users, {UserKey(2), UserKey(-1)}, {2}, &rows));
  EXPECT_FALSE(rows.found(0));
  EXPECT_FALSE(rows.found(1));
  OFS_ASSERT_OK(Read("t1", users, {}, {2}, &rows));
  EXPECT_EQ(rows.rows(), 0u);
}

TEST_P(OnlineStoreConformance, ReadsReturnRequestedColumnsInRequestedOrder) {
  const TableSpec users = Users();
  OFS_ASSERT_OK(Write("t1", users, kStartMicros,
                      {UserRow(7, {{2, Int32Value(41)}, {3, "ann"}, {4, DoubleValue(0.5)}})}));
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(7)}, {4, 99, 2, 5, 3, 2}, &rows));
  ASSERT_EQ(rows.rows(), 1u);
  EXPECT_TRUE(rows.found(0));
  EXPECT_EQ(RowCells(rows, 0),
            (TestCells{DoubleValue(0.5), std::nullopt, Int32Value(41), std::nullopt, "ann", Int32Value(41)}));
  OFS_ASSERT_OK(Read("t1", users, {UserKey(7)}, {}, &rows));
  EXPECT_TRUE(rows.found(0));
  EXPECT_EQ(rows.columns(), 0u);
}

TEST_P(OnlineStoreConformance, UpsertKeepsUnwrittenColumns) {
  const TableSpec users = Users();
  OFS_ASSERT_OK(Write("t1", users, kStartMicros, {UserRow(1, {{2, Int32Value(30)}, {3, "bob"}})}));
  OFS_ASSERT_OK(Write("t1", users, kStartMicros + 1, {UserRow(1, {{3, "robert"}, {4, DoubleValue(2.0)}})}));
  OFS_ASSERT_OK(Write("t1", users, kStartMicros + 2, {UserRow(1, {})}));
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1)}, {2, 3, 4, 5}, &rows));
  EXPECT_TRUE(rows.found(0));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{Int32Value(30), "robert", DoubleValue(2.0), std::nullopt}));
}

TEST_P(OnlineStoreConformance, LastWriteWinsByWriteTimeRegardlessOfArrival) {
  const TableSpec users = Users();
  OFS_ASSERT_OK(Write("t1", users, kStartMicros + 200, {UserRow(1, {{2, Int32Value(200)}, {3, "new"}})}));
  OFS_ASSERT_OK(
      Write("t1", users, kStartMicros + 100, {UserRow(1, {{2, Int32Value(100)}, {3, "old"}, {5, "x"}})}));
  OFS_ASSERT_OK(Write("t1", users, kStartMicros + 300, {UserRow(1, {{3, "newest"}})}));
  OFS_ASSERT_OK(Write("t1", users, kStartMicros + 150, {UserRow(1, {{3, "stale"}, {5, "y"}})}));
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1)}, {2, 3, 5}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{Int32Value(200), "newest", "y"}));
}

TEST_P(OnlineStoreConformance, ReplayedWritesAreIdempotent) {
  const TableSpec users = Users();
  const std::vector<TestRow> first = {UserRow(1, {{2, Int32Value(1)}, {3, "a"}}), UserRow(2, {{3, "b"}})};
  const std::vector<TestRow> second = {UserRow(1, {{3, "c"}}), UserRow(3, {})};
  OFS_ASSERT_OK(Write("t1", users, kStartMicros + 10, first));
  OFS_ASSERT_OK(Write("t1", users, kStartMicros + 20, second));
  RowSet before;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1), UserKey(2), UserKey(3)}, {2, 3}, &before));
  for (int replay = 0; replay < 3; ++replay) {
    OFS_ASSERT_OK(Write("t1", users, kStartMicros + 10, first));
    OFS_ASSERT_OK(Write("t1", users, kStartMicros + 20, second));
  }
  RowSet after;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1), UserKey(2), UserKey(3)}, {2, 3}, &after));
  for (size_t r = 0; r < 3; ++r) {
    EXPECT_EQ(after.found(r), before.found(r));
    EXPECT_EQ(RowCells(after, r), RowCells(before, r));
  }
  EXPECT_EQ(RowCells(after, 0), (TestCells{Int32Value(1), "c"}));
}

TEST_P(OnlineStoreConformance, EqualWriteTimesKeepTheGreaterValue) {
  const TableSpec users = Users();
  const int64_t t = kStartMicros + 5;
  // Key 1 sees the smaller value first, key 2 the greater one first: both end with the greater one.
  OFS_ASSERT_OK(Write("t1", users, t, {UserRow(1, {{3, "apple"}, {2, Int32Value(-1)}})}));
  OFS_ASSERT_OK(Write("t1", users, t, {UserRow(1, {{3, "banana"}, {2, Int32Value(1)}})}));
  OFS_ASSERT_OK(Write("t1", users, t, {UserRow(2, {{3, "banana"}, {2, Int32Value(1)}})}));
  OFS_ASSERT_OK(Write("t1", users, t, {UserRow(2, {{3, "apple"}, {2, Int32Value(-1)}})}));
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1), UserKey(2)}, {2, 3}, &rows));
  // Bytes compare unsigned: -1 (FF FF FF FF) is the greater INT value bytes.
  EXPECT_EQ(RowCells(rows, 0), (TestCells{Int32Value(-1), "banana"}));
  EXPECT_EQ(RowCells(rows, 1), RowCells(rows, 0));
}

TEST_P(OnlineStoreConformance, KeyOnlyRowsAreFound) {
  const TableSpec users = Users();
  OFS_ASSERT_OK(Write("t1", users, kStartMicros, {UserRow(5, {})}));
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(5), UserKey(6)}, {2, 3}, &rows));
  EXPECT_TRUE(rows.found(0));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{std::nullopt, std::nullopt}));
  EXPECT_FALSE(rows.found(1));

  const TableSpec keys_only{13, "pairs", {{1, "a", DataType::kText}, {2, "b", DataType::kBigint}}, {}, 0};
  OFS_ASSERT_OK(Write("t1", keys_only, kStartMicros, {TestRow{{"x", Int64Value(-3)}, {}}}));
  OFS_ASSERT_OK(Read("t1", keys_only, {{"x", Int64Value(-3)}, {"x", Int64Value(3)}}, {}, &rows));
  EXPECT_TRUE(rows.found(0));
  EXPECT_FALSE(rows.found(1));
  EXPECT_EQ(ScanAll("t1", keys_only, "x", {}, 10), (std::vector<TestCells>{{"x", Int64Value(-3)}}));
}

TEST_P(OnlineStoreConformance, MultiKeyReadsKeepOrderAndDuplicates) {
  const TableSpec users = Users();
  std::vector<TestRow> written;
  for (int64_t id = 1; id <= 20; ++id)
    written.push_back(UserRow(id * 3, {{3, "u" + std::to_string(id * 3)}}));
  OFS_ASSERT_OK(Write("t1", users, kStartMicros, written));
  const std::vector<int64_t> ids = {30, 4, 3, 30, 60, -3, 3, 31, 45};
  std::vector<std::vector<std::string>> keys;
  for (int64_t id : ids) keys.push_back(UserKey(id));
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, keys, {3}, &rows));
  ASSERT_EQ(rows.rows(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const bool exists = ids[i] > 0 && ids[i] % 3 == 0 && ids[i] <= 60;
    EXPECT_EQ(rows.found(i), exists) << "id " << ids[i];
    EXPECT_EQ(RowCells(rows, i)[0],
              exists ? std::optional<std::string>("u" + std::to_string(ids[i])) : std::nullopt);
  }
}

TEST_P(OnlineStoreConformance, TenantsAreIsolated) {
  const TableSpec users = Users();
  OFS_ASSERT_OK(Write("alpha", users, kStartMicros, {UserRow(1, {{3, "from-alpha"}})}));
  RowSet rows;
  OFS_ASSERT_OK(Read("beta", users, {UserKey(1)}, {3}, &rows));
  EXPECT_FALSE(rows.found(0));
  OFS_ASSERT_OK(Write("beta", users, kStartMicros + 1, {UserRow(1, {{3, "from-beta"}}), UserRow(2, {})}));
  OFS_ASSERT_OK(Read("alpha", users, {UserKey(1), UserKey(2)}, {3}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{"from-alpha"}));
  EXPECT_FALSE(rows.found(1));
  OFS_ASSERT_OK(Read("beta", users, {UserKey(1)}, {3}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{"from-beta"}));
  EXPECT_TRUE(ScanAll("gamma", Events(), "dev", {5}, 10).empty());
}

TEST_P(OnlineStoreConformance, TablesAreIsolated) {
  const TableSpec users = Users(0, 11);
  const TableSpec clients = Users(0, 21);
  OFS_ASSERT_OK(Write("t1", users, kStartMicros, {UserRow(1, {{3, "user"}})}));
  OFS_ASSERT_OK(Write("t1", clients, kStartMicros, {UserRow(2, {{3, "client"}})}));
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", clients, {UserKey(1), UserKey(2)}, {3}, &rows));
  EXPECT_FALSE(rows.found(0));
  EXPECT_EQ(RowCells(rows, 1), (TestCells{"client"}));
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1), UserKey(2)}, {3}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{"user"}));
  EXPECT_FALSE(rows.found(1));
}

TEST_P(OnlineStoreConformance, EmptyWriteSucceeds) { OFS_ASSERT_OK(Write("t1", Users(), kStartMicros, {})); }

TEST_P(OnlineStoreConformance, EnsureTableIsIdempotentAndCreatesNoRows) {
  const TableSpec users = Users();
  OFS_ASSERT_OK(store().EnsureTable("t1", users));
  OFS_ASSERT_OK(store().EnsureTable("t1", users));
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1)}, {2}, &rows));
  EXPECT_FALSE(rows.found(0));
  EXPECT_TRUE(ScanAll("t1", Events(), "dev", {5}, 10).empty());
}

TEST_P(OnlineStoreConformance, HealthIsOkWhenOpen) { OFS_ASSERT_OK(store().Health()); }

// ---- partition scans

TEST_P(OnlineStoreConformance, PartitionScanFollowsClusteringOrder) {
  const TableSpec events = Events();
  std::vector<EventKey> keys = ClusteringKeys();
  std::shuffle(keys.begin(), keys.end(), std::mt19937(7));
  const size_t half = keys.size() / 2;
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("dev", {keys.begin(), keys.begin() + half})));
  OFS_ASSERT_OK(Write("t1", events, kStartMicros + 1, EventRows("dev", {keys.begin() + half, keys.end()})));
  const std::vector<TestCells> rows = ScanAll("t1", events, "dev", {5}, 10'000);
  EXPECT_EQ(rows, ExpectedEventRows("dev", keys));
}

TEST_P(OnlineStoreConformance, PartitionScanPagesReturnEveryRowOnce) {
  const TableSpec events = Events();
  const std::vector<EventKey> keys = ClusteringKeys();
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("dev", keys)));
  const std::vector<TestCells> expected = ExpectedEventRows("dev", keys);
  for (size_t limit : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{50}, keys.size() - 1, keys.size(),
                       keys.size() + 1}) {
    EXPECT_EQ(ScanAll("t1", events, "dev", {5}, limit), expected) << "limit " << limit;
  }
  ScanResult page;
  OFS_ASSERT_OK(Scan("t1", events, "dev", {6, 5}, 3, "", &page));
  ASSERT_EQ(page.rows.rows(), 3u);
  EXPECT_EQ(page.rows.columns(), 6u);
  EXPECT_EQ(page.rows.cell(0, 4), std::nullopt);
  EXPECT_EQ(RowCells(page.rows, 0)[5], expected[0][4]);
  EXPECT_FALSE(page.next_page_token.empty());
}

TEST_P(OnlineStoreConformance, PartitionScanStaysInsideItsPartition) {
  const TableSpec events = Events();
  std::vector<std::string> devices = {"p", std::string("p\0", 2), std::string("p\0\0", 3), "p\x01", "pa",
                                      "q"};
  if (GetParam().empty_partition_keys) devices.insert(devices.begin(), "");
  const std::vector<EventKey> keys = {{-1, "a", 1.0}, {2, std::string("\0", 1), -1.0}};
  for (const std::string& device : devices)
    OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows(device, keys)));
  OFS_ASSERT_OK(Write("t1", Events(0, 99), kStartMicros, EventRows("p", {{5, "other", 0.0}})));
  for (const std::string& device : devices) {
    EXPECT_EQ(ScanAll("t1", events, device, {5}, 1), ExpectedEventRows(device, keys)) << "device " << device;
  }
  EXPECT_TRUE(ScanAll("t1", events, "p\x02", {5}, 10).empty());
}

TEST_P(OnlineStoreConformance, PartitionScanRejectsForeignPageTokens) {
  const TableSpec events = Events();
  const std::vector<EventKey> keys = {{1, "a", 1.0}, {2, "b", 2.0}, {3, "c", 3.0}};
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("p", keys)));
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("pa", keys)));
  ScanResult page;
  OFS_ASSERT_OK(Scan("t1", events, "p", {5}, 1, "", &page));
  ASSERT_FALSE(page.next_page_token.empty());
  const std::string token = page.next_page_token;
  OFS_ASSERT_OK(Scan("t1", events, "p", {5}, 1, token, &page));
  for (const std::string& bad : {std::string("garbage"), std::string(1, '\0')}) {
    EXPECT_EQ(Scan("t1", events, "p", {5}, 1, bad, &page).code(),
              ErrorCode::kReadFeatureGroupPartitionRequest);
  }
  EXPECT_EQ(Scan("t1", events, "pa", {5}, 1, token, &page).code(),
            ErrorCode::kReadFeatureGroupPartitionRequest);
  EXPECT_EQ(Scan("t1", Events(0, 99), "p", {5}, 1, token, &page).code(),
            ErrorCode::kReadFeatureGroupPartitionRequest);
}

// Darwin's prefix reads (WHERE k1 = ? AND k2 = ?): only the rows with the leading clustering values,
// in clustering order, paged like a partition.
TEST_P(OnlineStoreConformance, PartitionScanByClusteringPrefix) {
  const TableSpec events = Events();
  const std::vector<EventKey> keys = ClusteringKeys();
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("dev", keys)));
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("dew", keys)));
  for (int32_t bucket : {INT32_MIN, -1, 0, 7, INT32_MAX}) {
    std::vector<EventKey> in_bucket;
    for (const EventKey& k : keys) {
      if (k.bucket == bucket) in_bucket.push_back(k);
    }
    const std::vector<TestCells> expected = ExpectedEventRows("dev", in_bucket);
    for (size_t limit : {size_t{1}, size_t{5}, in_bucket.size(), size_t{10'000}}) {
      EXPECT_EQ(ScanAll("t1", events, "dev", {5}, limit, {Int32Value(bucket)}), expected)
          << "bucket " << bucket << " limit " << limit;
    }
    for (const std::string& tag : {std::string("a"), std::string("a\0", 2), std::string()}) {
      std::vector<EventKey> with_tag;
      for (const EventKey& k : in_bucket) {
        if (k.tag == tag) with_tag.push_back(k);
      }
      EXPECT_EQ(ScanAll("t1", events, "dev", {5}, 2, {Int32Value(bucket), tag}),
                ExpectedEventRows("dev", with_tag))
          << "bucket " << bucket << " tag size " << tag.size();
    }
  }
  EXPECT_TRUE(ScanAll("t1", events, "dev", {5}, 10, {Int32Value(12345)}).empty());
  EXPECT_TRUE(ScanAll("t1", events, "dev", {5}, 10, {Int32Value(1), "no such tag"}).empty());
}

TEST_P(OnlineStoreConformance, PartitionScanTokensBelongToTheirPrefix) {
  const TableSpec events = Events();
  OFS_ASSERT_OK(
      Write("t1", events, kStartMicros, EventRows("p", {{1, "a", 1.0}, {1, "b", 2.0}, {2, "a", 3.0}})));
  ScanResult page;
  OFS_ASSERT_OK(Scan("t1", events, "p", {5}, 1, "", &page));
  ASSERT_FALSE(page.next_page_token.empty());
  const std::string first_token = page.next_page_token;  // after (1, "a"): inside bucket 1
  OFS_ASSERT_OK(Scan("t1", events, "p", {5}, 1, first_token, &page, {Int32Value(1)}));
  ASSERT_EQ(page.rows.rows(), 1u);
  EXPECT_EQ(page.rows.cell(0, 2), "b");
  EXPECT_EQ(Scan("t1", events, "p", {5}, 1, first_token, &page, {Int32Value(2)}).code(),
            ErrorCode::kReadFeatureGroupPartitionRequest);
}

TEST_P(OnlineStoreConformance, PartitionScanOfEmptyPartition) {
  const TableSpec events = Events();
  ScanResult page;
  OFS_ASSERT_OK(Scan("t1", events, "none", {5}, 10, "", &page));
  EXPECT_EQ(page.rows.rows(), 0u);
  EXPECT_TRUE(page.next_page_token.empty());
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("some", {{1, "a", 1.0}})));
  OFS_ASSERT_OK(Scan("t1", events, "none", {5}, 10, "", &page));
  EXPECT_EQ(page.rows.rows(), 0u);
  EXPECT_TRUE(page.next_page_token.empty());
}

// ---- TTL

TEST_P(OnlineStoreConformance, CellsExpireAtWriteTimePlusTtl) {
  const int64_t ttl = wall_clock_ttl() ? 3 : 10;
  const TableSpec users = Users(ttl);
  const TableSpec events = Events(ttl);
  OFS_ASSERT_OK(Write("t1", users, kStartMicros, {UserRow(1, {{2, Int32Value(5)}}), UserRow(2, {})}));
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("d", {{1, "a", 1.0}})));
  const WallTime written = WallNow();
  RowSet rows;
  clock_.SetMicros(kStartMicros + 10 * kSecond - 1);  // wall clock: right away, at least 2 s before expiry
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1), UserKey(2)}, {2}, &rows));
  EXPECT_TRUE(rows.found(0));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{Int32Value(5)}));
  EXPECT_TRUE(rows.found(1));
  EXPECT_EQ(ScanAll("t1", events, "d", {5}, 10).size(), 1u);

  clock_.SetMicros(kStartMicros + 10 * kSecond);
  if (wall_clock_ttl()) SleepUntil(written, ttl + 0.3);
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1), UserKey(2)}, {2}, &rows));
  EXPECT_FALSE(rows.found(0));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{std::nullopt}));
  EXPECT_FALSE(rows.found(1));
  EXPECT_TRUE(ScanAll("t1", events, "d", {5}, 10).empty());
}

TEST_P(OnlineStoreConformance, RowLivesWhileAnyCellLives) {
  // Manual clock: TTL 10, writes at 0 and 5, reads at 12 and 15. Wall clock: TTL 5, the second write
  // 2 s after the first is acknowledged, reads 5.1 s after each acknowledgement.
  const int64_t ttl = wall_clock_ttl() ? 5 : 10;
  const TableSpec users = Users(ttl);
  OFS_ASSERT_OK(Write("t1", users, kStartMicros, {UserRow(1, {{2, Int32Value(1)}, {3, "first"}})}));
  const WallTime first = WallNow();
  if (wall_clock_ttl()) SleepUntil(first, 2);
  OFS_ASSERT_OK(Write("t1", users, kStartMicros + 5 * kSecond, {UserRow(1, {{3, "second"}})}));
  const WallTime second = WallNow();
  RowSet rows;
  clock_.SetMicros(kStartMicros + 12 * kSecond);
  if (wall_clock_ttl()) SleepUntil(first, ttl + 0.1);
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1)}, {2, 3}, &rows));
  EXPECT_TRUE(rows.found(0));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{std::nullopt, "second"}));
  clock_.SetMicros(kStartMicros + 15 * kSecond);
  if (wall_clock_ttl()) SleepUntil(second, ttl + 0.1);
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1)}, {2, 3}, &rows));
  EXPECT_FALSE(rows.found(0));
}

TEST_P(OnlineStoreConformance, TtlChangeAffectsOnlyNewWrites) {
  // Manual clock: TTLs 10, 100 and none, reads at 50 and 1000. Wall clock: TTLs 2, 6 and none, reads
  // 3 s and 6.3 s after the writes.
  const int64_t short_ttl = wall_clock_ttl() ? 2 : 10, long_ttl = wall_clock_ttl() ? 6 : 100;
  const WallTime before = WallNow();
  OFS_ASSERT_OK(Write("t1", Users(short_ttl), kStartMicros, {UserRow(1, {{3, "ten"}})}));
  OFS_ASSERT_OK(Write("t1", Users(long_ttl), kStartMicros, {UserRow(2, {{3, "hundred"}})}));
  OFS_ASSERT_OK(Write("t1", Users(0), kStartMicros, {UserRow(3, {{3, "forever"}})}));
  const WallTime after = WallNow();
  const std::vector<std::vector<std::string>> keys = {UserKey(1), UserKey(2), UserKey(3)};
  RowSet rows;
  clock_.SetMicros(kStartMicros + 50 * kSecond);
  if (wall_clock_ttl()) {
    SleepUntil(after, short_ttl + 0.3);
    ASSERT_LT(WallNow(), before + std::chrono::seconds(long_ttl - 1))
        << "the machine is too slow for this test";
  }
  OFS_ASSERT_OK(Read("t1", Users(short_ttl), keys, {3}, &rows));
  EXPECT_FALSE(rows.found(0));
  EXPECT_EQ(RowCells(rows, 1), (TestCells{"hundred"}));
  EXPECT_EQ(RowCells(rows, 2), (TestCells{"forever"}));
  clock_.SetMicros(kStartMicros + 1000 * kSecond);
  if (wall_clock_ttl()) SleepUntil(after, long_ttl + 0.3);
  OFS_ASSERT_OK(Read("t1", Users(0), keys, {3}, &rows));
  EXPECT_FALSE(rows.found(1));
  EXPECT_EQ(RowCells(rows, 2), (TestCells{"forever"}));
}

TEST_P(OnlineStoreConformance, PartitionScanSkipsExpiredRows) {
  // Manual clock: TTL 10, writes at 0 and 5, scans at 12. Wall clock: TTL 4, the second write 2 s after
  // the first is acknowledged, scans 4.2 s after it (the refreshed rows live at least 1.8 s more).
  const int64_t ttl = wall_clock_ttl() ? 4 : 10;
  const TableSpec events = Events(ttl);
  std::vector<EventKey> keys;
  for (int32_t b = 0; b < 12; ++b) keys.push_back(EventKey{b, "t", 0.0});
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("d", keys)));
  const WallTime first = WallNow();
  if (wall_clock_ttl()) SleepUntil(first, 2);
  const std::vector<EventKey> refreshed = {keys[0], keys[5], keys[11]};
  OFS_ASSERT_OK(Write("t1", events, kStartMicros + 5 * kSecond, EventRows("d", refreshed)));
  clock_.SetMicros(kStartMicros + 12 * kSecond);
  if (wall_clock_ttl()) SleepUntil(first, ttl + 0.2);
  for (size_t limit : {1, 2, 10}) {
    EXPECT_EQ(ScanAll("t1", events, "d", {5}, limit), ExpectedEventRows("d", refreshed)) << "limit " << limit;
  }
}

// ---- durability, concurrency, volume

TEST_P(OnlineStoreConformance, WritesSurviveReopen) {
  const TableSpec users = Users();
  const TableSpec events = Events();
  OFS_ASSERT_OK(Write("alpha", users, kStartMicros, {UserRow(1, {{3, "a1"}}), UserRow(2, {})}));
  OFS_ASSERT_OK(Write("beta", users, kStartMicros, {UserRow(1, {{3, "b1"}})}));
  OFS_ASSERT_OK(Write("alpha", users, kStartMicros + 1, {UserRow(1, {{2, Int32Value(9)}})}));
  const std::vector<EventKey> keys = {{1, "x", 1.0}, {-1, "y", -1.0}};
  OFS_ASSERT_OK(Write("alpha", events, kStartMicros, EventRows("d", keys)));
  Reopen();
  RowSet rows;
  OFS_ASSERT_OK(Read("alpha", users, {UserKey(1), UserKey(2), UserKey(3)}, {2, 3}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{Int32Value(9), "a1"}));
  EXPECT_TRUE(rows.found(1));
  EXPECT_FALSE(rows.found(2));
  OFS_ASSERT_OK(Read("beta", users, {UserKey(1)}, {3}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{"b1"}));
  EXPECT_EQ(ScanAll("alpha", events, "d", {5}, 1), ExpectedEventRows("d", keys));
  OFS_ASSERT_OK(Write("alpha", users, kStartMicros + 2, {UserRow(1, {{3, "after"}})}));
  OFS_ASSERT_OK(Read("alpha", users, {UserKey(1)}, {2, 3}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{Int32Value(9), "after"}));
}

TEST_P(OnlineStoreConformance, ConcurrentWritersConvergeToNewestWritePerColumn) {
  const TableSpec users = Users();
  constexpr int kThreads = 4;
  constexpr int kWrites = 150;
  // Every column written is TEXT (values are canonical bytes of their column's type).
  constexpr uint32_t kOwn[kThreads] = {3, 5, 6, 7}, kShared = 8, kTied = 9;
  struct Planned {
    int64_t time;       // distinct across threads
    int64_t tie_time;   // the same set of times in every thread: equal times race across threads
    uint32_t own;       // one column per thread
    std::string value;  // written to `own` and kShared at `time`
    std::string tied;   // written to kTied at `tie_time`
  };
  struct Newest {
    int64_t time = -1;
    std::string value;
    void Offer(int64_t t, const std::string& v) {
      if (t > time || (t == time && v > value)) std::tie(time, value) = std::tie(t, v);
    }
  };
  std::map<uint32_t, Newest> expected;
  std::vector<std::vector<Planned>> plans(kThreads);
  for (int thread = 0; thread < kThreads; ++thread) {
    std::vector<int> order(kWrites);
    for (int i = 0; i < kWrites; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(thread));
    for (int i : order) {
      const int64_t time = kStartMicros + i * kThreads + thread;
      Planned p{time, kStartMicros + i, kOwn[thread],
                "w" + std::to_string(thread) + "-" + std::to_string(time),
                "tie" + std::to_string(thread) + "-" + std::to_string(i)};
      expected[p.own].Offer(p.time, p.value);
      expected[kShared].Offer(p.time, p.value);
      expected[kTied].Offer(p.tie_time, p.tied);
      plans[thread].push_back(std::move(p));
    }
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (const Planned& p : plans[thread]) {
        if (!Write("t1", users, p.time, {UserRow(1, {{p.own, p.value}, {kShared, p.value}})}).ok())
          ++failures;
        if (!Write("t1", users, p.tie_time, {UserRow(1, {{kTied, p.tied}})}).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, {UserKey(1)}, {kOwn[0], kOwn[1], kOwn[2], kOwn[3], kShared, kTied}, &rows));
  EXPECT_EQ(RowCells(rows, 0),
            (TestCells{expected[kOwn[0]].value, expected[kOwn[1]].value, expected[kOwn[2]].value,
                       expected[kOwn[3]].value, expected[kShared].value, expected[kTied].value}));
}

// A read that starts after a write was acknowledged sees that write, even while other threads keep
// reading (and caching, where the store caches) the same rows from before it.
TEST_P(OnlineStoreConformance, ReadsAfterAcknowledgedWriteSeeItUnderConcurrentReads) {
  const TableSpec users = Users();
  constexpr int kKeys = 4;
  constexpr int kWrites = 300;
  std::vector<std::vector<std::string>> keys;
  for (int id = 0; id < kKeys; ++id) keys.push_back(UserKey(id));
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      RowSet rows;
      while (!done.load()) {
        if (!Read("t1", users, keys, {2}, &rows).ok()) ++failures;
      }
    });
  }
  std::string mismatch;
  for (int i = 0; i < kWrites && mismatch.empty(); ++i) {
    const int id = i % kKeys;
    OFS_ASSERT_OK(Write("t1", users, kStartMicros + i, {UserRow(id, {{2, Int32Value(i)}})}));
    RowSet rows;
    OFS_ASSERT_OK(Read("t1", users, {UserKey(id)}, {2}, &rows));
    if (RowCells(rows, 0) != TestCells{Int32Value(i)})
      mismatch = "write " + std::to_string(i) + " not read back";
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(mismatch, "");
  EXPECT_EQ(failures.load(), 0);
}

TEST_P(OnlineStoreConformance, LargeBatchOf10kRows) {
  const TableSpec users = Users();
  const TableSpec events = Events();
  constexpr int kRows = 10'000;
  std::vector<TestRow> user_rows;
  std::vector<EventKey> event_keys;
  std::vector<std::vector<std::string>> keys;
  for (int i = 0; i < kRows; ++i) {
    user_rows.push_back(UserRow(i, {{2, Int32Value(i)}, {3, "name-" + std::to_string(i)}}));
    event_keys.push_back(EventKey{i % 100, "tag-" + std::to_string(i), static_cast<double>(i)});
    keys.push_back(UserKey(i));
  }
  OFS_ASSERT_OK(Write("t1", users, kStartMicros, user_rows));
  OFS_ASSERT_OK(Write("t1", events, kStartMicros, EventRows("big", event_keys)));
  keys.push_back(UserKey(kRows));
  RowSet rows;
  OFS_ASSERT_OK(Read("t1", users, keys, {3, 2}, &rows));
  ASSERT_EQ(rows.rows(), static_cast<size_t>(kRows + 1));
  for (int i = 0; i < kRows; ++i) {
    ASSERT_TRUE(rows.found(i)) << i;
    ASSERT_EQ(RowCells(rows, i), (TestCells{"name-" + std::to_string(i), Int32Value(i)})) << i;
  }
  EXPECT_FALSE(rows.found(kRows));
  EXPECT_EQ(ScanAll("t1", events, "big", {5}, 1000), ExpectedEventRows("big", event_keys));
}

}  // namespace ofs::storage::testing
