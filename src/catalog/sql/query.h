#pragma once
// Small helpers that run one cached statement of a Connection. `sql` follows Connection::Prepare's rule
// (a string constant); `bind` is a callable that binds the parameters of a Statement&. Errors are the
// Connection's (kMetastoreUnavailable) or whatever on_row returns.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/sql/connection.h"

namespace ofs::catalog::sql {

inline void NoParams(Statement&) {}

// Runs a statement that returns no rows.
template <typename Bind>
Status Execute(Connection& conn, const char* sql, Bind&& bind) {
  OFS_ASSIGN_OR_RETURN(StatementLease stmt, conn.Prepare(sql));
  bind(*stmt);
  return stmt->Run();
}

// Calls on_row(Statement&) -> Status for every result row; stops at the first error.
template <typename Bind, typename OnRow>
Status ForEachRow(Connection& conn, const char* sql, Bind&& bind, OnRow&& on_row) {
  OFS_ASSIGN_OR_RETURN(StatementLease stmt, conn.Prepare(sql));
  bind(*stmt);
  for (;;) {
    OFS_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) return Status::Ok();
    OFS_RETURN_IF_ERROR(on_row(*stmt));
  }
}

// The first column of the first row as an integer; nullopt when there is no row.
template <typename Bind>
Result<std::optional<int64_t>> QueryInt(Connection& conn, const char* sql, Bind&& bind) {
  OFS_ASSIGN_OR_RETURN(StatementLease stmt, conn.Prepare(sql));
  bind(*stmt);
  OFS_ASSIGN_OR_RETURN(bool row, stmt->Step());
  return row ? std::optional<int64_t>(stmt->Int(0)) : std::nullopt;
}

// The first column of every row as an integer.
template <typename Bind>
Result<std::vector<int64_t>> CollectIds(Connection& conn, const char* sql, Bind&& bind) {
  std::vector<int64_t> ids;
  OFS_RETURN_IF_ERROR(ForEachRow(conn, sql, bind, [&](Statement& s) {
    ids.push_back(s.Int(0));
    return Status::Ok();
  }));
  return ids;
}

// The first column of every row as text, for a statement whose only parameter ?1 is `id`.
inline Result<std::vector<std::string>> CollectStrings(Connection& conn, const char* sql, int64_t id) {
  std::vector<std::string> out;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, sql, [&](Statement& s) { s.Bind(1, id); },
      [&](Statement& s) {
        out.push_back(s.Text(0));
        return Status::Ok();
      }));
  return out;
}

}  // namespace ofs::catalog::sql
