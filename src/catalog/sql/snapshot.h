#pragma once
// Metadata backups: a consistent copy of every catalog table of a SQL metadata store, as one JSON
// document, and its restore into an empty store of either engine (SQLite <-> MySQL/MariaDB). Rows are
// copied as they are (ids, column ids, times, the change counter), so a restored store answers every
// catalog read and dump exactly as the original did.
//
// Document (format version 1): {"format": "ofs-metadata-backup", "formatVersion": 1, "createdAt": ms,
// "tables": {"<table>": {"columns": ["<name>", ...], "rows": [[<integer or string>, ...], ...]}, ...}}
// with the tables of the migrations in dependency order (Tables() in snapshot.cc); consumer_topics (migration
// 0002) may be absent, as in backups made before it.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "catalog/sql/connection.h"

namespace ofs::catalog::sql {

// Reads every table in one read transaction (a consistent snapshot) and returns the document.
Result<std::string> ExportSnapshot(Connection& conn, int64_t now_ms);

// Inserts a document's rows into `conn`'s tables in one write transaction. The store must be empty (no
// entity, group version or run: INVALID_REQUEST otherwise, nothing written). INVALID_REQUEST naming the
// table, row and column for a document that is not a backup of this format (the restore is untrusted
// input: a file or an object fetched from elsewhere).
Status ImportSnapshot(Connection& conn, std::string_view document);

}  // namespace ofs::catalog::sql
