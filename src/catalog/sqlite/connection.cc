#include "catalog/sqlite/connection.h"

#include <sqlite3.h>

namespace ofs::catalog::sqlite {

Statement::Statement(Statement&& other) noexcept
    : stmt_(other.stmt_), db_(other.db_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return Result<bool>(ErrorCode::kMetastoreUnavailable, "metadata store: binding a parameter failed",
                        sqlite3_errstr(bind_rc_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Result<bool>(ErrorCode::kMetastoreUnavailable, "metadata store: statement failed",
                      sqlite3_errmsg(db_));
}

Status Statement::Run() {
  for (;;) {
    OFS_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: the owner serializes access, so SQLite's own per-connection mutex would be redundant.
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string cause = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Result<std::unique_ptr<Connection>>(ErrorCode::kMetastoreUnavailable,
                                               "cannot open the metadata store at " + path, cause);
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Connection::Exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string cause = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Status(ErrorCode::kMetastoreUnavailable, "metadata store: script failed", cause);
}

Result<Statement> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return Error("metadata store: preparing a statement failed");
    }
    it = cache_.emplace(sql, stmt).first;
  }
  if (sqlite3_stmt_busy(it->second) != 0) {
    return Result<Statement>(ErrorCode::kInternal, "metadata store: statement prepared while in use", sql);
  }
  return Statement(it->second, db_);
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

int64_t Connection::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

Status Connection::Error(std::string_view what) const {
  return Status(ErrorCode::kMetastoreUnavailable, std::string(what), sqlite3_errmsg(db_));
}

void Connection::NoteWriteFailure(const Status& status) {
  if (status.ok() || status.code() != ErrorCode::kMetastoreUnavailable) return;
  switch (sqlite3_errcode(db_) & 0xff) {  // the primary code (extended result codes are on)
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      write_fault_ = status;
      break;
    default:  // busy, locked, constraint, ...: the database itself is fine
      break;
  }
}

// Room a metadata write transaction may take: its pages in the WAL file and a checkpoint's copy of them.
constexpr uint64_t kMetadataWriteBytes = 1 << 20;

Result<Transaction> Transaction::Begin(Connection* conn, Kind kind) {
  if (kind == Kind::kWrite && conn->disk_reserve() != nullptr) {
    OFS_RETURN_IF_ERROR(conn->disk_reserve()->Admit(kMetadataWriteBytes, "metadata change"));
  }
  OFS_RETURN_IF_ERROR(conn->Exec(kind == Kind::kRead ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE"));
  return Transaction(conn);
}

Transaction::~Transaction() {
  // A failed rollback leaves nothing to do: SQLite rolls back on its own when a statement cannot proceed.
  if (conn_ != nullptr) conn_->Exec("ROLLBACK").IgnoreError();
}

Status Transaction::Commit() {
  OFS_RETURN_IF_ERROR(conn_->Exec("COMMIT"));
  conn_ = nullptr;
  return Status::Ok();
}

}  // namespace ofs::catalog::sqlite
