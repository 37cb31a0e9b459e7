#pragma once
// The SQLite dialect of the metadata store's migrations (migrations/NNNN_<name>.sql, numbered 1..N without
// gaps, the same list as catalog/mysql/migrations), embedded into the binary at build time and applied by
// sql::ApplyMigrations. A migration, once released, is never edited: schema changes are new files.

#include <span>

#include "base/status.h"
#include "catalog/sql/migrations.h"

namespace ofs::catalog::sqlite {

class Connection;

// The embedded migrations, in version order.
std::span<const sql::Migration> Migrations();

// The schema version the newest embedded migration produces.
int LatestSchemaVersion();

// Brings the schema up to LatestSchemaVersion() (sql::ApplyMigrations).
Status ApplyMigrations(Connection* conn);

}  // namespace ofs::catalog::sqlite
