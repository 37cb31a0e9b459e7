#pragma once
// The MySQL/MariaDB engine of the sql::Connection seam (catalog/sql/connection.h), over libmariadb's
// prepared statements (parameters are always bound, never spliced into the text).
//
// Lifecycle: Open connects (TCP, client flags FOUND_ROWS and MULTI_STATEMENTS, libmariadb's own
// reconnect off) and sets the session up (utf8mb4_bin, sql_mode + PIPES_AS_CONCAT + STRICT_ALL_TABLES,
// innodb_lock_wait_timeout). A failure that means the link is gone (server gone or restarted, connection
// killed, network error) closes the handle and every prepared statement; the next Begin reconnects
// first, and a Begin that finds a link dead that seemed healthy (the server restarted while idle)
// reconnects and tries once more. Nothing else reconnects: a failure inside a transaction fails that call,
// and the caller's transaction scope rolls back.
//
// Transactions: kRead = REPEATABLE READ with a consistent snapshot, read only; kWrite = READ COMMITTED
// that first locks the change_counter row (FOR UPDATE), so that writers from every process are serialized
// on it (the row is made by migration 1); kMigration = the named lock GET_LOCK('ofs_migrations_' +
// MD5(DATABASE())), polled for migration_lock_timeout_s. MySQL's DDL commits implicitly, so a migration is
// not atomic: Commit and Rollback only release the lock, and a failed migration may leave part of its DDL
// applied.
//
// Not thread-safe: the owner serializes every call. Errors: kMetastoreUnavailable with the server's
// message and error number as cause; deadlocks (1213) and lock wait timeouts (1205) too. The password is
// never logged nor put in a message.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "catalog/mysql/mysql_options.h"
#include "catalog/sql/connection.h"

struct st_mysql;  // libmariadb's MYSQL

namespace ofs::catalog::mysql {

class PreparedStatement;  // connection.cc

class Connection final : public sql::Connection {
 public:
  // Connects to the server and database of `options`; kInvalidRequest for options out of bounds,
  // kMetastoreUnavailable (naming RedactedMysqlUrl) when the server cannot be reached or refuses.
  static Result<std::unique_ptr<Connection>> Open(const MysqlOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() override;  // closes the statements, then the handle (an open transaction rolls back)

  sql::Dialect dialect() const override { return sql::Dialect::kMysql; }
  Status Exec(const char* sql) override;
  Result<sql::StatementLease> Prepare(const char* sql) override;
  int64_t Changes() const override { return changes_; }
  int64_t LastInsertId() const override { return last_insert_id_; }

  Status Begin(TxnKind kind) override;
  Status Commit() override;
  void Rollback() override;

  // Remembers a write that failed because of the server's storage (disk or table full, engine error,
  // read-only server), not contention, constraints or a lost link.
  void NoteWriteFailure(const Status& status) override;
  void NoteWriteSuccess() override { write_fault_ = Status::Ok(); }
  Status WriteFault() const override { return write_fault_; }

 private:
  friend class PreparedStatement;

  explicit Connection(MysqlOptions options);

  Status Connect();   // a new handle with the session set up; disconnected on failure
  void Disconnect();  // closes every statement's handle, then the connection
  bool connected() const { return mysql_ != nullptr; }
  Status NotConnected(std::string_view what) const;
  // kMetastoreUnavailable "what" with "message (code)" as cause; an error that means the link is gone
  // disconnects. Copies `message` before disconnecting (it may belong to the handle).
  Status Failure(std::string_view what, unsigned int code, const char* message);
  void RecordExecution(uint64_t affected_rows, uint64_t insert_id);

  // What RunScript reports of a script's last result set.
  struct LastResult {
    bool record_changes = false;             // in: the statements without rows set Changes()/LastInsertId()
    std::optional<std::string> first_value;  // the first column of the first row; nullopt: no row, or NULL
    uint64_t rows = 0;
  };
  // Runs a script of one or more statements (without parameters) over the text protocol, consuming every
  // result. `last` may be null: nothing reported, Changes() untouched.
  Status RunScript(const char* sql, std::string_view what, LastResult* last);
  Status BeginOnce(TxnKind kind);
  Status LockForMigration();

  MysqlOptions options_;
  st_mysql* mysql_ = nullptr;  // null while disconnected
  std::unordered_map<const char*, std::unique_ptr<PreparedStatement>> cache_;
  std::optional<TxnKind> txn_;  // the open transaction, until Commit succeeds or Rollback
  int64_t changes_ = 0;
  int64_t last_insert_id_ = 0;
  unsigned int last_errno_ = 0;  // of the last failure
  Status write_fault_;
};

}  // namespace ofs::catalog::mysql
