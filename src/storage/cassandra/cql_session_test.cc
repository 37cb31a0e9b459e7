// The C ABI of native/cql through its C++ owner (cql_session.h), against a real Cassandra: every value
// type both ways, paging, batches, DDL, schema agreement, error categories, and a closed port.

#include "storage/cassandra/cql_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <random>
#include <thread>

#include "storage/cassandra/cassandra_test_env.h"

namespace ofs::storage::cassandra {
namespace {

ofs_cql_value Int(int32_t type, int64_t v) {
  ofs_cql_value value{};
  value.type = type;
  value.i64 = v;
  return value;
}

ofs_cql_value Bytes(int32_t type, std::string_view b) {
  ofs_cql_value value{};
  value.type = type;
  value.data = reinterpret_cast<const uint8_t*>(b.data());
  value.len = b.size();
  return value;
}

ofs_cql_value Float(int32_t type, double v) {
  ofs_cql_value value{};
  value.type = type;
  value.f64 = v;
  return value;
}

std::string_view Data(const ofs_cql_value& v) {
  return v.len == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(v.data), v.len);
}

ofs_cql_exec_options Options() {
  ofs_cql_exec_options o{};
  o.idempotent = 1;
  return o;
}

class CqlSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OFS_CASSANDRA_OR_SKIP(address);
    CqlConfig config;
    config.contact_points = {address};
    config.request_timeout_ms = 10'000;
    auto session = CqlSession::OpenSync(config);
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = *session;
    keyspace_ = "ofs_cql_test_" + std::to_string(std::random_device()() % 1'000'000);
    Ddl("CREATE KEYSPACE " + keyspace_ +
        " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  }

  void TearDown() override {
    if (session_ != nullptr) Ddl("DROP KEYSPACE IF EXISTS " + keyspace_);
  }

  void Ddl(const std::string& cql) {
    const CqlResult r = session_->QuerySync(cql, Options());
    ASSERT_TRUE(r.ok()) << cql << ": " << r.message();
  }

  PreparedPtr Prepare(const std::string& cql) {
    PrepareResult prepared = session_->PrepareSync(cql);
    EXPECT_TRUE(prepared.status.ok()) << cql << ": " << prepared.status.ToString();
    return prepared.statement;
  }

  std::shared_ptr<CqlSession> session_;
  std::string keyspace_;
};

TEST_F(CqlSessionTest, EveryTypeRoundTrips) {
  Ddl("CREATE TABLE " + keyspace_ +
      ".t (k int PRIMARY KEY, a text, b ascii, c varchar, d blob, e boolean, f bigint, g float, h double,"
      " i timestamp, j uuid, l timeuuid, m inet, n varint, o decimal, p inet)");
  const PreparedPtr insert = Prepare("INSERT INTO " + keyspace_ +
                                     ".t (k, a, b, c, d, e, f, g, h, i, j, l, m, n, o, p)"
                                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ASSERT_NE(insert, nullptr);
  const std::string uuid("\x12\x34\x56\x78\x9a\xbc\x4d\xef\x81\x23\x45\x67\x89\xab\xcd\xef", 16);
  const std::string timeuuid("\x12\x34\x56\x78\x9a\xbc\x11\xef\x81\x23\x45\x67\x89\xab\xcd\xef", 16);
  const std::string blob("\0\xff\x01", 3);
  const std::string v4("\x7f\0\0\x01", 4);
  const std::string v6("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
  const std::string varint("\xff\x00\x00\x00\x00\x00\x00\x00\x00\x01", 10);  // a negative beyond int64
  const std::string unscaled("\x03\xe8", 2);                                 // 1000
  ofs_cql_value decimal = Bytes(OFS_CQL_DECIMAL, unscaled);
  decimal.scale = 5;
  const std::vector<ofs_cql_value> values = {
      Int(OFS_CQL_INT, -7),
      Bytes(OFS_CQL_TEXT, "h\xc3\xa9llo"),
      Bytes(OFS_CQL_ASCII, "plain"),
      Bytes(OFS_CQL_TEXT, std::string_view("a\0b", 3)),
      Bytes(OFS_CQL_BLOB, blob),
      Int(OFS_CQL_BOOLEAN, 1),
      Int(OFS_CQL_BIGINT, INT64_MIN),
      Float(OFS_CQL_FLOAT, -1.5),
      Float(OFS_CQL_DOUBLE, 1e300),
      Int(OFS_CQL_TIMESTAMP, -86'400'000),
      Bytes(OFS_CQL_UUID, uuid),
      Bytes(OFS_CQL_TIMEUUID, timeuuid),
      Bytes(OFS_CQL_INET, v4),
      Bytes(OFS_CQL_VARINT, varint),
      decimal,
      Bytes(OFS_CQL_INET, v6),
  };
  CqlResult written = session_->ExecuteSync(insert.get(), values, Options());
  ASSERT_TRUE(written.ok()) << written.message();

  const PreparedPtr select =
      Prepare("SELECT k, a, b, c, d, e, f, g, h, i, j, l, m, n, o, p FROM " + keyspace_ + ".t WHERE k = ?");
  const ofs_cql_value key = Int(OFS_CQL_INT, -7);
  CqlResult read = session_->ExecuteSync(select.get(), {&key, 1}, Options());
  ASSERT_TRUE(read.ok()) << read.message();
  ASSERT_EQ(read.rows(), 1u);
  ASSERT_EQ(read.columns(), values.size());
  const auto row = read.row(0);
  const std::vector<int32_t> types = {OFS_CQL_INT,    OFS_CQL_TEXT,      OFS_CQL_ASCII,   OFS_CQL_TEXT,
                                      OFS_CQL_BLOB,   OFS_CQL_BOOLEAN,   OFS_CQL_BIGINT,  OFS_CQL_FLOAT,
                                      OFS_CQL_DOUBLE, OFS_CQL_TIMESTAMP, OFS_CQL_UUID,    OFS_CQL_TIMEUUID,
                                      OFS_CQL_INET,   OFS_CQL_VARINT,    OFS_CQL_DECIMAL, OFS_CQL_INET};
  for (size_t c = 0; c < values.size(); ++c) {
    EXPECT_EQ(row[c].type, types[c]) << "column " << read.column_name(c);
    EXPECT_EQ(read.column_type(c), types[c]) << "column " << read.column_name(c);
    EXPECT_EQ(row[c].i64, values[c].i64) << "column " << read.column_name(c);
    EXPECT_EQ(row[c].f64, values[c].f64) << "column " << read.column_name(c);
    EXPECT_EQ(Data(row[c]), Data(values[c])) << "column " << read.column_name(c);
  }
  EXPECT_EQ(row[14].scale, 5);
  EXPECT_EQ(read.column_name(1), "a");

  // Unset leaves a column alone; null deletes it.
  std::vector<ofs_cql_value> partial(values.size(), ofs_cql_value{OFS_CQL_UNSET, 0, 0, 0, nullptr, 0});
  partial[0] = Int(OFS_CQL_INT, -7);
  partial[1] = ofs_cql_value{};  // null
  ASSERT_TRUE(session_->ExecuteSync(insert.get(), partial, Options()).ok());
  read = session_->ExecuteSync(select.get(), {&key, 1}, Options());
  ASSERT_EQ(read.rows(), 1u);
  EXPECT_EQ(read.row(0)[1].type, OFS_CQL_NULL);
  EXPECT_EQ(Data(read.row(0)[2]), "plain");
}

TEST_F(CqlSessionTest, PagesResumeFromThePagingState) {
  Ddl("CREATE TABLE " + keyspace_ + ".p (k text, c int, v text, PRIMARY KEY (k, c))");
  const PreparedPtr insert = Prepare("INSERT INTO " + keyspace_ + ".p (k, c, v) VALUES (?, ?, ?)");
  // A batch of 25 statements for one partition, with one write timestamp.
  std::vector<std::vector<ofs_cql_value>> rows;
  std::vector<ofs_cql_statement> statements;
  for (int c = 0; c < 25; ++c)
    rows.push_back({Bytes(OFS_CQL_TEXT, "part"), Int(OFS_CQL_INT, c), Bytes(OFS_CQL_TEXT, "v")});
  for (const auto& row : rows) statements.push_back({insert.get(), row.data(), row.size()});
  ofs_cql_exec_options o = Options();
  o.has_timestamp = 1;
  o.timestamp_micros = 1'700'000'000'000'000;
  std::promise<CqlResult> batched;
  session_->Batch(statements, o, [&](CqlResult r) { batched.set_value(std::move(r)); });
  CqlResult batch = batched.get_future().get();
  ASSERT_TRUE(batch.ok()) << batch.message();

  const PreparedPtr select = Prepare("SELECT c, WRITETIME(v) FROM " + keyspace_ + ".p WHERE k = ?");
  const ofs_cql_value key = Bytes(OFS_CQL_TEXT, "part");
  std::string state;
  std::vector<int64_t> seen;
  for (int page = 0; page < 10; ++page) {
    o = Options();
    o.page_size = 10;
    o.paging_state = reinterpret_cast<const uint8_t*>(state.data());
    o.paging_state_len = state.size();
    CqlResult r = session_->ExecuteSync(select.get(), {&key, 1}, o);
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_LE(r.rows(), 10u);
    for (size_t i = 0; i < r.rows(); ++i) {
      seen.push_back(r.row(i)[0].i64);
      EXPECT_EQ(r.row(i)[1].i64, 1'700'000'000'000'000);
    }
    if (!r.more_pages()) break;
    state = std::string(r.paging_state());
  }
  ASSERT_EQ(seen.size(), 25u);
  for (int c = 0; c < 25; ++c) EXPECT_EQ(seen[c], c);
}

TEST_F(CqlSessionTest, ErrorsCarryTheirCategory) {
  CqlResult syntax = session_->QuerySync("SELEKT nonsense", Options());
  EXPECT_EQ(syntax.category(), OFS_CQL_ERR_SYNTAX);
  EXPECT_EQ(CqlStatus(syntax, "test").code(), ErrorCode::kInternal);
  EXPECT_FALSE(CqlStatus(syntax, "test").retryable());

  const PrepareResult missing = session_->PrepareSync("SELECT v FROM " + keyspace_ + ".nope WHERE k = ?");
  EXPECT_EQ(missing.statement, nullptr);
  EXPECT_EQ(missing.category, OFS_CQL_ERR_NO_TABLE) << missing.status.ToString();
  CqlResult no_table = session_->QuerySync("SELECT v FROM " + keyspace_ + ".nope", Options());
  EXPECT_EQ(no_table.category(), OFS_CQL_ERR_NO_TABLE) << no_table.message();
  CqlResult no_keyspace = session_->QuerySync("SELECT v FROM no_such_keyspace_x.t", Options());
  EXPECT_EQ(no_keyspace.category(), OFS_CQL_ERR_NO_TABLE) << no_keyspace.message();
  Ddl("CREATE TABLE " + keyspace_ + ".e (k text PRIMARY KEY, v int)");
  CqlResult no_column = session_->QuerySync("SELECT w FROM " + keyspace_ + ".e", Options());
  EXPECT_EQ(no_column.category(), OFS_CQL_ERR_NO_COLUMN) << no_column.message();

  // A value that does not fit its column: refused before anything is sent, reported inline.
  const PreparedPtr insert = Prepare("INSERT INTO " + keyspace_ + ".e (k, v) VALUES (?, ?)");
  const std::vector<ofs_cql_value> wrong = {Bytes(OFS_CQL_TEXT, "k"), Bytes(OFS_CQL_TEXT, "not an int")};
  CqlResult refused = session_->ExecuteSync(insert.get(), wrong, Options());
  EXPECT_EQ(refused.category(), OFS_CQL_ERR_BAD_ARGUMENT) << refused.message();
  const std::vector<ofs_cql_value> bad_inet = {Bytes(OFS_CQL_TEXT, "k"), Bytes(OFS_CQL_INET, "abc")};
  EXPECT_EQ(session_->ExecuteSync(insert.get(), bad_inet, Options()).category(), OFS_CQL_ERR_BAD_ARGUMENT);
  // Cassandra refuses an empty partition key.
  const std::vector<ofs_cql_value> empty_key = {Bytes(OFS_CQL_TEXT, ""), Int(OFS_CQL_INT, 1)};
  CqlResult empty = session_->ExecuteSync(insert.get(), empty_key, Options());
  EXPECT_EQ(empty.category(), OFS_CQL_ERR_INVALID) << empty.message();
  // A paging state Cassandra cannot read.
  const PreparedPtr select = Prepare("SELECT v FROM " + keyspace_ + ".e WHERE k = ?");
  ofs_cql_exec_options o = Options();
  o.page_size = 5;
  o.paging_state = reinterpret_cast<const uint8_t*>("garbage");
  o.paging_state_len = 7;
  const ofs_cql_value key = Bytes(OFS_CQL_TEXT, "k");
  CqlResult garbage = session_->ExecuteSync(select.get(), {&key, 1}, o);
  EXPECT_FALSE(garbage.ok());
  EXPECT_FALSE(OFS_CQL_RETRYABLE(garbage.category())) << garbage.message();
}

TEST_F(CqlSessionTest, ManyConcurrentRequestsEachCompleteOnce) {
  Ddl("CREATE TABLE " + keyspace_ + ".c (k int PRIMARY KEY, v int)");
  const PreparedPtr insert = Prepare("INSERT INTO " + keyspace_ + ".c (k, v) VALUES (?, ?)");
  constexpr int kRequests = 2000;
  std::atomic<int> completed{0}, failed{0};
  std::promise<void> all;
  for (int i = 0; i < kRequests; ++i) {
    const std::vector<ofs_cql_value> v = {Int(OFS_CQL_INT, i), Int(OFS_CQL_INT, i * 2)};
    session_->Execute(insert.get(), v, Options(), [&](CqlResult r) {
      if (!r.ok()) ++failed;
      if (++completed == kRequests) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(failed.load(), 0);
  CqlResult count = session_->QuerySync("SELECT COUNT(*) FROM " + keyspace_ + ".c", Options());
  ASSERT_TRUE(count.ok()) << count.message();
  EXPECT_EQ(count.row(0)[0].i64, kRequests);
}

TEST(CqlSessionClosedPort, FailsRetryablyWithinTheConnectTimeout) {
  CqlConfig config;
  config.contact_points = {"127.0.0.1:1"};  // nothing listens on port 1
  config.connect_timeout_ms = 1000;
  const auto start = std::chrono::steady_clock::now();
  auto session = CqlSession::OpenSync(config);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), ErrorCode::kStoreUnavailable) << session.status().ToString();
  EXPECT_TRUE(session.status().retryable());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(CqlSessionArguments, BadConfigIsReportedInline) {
  CqlConfig config;  // no contact points
  auto session = CqlSession::OpenSync(config);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), ErrorCode::kInternal) << session.status().ToString();
  config.contact_points = {"127.0.0.1:9042"};
  config.tls = true;
  config.tls_ca_file = "/nonexistent/ca.pem";
  session = CqlSession::OpenSync(config);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), ErrorCode::kStoreUnavailable) << session.status().ToString();
  EXPECT_FALSE(session.status().retryable());
}

}  // namespace
}  // namespace ofs::storage::cassandra
