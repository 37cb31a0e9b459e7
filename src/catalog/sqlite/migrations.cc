#include "catalog/sqlite/migrations.h"

#include <iterator>
#include <optional>
#include <string>

#include "catalog/sqlite/migrations_embedded.h"
#include "catalog/sqlite/query.h"

namespace ofs::catalog::sqlite {
namespace {

constexpr const char kCreateSchemaVersion[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, file TEXT NOT NULL) STRICT";
constexpr const char kCurrentVersion[] = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
constexpr const char kRecordVersion[] = "INSERT INTO schema_version (version, file) VALUES (?1, ?2)";

Result<int64_t> CurrentVersion(Connection* conn) {
  OFS_ASSIGN_OR_RETURN(std::optional<int64_t> version, QueryInt(*conn, kCurrentVersion, NoParams));
  return version.value_or(0);
}

Status TooNew(int64_t found) {
  return Status(ErrorCode::kMetastoreUnavailable,
                "the metadata store has schema version " + std::to_string(found) +
                    " but this binary knows up to " + std::to_string(LatestSchemaVersion()),
                "it was written by a newer OFS; run that version or a later one");
}

// Applies `m` unless a concurrent opener already did; the version check and the migration share one
// write transaction.
Status ApplyOne(Connection* conn, const EmbeddedMigration& m) {
  OFS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn, Transaction::Kind::kWrite));
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

int LatestSchemaVersion() { return std::end(kEmbeddedMigrations)[-1].version; }

Status ApplyMigrations(Connection* conn) {
  OFS_RETURN_IF_ERROR(conn->Exec(kCreateSchemaVersion));
  OFS_ASSIGN_OR_RETURN(int64_t current, CurrentVersion(conn));
  if (current > LatestSchemaVersion()) return TooNew(current);
  for (const EmbeddedMigration& m : kEmbeddedMigrations) {
    if (m.version > current) OFS_RETURN_IF_ERROR(ApplyOne(conn, m));
  }
  return Status::Ok();
}

}  // namespace ofs::catalog::sqlite
