#include "catalog/sql/migrations.h"

#include <optional>
#include <string>

#include "catalog/sql/query.h"

namespace ofs::catalog::sql {
namespace {

const char* CreateSchemaVersionSql(Dialect dialect) {
  switch (dialect) {
    case Dialect::kSqlite:
      return "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, file TEXT NOT NULL) "
             "STRICT";
    case Dialect::kMysql:
      return "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY,"
             " file VARCHAR(255) NOT NULL) ENGINE = InnoDB";
  }
  return "";
}

constexpr const char kCurrentVersion[] = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
constexpr const char kRecordVersion[] = "INSERT INTO schema_version (version, file) VALUES (?1, ?2)";

Result<int64_t> CurrentVersion(Connection* conn) {
  OFS_ASSIGN_OR_RETURN(std::optional<int64_t> version, QueryInt(*conn, kCurrentVersion, NoParams));
  return version.value_or(0);
}

Status TooNew(int64_t found, int latest) {
  return Status(ErrorCode::kMetastoreUnavailable,
                "the metadata store has schema version " + std::to_string(found) +
                    " but this binary knows up to " + std::to_string(latest),
                "it was written by a newer OFS; run that version or a later one");
}

// Applies `m` unless a concurrent opener already did; the version check and the migration share one
// kMigration transaction.
Status ApplyOne(Connection* conn, const Migration& m) {
  OFS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn, Connection::TxnKind::kMigration));
  OFS_ASSIGN_OR_RETURN(int64_t current, CurrentVersion(conn));
  if (current >= m.version) return Status::Ok();
  Status applied = conn->Exec(m.sql);
  if (!applied.ok()) {
    return Status(ErrorCode::kMetastoreUnavailable, std::string("metadata migration ") + m.file + " failed",
                  std::string(applied.cause()));
  }
  OFS_RETURN_IF_ERROR(
      Execute(*conn, kRecordVersion, [&](Statement& s) { s.Bind(1, int64_t{m.version}).Bind(2, m.file); }));
  return txn.Commit();
}

}  // namespace

Status ApplyMigrations(Connection* conn, std::span<const Migration> migrations) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  OFS_RETURN_IF_ERROR(conn->Exec(CreateSchemaVersionSql(conn->dialect())));
  OFS_ASSIGN_OR_RETURN(int64_t current, CurrentVersion(conn));
  if (current > latest) return TooNew(current, latest);
  for (const Migration& m : migrations) {
    if (m.version > current) OFS_RETURN_IF_ERROR(ApplyOne(conn, m));
  }
  return Status::Ok();
}

}  // namespace ofs::catalog::sql
