#include "catalog/sqlite/migrations.h"

#include <iterator>

#include "catalog/sqlite/connection.h"
#include "catalog/sqlite/migrations_embedded.h"

namespace ofs::catalog::sqlite {

std::span<const sql::Migration> Migrations() { return kEmbeddedMigrations; }

int LatestSchemaVersion() { return std::end(kEmbeddedMigrations)[-1].version; }

Status ApplyMigrations(Connection* conn) { return sql::ApplyMigrations(conn, Migrations()); }

}  // namespace ofs::catalog::sqlite
