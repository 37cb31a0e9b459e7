#pragma once
// The seam between the engine-neutral metadata store (sql_metadata_store.h) and one SQL engine: a
// connection with a cache of prepared statements and transactions. SQLite (catalog/sqlite) and
// MySQL/MariaDB (catalog/mysql) implement it. Not thread-safe: the owner serializes every call
// (SqlMetadataStore holds its mutex). Every engine failure is kMetastoreUnavailable with the engine's
// message as the cause.
//
// SQL text is written once for every engine where the dialects agree: parameters are ?1, ?2, ... (1-based;
// a number may appear more than once and in any order: an engine with positional `?` only maps them),
// string concatenation is ||, and names compare case-insensitively through the columns' collation. Where
// they differ, the caller picks the text by dialect().

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ofs::catalog::sql {

enum class Dialect { kSqlite, kMysql };

// A prepared statement lent out by Connection::Prepare (through a StatementLease). Result columns are
// 0-based. A failed Bind is reported by the next Step()/Run().
class Statement {
 public:
  virtual ~Statement() = default;

  Statement& Bind(int index, int64_t value) {
    BindInt(index, value);
    return *this;
  }
  Statement& Bind(int index, std::string_view value) {
    BindText(index, value);
    return *this;
  }

  // Executes the statement on the first call; then advances to the next row: true when a row is
  // available, false when the statement is done.
  virtual Result<bool> Step() = 0;
  // Runs a statement to completion, ignoring any rows.
  Status Run() {
    for (;;) {
      OFS_ASSIGN_OR_RETURN(bool row, Step());
      if (!row) return Status::Ok();
    }
  }

  // A column of the current row; NULL reads as 0 / "".
  virtual int64_t Int(int column) const = 0;
  virtual std::string Text(int column) const = 0;

  // Ends this use: discards the remaining rows and the bindings, so that the statement can be lent again.
  virtual void Reset() = 0;

 protected:
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindText(int index, std::string_view value) = 0;
};

// A statement on loan: Reset() when the lease ends. Movable, not copyable.
class StatementLease {
 public:
  explicit StatementLease(Statement* statement) : statement_(statement) {}
  StatementLease(StatementLease&& other) noexcept : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  StatementLease& operator=(StatementLease&&) = delete;
  StatementLease(const StatementLease&) = delete;
  ~StatementLease() {
    if (statement_ != nullptr) statement_->Reset();
  }

  Statement& operator*() const { return *statement_; }
  Statement* operator->() const { return statement_; }

 private:
  Statement* statement_;
};

class Connection {
 public:
  // kRead: a consistent snapshot for multi-statement reads.
  // kWrite: excludes every other kWrite transaction on the database (from any process) for its whole
  //   duration, taken up front, so that read-then-write sequences (next version number, next column id)
  //   never interleave and never deadlock. SQLite: BEGIN IMMEDIATE. MySQL: a READ COMMITTED transaction
  //   that first locks the change_counter row (SELECT ... FOR UPDATE).
  // kMigration: excludes other migrators of the database (SQLite: BEGIN IMMEDIATE; MySQL: a named lock,
  //   GET_LOCK, since its DDL commits implicitly and cannot be rolled back).
  // kRowLocks: a write transaction that locks only the rows it touches, for data outside the catalog that
  //   many workers claim at once (load jobs: SELECT ... FOR UPDATE SKIP LOCKED). SQLite: BEGIN IMMEDIATE
  //   (one writer at a time). MySQL: a READ COMMITTED transaction without the change_counter lock.
  enum class TxnKind { kRead, kWrite, kMigration, kRowLocks };

  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;

  // Runs a script of one or more SQL statements without parameters.
  virtual Status Exec(const char* sql) = 0;
  // The cached prepared form of `sql`. The cache is keyed by the address of `sql`, so it must have static
  // storage duration (a string constant). A statement must not be prepared again while lent out
  // (kInternal).
  virtual Result<StatementLease> Prepare(const char* sql) = 0;

  // Rows matched by the last UPDATE/DELETE (matched, even when a row's values did not change); the id
  // given to the row of the last INSERT into a table with an auto-increment key.
  virtual int64_t Changes() const = 0;
  virtual int64_t LastInsertId() const = 0;

  // Transactions: one at a time. Begin may reconnect first (a server engine whose connection was lost);
  // Rollback never fails (a failed rollback leaves nothing to undo: the engine rolled back on its own).
  virtual Status Begin(TxnKind kind) = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;

  // Storage faults of write transactions, for Health(): a write that failed because of the database itself
  // (an embedded engine's I/O error, full disk, corruption) is remembered until a later write commits.
  // NoteWriteFailure is called right after the failing call (it may read the engine's last error).
  virtual void NoteWriteFailure(const Status& /*status*/) {}
  virtual void NoteWriteSuccess() {}
  virtual Status WriteFault() const { return Status::Ok(); }
};

// A transaction scope: Begin on creation, Rollback on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection* conn, Connection::TxnKind kind) {
    OFS_RETURN_IF_ERROR(conn->Begin(kind));
    return Transaction(conn);
  }
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction() {
    if (conn_ != nullptr) conn_->Rollback();
  }

  // A failed commit leaves the scope to roll back.
  Status Commit() {
    Status committed = conn_->Commit();
    if (committed.ok()) conn_ = nullptr;
    return committed;
  }

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}

  Connection* conn_;  // nullptr once committed, rolled back or moved from
};

}  // namespace ofs::catalog::sql
