#include "catalog/mysql/mysql_metadata_store.h"

#include <string>
#include <string_view>
#include <utility>

#include "catalog/mysql/connection.h"
#include "catalog/mysql/migrations_embedded.h"

namespace ofs::catalog {

std::span<const sql::Migration> MysqlMetadataStore::Migrations() { return mysql::kEmbeddedMigrations; }

namespace {

// The server's "unknown database" error (ER_BAD_DB_ERROR), as Connection reports it: "... (1049)".
bool UnknownDatabase(const Status& status) { return std::string_view(status.cause()).ends_with("(1049)"); }

// Creates the database of `options` (its name is an identifier: ValidateMysqlOptions), connected to
// information_schema, which every user may open.
Status CreateDatabase(const mysql::MysqlOptions& options) {
  mysql::MysqlOptions server = options;
  server.database = "information_schema";
  OFS_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> conn, mysql::Connection::Open(server));
  const std::string sql =
      "CREATE DATABASE IF NOT EXISTS `" + options.database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
  return conn->Exec(sql.c_str());
}

}  // namespace

Result<std::unique_ptr<MysqlMetadataStore>> MysqlMetadataStore::Open(const mysql::MysqlOptions& options) {
  Result<std::unique_ptr<mysql::Connection>> opened = mysql::Connection::Open(options);
  if (!opened.ok() && UnknownDatabase(opened.status())) {
    // A missing database is created, as a missing Cassandra keyspace is (the user needs the privilege).
    OFS_RETURN_IF_ERROR(CreateDatabase(options));
    opened = mysql::Connection::Open(options);
  }
  OFS_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> conn, std::move(opened));
  OFS_RETURN_IF_ERROR(sql::ApplyMigrations(conn.get(), Migrations()));
  return std::unique_ptr<MysqlMetadataStore>(new MysqlMetadataStore(std::move(conn)));
}

}  // namespace ofs::catalog
