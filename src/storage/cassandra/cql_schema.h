#pragma once
// CQL text for Darwin's layout (API.md section 5): names, types, DDL, and the statements the store
// prepares. Pure functions, thread-safe.
//
// Names. Darwin's DDL is unquoted, so Cassandra lower-cased every name it created; OFS addresses the
// same columns by lower-casing, and always double-quotes the result. A quoted lower-case name is the
// very name an unquoted one becomes, so this reads Darwin's tables, and it also makes reserved words
// (`order`, `from`, `select`, `key`, `token`) and names CQL would not take unquoted (`_x`, `9lives`)
// valid columns without a keyword list to keep in step with Cassandra's and ScyllaDB's grammars.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/data_type.h"
#include "model/table_spec.h"

namespace ofs::storage::cassandra {

// The name as Cassandra stores it: ASCII lower-cased.
std::string CqlName(std::string_view name);
// `"name"` (lower-cased; a `"` doubled).
std::string QuoteName(std::string_view name);
// `'text'` (a `'` doubled): a CQL string literal.
std::string QuoteLiteral(std::string_view text);

// The CQL type a column of `type` is created with (VARCHAR -> text: varchar is text's alias, and
// system_schema reports it as text).
std::string_view CqlTypeName(model::DataType type);
// True when a column that system_schema reports as `cql_type` holds values of `type`.
bool CqlTypeMatches(model::DataType type, std::string_view cql_type);

// The keyspace of a tenant on a cluster whose configured keyspace is `base`: `base` itself for the
// default tenant, else `<base>_<tenant>` when the tenant's name is already lower-case [a-z0-9_], else
// `<base>_<sanitized>_<hash>` (sanitized: lower-cased, other characters as `_`; hash: 8 hex digits of
// the exact name, so that "A-b" and "a_b" do not meet), shortened with the hash to Cassandra's 48
// characters.
std::string TenantKeyspace(std::string_view base, std::string_view tenant);

// A stable 64-bit FNV-1a hash (page-token bindings, keyspace suffixes).
uint64_t Fnv1a64(std::string_view bytes, uint64_t seed = 1469598103934665603ull);

// DDL.
std::string CreateKeyspaceCql(std::string_view keyspace, int replication_factor);
// Every column of the table; `PRIMARY KEY (k1, k2, ...)` in declared order (k1 the partition key).
std::string CreateTableCql(std::string_view keyspace, const model::TableSpec& table);
std::string AddColumnsCql(std::string_view keyspace, std::string_view table,
                          std::span<const model::ColumnSpec* const> columns);
std::string SetTtlCql(std::string_view keyspace, std::string_view table, int64_t ttl_seconds);
std::string ColumnsQueryCql(std::string_view keyspace, std::string_view table);  // name, kind, position, type
std::string TtlQueryCql(std::string_view keyspace, std::string_view table);

// Statements (the columns by name, in the given order).
// INSERT of the given columns, then `USING TTL ?` (the write timestamp is the request's, set by the
// driver); values: the columns', then the TTL.
std::string InsertCql(std::string_view keyspace, std::string_view table,
                      std::span<const std::string_view> columns);
// SELECT <columns> ... WHERE <each of `where`> = ? AND ... (Darwin's point read when `where` is the
// whole primary key; a partition or prefix read when it is a leading part of it).
std::string SelectCql(std::string_view keyspace, std::string_view table,
                      std::span<const std::string_view> columns, std::span<const std::string_view> where);

}  // namespace ofs::storage::cassandra
