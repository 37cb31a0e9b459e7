#include "catalog/sqlite/connection.h"

#include <sqlite3.h>

namespace ofs::catalog::sqlite {

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

void Statement::BindInt(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::BindText(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
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
  cache_.clear();  // finalizes every statement before the handle closes
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

Result<sql::StatementLease> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return Error("metadata store: preparing a statement failed");
    }
    it = cache_.emplace(sql, std::make_unique<Statement>(stmt, db_)).first;
  }
  if (sqlite3_stmt_busy(it->second->handle()) != 0) {
    return Result<sql::StatementLease>(ErrorCode::kInternal,
                                       "metadata store: statement prepared while in use", sql);
  }
  return sql::StatementLease(it->second.get());
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

Status Connection::Begin(TxnKind kind) {
  if (kind != TxnKind::kRead && reserve_ != nullptr) {
    OFS_RETURN_IF_ERROR(reserve_->Admit(kMetadataWriteBytes, "metadata change"));
  }
  return Exec(kind == TxnKind::kRead ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE");
}

Status Connection::Commit() { return Exec("COMMIT"); }

// A failed rollback leaves nothing to do: SQLite rolls back on its own when a statement cannot proceed.
void Connection::Rollback() { Exec("ROLLBACK").IgnoreError(); }

}  // namespace ofs::catalog::sqlite
