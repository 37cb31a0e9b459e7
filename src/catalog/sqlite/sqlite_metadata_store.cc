#include "catalog/sqlite/sqlite_metadata_store.h"

#include <utility>

#include "base/fallback.h"
#include "catalog/sql/query.h"
#include "catalog/sqlite/connection.h"
#include "catalog/sqlite/migrations.h"

namespace ofs::catalog {
namespace {

// synchronous = FULL: an acknowledged admin change (which the caller may already have applied to the
// storage cluster) must survive a power loss; NORMAL in WAL mode may lose the last commits. Metadata
// commits are rare, so one fsync each costs nothing that matters. busy_timeout: how long a call waits for
// another process holding the write lock before failing with kMetastoreUnavailable.
constexpr const char kPragmas[] =
    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
    " PRAGMA foreign_keys = ON;";
constexpr const char kJournalMode[] = "PRAGMA journal_mode";

}  // namespace

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(const std::string& path,
                                                                       DiskReserve* reserve) {
  OFS_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Connection> conn, sqlite::Connection::Open(path));
  conn->set_disk_reserve(reserve);
  OFS_RETURN_IF_ERROR(conn->Exec(kPragmas));
  // SQLite keeps the rollback journal, without an error, where WAL cannot work (a VFS or file system
  // without shared memory, some network file systems); an in-memory database has its own journal.
  std::string journal;
  OFS_RETURN_IF_ERROR(sql::ForEachRow(*conn, kJournalMode, sql::NoParams, [&](sql::Statement& row) {
    journal = row.Text(0);
    return Status::Ok();
  }));
  if (journal != "wal" && journal != "memory") {
    NoteFallback(Fallback::kMetadataJournal, "the metadata store journals with '" + journal +
                                                 "' instead of WAL: admin reads wait while a metadata "
                                                 "change commits (put the data directory on a local disk)");
  }
  OFS_RETURN_IF_ERROR(sqlite::ApplyMigrations(conn.get()));
  return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(std::move(conn)));
}

}  // namespace ofs::catalog
