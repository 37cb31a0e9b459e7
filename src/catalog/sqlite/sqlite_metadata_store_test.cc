#include "catalog/sqlite/sqlite_metadata_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/fallback.h"
#include "catalog/sqlite/migrations.h"
#include "catalog/testing/conformance.h"

namespace ofs::catalog {

// The MetadataStore conformance suite over a database file in the test's directory; every client opens
// the same file (several admins share it through SQLite's WAL and BEGIN IMMEDIATE).
testing::MetadataStoreUnderTest SqliteUnderTest() {
  return {"Sqlite", [](const std::string& dir) -> Result<std::unique_ptr<MetadataStore>> {
            OFS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteMetadataStore> store,
                                 SqliteMetadataStore::Open(dir + "/metadata.sqlite"));
            return std::unique_ptr<MetadataStore>(std::move(store));
          }};
}

}  // namespace ofs::catalog

OFS_INSTANTIATE_METADATA_STORE_CONFORMANCE(Sqlite, ::ofs::catalog::SqliteUnderTest());

namespace ofs::catalog {
namespace {

using model::EntityMetadata;
using model::State;
using testing::UserEntity;

// An in-memory database (":memory:") is private to its connection: the same rules hold.
TEST(SqliteMemoryTest, APrivateInMemoryDatabaseWorks) {
  auto opened = SqliteMetadataStore::Open(":memory:");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto created = (*opened)->CreateEntity(UserEntity(), 1);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE((*opened)->GetEntity("USER").ok());
}

class SqliteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ofs_sqlite_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "metadata.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `sql` on a separate raw connection; returns the first column of the first row as text.
  std::string RawQuery(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteFileTest, MigrationsAppliedOnceAndReopenKeepsData) {
  {
    auto store = SqliteMetadataStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->CreateEntity(UserEntity(), 1).ok());
  }
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM schema_version"), std::to_string(sqlite::LatestSchemaVersion()));
  EXPECT_EQ(RawQuery("PRAGMA journal_mode"), "wal");
  {
    auto store = SqliteMetadataStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto got = (*store)->GetEntity("user");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->entity.features.size(), 3u);
    EXPECT_GT(*(*store)->ChangeCounter(), 0);
  }
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM schema_version"), std::to_string(sqlite::LatestSchemaVersion()));
  EXPECT_EQ(RawQuery("SELECT COUNT(*) FROM entities"), "1");
}

TEST_F(SqliteFileTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(SqliteMetadataStore::Open(path_).ok());
  RawQuery("INSERT INTO schema_version (version, file) VALUES (999, '0999_future.sql')");
  auto store = SqliteMetadataStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_NE(store.status().message().find("999"), std::string_view::npos) << store.status().ToString();
}

TEST_F(SqliteFileTest, UnopenablePathIsMetastoreUnavailable) {
  auto store = SqliteMetadataStore::Open((dir_ / "missing_dir" / "x.sqlite").string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kMetastoreUnavailable);
  EXPECT_FALSE(store.status().cause().empty());
}

// ----- disk space, storage faults, degraded modes -----

TEST_F(SqliteFileTest, AStoreThatCannotJournalWithWalSaysSo) {
  const uint64_t before = FallbackCount(Fallback::kMetadataJournal);
  ASSERT_TRUE(SqliteMetadataStore::Open(path_).ok());
  EXPECT_EQ(FallbackCount(Fallback::kMetadataJournal), before);  // a local file journals with WAL
  if (sqlite3_compileoption_used("USE_URI") == 0) GTEST_SKIP() << "SQLite built without URI file names";
  // The unix-none VFS has no shared memory, so SQLite keeps the rollback journal.
  auto store = SqliteMetadataStore::Open("file:" + path_ + ".no-wal?vfs=unix-none");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(FallbackCount(Fallback::kMetadataJournal), before + 1);
  EXPECT_TRUE((*store)->CreateEntity(UserEntity(), 1).ok());
}

TEST_F(SqliteFileTest, MetadataChangesAreRefusedWhileTheDiskReserveHasNoRoom) {
  std::atomic<uint64_t> free{512 << 20};
  DiskReserve::Options options;
  options.path = "/fake";
  options.reserve_bytes = 64 << 20;
  options.poll_interval = std::chrono::milliseconds(0);
  options.free_bytes = [&](const std::string&) -> Result<uint64_t> { return free.load(); };
  DiskReserve reserve(options);
  auto store = SqliteMetadataStore::Open(path_, &reserve);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->CreateEntity(UserEntity("a"), 1).ok());
  const int64_t counter = *(*store)->ChangeCounter();

  free = 10 << 20;
  reserve.Poll();
  const auto refused = (*store)->CreateEntity(UserEntity("b"), 2);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kStoreUnavailable) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("disk is almost full"), std::string_view::npos);
  EXPECT_EQ((*store)->SetEntityTtl("a", 5, 3).code(), ErrorCode::kStoreUnavailable);
  // Reads keep working; nothing changed; the database itself is fine.
  EXPECT_TRUE((*store)->GetEntity("a").ok());
  EXPECT_EQ((*store)->GetEntity("b").status().code(), ErrorCode::kEntityNotFound);
  EXPECT_EQ(*(*store)->ChangeCounter(), counter);
  EXPECT_TRUE((*store)->Health().ok());

  free = 512 << 20;
  reserve.Poll();
  EXPECT_TRUE((*store)->CreateEntity(UserEntity("b"), 4).ok());
}

// A write that fails inside SQLite (here: the file-size limit makes the WAL append fail with EFBIG, an
// I/O error, as a full disk would with ENOSPC) shows in Health until a write succeeds again.
TEST_F(SqliteFileTest, AFailedWriteShowsInHealthUntilAWriteSucceeds) {
  auto store = SqliteMetadataStore::Open(path_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->CreateEntity(UserEntity("a"), 1).ok());
  ASSERT_TRUE((*store)->Health().ok());

  uintmax_t largest = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    largest = std::max(largest, entry.file_size());
  }
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(largest);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &low), 0);
  Status failed;
  for (int i = 0; i < 100 && failed.ok(); ++i) {
    failed = (*store)->CreateEntity(UserEntity("b" + std::to_string(i)), 2).status();
  }
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, previous_handler);

  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.code(), ErrorCode::kMetastoreUnavailable) << failed.ToString();
  const Status health = (*store)->Health();
  ASSERT_FALSE(health.ok());
  EXPECT_NE(health.message().find("the last metadata write failed"), std::string_view::npos)
      << health.ToString();
  EXPECT_EQ(health.ToString().find(dir_.string()), std::string::npos) << health.ToString();
  // A failure that is not the database's own (a duplicate name) leaves the verdict as it is.
  EXPECT_EQ((*store)->CreateEntity(UserEntity("a"), 3).status().code(), ErrorCode::kEntityAlreadyExists);
  EXPECT_FALSE((*store)->Health().ok());
  // The next write that commits clears it.
  ASSERT_TRUE((*store)->CreateEntity(UserEntity("c"), 4).ok());
  EXPECT_TRUE((*store)->Health().ok());
}

}  // namespace
}  // namespace ofs::catalog
