#pragma once
// SqliteMetadataStore: the embedded MetadataStore, one SQLite database file (WAL mode) that several OFS
// processes on one machine may share. Schema: migrations/*.sql, applied on Open (see README.md); the
// store itself is SqlMetadataStore (catalog/sql).
// SQLite specifics: other processes are waited for up to the busy timeout; a write while the disk reserve
// has no room is STORE-UNAVAILABLE (nothing written); Health() reports a write that failed because of the
// database itself (I/O error, disk full, ...) until a later write commits.

#include <memory>
#include <string>

#include "base/disk_reserve.h"
#include "catalog/sql/sql_metadata_store.h"

namespace ofs::catalog {

class SqliteMetadataStore final : public SqlMetadataStore {
 public:
  // Opens (creating when absent) the database at `path` and applies pending migrations; ":memory:" gives a
  // private in-memory database (tests). kMetastoreUnavailable when the file cannot be opened, a migration
  // fails, or the database was written by a newer binary. `reserve` (not owned, outlives the store; null
  // = none): write transactions first ask it for room.
  static Result<std::unique_ptr<SqliteMetadataStore>> Open(const std::string& path,
                                                           DiskReserve* reserve = nullptr);

 private:
  using SqlMetadataStore::SqlMetadataStore;
};

}  // namespace ofs::catalog
