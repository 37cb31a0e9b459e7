// CassandraStore against a real Cassandra (OFS_TEST_CASSANDRA=HOST:PORT; cassandra_test_env.h): the
// OnlineStore conformance suite, then what only this engine has to get right.

#include "storage/cassandra/cassandra_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cfloat>
#include <chrono>
#include <climits>
#include <cstdio>
#include <future>
#include <mutex>
#include <random>

#include "base/strings.h"
#include "codec/value_codec.h"
#include "model/types.h"
#include "storage/cassandra/cassandra_test_env.h"
#include "storage/cassandra/cql_schema.h"
#include "storage/cassandra/cql_session.h"
#include "storage/testing/conformance.h"

namespace ofs::storage {
namespace {

using cassandra::CassandraStoreOptions;
using cassandra::CqlResult;
using cassandra::CqlSession;
using cassandra::testing::CassandraForTests;
using cassandra::testing::ServicesRequired;
using model::ColumnSpec;
using model::DataType;
using model::TableSpec;
using testing::RowCells;
using testing::StoreUnderTest;
using testing::TestCells;

// The keyspace prefix of one test: every tenant's keyspace starts with it.
std::string KeyspaceFor(const std::string& dir) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(cassandra::Fnv1a64(dir)));
  return "ofst_" + std::string(hex, 12);
}

CassandraStoreOptions OptionsFor(const std::string& keyspace) {
  CassandraStoreOptions options;
  options.cluster.contact_points = {CassandraForTests()};
  options.cluster.keyspace = keyspace;
  options.cluster.request_timeout_ms = 10'000;  // a loaded test machine, and large batches
  return options;
}

// One session for test set-up and clean-up, opened on first use.
std::shared_ptr<CqlSession> AdminSession() {
  static std::mutex mu;
  static std::shared_ptr<CqlSession> session;
  std::lock_guard lock(mu);
  if (session == nullptr) {
    cassandra::CqlConfig config;
    config.contact_points = {CassandraForTests()};
    config.request_timeout_ms = 20'000;
    auto opened = CqlSession::OpenSync(config);
    if (!opened.ok()) {
      ADD_FAILURE() << opened.status().ToString();
      return nullptr;
    }
    session = *opened;
  }
  return session;
}

ofs_cql_exec_options AdminOptions() {
  ofs_cql_exec_options o{};
  o.idempotent = 1;
  return o;
}

CqlResult Cql(const std::string& cql) {
  CqlResult r = AdminSession()->QuerySync(cql, AdminOptions());
  EXPECT_TRUE(r.ok()) << cql << ": " << r.message();
  return r;
}

// Drops every keyspace whose name starts with `prefix`.
void DropKeyspaces(const std::string& prefix) {
  if (AdminSession() == nullptr) return;
  const CqlResult r = Cql("SELECT keyspace_name FROM system_schema.keyspaces");
  for (size_t i = 0; i < r.rows(); ++i) {
    const ofs_cql_value& v = r.row(i)[0];
    const std::string name(reinterpret_cast<const char*>(v.data), v.len);
    if (name.starts_with(prefix)) Cql("DROP KEYSPACE IF EXISTS " + name);
  }
}

std::string SkipReason() {
  if (!CassandraForTests().empty() || ServicesRequired()) return {};  // required: open() fails instead
  return cassandra::testing::kNoCassandra;
}

std::unique_ptr<OnlineStore> OpenForConformance(Clock*, const std::string& dir) {
  if (CassandraForTests().empty()) {
    ADD_FAILURE() << "OFS_REQUIRE_SERVICES=1: " << cassandra::testing::kNoCassandra;
    return nullptr;
  }
  auto store = CassandraStore::Open(OptionsFor(KeyspaceFor(dir)));
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

StoreUnderTest CassandraUnderTest() {
  StoreUnderTest s;
  s.name = "Cassandra";
  s.open = OpenForConformance;
  s.skip_reason = SkipReason;
  s.cleanup = [](const std::string& dir) { DropKeyspaces(KeyspaceFor(dir)); };
  s.wall_clock_ttl = true;
  s.empty_partition_keys = false;
  return s;
}

// ---- the engine's own tests

#define OFS_ASSERT_OK(expr)                                  \
  do {                                                       \
    const ::ofs::Status ofs_status_ = (expr);                \
    ASSERT_TRUE(ofs_status_.ok()) << ofs_status_.ToString(); \
  } while (0)

Status Await(const std::function<void(Completion)>& call) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  call([promise](Status status) { promise->set_value(std::move(status)); });
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    return Status(ErrorCode::kInternal, "the store never called the completion");
  }
  return future.get();
}

// The canonical bytes of a JSON value of `type` (the codec's conversion: canonical by construction).
std::string Canonical(DataType type, codec::JsonScalar json) {
  std::string out;
  const Status status = codec::AppendValue(type, json, &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}
std::string Num(DataType type, std::string_view token) {
  return Canonical(type, codec::JsonScalar::Number(token));
}
std::string Str(DataType type, std::string_view text) {
  return Canonical(type, codec::JsonScalar::String(text));
}

// A free TCP port on loopback with nothing listening.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 1;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

class CassandraStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OFS_CASSANDRA_OR_SKIP(address);
    keyspace_ = "ofsx_" + std::to_string(std::random_device()() % 100'000'000);
    auto store = CassandraStore::Open(OptionsFor(keyspace_));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    if (!keyspace_.empty()) DropKeyspaces(keyspace_);
  }

  Status Write(const TableSpec& table, const std::vector<std::vector<std::string>>& keys,
               const std::vector<std::vector<std::pair<uint32_t, std::string>>>& cells,
               int64_t time = 1'700'000'000'000'000, std::string_view tenant = model::kDefaultTenant) {
    std::vector<std::vector<std::string_view>> key_views;
    std::vector<std::vector<Cell>> cell_views;
    for (size_t i = 0; i < keys.size(); ++i) {
      key_views.emplace_back(keys[i].begin(), keys[i].end());
      cell_views.emplace_back();
      for (const auto& [id, value] : cells[i]) cell_views.back().push_back(Cell{id, value});
    }
    std::vector<WriteRow> rows;
    for (size_t i = 0; i < keys.size(); ++i) rows.push_back(WriteRow{key_views[i], cell_views[i]});
    const WriteRequest req{tenant, &table, time, rows};
    return Await([&](Completion done) { store_->Write(req, std::move(done)); });
  }

  Status Read(const TableSpec& table, const std::vector<std::vector<std::string>>& keys,
              const std::vector<uint32_t>& columns, RowSet* out,
              std::string_view tenant = model::kDefaultTenant) {
    std::vector<std::string_view> flat;
    for (const auto& key : keys) flat.insert(flat.end(), key.begin(), key.end());
    const ReadRequest req{tenant, &table, flat, columns};
    return Await([&](Completion done) { store_->MultiGet(req, out, std::move(done)); });
  }

  Status Scan(const TableSpec& table, std::string_view partition, const std::vector<uint32_t>& columns,
              size_t limit, std::string_view token, ScanResult* out) {
    const ScanRequest req{model::kDefaultTenant, &table, partition, columns, token, limit};
    return Await([&](Completion done) { store_->ScanPartition(req, out, std::move(done)); });
  }

  std::string keyspace_;
  std::unique_ptr<CassandraStore> store_;
};

// Every OFS type, as value columns and (the ones a key can be) as clustering columns, at the edges of
// their ranges: VARINT and DECIMAL exact to the last digit.
TEST_F(CassandraStoreTest, EveryTypeRoundTripsExactly) {
  const std::vector<DataType> types = {
      DataType::kText,      DataType::kAscii,    DataType::kVarchar, DataType::kBlob, DataType::kBoolean,
      DataType::kDecimal,   DataType::kDouble,   DataType::kFloat,   DataType::kInt,  DataType::kBigint,
      DataType::kTimestamp, DataType::kTimeuuid, DataType::kUuid,    DataType::kInet, DataType::kVarint};
  TableSpec table{1, "typed", {{1, "k", DataType::kText}}, {}, 0};
  std::vector<uint32_t> ids;
  for (size_t i = 0; i < types.size(); ++i) {
    table.value_columns.push_back(
        {static_cast<uint32_t>(10 + i), "c_" + ToLowerAscii(model::DataTypeName(types[i])), types[i]});
    ids.push_back(static_cast<uint32_t>(10 + i));
  }
  const std::string ten40 = "1" + std::string(40, '0');
  const std::string nines(1000, '9');
  const std::vector<std::vector<std::string>> rows = {
      {Str(DataType::kText, ""), Str(DataType::kAscii, ""),
       Str(DataType::kVarchar, std::string("h\xc3\xa9\0x", 5)), Str(DataType::kBlob, ""),
       Canonical(DataType::kBoolean, codec::JsonScalar::Bool(false)), Num(DataType::kDecimal, "-1e-999"),
       Num(DataType::kDouble, "-1.7976931348623157e308"), Num(DataType::kFloat, "-3.4028234663852886e38"),
       Num(DataType::kInt, "-2147483648"), Num(DataType::kBigint, "-9223372036854775808"),
       Num(DataType::kTimestamp, "-9223372036854775808"),
       Str(DataType::kTimeuuid, "00000000-0000-1000-8000-000000000000"),
       Str(DataType::kUuid, "00000000-0000-0000-0000-000000000000"), Str(DataType::kInet, "0.0.0.0"),
       Num(DataType::kVarint, "-" + ten40)},
      {Str(DataType::kText, "\xf4\x8f\xbf\xbf text"), Str(DataType::kAscii, "~\x7f"),
       Str(DataType::kVarchar, "v"), Str(DataType::kBlob, "AP8BAg=="),
       Canonical(DataType::kBoolean, codec::JsonScalar::Bool(true)),
       Num(DataType::kDecimal, "9" + std::string(999, '0')), Num(DataType::kDouble, "4.9e-324"),
       Num(DataType::kFloat, "1.4e-45"), Num(DataType::kInt, "2147483647"),
       Num(DataType::kBigint, "9223372036854775807"), Num(DataType::kTimestamp, "253402300799999"),
       Str(DataType::kTimeuuid, "ffffffff-ffff-1fff-bfff-ffffffffffff"),
       Str(DataType::kUuid, "ffffffff-ffff-ffff-ffff-ffffffffffff"),
       Str(DataType::kInet, "2001:db8::ff00:42:8329"), Num(DataType::kVarint, nines)},
      {Str(DataType::kText, "zeros"), Str(DataType::kAscii, "a"), Str(DataType::kVarchar, ""),
       Str(DataType::kBlob, "AA=="), Canonical(DataType::kBoolean, codec::JsonScalar::Bool(false)),
       Num(DataType::kDecimal, "1.50e2"), Num(DataType::kDouble, "0"), Num(DataType::kFloat, "0"),
       Num(DataType::kInt, "0"), Num(DataType::kBigint, "0"), Num(DataType::kTimestamp, "0"),
       Str(DataType::kTimeuuid, "5fc03087-d265-11e7-b8c6-83e29cd24f4c"),
       Str(DataType::kUuid, "123e4567-e89b-42d3-a456-426614174000"), Str(DataType::kInet, "::1"),
       Num(DataType::kVarint, "0")},
  };
  std::vector<std::vector<std::string>> keys;
  std::vector<std::vector<std::pair<uint32_t, std::string>>> cells;
  for (size_t r = 0; r < rows.size(); ++r) {
    keys.push_back({"row" + std::to_string(r)});
    cells.emplace_back();
    for (size_t c = 0; c < types.size(); ++c) cells.back().emplace_back(ids[c], rows[r][c]);
  }
  OFS_ASSERT_OK(Write(table, keys, cells));
  RowSet read;
  OFS_ASSERT_OK(Read(table, keys, ids, &read));
  for (size_t r = 0; r < rows.size(); ++r) {
    ASSERT_TRUE(read.found(r));
    for (size_t c = 0; c < types.size(); ++c) {
      EXPECT_EQ(read.cell(r, c), rows[r][c]) << "row " << r << " " << model::DataTypeName(types[c]);
    }
  }
  // Cassandra holds the numbers themselves, not a text: its own arithmetic sees them.
  const CqlResult cast = Cql("SELECT CAST(c_varint AS text), CAST(c_decimal AS text) FROM \"" + keyspace_ +
                             "\".typed WHERE k = 'row0'");
  ASSERT_EQ(cast.rows(), 1u);
  const auto text = [](const ofs_cql_value& v) {
    return std::string(reinterpret_cast<const char*>(v.data), v.len);
  };
  EXPECT_EQ(text(cast.row(0)[0]), "-" + ten40);
  EXPECT_EQ(text(cast.row(0)[1]), "-1E-999");

  // Keys: every type that orders (not BOOLEAN-only oddities) as clustering columns, read back by a scan.
  const TableSpec keyed{2,
                        "keyed",
                        {{1, "p", DataType::kBigint},
                         {2, "c_varint", DataType::kVarint},
                         {3, "c_decimal", DataType::kDecimal},
                         {4, "c_inet", DataType::kInet},
                         {5, "c_timeuuid", DataType::kTimeuuid},
                         {6, "c_blob", DataType::kBlob},
                         {7, "c_timestamp", DataType::kTimestamp},
                         {8, "c_boolean", DataType::kBoolean}},
                        {{9, "v", DataType::kText}},
                        0};
  std::vector<std::vector<std::string>> key_rows;
  for (size_t r = 0; r < rows.size(); ++r) {
    key_rows.push_back({Num(DataType::kBigint, "-5"), rows[r][14], rows[r][5], rows[r][13], rows[r][11],
                        rows[r][3], rows[r][10], rows[r][4]});
  }
  OFS_ASSERT_OK(Write(keyed, key_rows, {{{9, "a"}}, {{9, "b"}}, {{9, "c"}}}));
  ScanResult scan;
  OFS_ASSERT_OK(Scan(keyed, Num(DataType::kBigint, "-5"), {9}, 10, "", &scan));
  ASSERT_EQ(scan.rows.rows(), 3u);
  // Cassandra's order: VARINT numerically (-10^40, 0, 10^1000 - 1).
  const std::vector<size_t> order = {0, 2, 1};
  for (size_t i = 0; i < 3; ++i) {
    for (size_t k = 0; k < key_rows[order[i]].size(); ++k) {
      EXPECT_EQ(scan.rows.cell(i, k), key_rows[order[i]][k]) << "row " << i << " key column " << k;
    }
  }
}

// Reserved words, mixed case, names CQL only takes quoted: the store quotes every name, and the
// columns are the lower-cased names an unquoted DDL would have made.
TEST_F(CassandraStoreTest, ReservedWordsAndMixedCaseNames) {
  const TableSpec table{3,
                        "Order_Items",
                        {{1, "Key", DataType::kBigint}, {2, "token", DataType::kText}},
                        {{3, "order", DataType::kInt},
                         {4, "from", DataType::kText},
                         {5, "select", DataType::kDouble},
                         {6, "Mixed_Case", DataType::kText},
                         {7, "grp__v1__where", DataType::kBigint},
                         {8, "_under", DataType::kText}},
                        0};
  OFS_ASSERT_OK(store_->EnsureTable(model::kDefaultTenant, table));
  const std::vector<std::string> key = {Num(DataType::kBigint, "1"), "a"};
  OFS_ASSERT_OK(Write(table, {key},
                      {{{3, Num(DataType::kInt, "7")},
                        {4, "x"},
                        {5, Num(DataType::kDouble, "0.5")},
                        {6, "mixed"},
                        {7, Num(DataType::kBigint, "-2")},
                        {8, "u"}}}));
  RowSet rows;
  OFS_ASSERT_OK(Read(table, {key}, {8, 7, 6, 5, 4, 3}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{"u", Num(DataType::kBigint, "-2"), "mixed",
                                          Num(DataType::kDouble, "0.5"), "x", Num(DataType::kInt, "7")}));
  ScanResult scan;
  OFS_ASSERT_OK(Scan(table, Num(DataType::kBigint, "1"), {3, 4}, 10, "", &scan));
  ASSERT_EQ(scan.rows.rows(), 1u);
  EXPECT_EQ(RowCells(scan.rows, 0), (TestCells{key[0], "a", Num(DataType::kInt, "7"), "x"}));
  // What Darwin's unquoted CQL sees.
  const CqlResult plain = Cql("SELECT mixed_case, grp__v1__where FROM " + keyspace_ +
                              ".order_items WHERE key = 1 AND \"token\" = 'a'");
  ASSERT_EQ(plain.rows(), 1u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(plain.row(0)[0].data), plain.row(0)[0].len), "mixed");
  EXPECT_EQ(plain.row(0)[1].i64, -2);
}

std::map<std::string, std::string> ColumnsOf(const std::string& keyspace, const std::string& table) {
  std::map<std::string, std::string> columns;
  const CqlResult r = Cql("SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = '" +
                          keyspace + "' AND table_name = '" + table + "'");
  for (size_t i = 0; i < r.rows(); ++i) {
    const auto text = [](const ofs_cql_value& v) {
      return std::string(reinterpret_cast<const char*>(v.data), v.len);
    };
    columns[text(r.row(i)[0])] = text(r.row(i)[1]);
  }
  return columns;
}

int64_t TtlOf(const std::string& keyspace, const std::string& table) {
  const CqlResult r = Cql("SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = '" +
                          keyspace + "' AND table_name = '" + table + "'");
  return r.rows() == 1 ? r.row(0)[0].i64 : -1;
}

TEST_F(CassandraStoreTest, EnsureTableAddsOnlyMissingColumnsAndChangesTtl) {
  TableSpec table{4, "profile", {{1, "id", DataType::kText}}, {{2, "age", DataType::kInt}}, 0};
  OFS_ASSERT_OK(store_->EnsureTable(model::kDefaultTenant, table));
  EXPECT_EQ(ColumnsOf(keyspace_, "profile"),
            (std::map<std::string, std::string>{{"id", "text"}, {"age", "int"}}));
  EXPECT_EQ(TtlOf(keyspace_, "profile"), 0);
  OFS_ASSERT_OK(Write(table, {{"u1"}}, {{{2, Num(DataType::kInt, "41")}}}));

  // Another writer (Darwin) added a column meanwhile; a new group version brings it and one more.
  Cql("ALTER TABLE " + keyspace_ + ".profile ADD g__v1__city text");
  table.value_columns.push_back({3, "g__v1__city", DataType::kText});
  table.value_columns.push_back({4, "g__v1__Score", DataType::kDecimal});
  table.ttl_seconds = 86'400;
  OFS_ASSERT_OK(store_->EnsureTable(model::kDefaultTenant, table));  // ALTER ADD of both would fail
  EXPECT_EQ(ColumnsOf(keyspace_, "profile"),
            (std::map<std::string, std::string>{
                {"id", "text"}, {"age", "int"}, {"g__v1__city", "text"}, {"g__v1__score", "decimal"}}));
  EXPECT_EQ(TtlOf(keyspace_, "profile"), 86'400);
  OFS_ASSERT_OK(store_->EnsureTable(model::kDefaultTenant, table));  // idempotent
  TableSpec prospective = table;  // admin's spec before its commit: ids not assigned yet
  prospective.id = 0;
  for (ColumnSpec& c : prospective.value_columns) c.id = 0;
  OFS_ASSERT_OK(store_->EnsureTable(model::kDefaultTenant, prospective));
  OFS_ASSERT_OK(Write(table, {{"u1"}}, {{{4, Num(DataType::kDecimal, "2.50")}}}));
  RowSet rows;
  OFS_ASSERT_OK(Read(table, {{"u1"}}, {2, 3, 4}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{Num(DataType::kInt, "41"), std::nullopt, "2.5"}));

  table.ttl_seconds = 100LL * 365 * 86'400;  // beyond Cassandra's 20 years: stored as 20 years
  OFS_ASSERT_OK(store_->EnsureTable(model::kDefaultTenant, table));
  EXPECT_EQ(TtlOf(keyspace_, "profile"), 20 * 365 * 86'400);
  OFS_ASSERT_OK(Write(table, {{"u2"}}, {{{2, Num(DataType::kInt, "1")}}}));
  OFS_ASSERT_OK(Read(table, {{"u2"}}, {2}, &rows));
  EXPECT_TRUE(rows.found(0));

  TableSpec retyped = table;
  retyped.value_columns[0].type = DataType::kBigint;
  const Status mismatch = store_->EnsureTable(model::kDefaultTenant, retyped);
  EXPECT_EQ(mismatch.code(), ErrorCode::kStoreUnavailable);
  EXPECT_FALSE(mismatch.retryable());
  EXPECT_NE(mismatch.cause().find("age is int, the catalog says BIGINT"), std::string_view::npos)
      << mismatch.ToString();
  TableSpec rekeyed = table;
  rekeyed.key_columns.push_back({5, "day", DataType::kText});
  const Status other_key = store_->EnsureTable(model::kDefaultTenant, rekeyed);
  EXPECT_EQ(other_key.code(), ErrorCode::kStoreUnavailable);
  EXPECT_NE(other_key.cause().find("primary key is not (id, day)"), std::string_view::npos)
      << other_key.ToString();
}

// A table Darwin created with its own unquoted DDL and rows written with plain CQL (no USING TIMESTAMP)
// are served as they are; what OFS writes, Darwin's read sees.
TEST_F(CassandraStoreTest, ServesADarwinTable) {
  Cql("CREATE KEYSPACE IF NOT EXISTS " + keyspace_ + " WITH replication = {'class': 'SimpleStrategy'}");
  Cql("CREATE TABLE " + keyspace_ +
      ".userActivity (userId bigint, eventDay text, userSegment text, PRIMARY KEY (userId, eventDay))"
      " WITH default_time_to_live = 86400");
  Cql("ALTER TABLE " + keyspace_ +
      ".userActivity ADD (user_features__v1__clickCount int, user_features__v1__ctr double, "
      "user_features__v1__lastSeen timestamp, user_features__v1__spend decimal)");
  Cql("INSERT INTO " + keyspace_ +
      ".userActivity (userId, eventDay, userSegment, user_features__v1__clickCount, user_features__v1__ctr, "
      "user_features__v1__lastSeen, user_features__v1__spend) VALUES (42, '2026-11-01', 'gold', 7, 0.125, "
      "1700000000123, 12.50)");
  Cql("INSERT INTO " + keyspace_ +
      ".userActivity (userId, eventDay, user_features__v1__clickCount) VALUES (42, '2026-11-02', 9)");
  Cql("INSERT INTO " + keyspace_ + ".userActivity (userId, eventDay) VALUES (7, '2026-11-01')");

  // The catalog's view: names as registered (mixed case), the physical group column names.
  const TableSpec table{9,
                        "userActivity",
                        {{1, "userId", DataType::kBigint}, {2, "eventDay", DataType::kText}},
                        {{3, "userSegment", DataType::kText},
                         {4, "user_features__v1__clickCount", DataType::kInt},
                         {5, "user_features__v1__ctr", DataType::kDouble},
                         {6, "user_features__v1__lastSeen", DataType::kTimestamp},
                         {7, "user_features__v1__spend", DataType::kDecimal}},
                        86'400};
  OFS_ASSERT_OK(store_->EnsureTable(model::kDefaultTenant, table));  // nothing to change
  RowSet rows;
  const std::string u42 = Num(DataType::kBigint, "42"), u7 = Num(DataType::kBigint, "7");
  OFS_ASSERT_OK(Read(table,
                     {{u42, "2026-11-01"}, {u42, "2026-11-02"}, {u7, "2026-11-01"}, {u7, "2026-11-02"}},
                     {4, 5, 6, 7, 3}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{Num(DataType::kInt, "7"), Num(DataType::kDouble, "0.125"),
                                          Num(DataType::kTimestamp, "1700000000123"), "12.5", "gold"}));
  EXPECT_EQ(RowCells(rows, 1),
            (TestCells{Num(DataType::kInt, "9"), std::nullopt, std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_TRUE(rows.found(2));  // key-only row, from its row marker
  EXPECT_FALSE(rows.found(3));
  ScanResult scan;
  OFS_ASSERT_OK(Scan(table, u42, {4}, 1, "", &scan));
  ASSERT_EQ(scan.rows.rows(), 1u);
  EXPECT_EQ(RowCells(scan.rows, 0), (TestCells{u42, "2026-11-01", Num(DataType::kInt, "7")}));
  const std::string token = scan.next_page_token;
  ASSERT_FALSE(token.empty());
  OFS_ASSERT_OK(Scan(table, u42, {4}, 5, token, &scan));
  ASSERT_EQ(scan.rows.rows(), 1u);
  EXPECT_EQ(scan.rows.cell(0, 1), "2026-11-02");
  EXPECT_TRUE(scan.next_page_token.empty());

  // OFS writes with the request's time (now: Darwin's rows carry the server's time of their write).
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  OFS_ASSERT_OK(Write(table, {{u42, "2026-11-01"}}, {{{4, Num(DataType::kInt, "8")}}}, now));
  const CqlResult darwin = Cql("SELECT user_features__v1__clickcount AS \"clickCount\", usersegment FROM " +
                               keyspace_ + ".userActivity WHERE userId = 42 AND eventDay = '2026-11-01'");
  ASSERT_EQ(darwin.rows(), 1u);
  EXPECT_EQ(darwin.row(0)[0].i64, 8);
  EXPECT_EQ(darwin.column_name(0), "clickCount");
}

TEST_F(CassandraStoreTest, MalformedPageTokensAreRejected) {
  const TableSpec table{
      5, "paged", {{1, "p", DataType::kText}, {2, "c", DataType::kInt}}, {{3, "v", DataType::kText}}, 0};
  std::vector<std::vector<std::string>> keys;
  std::vector<std::vector<std::pair<uint32_t, std::string>>> cells;
  for (int c = 0; c < 6; ++c) {
    keys.push_back({"p", Num(DataType::kInt, std::to_string(c))});
    cells.push_back({{3, "v" + std::to_string(c)}});
  }
  OFS_ASSERT_OK(Write(table, keys, cells));
  ScanResult page;
  OFS_ASSERT_OK(Scan(table, "p", {3}, 2, "", &page));
  const std::string token = page.next_page_token;
  ASSERT_GT(token.size(), 10u);
  OFS_ASSERT_OK(Scan(table, "p", {3}, 2, token, &page));
  EXPECT_EQ(page.rows.cell(0, 2), "v2");

  std::vector<std::string> bad = {"garbage", std::string(1, '\0'), token.substr(0, 9),
                                  token.substr(0, token.size() - 1),
                                  std::string(1, '\x02') + token.substr(1)};
  for (size_t at : {size_t{1}, size_t{9}, size_t{12}, token.size() - 1}) {
    std::string flipped = token;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x01);
    bad.push_back(flipped);
  }
  for (const std::string& t : bad) {
    const Status status = Scan(table, "p", {3}, 2, t, &page);
    EXPECT_EQ(status.code(), ErrorCode::kReadFeatureGroupPartitionRequest) << status.ToString();
  }
  EXPECT_EQ(Scan(table, "q", {3}, 2, token, &page).code(), ErrorCode::kReadFeatureGroupPartitionRequest);
}

TEST_F(CassandraStoreTest, EmptyPartitionKeysAreRefusedWhole) {
  const TableSpec table{6, "named", {{1, "name", DataType::kText}}, {{2, "v", DataType::kInt}}, 0};
  const Status status =
      Write(table, {{"a"}, {""}}, {{{2, Num(DataType::kInt, "1")}}, {{2, Num(DataType::kInt, "2")}}});
  EXPECT_EQ(status.code(), ErrorCode::kWriteFeatureGroupRequest) << status.ToString();
  RowSet rows;
  OFS_ASSERT_OK(Read(table, {{"a"}, {""}}, {2}, &rows));
  EXPECT_FALSE(rows.found(0));  // nothing of the request was written
  EXPECT_FALSE(rows.found(1));
  ScanResult scan;
  OFS_ASSERT_OK(Scan(table, "", {2}, 10, "", &scan));
  EXPECT_EQ(scan.rows.rows(), 0u);
}

// A write that names a column the table lacks (the catalog moved ahead of this tenant's table) adds it
// on the schema thread and goes on; so does a read.
TEST_F(CassandraStoreTest, MissingColumnsAreAddedOnTheWay) {
  TableSpec table{7, "grown", {{1, "id", DataType::kBigint}}, {{2, "a", DataType::kText}}, 0};
  OFS_ASSERT_OK(Write(table, {{Num(DataType::kBigint, "1")}}, {{{2, "first"}}}));
  table.value_columns.push_back({3, "g__v2__b", DataType::kText});
  RowSet rows;
  OFS_ASSERT_OK(Read(table, {{Num(DataType::kBigint, "1")}}, {2, 3}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{"first", std::nullopt}));
  table.value_columns.push_back({4, "g__v3__c", DataType::kText});
  OFS_ASSERT_OK(Write(table, {{Num(DataType::kBigint, "1")}}, {{{4, "third"}}}));
  OFS_ASSERT_OK(Read(table, {{Num(DataType::kBigint, "1")}}, {2, 3, 4}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{"first", std::nullopt, "third"}));
}

// The keyspace dropped under a running store (its statements prepared): reads find nothing, the next
// write creates it again.
TEST_F(CassandraStoreTest, AKeyspaceDroppedUnderTheStore) {
  const TableSpec table{10, "dropped", {{1, "id", DataType::kText}}, {{2, "v", DataType::kText}}, 0};
  OFS_ASSERT_OK(Write(table, {{"k"}}, {{{2, "before"}}}));
  RowSet rows;
  OFS_ASSERT_OK(Read(table, {{"k"}}, {2}, &rows));
  ASSERT_TRUE(rows.found(0));
  ScanResult scan;
  OFS_ASSERT_OK(Scan(table, "k", {2}, 10, "", &scan));
  Cql("DROP KEYSPACE " + keyspace_);
  OFS_ASSERT_OK(Read(table, {{"k"}}, {2}, &rows));
  EXPECT_FALSE(rows.found(0));
  OFS_ASSERT_OK(Scan(table, "k", {2}, 10, "", &scan));
  EXPECT_EQ(scan.rows.rows(), 0u);
  OFS_ASSERT_OK(Write(table, {{"k"}}, {{{2, "after"}}}));
  OFS_ASSERT_OK(Read(table, {{"k"}}, {2}, &rows));
  EXPECT_EQ(RowCells(rows, 0), (TestCells{"after"}));
}

TEST_F(CassandraStoreTest, TenantsMapToKeyspacesAndClusters) {
  CassandraStoreOptions options = OptionsFor(keyspace_);
  options.tenant_clusters["mapped"] = options.cluster;
  options.tenant_clusters["mapped"].keyspace = keyspace_ + "_own";
  auto store = CassandraStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store_ = std::move(*store);
  EXPECT_EQ(store_->KeyspaceOf(model::kDefaultTenant), keyspace_);
  EXPECT_EQ(store_->KeyspaceOf("acme"), keyspace_ + "_acme");
  EXPECT_EQ(store_->KeyspaceOf("mapped"), keyspace_ + "_own");
  const TableSpec table{8, "t", {{1, "id", DataType::kText}}, {{2, "v", DataType::kText}}, 0};
  OFS_ASSERT_OK(Write(table, {{"k"}}, {{{2, "mine"}}}, 1'700'000'000'000'000, "mapped"));
  EXPECT_EQ(Cql("SELECT v FROM " + keyspace_ + "_own.t WHERE id = 'k'").rows(), 1u);
  OFS_ASSERT_OK(store_->Health());
}

// No Cassandra needed: nothing listens on the port.
TEST(CassandraStoreUnreachable, FailsRetryablyWithinTheDeadline) {
  CassandraStoreOptions options;
  options.cluster.contact_points = {"127.0.0.1:" + std::to_string(ClosedPort())};
  options.cluster.connect_timeout_ms = 500;
  options.cluster.request_timeout_ms = 500;
  auto opened = CassandraStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<CassandraStore> store = std::move(*opened);
  const TableSpec table{1, "users", {{1, "id", DataType::kText}}, {{2, "v", DataType::kText}}, 0};
  const std::vector<std::string_view> keys = {"a", "b"};
  const std::vector<uint32_t> columns = {2};
  for (int attempt = 0; attempt < 2; ++attempt) {  // the second within the reconnect backoff: at once
    const auto start = std::chrono::steady_clock::now();
    RowSet rows;
    const Status read = Await([&](Completion done) {
      store->MultiGet(ReadRequest{model::kDefaultTenant, &table, keys, columns}, &rows, std::move(done));
    });
    EXPECT_EQ(read.code(), ErrorCode::kStoreUnavailable) << read.ToString();
    EXPECT_TRUE(read.retryable()) << read.ToString();
    EXPECT_NE(read.message().find("is unreachable"), std::string_view::npos) << read.ToString();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  }
  const std::vector<std::string_view> key = {"a"};
  const std::vector<Cell> cells = {{2, "x"}};
  const std::vector<WriteRow> rows = {{key, cells}};
  const Status write = Await([&](Completion done) {
    store->Write(WriteRequest{"acme", &table, 1, rows}, std::move(done));
  });
  EXPECT_EQ(write.code(), ErrorCode::kStoreUnavailable) << write.ToString();
  ScanResult scan;
  const Status scanned = Await([&](Completion done) {
    store->ScanPartition(ScanRequest{model::kDefaultTenant, &table, "a", columns, "", 10}, &scan,
                         std::move(done));
  });
  EXPECT_EQ(scanned.code(), ErrorCode::kStoreUnavailable) << scanned.ToString();
  EXPECT_EQ(store->Health().code(), ErrorCode::kStoreUnavailable);
  EXPECT_EQ(store->EnsureTable(model::kDefaultTenant, table).code(), ErrorCode::kStoreUnavailable);
}

TEST(CassandraStoreOptionsCheck, BadOptionsAreRefused) {
  CassandraStoreOptions options;
  EXPECT_EQ(CassandraStore::Open(options).status().code(), ErrorCode::kInvalidRequest);  // no contact points
  options.cluster.contact_points = {"127.0.0.1:9042"};
  options.cluster.keyspace = "bad-name";
  EXPECT_EQ(CassandraStore::Open(options).status().code(), ErrorCode::kInvalidRequest);
  options.cluster.keyspace = "ofs";
  options.tenant_clusters["t"].keyspace = "x";  // no contact points
  EXPECT_EQ(CassandraStore::Open(options).status().code(), ErrorCode::kInvalidRequest);
}

}  // namespace

OFS_INSTANTIATE_ONLINE_STORE_CONFORMANCE(Cassandra, CassandraUnderTest());

}  // namespace ofs::storage
