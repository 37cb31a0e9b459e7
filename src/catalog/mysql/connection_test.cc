// mysql::Connection against a real MariaDB: OFS_TEST_MYSQL_URL=mysql://USER:PASSWORD@HOST:PORT/DB
// (scripts/services/mariadb.sh start prints it). Unset, these tests skip, unless OFS_REQUIRE_SERVICES=1
// (CI), which makes them fail instead. Each test works in a database of its own, dropped at its end; the
// user of the URL must be allowed to create databases.

#include "catalog/mysql/connection.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "catalog/sql/migrations.h"

namespace ofs::catalog::mysql {
namespace {

using Clock = std::chrono::steady_clock;
using TxnKind = sql::Connection::TxnKind;

constexpr const char kNoServer[] =
    "OFS_TEST_MYSQL_URL=mysql://USER:PASSWORD@HOST:PORT/DB is unset (scripts/services/mariadb.sh start "
    "prints it)";

#define OFS_ASSERT_OK(expr)                                  \
  do {                                                       \
    const ::ofs::Status ofs_status_ = (expr);                \
    ASSERT_TRUE(ofs_status_.ok()) << ofs_status_.ToString(); \
  } while (0)
#define OFS_EXPECT_OK(expr)                                  \
  do {                                                       \
    const ::ofs::Status ofs_status_ = (expr);                \
    EXPECT_TRUE(ofs_status_.ok()) << ofs_status_.ToString(); \
  } while (0)

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The statements of the tests: Prepare caches by address, so each is one constant.
constexpr const char kCreateT[] =
    "CREATE TABLE t (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, i BIGINT NULL, s MEDIUMTEXT NULL)";
constexpr const char kInsertT[] = "INSERT INTO t (i, s) VALUES (?1, ?2)";
constexpr const char kSelectT[] = "SELECT i, s FROM t WHERE id = ?1";
constexpr const char kSelectAllT[] = "SELECT id, i, s FROM t ORDER BY id";
constexpr const char kConnectionId[] = "SELECT CONNECTION_ID()";
constexpr const char kCounter[] = "SELECT value FROM change_counter WHERE id = 1";
constexpr const char kBumpCounter[] = "UPDATE change_counter SET value = value + 1 WHERE id = 1";

class MysqlConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = Env("OFS_TEST_MYSQL_URL");
    if (url.empty()) {
      if (Env("OFS_REQUIRE_SERVICES") == "1") FAIL() << "OFS_REQUIRE_SERVICES=1: " << kNoServer;
      GTEST_SKIP() << kNoServer;
    }
    auto parsed = ParseMysqlUrl(url);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    server_ = *parsed;
    auto admin = Connection::Open(server_);
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = std::move(*admin);
    static int serial = 0;
    database_ = "ofs_test_" + std::to_string(getpid()) + "_" + std::to_string(++serial);
    OFS_ASSERT_OK(admin_->Exec(("DROP DATABASE IF EXISTS " + database_ + "; CREATE DATABASE " + database_ +
                                " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                                   .c_str()));
    options_ = server_;
    options_.database = database_;
    conn_ = Open();
    ASSERT_NE(conn_, nullptr);
  }

  void TearDown() override {
    conn_.reset();
    if (admin_ != nullptr) OFS_EXPECT_OK(admin_->Exec(("DROP DATABASE IF EXISTS " + database_).c_str()));
  }

  std::unique_ptr<Connection> Open() { return Open(options_); }
  std::unique_ptr<Connection> Open(const MysqlOptions& options) {
    auto conn = Connection::Open(options);
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    return conn.ok() ? std::move(*conn) : nullptr;
  }

  // Applies migrations/0001_initial.sql as a script.
  void Migrate(Connection* conn) {
    const std::string source = Env("OFS_SOURCE_DIR");
    ASSERT_FALSE(source.empty()) << "OFS_SOURCE_DIR is unset (ctest sets it to the source tree)";
    std::ifstream in(source + "/src/catalog/mysql/migrations/0001_initial.sql");
    ASSERT_TRUE(in) << "cannot read the migration under " << source;
    std::ostringstream text;
    text << in.rdbuf();
    migration_ = text.str();
    OFS_ASSERT_OK(conn->Exec(migration_.c_str()));
  }

  static int64_t QueryInt(Connection* conn, const char* sql) {
    auto stmt = conn->Prepare(sql);
    EXPECT_TRUE(stmt.ok()) << stmt.status().ToString();
    if (!stmt.ok()) return -1;
    auto row = (*stmt)->Step();
    EXPECT_TRUE(row.ok() && *row) << sql << ": " << row.status().ToString();
    return row.ok() && *row ? (*stmt)->Int(0) : -1;
  }

  MysqlOptions server_;   // the URL's: the database every test starts from
  MysqlOptions options_;  // the test's own database
  std::string database_;
  std::string migration_;
  std::unique_ptr<Connection> admin_;  // on the URL's database
  std::unique_ptr<Connection> conn_;   // on the test's database
};

TEST_F(MysqlConnectionTest, Dialect) { EXPECT_EQ(conn_->dialect(), sql::Dialect::kMysql); }

TEST_F(MysqlConnectionTest, NumberedParametersMapToPositionalOnes) {
  OFS_ASSERT_OK(conn_->Exec("CREATE TABLE p (a BIGINT, b VARCHAR(20), c BIGINT, d BIGINT)"));
  static constexpr const char kInsert[] = "INSERT INTO p (a, b, c, d) VALUES (?2, ?1, ?3, ?3)";
  {
    auto stmt = conn_->Prepare(kInsert);
    ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
    (*stmt)->Bind(1, "x").Bind(2, int64_t{7}).Bind(3, int64_t{9});
    OFS_ASSERT_OK((*stmt)->Run());
  }
  // ?N inside a string literal stays text; || concatenates (PIPES_AS_CONCAT).
  static constexpr const char kSelect[] =
      "SELECT a, b, c, d, '?1', ?1 || '?2', 'it''s ?3' FROM p WHERE (?1 = '' OR b = ?1) AND a = ?2";
  auto stmt = conn_->Prepare(kSelect);
  ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
  (*stmt)->Bind(2, int64_t{7}).Bind(1, "x");
  auto row = (*stmt)->Step();
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  ASSERT_TRUE(*row);
  EXPECT_EQ((*stmt)->Int(0), 7);
  EXPECT_EQ((*stmt)->Text(1), "x");
  EXPECT_EQ((*stmt)->Int(2), 9);
  EXPECT_EQ((*stmt)->Int(3), 9);
  EXPECT_EQ((*stmt)->Text(4), "?1");
  EXPECT_EQ((*stmt)->Text(5), "x?2");
  EXPECT_EQ((*stmt)->Text(6), "it's ?3");
  row = (*stmt)->Step();
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_FALSE(*row);
}

TEST_F(MysqlConnectionTest, AnUnnumberedParameterIsRefused) {
  static constexpr const char kPlain[] = "SELECT ?";
  auto stmt = conn_->Prepare(kPlain);
  ASSERT_FALSE(stmt.ok());
  EXPECT_EQ(stmt.status().code(), ErrorCode::kInternal);
}

TEST_F(MysqlConnectionTest, IntAndTextRoundTrip) {
  OFS_ASSERT_OK(conn_->Exec(kCreateT));
  const std::string large(100 * 1024, 'L');
  std::string larger;
  for (int i = 0; i < 20'000; ++i) larger += "ü€🚀" + std::to_string(i);  // multi-byte, ~260 KB
  struct Row {
    int64_t i;
    std::string s;
  };
  const std::vector<Row> rows = {
      {0, ""},
      {std::numeric_limits<int64_t>::max(), "héllo wörld ✓ 🚀"},
      {std::numeric_limits<int64_t>::min(), large},
      {-1, "short"},
      {42, larger},
      {7, "again short"},
  };
  for (const Row& r : rows) {
    auto stmt = conn_->Prepare(kInsertT);
    ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
    (*stmt)->Bind(1, r.i).Bind(2, r.s);
    OFS_ASSERT_OK((*stmt)->Run());
  }
  {  // NULL: an unbound parameter, read as 0 and ""
    auto stmt = conn_->Prepare(kInsertT);
    ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
    OFS_ASSERT_OK((*stmt)->Run());
  }
  // Every row in one result: the column buffers grow for the long values and serve the short ones after.
  auto stmt = conn_->Prepare(kSelectAllT);
  ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
  for (size_t n = 0; n < rows.size(); ++n) {
    auto row = (*stmt)->Step();
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    ASSERT_TRUE(*row) << n;
    EXPECT_EQ((*stmt)->Int(0), static_cast<int64_t>(n + 1));
    EXPECT_EQ((*stmt)->Text(0), std::to_string(n + 1));  // a BIGINT read as text
    EXPECT_EQ((*stmt)->Int(1), rows[n].i) << n;
    EXPECT_EQ((*stmt)->Text(2).size(), rows[n].s.size()) << n;
    EXPECT_TRUE((*stmt)->Text(2) == rows[n].s) << n;
  }
  auto row = (*stmt)->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*stmt)->Int(1), 0);
  EXPECT_EQ((*stmt)->Text(1), "");
  EXPECT_EQ((*stmt)->Text(2), "");
  EXPECT_EQ((*stmt)->Int(7), 0);  // no such column
  row = (*stmt)->Step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
  auto one = conn_->Prepare(kSelectT);
  ASSERT_TRUE(one.ok());
  (*one)->Bind(1, int64_t{5});
  row = (*one)->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*one)->Int(0), 42);
  EXPECT_TRUE((*one)->Text(1) == larger);
}

TEST_F(MysqlConnectionTest, ColumnsOfOtherTypesReadAsIntOrText) {
  static constexpr const char kMixed[] =
      "SELECT 2 * 3, 1.75, '42abc', CAST(-12 AS SIGNED), NULL, CHAR(31 USING utf8mb4) || 'x', 0.5e1";
  auto stmt = conn_->Prepare(kMixed);
  ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
  auto row = (*stmt)->Step();
  ASSERT_TRUE(row.ok() && *row) << row.status().ToString();
  EXPECT_EQ((*stmt)->Int(0), 6);
  EXPECT_EQ((*stmt)->Int(1), 1);
  EXPECT_EQ((*stmt)->Text(1), "1.75");
  EXPECT_EQ((*stmt)->Int(2), 42);
  EXPECT_EQ((*stmt)->Int(3), -12);
  EXPECT_EQ((*stmt)->Int(4), 0);
  EXPECT_EQ((*stmt)->Text(4), "");
  EXPECT_EQ((*stmt)->Text(5), "\x1fx");
  EXPECT_EQ((*stmt)->Int(6), 5);
}

TEST_F(MysqlConnectionTest, ABindOutOfRangeFailsTheStep) {
  OFS_ASSERT_OK(conn_->Exec(kCreateT));
  auto stmt = conn_->Prepare(kSelectT);
  ASSERT_TRUE(stmt.ok());
  (*stmt)->Bind(2, int64_t{1});
  auto row = (*stmt)->Step();
  ASSERT_FALSE(row.ok());
  EXPECT_EQ(row.status().code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_NE(row.status().cause().find("?2"), std::string_view::npos) << row.status().ToString();
}

TEST_F(MysqlConnectionTest, AStatementIsReusedAfterAnErrorAndAfterAPartialRead) {
  OFS_ASSERT_OK(conn_->Exec("CREATE TABLE u (k BIGINT PRIMARY KEY); INSERT INTO u VALUES (1), (2), (3)"));
  static constexpr const char kInsertU[] = "INSERT INTO u (k) VALUES (?1)";
  static constexpr const char kSelectU[] = "SELECT k FROM u WHERE k >= ?1 ORDER BY k";
  for (int round = 0; round < 3; ++round) {
    {
      auto stmt = conn_->Prepare(kInsertU);
      ASSERT_TRUE(stmt.ok());
      (*stmt)->Bind(1, int64_t{1});
      const Status duplicate = (*stmt)->Run();
      EXPECT_EQ(duplicate.code(), ErrorCode::kMetastoreUnavailable);
      EXPECT_NE(duplicate.cause().find("(1062)"), std::string_view::npos) << duplicate.ToString();
    }
    {
      auto stmt = conn_->Prepare(kInsertU);
      ASSERT_TRUE(stmt.ok());
      (*stmt)->Bind(1, int64_t{10 + round});
      OFS_ASSERT_OK((*stmt)->Run());
    }
    auto stmt = conn_->Prepare(kSelectU);  // read one row of several, then give it back
    ASSERT_TRUE(stmt.ok());
    (*stmt)->Bind(1, int64_t{2});
    auto row = (*stmt)->Step();
    ASSERT_TRUE(row.ok() && *row) << row.status().ToString();
    EXPECT_EQ((*stmt)->Int(0), 2);
  }
  EXPECT_EQ(QueryInt(conn_.get(), "SELECT COUNT(*) FROM u"), 6);
}

TEST_F(MysqlConnectionTest, ChangesCountsMatchedRows) {
  OFS_ASSERT_OK(conn_->Exec("CREATE TABLE c (id BIGINT PRIMARY KEY, v BIGINT)"));
  OFS_ASSERT_OK(conn_->Exec("INSERT INTO c VALUES (1, 5), (2, 0), (3, 0)"));
  EXPECT_EQ(conn_->Changes(), 3);
  static constexpr const char kUpdate[] = "UPDATE c SET v = ?2 WHERE id <= ?1";
  {
    auto stmt = conn_->Prepare(kUpdate);
    ASSERT_TRUE(stmt.ok());
    (*stmt)->Bind(1, int64_t{2}).Bind(2, int64_t{5});  // row 1 already holds 5: matched, not changed
    OFS_ASSERT_OK((*stmt)->Run());
  }
  EXPECT_EQ(conn_->Changes(), 2);
  EXPECT_EQ(QueryInt(conn_.get(), "SELECT COUNT(*) FROM c"), 3);
  EXPECT_EQ(conn_->Changes(), 2);  // a SELECT leaves it
  {
    auto stmt = conn_->Prepare(kUpdate);
    ASSERT_TRUE(stmt.ok());
    (*stmt)->Bind(1, int64_t{0}).Bind(2, int64_t{1});
    OFS_ASSERT_OK((*stmt)->Run());
  }
  EXPECT_EQ(conn_->Changes(), 0);
  OFS_ASSERT_OK(conn_->Exec("DELETE FROM c WHERE id >= 2"));
  EXPECT_EQ(conn_->Changes(), 2);
  // Transaction control leaves it, as in SQLite.
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kRead));
  OFS_ASSERT_OK(conn_->Commit());
  EXPECT_EQ(conn_->Changes(), 2);
}

TEST_F(MysqlConnectionTest, LastInsertIdIsTheLastAutoIncrementId) {
  OFS_ASSERT_OK(conn_->Exec(kCreateT));
  for (int64_t expected = 1; expected <= 3; ++expected) {
    auto stmt = conn_->Prepare(kInsertT);
    ASSERT_TRUE(stmt.ok());
    (*stmt)->Bind(1, expected).Bind(2, "x");
    OFS_ASSERT_OK((*stmt)->Run());
    EXPECT_EQ(conn_->LastInsertId(), expected);
  }
  OFS_ASSERT_OK(conn_->Exec("UPDATE t SET i = 0"));  // inserts nothing: the last id stays
  EXPECT_EQ(conn_->LastInsertId(), 3);
}

TEST_F(MysqlConnectionTest, ExecRunsAScriptAndReportsItsFirstError) {
  OFS_ASSERT_OK(
      conn_->Exec("CREATE TABLE a (x BIGINT); INSERT INTO a VALUES (1);\n"
                  "-- a comment; with a semicolon\n"
                  "INSERT INTO a VALUES (2); SELECT * FROM a; SELECT 'unread rows'"));
  EXPECT_EQ(QueryInt(conn_.get(), "SELECT COUNT(*) FROM a"), 2);
  const Status failed =
      conn_->Exec("INSERT INTO a VALUES (3); INSERT INTO nope VALUES (1); INSERT INTO a VALUES (4)");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_NE(failed.cause().find("nope"), std::string_view::npos) << failed.ToString();
  EXPECT_NE(failed.cause().find("(1146)"), std::string_view::npos) << failed.ToString();
  // The server stopped at the failing statement, and the connection is in step for the next command.
  EXPECT_EQ(QueryInt(conn_.get(), "SELECT COUNT(*) FROM a"), 3);
  EXPECT_FALSE(conn_->Exec("SELEKT 1").ok());
  OFS_EXPECT_OK(conn_->Exec("SELECT 1"));
}

TEST_F(MysqlConnectionTest, Migration0001AppliesAndKeepsItsRules) {
  ASSERT_NO_FATAL_FAILURE(Migrate(conn_.get()));
  EXPECT_EQ(QueryInt(conn_.get(), kCounter), 0);
  EXPECT_EQ(
      QueryInt(conn_.get(), "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"),
      10);
  static constexpr const char kInsertEntity[] =
      "INSERT INTO entities (name, table_name, state, owner, description, ttl_seconds, next_column_id,"
      " created_at, updated_at) VALUES (?1, ?2, ?3, 'o', ?4, 0, 1, ?5, ?5)";
  auto insert = [&](std::string_view name, std::string_view state, std::string_view description) {
    auto stmt = conn_->Prepare(kInsertEntity);
    EXPECT_TRUE(stmt.ok());
    if (!stmt.ok()) return stmt.status();
    (*stmt)
        ->Bind(1, name)
        .Bind(2, "t_" + std::string(name))
        .Bind(3, state)
        .Bind(4, description)
        .Bind(5, int64_t{9});
    return (*stmt)->Run();
  };
  OFS_ASSERT_OK(insert("User", "LIVE", std::string(70'000, 'd')));  // more than TEXT's 64 KB
  EXPECT_EQ(conn_->LastInsertId(), 1);
  const Status same_name = insert("uSER", "LIVE", "");  // names are unique case-insensitively
  EXPECT_NE(same_name.cause().find("(1062)"), std::string_view::npos) << same_name.ToString();
  const Status bad_state = insert("Other", "BOGUS", "");  // CHECK constraints are enforced
  EXPECT_FALSE(bad_state.ok());
  EXPECT_NE(bad_state.cause().find("(4025)"), std::string_view::npos) << bad_state.ToString();
  const Status too_long = insert(std::string(65, 'n'), "LIVE", "");  // strict mode: no silent truncation
  EXPECT_NE(too_long.cause().find("(1406)"), std::string_view::npos) << too_long.ToString();
  static constexpr const char kByName[] = "SELECT id, name FROM entities WHERE name = ?1";
  auto stmt = conn_->Prepare(kByName);
  ASSERT_TRUE(stmt.ok());
  (*stmt)->Bind(1, "USER");
  auto row = (*stmt)->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*stmt)->Text(1), "User");  // as first written
  // Foreign keys are enforced.
  const Status orphan =
      conn_->Exec("INSERT INTO entity_keys (entity_id, position, name) VALUES (99, 0, 'k')");
  EXPECT_NE(orphan.cause().find("(1452)"), std::string_view::npos) << orphan.ToString();
}

TEST_F(MysqlConnectionTest, TheMigratorAppliesMigration1Once) {
  std::string text;
  {
    const std::string source = Env("OFS_SOURCE_DIR");
    ASSERT_FALSE(source.empty()) << "OFS_SOURCE_DIR is unset";
    std::ifstream in(source + "/src/catalog/mysql/migrations/0001_initial.sql");
    std::ostringstream contents;
    contents << in.rdbuf();
    text = contents.str();
  }
  const sql::Migration migrations[] = {{1, "0001_initial.sql", text.c_str()}};
  OFS_ASSERT_OK(sql::ApplyMigrations(conn_.get(), migrations));
  auto other = Open();
  ASSERT_NE(other, nullptr);
  OFS_ASSERT_OK(sql::ApplyMigrations(other.get(), migrations));  // already applied: nothing to do
  EXPECT_EQ(QueryInt(other.get(), "SELECT COUNT(*) FROM schema_version"), 1);
  EXPECT_EQ(QueryInt(other.get(), kCounter), 0);
}

TEST_F(MysqlConnectionTest, WriteTransactionsOfTwoConnectionsSerialize) {
  ASSERT_NO_FATAL_FAILURE(Migrate(conn_.get()));
  auto other = Open();
  ASSERT_NE(other, nullptr);
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kWrite));
  std::atomic<bool> other_begun{false};
  Status other_status;
  int64_t seen_by_other = -1;
  std::thread second([&] {
    other_status = other->Begin(TxnKind::kWrite);  // waits for the change_counter row
    other_begun = true;
    if (other_status.ok()) {
      seen_by_other = QueryInt(other.get(), kCounter);
      other_status = other->Commit();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_FALSE(other_begun.load()) << "the second writer did not wait for the first";
  {
    auto bump = conn_->Prepare(kBumpCounter);
    ASSERT_TRUE(bump.ok());
    OFS_ASSERT_OK((*bump)->Run());
  }
  OFS_ASSERT_OK(conn_->Commit());
  second.join();
  OFS_EXPECT_OK(other_status);
  EXPECT_EQ(seen_by_other, 1);  // READ COMMITTED, after the first writer's commit
}

TEST_F(MysqlConnectionTest, AWriterThatWaitsTooLongFailsAndStaysUsable) {
  ASSERT_NO_FATAL_FAILURE(Migrate(conn_.get()));
  MysqlOptions impatient = options_;
  impatient.lock_wait_timeout_s = 1;
  auto other = Open(impatient);
  ASSERT_NE(other, nullptr);
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kWrite));
  const Status waited = other->Begin(TxnKind::kWrite);
  EXPECT_EQ(waited.code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_NE(waited.cause().find("(1205)"), std::string_view::npos) << waited.ToString();
  EXPECT_TRUE(waited.retryable());
  conn_->Rollback();
  OFS_ASSERT_OK(other->Begin(TxnKind::kWrite));  // no transaction was left open
  OFS_ASSERT_OK(other->Commit());
}

TEST_F(MysqlConnectionTest, RollbackDiscardsAndCommitKeeps) {
  ASSERT_NO_FATAL_FAILURE(Migrate(conn_.get()));
  auto bump = [&] {
    auto stmt = conn_->Prepare(kBumpCounter);
    return stmt.ok() ? (*stmt)->Run() : stmt.status();
  };
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kWrite));
  OFS_ASSERT_OK(bump());
  conn_->Rollback();
  EXPECT_EQ(QueryInt(conn_.get(), kCounter), 0);
  {
    auto txn = sql::Transaction::Begin(conn_.get(), TxnKind::kWrite);
    ASSERT_TRUE(txn.ok());
    OFS_ASSERT_OK(bump());
  }  // rolled back by the scope
  EXPECT_EQ(QueryInt(conn_.get(), kCounter), 0);
  {
    auto txn = sql::Transaction::Begin(conn_.get(), TxnKind::kWrite);
    ASSERT_TRUE(txn.ok());
    OFS_ASSERT_OK(bump());
    OFS_ASSERT_OK(txn->Commit());
  }
  EXPECT_EQ(QueryInt(conn_.get(), kCounter), 1);
  conn_->Rollback();  // none open: nothing happens
  EXPECT_EQ(conn_->Commit().code(), ErrorCode::kInternal);
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kRead));
  EXPECT_EQ(conn_->Begin(TxnKind::kRead).code(), ErrorCode::kInternal);  // one at a time
  OFS_ASSERT_OK(conn_->Commit());
}

TEST_F(MysqlConnectionTest, AReadTransactionSeesOneSnapshot) {
  ASSERT_NO_FATAL_FAILURE(Migrate(conn_.get()));
  auto writer = Open();
  ASSERT_NE(writer, nullptr);
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kRead));
  EXPECT_EQ(QueryInt(conn_.get(), kCounter), 0);
  OFS_ASSERT_OK(writer->Begin(TxnKind::kWrite));
  {
    auto stmt = writer->Prepare(kBumpCounter);
    ASSERT_TRUE(stmt.ok());
    OFS_ASSERT_OK((*stmt)->Run());
  }
  OFS_ASSERT_OK(writer->Commit());
  EXPECT_EQ(QueryInt(conn_.get(), kCounter), 0);
  const Status read_only = conn_->Exec(kBumpCounter);
  EXPECT_NE(read_only.cause().find("(1792)"), std::string_view::npos) << read_only.ToString();
  OFS_ASSERT_OK(conn_->Commit());
  EXPECT_EQ(QueryInt(conn_.get(), kCounter), 1);
}

TEST_F(MysqlConnectionTest, TheMigrationLockIsExclusivePerDatabase) {
  MysqlOptions impatient = options_;
  impatient.migration_lock_timeout_s = 1;
  impatient.lock_wait_timeout_s = 1;
  auto refused = Open(impatient);
  auto waiting = Open();
  ASSERT_NE(refused, nullptr);
  ASSERT_NE(waiting, nullptr);

  OFS_ASSERT_OK(conn_->Begin(TxnKind::kMigration));
  const Clock::time_point start = Clock::now();
  const Status busy = refused->Begin(TxnKind::kMigration);
  EXPECT_EQ(busy.code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_NE(busy.message().find("another process is migrating"), std::string_view::npos) << busy.ToString();
  EXPECT_LT(SecondsSince(start), 30.0);
  // Another database on the same server migrates independently.
  OFS_ASSERT_OK(admin_->Begin(TxnKind::kMigration));
  OFS_ASSERT_OK(admin_->Commit());

  std::atomic<bool> locked{false};
  Status waited;
  std::thread second([&] {
    waited = waiting->Begin(TxnKind::kMigration);
    locked = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_FALSE(locked.load()) << "the second migrator did not wait";
  OFS_ASSERT_OK(conn_->Commit());  // releases the lock
  second.join();
  OFS_ASSERT_OK(waited);
  OFS_ASSERT_OK(waiting->Commit());
  OFS_ASSERT_OK(refused->Begin(TxnKind::kMigration));  // free again
  refused->Rollback();
}

// Kills `victim`'s session from the admin connection.
void Kill(Connection* admin, Connection* victim) {
  auto id = victim->Prepare(kConnectionId);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto row = (*id)->Step();
  ASSERT_TRUE(row.ok() && *row);
  const std::string kill = "KILL " + std::to_string((*id)->Int(0));
  OFS_ASSERT_OK(admin->Exec(kill.c_str()));
}

TEST_F(MysqlConnectionTest, BeginReconnectsAfterTheSessionWasKilled) {
  const int64_t first_id = QueryInt(conn_.get(), kConnectionId);
  ASSERT_NO_FATAL_FAILURE(Kill(admin_.get(), conn_.get()));
  // Outside a transaction nothing reconnects: the statement fails and drops the link.
  const Status lost = conn_->Exec("SELECT 1");
  EXPECT_EQ(lost.code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_TRUE(lost.retryable()) << lost.ToString();
  auto refused = conn_->Prepare(kConnectionId);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().cause().find("the next transaction reconnects"), std::string_view::npos);
  // Begin reconnects, and the cached statement is prepared again on the new session.
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kRead));
  const int64_t second_id = QueryInt(conn_.get(), kConnectionId);
  EXPECT_NE(second_id, first_id);
  OFS_ASSERT_OK(conn_->Commit());
  // The session set-up ran again: || still concatenates.
  static constexpr const char kConcat[] = "SELECT 'a' || 'b'";
  auto stmt = conn_->Prepare(kConcat);
  ASSERT_TRUE(stmt.ok());
  auto row = (*stmt)->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*stmt)->Text(0), "ab");
}

TEST_F(MysqlConnectionTest, BeginOnALinkThatDiedWhileIdleRetriesOnce) {
  ASSERT_NO_FATAL_FAILURE(Migrate(conn_.get()));
  ASSERT_NO_FATAL_FAILURE(Kill(admin_.get(), conn_.get()));
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kWrite));  // fails on the dead link, reconnects, begins
  EXPECT_EQ(QueryInt(conn_.get(), kCounter), 0);
  OFS_ASSERT_OK(conn_->Commit());
}

TEST_F(MysqlConnectionTest, ALinkLostInsideATransactionFailsItsCalls) {
  ASSERT_NO_FATAL_FAILURE(Migrate(conn_.get()));
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kWrite));
  {
    auto lease = conn_->Prepare(kBumpCounter);  // out on loan while the link dies
    ASSERT_TRUE(lease.ok());
    ASSERT_NO_FATAL_FAILURE(Kill(admin_.get(), conn_.get()));
    const Status failed = (*lease)->Run();
    EXPECT_EQ(failed.code(), ErrorCode::kMetastoreUnavailable);
  }
  EXPECT_FALSE(conn_->Commit().ok());  // never a silent success
  conn_->Rollback();
  OFS_ASSERT_OK(conn_->Begin(TxnKind::kWrite));
  EXPECT_EQ(QueryInt(conn_.get(), kCounter), 0);  // the bump was rolled back with the session
  conn_->Rollback();
}

TEST_F(MysqlConnectionTest, AStatementLentOutIsNotLentAgain) {
  auto first = conn_->Prepare(kConnectionId);
  ASSERT_TRUE(first.ok());
  auto second = conn_->Prepare(kConnectionId);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kInternal);
  {
    static constexpr const char kSameTextElsewhere[] = "SELECT CONNECTION_ID()";  // another address: its own
    auto other = conn_->Prepare(kSameTextElsewhere);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
  }
  { sql::StatementLease ended = std::move(*first); }
  auto again = conn_->Prepare(kConnectionId);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(MysqlConnectionTest, BadCredentialsNameNoPassword) {
  MysqlOptions wrong = options_;
  wrong.password = "not-the-Pa55word-" + std::to_string(getpid());
  auto conn = Connection::Open(wrong);
  ASSERT_FALSE(conn.ok());
  const Status& status = conn.status();
  EXPECT_EQ(status.code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_NE(status.cause().find("(1045)"), std::string_view::npos) << status.ToString();
  EXPECT_EQ(status.ToString().find(wrong.password), std::string::npos) << status.ToString();
  EXPECT_EQ(status.ToString().find(server_.password), std::string::npos) << status.ToString();
  EXPECT_NE(status.message().find(":***@"), std::string_view::npos) << status.ToString();
  EXPECT_FALSE(status.retryable());
}

TEST_F(MysqlConnectionTest, AnUnknownDatabaseIsRefused) {
  MysqlOptions missing = options_;
  missing.database = database_ + "_missing";
  auto conn = Connection::Open(missing);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_NE(conn.status().cause().find("(1049)"), std::string_view::npos) << conn.status().ToString();
}

// A loopback port nobody listens on (the kernel refuses at once).
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST_F(MysqlConnectionTest, AnUnreachableServerFailsWithinTheTimeouts) {
  MysqlOptions unreachable = options_;
  unreachable.host = "127.0.0.1";
  unreachable.port = ClosedPort();
  unreachable.connect_timeout_ms = 1000;
  Clock::time_point start = Clock::now();
  auto refused = Connection::Open(unreachable);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_TRUE(refused.status().retryable()) << refused.status().ToString();
  EXPECT_LT(SecondsSince(start), 10.0);

  // A server that accepts connections and never answers: the handshake times out.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  MysqlOptions silent = unreachable;
  silent.port = ntohs(addr.sin_port);
  silent.read_timeout_ms = 1000;
  silent.lock_wait_timeout_s = 1;
  start = Clock::now();
  auto hung = Connection::Open(silent);
  const double took = SecondsSince(start);
  close(listener);
  ASSERT_FALSE(hung.ok());
  EXPECT_EQ(hung.status().code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_LT(took, 20.0) << hung.status().ToString();
}

}  // namespace
}  // namespace ofs::catalog::mysql
