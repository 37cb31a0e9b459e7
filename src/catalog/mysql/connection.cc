#include "catalog/mysql/connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <vector>

#include "catalog/mysql/placeholders.h"

namespace ofs::catalog::mysql {
namespace {

// The result buffer a column starts with; a longer value grows it (Fetch).
constexpr size_t kInitialColumnBuffer = 64;
// A cached statement keeps buffers up to this size between uses; larger ones (a long run sample, say) are
// given back when the use ends.
constexpr size_t kRetainedBufferBytes = 64 * 1024;

// One round trip: SET NAMES makes every literal and parameter utf8mb4_bin; PIPES_AS_CONCAT makes || the
// concatenation it is in SQLite; STRICT_ALL_TABLES refuses a value that does not fit instead of truncating.
constexpr const char kSessionSetup[] =
    "SET NAMES utf8mb4 COLLATE utf8mb4_bin;"
    " SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'PIPES_AS_CONCAT', 'STRICT_ALL_TABLES');"
    " SET SESSION innodb_lock_wait_timeout = ";
// The isolation level is set for each transaction: a server configured otherwise does not change them.
constexpr const char kBeginRead[] =
    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY";
constexpr const char kBeginRowLocks[] = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; START TRANSACTION";
constexpr const char kBeginWrite[] =
    "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; START TRANSACTION;"
    " SELECT value FROM change_counter WHERE id = 1 FOR UPDATE";
// Named locks are server-wide: the name carries the database, so that databases on one server migrate
// independently (MD5 keeps it within the 64 characters a lock name may have).
constexpr const char kGetMigrationLock[] = "SELECT GET_LOCK(CONCAT('ofs_migrations_', MD5(DATABASE())), ?1)";
constexpr const char kReleaseMigrationLock[] =
    "SELECT RELEASE_LOCK(CONCAT('ofs_migrations_', MD5(DATABASE())))";

void InitLibrary() {
  // mysql_init would do it on first use, but not thread-safely. It also ignores SIGPIPE.
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

unsigned int WholeSeconds(int ms) { return static_cast<unsigned int>(std::max(1, (ms + 999) / 1000)); }

// Errors after which the link cannot be trusted any more: reconnecting is the only way on.
bool IsLinkError(unsigned int code) {
  switch (code) {
    case CR_UNKNOWN_ERROR:
    case CR_SOCKET_CREATE_ERROR:
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_IPSOCK_ERROR:
    case CR_UNKNOWN_HOST:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_HANDSHAKE_ERR:
    case CR_SERVER_LOST:
    case CR_COMMANDS_OUT_OF_SYNC:  // the protocol state is lost
    case CR_NET_PACKET_TOO_LARGE:
    case CR_SSL_CONNECTION_ERROR:
    case CR_MALFORMED_PACKET:
    case CR_SERVER_LOST_EXTENDED:
    case CR_STMT_CLOSED:
    case CR_ERR_NET_READ:
    case CR_ERR_NET_WRITE:
    case CR_ERR_NET_UNCOMPRESS:
    case ER_SERVER_SHUTDOWN:
    case ER_ABORTING_CONNECTION:
    case ER_NET_PACKET_TOO_LARGE:  // the server closes the connection after these
    case ER_NET_READ_ERROR_FROM_PIPE:
    case ER_NET_FCNTL_ERROR:
    case ER_NET_PACKETS_OUT_OF_ORDER:
    case ER_NET_UNCOMPRESS_ERROR:
    case ER_NET_READ_ERROR:
    case ER_NET_READ_INTERRUPTED:
    case ER_NET_ERROR_ON_WRITE:
    case ER_NET_WRITE_INTERRUPTED:
    case ER_CONNECTION_KILLED:
    case 4031:  // MySQL 8: disconnected by the server because of inactivity
      return true;
    default:
      return false;
  }
}

// Worth trying again later: the link, or contention with another transaction.
bool IsTransient(unsigned int code) {
  return IsLinkError(code) || code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT;
}

// The database itself cannot take writes (for Health()), as opposed to contention or a constraint.
bool IsStorageFault(unsigned int code) {
  switch (code) {
    case ER_DISK_FULL:
    case ER_RECORD_FILE_FULL:
    case ER_ERROR_ON_WRITE:
    case ER_GET_ERRNO:
    case ER_OPEN_AS_READONLY:
    case ER_OUT_OF_RESOURCES:
    case ER_OUTOFMEMORY:
    case ER_CRASHED_ON_USAGE:
    case ER_NOT_KEYFILE:
    case ER_TABLE_CORRUPT:
    case ER_OPTION_PREVENTS_STATEMENT:  // --read-only
    case ER_READ_ONLY_MODE:
      return true;
    default:
      return false;
  }
}

// `text` with every occurrence of `secret` replaced by ***, in case a server message ever echoes it.
std::string Redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace

// A cached prepared statement. Its MYSQL_STMT is closed when the connection drops, and prepared again on
// the next lend; the object itself lives as long as the connection, so that a lease never dangles.
class PreparedStatement final : public sql::Statement {
 public:
  PreparedStatement(Connection* conn, PositionalSql positional)
      : conn_(conn), positional_(std::move(positional)), params_(positional_.max_number + 1) {}
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;
  ~PreparedStatement() override { CloseHandle(); }

  bool lent() const { return lent_; }
  void Lend() { lent_ = true; }
  bool prepared() const { return stmt_ != nullptr; }

  // Prepares the statement on the connection's current handle.
  Status PrepareOnConnection() {
    MYSQL_STMT* stmt = mysql_stmt_init(conn_->mysql_);
    if (stmt == nullptr) {
      return conn_->Failure("metadata store: preparing a statement failed", mysql_errno(conn_->mysql_),
                            mysql_error(conn_->mysql_));
    }
    if (mysql_stmt_prepare(stmt, positional_.text.data(), positional_.text.size()) != 0) {
      const unsigned int code = mysql_stmt_errno(stmt);
      const std::string message = mysql_stmt_error(stmt);
      mysql_stmt_close(stmt);
      return conn_->Failure("metadata store: preparing a statement failed", code, message.c_str());
    }
    if (mysql_stmt_param_count(stmt) != positional_.numbers.size()) {
      mysql_stmt_close(stmt);
      return Status(ErrorCode::kInternal, "metadata store: the server counts other parameters than ?N",
                    positional_.text);
    }
    stmt_ = stmt;
    return Status::Ok();
  }

  // Closes the handle (the connection's is closed first, or about to be) and drops the bindings and
  // rows. A lease still out stays out: its Step fails, and its end returns the statement to the cache.
  void CloseHandle() {
    if (stmt_ != nullptr) mysql_stmt_close(stmt_);
    stmt_ = nullptr;
    ClearUse();
  }

  Result<bool> Step() override {
    if (!executed_) {
      OFS_RETURN_IF_ERROR(Execute());
    }
    if (done_) return false;
    return Fetch();
  }

  int64_t Int(int column) const override {
    const Column* c = Value(column);
    if (c == nullptr) return 0;
    int64_t value = 0;
    std::from_chars(c->buffer.data(), c->buffer.data() + c->length, value);  // "12.5" reads as 12
    return value;
  }

  std::string Text(int column) const override {
    const Column* c = Value(column);
    return c == nullptr ? std::string() : std::string(c->buffer.data(), c->length);
  }

  void Reset() override {
    // The result is stored client-side and no long data or cursor is used, so the server holds nothing
    // to reset: mysql_stmt_reset (a round trip) is not needed before the next execution.
    if (stmt_ != nullptr && executed_) mysql_stmt_free_result(stmt_);
    ClearUse();
    lent_ = false;
  }

 protected:
  void BindInt(int index, int64_t value) override {
    if (Param* p = ParamAt(index)) {
      p->kind = Param::Kind::kInt;
      p->int_value = value;
    }
  }

  void BindText(int index, std::string_view value) override {
    if (Param* p = ParamAt(index)) {
      p->kind = Param::Kind::kText;
      p->text.assign(value.data(), value.size());
    }
  }

 private:
  struct Param {
    enum class Kind { kNull, kInt, kText };
    Kind kind = Kind::kNull;  // unbound parameters are NULL, as in SQLite
    int64_t int_value = 0;
    std::string text;
    unsigned long length = 0;
  };
  struct Column {
    std::vector<char> buffer = std::vector<char>(kInitialColumnBuffer);
    unsigned long length = 0;
    my_bool is_null = 0;
    my_bool truncated = 0;
  };

  Param* ParamAt(int index) {
    if (index >= 1 && index <= positional_.max_number) return &params_[index];
    if (bind_error_.ok()) {
      bind_error_ =
          Status(ErrorCode::kMetastoreUnavailable, "metadata store: binding a parameter failed",
                 "parameter ?" + std::to_string(index) + " is out of range (the statement has up to ?" +
                     std::to_string(positional_.max_number) + ")");
    }
    return nullptr;
  }

  const Column* Value(int column) const {
    if (!has_row_ || column < 0 || static_cast<size_t>(column) >= columns_.size()) return nullptr;
    const Column& c = columns_[column];
    return c.is_null != 0 ? nullptr : &c;
  }

  void ClearUse() {
    for (Param& p : params_) {
      p.kind = Param::Kind::kNull;
      if (p.text.capacity() > kRetainedBufferBytes) {
        std::string().swap(p.text);
      } else {
        p.text.clear();
      }
    }
    for (Column& c : columns_) {
      if (c.buffer.size() > kRetainedBufferBytes) std::vector<char>(kInitialColumnBuffer).swap(c.buffer);
    }
    bind_error_ = Status::Ok();
    executed_ = done_ = has_row_ = false;
  }

  // Captures the statement's error before the connection may close the handle.
  Status Fail(std::string_view what) {
    const unsigned int code = mysql_stmt_errno(stmt_);
    const std::string message = mysql_stmt_error(stmt_);
    return conn_->Failure(what, code, message.c_str());
  }

  Status BindParams() {
    binds_.assign(positional_.numbers.size(), MYSQL_BIND{});
    for (size_t i = 0; i < binds_.size(); ++i) {
      Param& p = params_[positional_.numbers[i]];
      MYSQL_BIND& b = binds_[i];
      switch (p.kind) {
        case Param::Kind::kNull:
          b.buffer_type = MYSQL_TYPE_NULL;
          break;
        case Param::Kind::kInt:
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.buffer = &p.int_value;
          break;
        case Param::Kind::kText:
          p.length = p.text.size();
          b.buffer_type = MYSQL_TYPE_STRING;
          b.buffer = p.text.data();
          b.buffer_length = p.text.size();
          b.length = &p.length;
          break;
      }
    }
    if (!binds_.empty() && mysql_stmt_bind_param(stmt_, binds_.data()) != 0) {
      return Fail("metadata store: binding a parameter failed");
    }
    return Status::Ok();
  }

  // Every column is read as a string: the client library converts numbers, so Int() and Text() work
  // whatever the column's type.
  Status BindResults(unsigned int field_count) {
    columns_.resize(field_count);
    results_.assign(field_count, MYSQL_BIND{});
    for (unsigned int i = 0; i < field_count; ++i) {
      Column& c = columns_[i];
      MYSQL_BIND& b = results_[i];
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = c.buffer.data();
      b.buffer_length = c.buffer.size();
      b.length = &c.length;
      b.is_null = &c.is_null;
      b.error = &c.truncated;
    }
    if (mysql_stmt_bind_result(stmt_, results_.data()) != 0)
      return Fail("metadata store: reading a result failed");
    return Status::Ok();
  }

  Status Execute() {
    if (stmt_ == nullptr) return conn_->NotConnected("metadata store: statement failed");
    if (!bind_error_.ok()) return bind_error_;
    OFS_RETURN_IF_ERROR(BindParams());
    if (mysql_stmt_execute(stmt_) != 0) return Fail("metadata store: statement failed");
    executed_ = true;
    const unsigned int field_count = mysql_stmt_field_count(stmt_);
    if (field_count == 0) {
      conn_->RecordExecution(mysql_stmt_affected_rows(stmt_), mysql_stmt_insert_id(stmt_));
      done_ = true;
      return Status::Ok();
    }
    // Buffered: the connection is free for other statements while this one's rows are read.
    if (mysql_stmt_store_result(stmt_) != 0) return Fail("metadata store: reading a result failed");
    return BindResults(field_count);
  }

  Result<bool> Fetch() {
    has_row_ = false;
    const int rc = mysql_stmt_fetch(stmt_);
    if (rc == MYSQL_NO_DATA) {
      done_ = true;
      return false;
    }
    if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) return Fail("metadata store: reading a row failed");
    // A value longer than its buffer: grow the buffer, read the value again, and keep the larger buffer
    // for the rows that follow.
    bool grown = false;
    for (size_t i = 0; i < columns_.size(); ++i) {
      Column& c = columns_[i];
      if (c.is_null != 0 || c.length <= c.buffer.size()) continue;
      c.buffer.resize(c.length);
      MYSQL_BIND& b = results_[i];
      b.buffer = c.buffer.data();
      b.buffer_length = c.buffer.size();
      if (mysql_stmt_fetch_column(stmt_, &b, static_cast<unsigned int>(i), 0) != 0) {
        return Fail("metadata store: reading a long value failed");
      }
      grown = true;
    }
    if (grown && mysql_stmt_bind_result(stmt_, results_.data()) != 0) {
      return Fail("metadata store: reading a result failed");
    }
    has_row_ = true;
    return true;
  }

  Connection* conn_;
  const PositionalSql positional_;
  MYSQL_STMT* stmt_ = nullptr;     // null until prepared, and after the connection dropped
  std::vector<Param> params_;      // by parameter number (index 0 unused)
  std::vector<MYSQL_BIND> binds_;  // one per positional `?`
  std::vector<Column> columns_;
  std::vector<MYSQL_BIND> results_;  // one per column, pointing into columns_
  Status bind_error_;                // the first failed Bind, reported by Step
  bool lent_ = false;
  bool executed_ = false;
  bool done_ = false;
  bool has_row_ = false;
};

Connection::Connection(MysqlOptions options) : options_(std::move(options)) {}

Connection::~Connection() {
  // A transaction still open rolls back and the migration lock is released with the session.
  Disconnect();
}

Result<std::unique_ptr<Connection>> Connection::Open(const MysqlOptions& options) {
  OFS_RETURN_IF_ERROR(ValidateMysqlOptions(options));
  std::unique_ptr<Connection> conn(new Connection(options));
  OFS_RETURN_IF_ERROR(conn->Connect());
  return conn;
}

Status Connection::Connect() {
  Disconnect();
  InitLibrary();
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) {
    return Status(ErrorCode::kMetastoreUnavailable, "metadata store: cannot create a connection",
                  "out of memory");
  }
  const unsigned int connect_s = WholeSeconds(options_.connect_timeout_ms);
  const unsigned int read_s = WholeSeconds(options_.read_timeout_ms) + options_.lock_wait_timeout_s;
  const unsigned int write_s = WholeSeconds(options_.write_timeout_ms);
  const unsigned int tcp = MYSQL_PROTOCOL_TCP;  // "localhost" would otherwise mean the Unix socket
  const unsigned int no_local_infile = 0;
  const my_bool no = 0, yes = 1;
  mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
  mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &read_s);
  mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &write_s);
  mysql_options(mysql, MYSQL_OPT_RECONNECT, &no);  // a silent reconnect would lose the session set-up
  mysql_options(mysql, MYSQL_OPT_PROTOCOL, &tcp);
  mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &no_local_infile);
  mysql_options(mysql, MYSQL_REPORT_DATA_TRUNCATION, &yes);
  mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (mysql_real_connect(mysql, options_.host.c_str(), options_.user.c_str(), options_.password.c_str(),
                         options_.database.c_str(), static_cast<unsigned int>(options_.port), nullptr,
                         CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS) == nullptr) {
    last_errno_ = mysql_errno(mysql);
    Status failed(ErrorCode::kMetastoreUnavailable,
                  "metadata store: cannot connect to " + RedactedMysqlUrl(options_),
                  Redact(mysql_error(mysql), options_.password) + " (" + std::to_string(last_errno_) + ")");
    mysql_close(mysql);
    return IsLinkError(last_errno_) ? std::move(failed).MarkRetryable() : failed;
  }
  mysql_ = mysql;
  const std::string setup = kSessionSetup + std::to_string(options_.lock_wait_timeout_s);
  Status set_up = RunScript(setup.c_str(), "metadata store: setting the session up failed", nullptr);
  if (!set_up.ok()) Disconnect();
  return set_up;
}

void Connection::Disconnect() {
  // The connection first: mysql_close detaches the statements, whose close then only frees memory
  // (nothing more is sent over a link that may be gone).
  if (mysql_ != nullptr) mysql_close(mysql_);
  mysql_ = nullptr;
  for (auto& [sql, statement] : cache_) statement->CloseHandle();
}

Status Connection::NotConnected(std::string_view what) const {
  return Status(
             ErrorCode::kMetastoreUnavailable, std::string(what),
             "the connection to " + RedactedMysqlUrl(options_) + " was lost; the next transaction reconnects")
      .MarkRetryable();
}

Status Connection::Failure(std::string_view what, unsigned int code, const char* message) {
  Status status(
      ErrorCode::kMetastoreUnavailable, std::string(what),
      Redact(message != nullptr ? message : "", options_.password) + " (" + std::to_string(code) + ")");
  last_errno_ = code;
  if (IsLinkError(code)) Disconnect();
  return IsTransient(code) ? std::move(status).MarkRetryable() : status;
}

void Connection::RecordExecution(uint64_t affected_rows, uint64_t insert_id) {
  if (affected_rows != static_cast<uint64_t>(-1)) changes_ = static_cast<int64_t>(affected_rows);
  // As SQLite's last_insert_rowid: a statement that inserted nothing leaves the last id in place.
  if (insert_id != 0) last_insert_id_ = static_cast<int64_t>(insert_id);
}

Status Connection::RunScript(const char* sql, std::string_view what, LastResult* last) {
  if (!connected()) return NotConnected(what);
  if (mysql_real_query(mysql_, sql, std::strlen(sql)) != 0)
    return Failure(what, mysql_errno(mysql_), mysql_error(mysql_));
  // Every result of a multi-statement script is consumed; the server stops at the first failing statement.
  for (;;) {
    if (mysql_field_count(mysql_) > 0) {
      MYSQL_RES* result = mysql_store_result(mysql_);
      if (result == nullptr) return Failure(what, mysql_errno(mysql_), mysql_error(mysql_));
      if (last != nullptr) {
        MYSQL_ROW row = mysql_fetch_row(result);
        const unsigned long* lengths = row != nullptr ? mysql_fetch_lengths(result) : nullptr;
        last->first_value = row != nullptr && row[0] != nullptr
                                ? std::optional(std::string(row[0], lengths[0]))
                                : std::nullopt;
        last->rows = mysql_num_rows(result);
      }
      mysql_free_result(result);
    } else if (last != nullptr && last->record_changes) {
      RecordExecution(mysql_affected_rows(mysql_), mysql_insert_id(mysql_));
    }
    const int next = mysql_next_result(mysql_);
    if (next < 0) return Status::Ok();
    if (next > 0) return Failure(what, mysql_errno(mysql_), mysql_error(mysql_));
  }
}

Status Connection::Exec(const char* sql) {
  LastResult last;
  last.record_changes = true;
  return RunScript(sql, "metadata store: script failed", &last);
}

Result<sql::StatementLease> Connection::Prepare(const char* sql) {
  if (!connected()) return NotConnected("metadata store: preparing a statement failed");
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    OFS_ASSIGN_OR_RETURN(PositionalSql positional, RewritePlaceholders(sql));
    it = cache_.emplace(sql, std::make_unique<PreparedStatement>(this, std::move(positional))).first;
  }
  PreparedStatement& statement = *it->second;
  if (statement.lent()) {
    return Result<sql::StatementLease>(ErrorCode::kInternal,
                                       "metadata store: statement prepared while in use", sql);
  }
  if (!statement.prepared()) OFS_RETURN_IF_ERROR(statement.PrepareOnConnection());
  statement.Lend();
  return sql::StatementLease(&statement);
}

Status Connection::Begin(TxnKind kind) {
  if (txn_.has_value()) {
    return Status(ErrorCode::kInternal, "metadata store: a transaction is already open on this connection");
  }
  const bool was_connected = connected();
  if (!was_connected) OFS_RETURN_IF_ERROR(Connect());
  Status begun = BeginOnce(kind);
  if (!begun.ok() && was_connected && !connected()) {
    // The link died while the connection was idle (a server restart, an idle timeout, a KILL).
    OFS_RETURN_IF_ERROR(Connect());
    begun = BeginOnce(kind);
  }
  return begun;
}

Status Connection::BeginOnce(TxnKind kind) {
  switch (kind) {
    case TxnKind::kRead:
      OFS_RETURN_IF_ERROR(
          RunScript(kBeginRead, "metadata store: starting a read transaction failed", nullptr));
      break;
    case TxnKind::kWrite: {
      LastResult counter;
      Status begun = RunScript(kBeginWrite, "metadata store: starting a write transaction failed", &counter);
      if (begun.ok() && counter.rows != 1) {
        begun =
            Status(ErrorCode::kMetastoreUnavailable, "metadata store: starting a write transaction failed",
                   "the change_counter row is missing (is the schema migrated?)");
      }
      if (!begun.ok()) {
        // The transaction may have started before the row lock failed (a lock wait timeout ends only the
        // statement): end it.
        if (connected()) RunScript("ROLLBACK", "metadata store: rollback failed", nullptr).IgnoreError();
        return begun;
      }
      break;
    }
    case TxnKind::kMigration:
      OFS_RETURN_IF_ERROR(LockForMigration());
      break;
    case TxnKind::kRowLocks:
      OFS_RETURN_IF_ERROR(
          RunScript(kBeginRowLocks, "metadata store: starting a write transaction failed", nullptr));
      break;
  }
  txn_ = kind;
  return Status::Ok();
}

Status Connection::LockForMigration() {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(options_.migration_lock_timeout_s);
  // Polled in waits no longer than a row-lock wait, which the socket's read timeout allows for.
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::seconds>(deadline - Clock::now()).count();
    const int64_t wait_s = std::clamp<int64_t>(left, 1, options_.lock_wait_timeout_s);
    std::string got;
    {
      OFS_ASSIGN_OR_RETURN(sql::StatementLease stmt, Prepare(kGetMigrationLock));
      stmt->Bind(1, wait_s);
      OFS_ASSIGN_OR_RETURN(bool row, stmt->Step());
      if (row) got = stmt->Text(0);
    }
    if (got == "1") return Status::Ok();
    if (got != "0") {  // NULL: an error on the server's side (the session was killed, out of memory)
      return Status(ErrorCode::kMetastoreUnavailable, "metadata store: taking the migration lock failed",
                    "GET_LOCK returned NULL");
    }
    if (Clock::now() >= deadline) {
      return Status(ErrorCode::kMetastoreUnavailable,
                    "another process is migrating the metadata database " + options_.database,
                    "waited " + std::to_string(options_.migration_lock_timeout_s) +
                        " s for its lock; if that process died, its lock went with its session")
          .MarkRetryable();
    }
  }
}

Status Connection::Commit() {
  if (!txn_.has_value()) return Status(ErrorCode::kInternal, "metadata store: commit without a transaction");
  if (*txn_ == TxnKind::kMigration) {
    LastResult released;
    OFS_RETURN_IF_ERROR(
        RunScript(kReleaseMigrationLock, "metadata store: releasing the migration lock failed", &released));
    if (released.first_value != "1") {
      return Status(ErrorCode::kMetastoreUnavailable, "metadata store: releasing the migration lock failed",
                    "this session did not hold it");
    }
  } else {
    OFS_RETURN_IF_ERROR(RunScript("COMMIT", "metadata store: commit failed", nullptr));
  }
  txn_.reset();
  return Status::Ok();
}

void Connection::Rollback() {
  if (!txn_.has_value()) return;
  const TxnKind kind = *txn_;
  txn_.reset();
  // A failure leaves nothing to undo: a lost link rolled back (and released the lock) on the server.
  if (!connected()) return;
  if (kind == TxnKind::kMigration) {
    RunScript(kReleaseMigrationLock, "metadata store: releasing the migration lock failed", nullptr)
        .IgnoreError();
  } else {
    RunScript("ROLLBACK", "metadata store: rollback failed", nullptr).IgnoreError();
  }
}

void Connection::NoteWriteFailure(const Status& status) {
  if (!status.ok() && status.code() == ErrorCode::kMetastoreUnavailable && IsStorageFault(last_errno_)) {
    write_fault_ = status;
  }
}

}  // namespace ofs::catalog::mysql
