#pragma once
// The SQLite engine of the sql::Connection seam: one sqlite3 handle, a cache of prepared statements,
// transactions, the disk reserve and storage-fault bookkeeping. Not thread-safe: the owner serializes
// every call (SqlMetadataStore holds its mutex). Every SQLite failure is reported as kMetastoreUnavailable
// with SQLite's message as the cause.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/disk_reserve.h"
#include "base/status.h"
#include "catalog/sql/connection.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ofs::catalog::sqlite {

// One cached sqlite3_stmt. Parameters ?N bind natively.
class Statement final : public sql::Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  ~Statement() override;

  Result<bool> Step() override;
  int64_t Int(int column) const override;
  std::string Text(int column) const override;
  void Reset() override;

  sqlite3_stmt* handle() const { return stmt_; }

 protected:
  void BindInt(int index, int64_t value) override;
  void BindText(int index, std::string_view value) override;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  int bind_rc_ = 0;  // first failing sqlite3_bind_* result, 0 (SQLITE_OK) when none
};

class Connection final : public sql::Connection {
 public:
  // Opens (creating when absent) the database at `path`; ":memory:" is a private in-memory database.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() override;  // finalizes cached statements, then closes

  sql::Dialect dialect() const override { return sql::Dialect::kSqlite; }
  Status Exec(const char* sql) override;
  Result<sql::StatementLease> Prepare(const char* sql) override;
  int64_t Changes() const override;
  int64_t LastInsertId() const override;

  // kRead = BEGIN DEFERRED; kWrite and kMigration = BEGIN IMMEDIATE (takes the write lock up front, so that
  // read-then-write sequences cannot deadlock with another process; waits up to the busy timeout). A write
  // is refused first (STORE-UNAVAILABLE) while the connection's disk reserve has no room for it.
  Status Begin(TxnKind kind) override;
  Status Commit() override;
  void Rollback() override;

  // A write that failed because of the database itself (I/O error, disk full, corruption, read-only file;
  // not lock contention or constraints), classified by SQLite's last error.
  void NoteWriteFailure(const Status& status) override;
  void NoteWriteSuccess() override { write_fault_ = Status::Ok(); }
  Status WriteFault() const override { return write_fault_; }

  // kMetastoreUnavailable with `what` as message and the connection's last SQLite error as cause.
  Status Error(std::string_view what) const;

  // Write transactions first ask `reserve` (not owned, outlives the connection; null = none) for room.
  void set_disk_reserve(DiskReserve* reserve) { reserve_ = reserve; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<const char*, std::unique_ptr<Statement>> cache_;
  DiskReserve* reserve_ = nullptr;
  Status write_fault_;
};

}  // namespace ofs::catalog::sqlite
