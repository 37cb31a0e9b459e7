#pragma once
// Versioned schema migrations of the SQLite metadata store. The SQL lives in migrations/NNNN_<name>.sql
// (numbered 1..N without gaps) and is embedded into the binary at build time. A migration, once
// released, is never edited: schema changes are new files.

#include "base/status.h"
#include "catalog/sqlite/connection.h"

namespace ofs::catalog::sqlite {

// The schema version the newest embedded migration produces.
int LatestSchemaVersion();

// Brings the schema up to LatestSchemaVersion(). Applied versions are recorded in the table
// schema_version; each pending migration runs once, in its own IMMEDIATE transaction, so that
// concurrent openers (other processes) apply it exactly once. kMetastoreUnavailable when a migration
// fails (nothing of it is kept) or the database was written by a newer binary.
Status ApplyMigrations(Connection* conn);

}  // namespace ofs::catalog::sqlite
