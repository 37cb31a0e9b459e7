#include "metadata_selection.h"

#include <filesystem>

#include "catalog/mysql/mysql_metadata_store.h"
#include "catalog/sqlite/sqlite_metadata_store.h"

namespace ofs::app {

Result<MetadataSelection> ParseMetadataSelection(std::string_view url) {
  MetadataSelection selection;
  if (url.empty() || url == "sqlite") {
    selection.description = "sqlite (metadata.sqlite in the data directory)";
    return selection;
  }
  if (url.starts_with("sqlite:")) {
    selection.sqlite_path = std::string(url.substr(7));
    if (selection.sqlite_path.empty()) {
      return Result<MetadataSelection>(
          ErrorCode::kInvalidRequest,
          "metadata.url: sqlite: needs a path (sqlite:/var/lib/ofs/metadata.sqlite)");
    }
    selection.description = "sqlite " + selection.sqlite_path;
    return selection;
  }
  if (url.starts_with("mysql://") || url.starts_with("mariadb://")) {
    Result<catalog::mysql::MysqlOptions> options = catalog::mysql::ParseMysqlUrl(url);
    if (!options.ok()) {
      return Result<MetadataSelection>(options.status().code(),
                                       "metadata.url: " + std::string(options.status().message()),
                                       std::string(options.status().cause()));
    }
    selection.engine = MetadataSelection::Engine::kMysql;
    selection.mysql = std::move(options).value();
    selection.description = catalog::mysql::RedactedMysqlUrl(selection.mysql);
    return selection;
  }
  return Result<MetadataSelection>(
      ErrorCode::kInvalidRequest,
      "metadata.url must be sqlite, sqlite:PATH or mysql://USER:PASSWORD@HOST:PORT/DB",
      "it starts with neither sqlite nor mysql://");
}

Result<std::unique_ptr<catalog::MetadataStore>> OpenMetadataStore(const MetadataSelection& selection,
                                                                  const std::string& data_dir,
                                                                  DiskReserve* disk) {
  if (selection.engine == MetadataSelection::Engine::kMysql) {
    OFS_ASSIGN_OR_RETURN(auto store, catalog::MysqlMetadataStore::Open(selection.mysql));
    return std::unique_ptr<catalog::MetadataStore>(std::move(store));
  }
  const std::string path = selection.sqlite_path.empty()
                               ? (std::filesystem::path(data_dir) / "metadata.sqlite").string()
                               : selection.sqlite_path;
  // The disk reserve watches the data directory: it admits writes to a file there only.
  OFS_ASSIGN_OR_RETURN(
      auto store, catalog::SqliteMetadataStore::Open(path, selection.sqlite_path.empty() ? disk : nullptr));
  return std::unique_ptr<catalog::MetadataStore>(std::move(store));
}

}  // namespace ofs::app
