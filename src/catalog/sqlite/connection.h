#pragma once
// A thin RAII layer over one sqlite3 handle: scripts, a cache of prepared statements and transaction
// scopes. Not thread-safe: the owner serializes every call (SqliteMetadataStore holds its mutex).
// Every SQLite failure is reported as kMetastoreUnavailable with SQLite's message as the cause.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/disk_reserve.h"
#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ofs::catalog::sqlite {

// A cached prepared statement lent out by Connection::Prepare. Going out of scope resets it and clears
// its bindings so that the cache can lend it again. Parameter indexes are 1-based (?1, ?2, ...); result
// columns 0-based. A failed Bind is reported by the next Step()/Run().
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);

  // Advances to the next row: true when a row is available, false when the statement is done.
  Result<bool> Step();
  // Runs a statement to completion, ignoring any rows.
  Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  int bind_rc_ = 0;  // first failing sqlite3_bind_* result, 0 (SQLITE_OK) when none
};

class Connection {
 public:
  // Opens (creating when absent) the database at `path`; ":memory:" is a private in-memory database.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();  // finalizes cached statements, then closes

  // Runs a script of one or more SQL statements without parameters.
  Status Exec(const char* sql);
  // The cached prepared form of `sql`. The cache is keyed by the address of `sql`, so it must have static
  // storage duration (a string constant). A statement must not be prepared again while lent out.
  Result<Statement> Prepare(const char* sql);

  // Rows changed by the last INSERT/UPDATE/DELETE; rowid of the last INSERT.
  int64_t Changes() const;
  int64_t LastInsertId() const;

  // kMetastoreUnavailable with `what` as message and the connection's last SQLite error as cause.
  Status Error(std::string_view what) const;

  // Write transactions first ask `reserve` (not owned, outlives the connection; null = none) for room.
  void set_disk_reserve(DiskReserve* reserve) { reserve_ = reserve; }
  DiskReserve* disk_reserve() const { return reserve_; }

  // Storage faults of write transactions, for Health(): a write that failed because of the database
  // itself (I/O error, disk full, corruption, read-only file; not lock contention or constraints) is
  // remembered until a later write transaction commits. NoteWriteFailure reads SQLite's last error, so
  // it is called right after the failing statement.
  void NoteWriteFailure(const Status& status);
  void NoteWriteSuccess() { write_fault_ = Status::Ok(); }
  const Status& write_fault() const { return write_fault_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  DiskReserve* reserve_ = nullptr;
  Status write_fault_;
};

// A transaction scope: BEGIN on creation, ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  // kRead = BEGIN DEFERRED (a consistent snapshot for multi-statement reads); kWrite = BEGIN IMMEDIATE
  // (takes the write lock up front, so that read-then-write sequences cannot deadlock with another
  // process; waits up to the busy timeout). A write is refused first (STORE-UNAVAILABLE) while the
  // connection's disk reserve has no room for it.
  enum class Kind { kRead, kWrite };

  static Result<Transaction> Begin(Connection* conn, Kind kind);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}

  Connection* conn_;  // nullptr once committed, rolled back or moved from
};

}  // namespace ofs::catalog::sqlite
