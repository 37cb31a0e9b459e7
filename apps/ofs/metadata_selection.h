#pragma once
// Which metadata store a role opens (metadata.url, --metadata, OFS_METADATA): the embedded SQLite file
// under the data directory, an SQLite file elsewhere, or a MySQL/MariaDB database shared by every role of
// a fleet (docs/configuration.md, "The metadata store"). The one place where the app names a concrete
// metadata engine.

#include <memory>
#include <string>
#include <string_view>

#include "base/disk_reserve.h"
#include "base/status.h"
#include "catalog/metadata_store.h"
#include "catalog/mysql/mysql_options.h"

namespace ofs::app {

struct MetadataSelection {
  enum class Engine { kSqlite, kMysql };
  Engine engine = Engine::kSqlite;
  std::string sqlite_path;             // kSqlite: "" = <data_dir>/metadata.sqlite
  catalog::mysql::MysqlOptions mysql;  // kMysql
  std::string description;             // for logs and errors: never a password
};

// `url`: "" or "sqlite" (the data directory's file), "sqlite:PATH", or
// "mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?...]" (catalog/mysql/mysql_options.h; also mariadb://).
// INVALID-REQUEST naming metadata.url and the part that is wrong (never the password).
Result<MetadataSelection> ParseMetadataSelection(std::string_view url);

// Opens the selected store and applies pending migrations. SQLite: `data_dir`'s metadata.sqlite unless a
// path was given, writes admitted by `disk` (may be null). MySQL: connects now (an unreachable server is
// METASTORE-UNAVAILABLE with the server's reason).
Result<std::unique_ptr<catalog::MetadataStore>> OpenMetadataStore(const MetadataSelection& selection,
                                                                  const std::string& data_dir,
                                                                  DiskReserve* disk);

}  // namespace ofs::app
