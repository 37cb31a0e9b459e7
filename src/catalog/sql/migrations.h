#pragma once
// Versioned schema migrations of the metadata store, one history for every engine: migration N has the
// same number and name on each, with the SQL of each engine's dialect (catalog/sqlite/migrations,
// catalog/mysql/migrations; CMake checks that the two lists match and embeds them at build time). A
// migration, once released, is never edited: schema changes are new files, on every engine at once.

#include <cstdint>
#include <span>

#include "base/status.h"
#include "catalog/sql/connection.h"

namespace ofs::catalog::sql {

struct Migration {
  int version;       // 1..N without gaps
  const char* file;  // NNNN_<name>.sql
  const char* sql;   // a script of one or more statements
};

// Brings the schema up to the newest of `migrations` (in version order). Applied versions are recorded
// in the table schema_version; each pending migration runs once under a kMigration transaction that
// re-reads the current version first, so that concurrent openers (other processes) apply it exactly once.
// kMetastoreUnavailable when a migration fails or the database was written by a newer binary. SQLite
// keeps nothing of a failed migration; MySQL's DDL commits as it goes (a failed migration may leave part
// of its statements applied: the error names the file).
Status ApplyMigrations(Connection* conn, std::span<const Migration> migrations);

}  // namespace ofs::catalog::sql
