#pragma once
// MysqlMetadataStore: the MetadataStore in a MySQL/MariaDB database that every role of a fleet shares
// (one `ofs admin`, many `ofs serve`). The store is SqlMetadataStore (catalog/sql), over one connection of
// catalog/mysql/connection.h; the schema is the MySQL dialect of the metadata migrations
// (migrations/NNNN_<name>.sql, the same history as SQLite's), applied on Open under a named lock.
// MySQL specifics: catalog writes serialize on the change_counter row (sql::Connection::kWrite), so version
// numbers and column ids stay unique across admins; a lost connection is reopened by the next call; no
// call waits longer than the URL's timeouts (connect, read + lock wait, write).

#include <memory>
#include <span>

#include "catalog/mysql/mysql_options.h"
#include "catalog/sql/migrations.h"
#include "catalog/sql/sql_metadata_store.h"

namespace ofs::catalog {

class MysqlMetadataStore final : public SqlMetadataStore {
 public:
  // Connects (creating the database when it does not exist and the user may) and applies pending migrations.
  // METASTORE-UNAVAILABLE when the server cannot be reached or refuses the login (the cause says why; never
  // the password), a migration fails, or the database was written by a newer binary.
  static Result<std::unique_ptr<MysqlMetadataStore>> Open(const mysql::MysqlOptions& options);

  // The embedded MySQL migrations, in version order.
  static std::span<const sql::Migration> Migrations();

 private:
  using SqlMetadataStore::SqlMetadataStore;
};

}  // namespace ofs::catalog
