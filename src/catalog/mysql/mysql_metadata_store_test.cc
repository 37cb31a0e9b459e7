// The MetadataStore conformance suite on a real MariaDB (OFS_TEST_MYSQL_URL; scripts/services/mariadb.sh
// start prints it): each test gets a database of its own, named after its directory, dropped afterwards.
// Unset, every test skips, unless OFS_REQUIRE_SERVICES=1 (then each fails).

#include "catalog/mysql/mysql_metadata_store.h"

#include <cstdlib>
#include <functional>
#include <string>

#include "catalog/mysql/connection.h"
#include "catalog/testing/conformance.h"

namespace ofs::catalog {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// A database name for a test directory: "ofs_conf_" + a hash of the path (letters, digits, '_').
std::string DatabaseFor(const std::string& dir) {
  return "ofs_conf_" + std::to_string(std::hash<std::string>{}(dir) % 1'000'000'000'000ULL);
}

// Runs `sql` on the database of OFS_TEST_MYSQL_URL (creating or dropping another one).
Status OnBaseDatabase(const std::string& sql) {
  OFS_ASSIGN_OR_RETURN(mysql::MysqlOptions base, mysql::ParseMysqlUrl(Env("OFS_TEST_MYSQL_URL")));
  OFS_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> conn, mysql::Connection::Open(base));
  return conn->Exec(sql.c_str());
}

testing::MetadataStoreUnderTest MysqlUnderTest() {
  testing::MetadataStoreUnderTest engine;
  engine.name = "MariaDb";
  engine.skip_reason = []() -> std::string {
    if (!Env("OFS_TEST_MYSQL_URL").empty() || Env("OFS_REQUIRE_SERVICES") == "1") return "";
    return "OFS_TEST_MYSQL_URL is unset (scripts/services/mariadb.sh start prints it)";
  };
  engine.open = [](const std::string& dir) -> Result<std::unique_ptr<MetadataStore>> {
    const std::string database = DatabaseFor(dir);
    OFS_RETURN_IF_ERROR(OnBaseDatabase("CREATE DATABASE IF NOT EXISTS " + database));
    OFS_ASSIGN_OR_RETURN(mysql::MysqlOptions options, mysql::ParseMysqlUrl(Env("OFS_TEST_MYSQL_URL")));
    options.database = database;
    OFS_ASSIGN_OR_RETURN(std::unique_ptr<MysqlMetadataStore> store, MysqlMetadataStore::Open(options));
    return std::unique_ptr<MetadataStore>(std::move(store));
  };
  engine.cleanup = [](const std::string& dir) {
    OnBaseDatabase("DROP DATABASE IF EXISTS " + DatabaseFor(dir)).IgnoreError();
  };
  return engine;
}

}  // namespace
}  // namespace ofs::catalog

OFS_INSTANTIATE_METADATA_STORE_CONFORMANCE(MariaDb, ::ofs::catalog::MysqlUnderTest());
