#include "storage/cassandra/cql_schema.h"

#include <algorithm>
#include <cstdio>

#include "base/strings.h"
#include "model/types.h"

namespace ofs::storage::cassandra {
namespace {

using model::DataType;

constexpr size_t kMaxKeyspaceName = 48;  // Cassandra's SchemaConstants.NAME_LENGTH

void AppendNames(std::span<const std::string_view> names, std::string_view separator, std::string* out) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out->append(separator);
    out->append(QuoteName(names[i]));
  }
}

std::string Table(std::string_view keyspace, std::string_view table) {
  return QuoteName(keyspace) + "." + QuoteName(table);
}

bool IsPlainLower(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::string CqlName(std::string_view name) { return ToLowerAscii(name); }

std::string QuoteName(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(AsciiLower(c));
  }
  out.push_back('"');
  return out;
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string_view CqlTypeName(DataType type) {
  switch (type) {
    case DataType::kText:
    case DataType::kVarchar:
      return "text";
    case DataType::kAscii:
      return "ascii";
    case DataType::kBlob:
      return "blob";
    case DataType::kBoolean:
      return "boolean";
    case DataType::kDecimal:
      return "decimal";
    case DataType::kDouble:
      return "double";
    case DataType::kFloat:
      return "float";
    case DataType::kInt:
      return "int";
    case DataType::kBigint:
      return "bigint";
    case DataType::kTimestamp:
      return "timestamp";
    case DataType::kTimeuuid:
      return "timeuuid";
    case DataType::kUuid:
      return "uuid";
    case DataType::kInet:
      return "inet";
    case DataType::kVarint:
      return "varint";
  }
  return "blob";
}

bool CqlTypeMatches(DataType type, std::string_view cql_type) {
  const std::string t = ToLowerAscii(cql_type);
  if (t == CqlTypeName(type)) return true;
  return (type == DataType::kText || type == DataType::kVarchar) && t == "varchar";
}

uint64_t Fnv1a64(std::string_view bytes, uint64_t seed) {
  uint64_t h = seed;
  for (char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::string TenantKeyspace(std::string_view base, std::string_view tenant) {
  if (tenant == model::kDefaultTenant) return std::string(base);
  std::string name = std::string(base) + "_";
  if (IsPlainLower(tenant) && name.size() + tenant.size() <= kMaxKeyspaceName)
    return name + std::string(tenant);
  char hash[9];
  std::snprintf(hash, sizeof(hash), "%08x", static_cast<uint32_t>(Fnv1a64(tenant)));
  std::string sanitized;
  for (char c : tenant) {
    const char l = AsciiLower(c);
    sanitized.push_back((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') ? l : '_');
  }
  const size_t room = kMaxKeyspaceName > name.size() + 9 ? kMaxKeyspaceName - name.size() - 9 : 0;
  sanitized.resize(std::min(sanitized.size(), room));
  return name + sanitized + "_" + hash;
}

std::string CreateKeyspaceCql(std::string_view keyspace, int replication_factor) {
  return "CREATE KEYSPACE IF NOT EXISTS " + QuoteName(keyspace) +
         " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': " +
         std::to_string(replication_factor) + "}";
}

std::string CreateTableCql(std::string_view keyspace, const model::TableSpec& table) {
  std::string cql = "CREATE TABLE IF NOT EXISTS " + Table(keyspace, table.name) + " (";
  for (const auto* columns : {&table.key_columns, &table.value_columns}) {
    for (const model::ColumnSpec& c : *columns) {
      cql += QuoteName(c.name) + " " + std::string(CqlTypeName(c.type)) + ", ";
    }
  }
  cql += "PRIMARY KEY (";
  for (size_t i = 0; i < table.key_columns.size(); ++i) {
    if (i > 0) cql += ", ";
    cql += QuoteName(table.key_columns[i].name);
  }
  cql += "))";
  if (table.ttl_seconds > 0) cql += " WITH default_time_to_live = " + std::to_string(table.ttl_seconds);
  return cql;
}

std::string AddColumnsCql(std::string_view keyspace, std::string_view table,
                          std::span<const model::ColumnSpec* const> columns) {
  std::string cql = "ALTER TABLE " + Table(keyspace, table) + " ADD (";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) cql += ", ";
    cql += QuoteName(columns[i]->name) + " " + std::string(CqlTypeName(columns[i]->type));
  }
  return cql + ")";
}

std::string SetTtlCql(std::string_view keyspace, std::string_view table, int64_t ttl_seconds) {
  return "ALTER TABLE " + Table(keyspace, table) +
         " WITH default_time_to_live = " + std::to_string(ttl_seconds);
}

std::string ColumnsQueryCql(std::string_view keyspace, std::string_view table) {
  return "SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = " +
         QuoteLiteral(CqlName(keyspace)) + " AND table_name = " + QuoteLiteral(CqlName(table));
}

std::string TtlQueryCql(std::string_view keyspace, std::string_view table) {
  return "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = " +
         QuoteLiteral(CqlName(keyspace)) + " AND table_name = " + QuoteLiteral(CqlName(table));
}

std::string InsertCql(std::string_view keyspace, std::string_view table,
                      std::span<const std::string_view> columns) {
  std::string cql = "INSERT INTO " + Table(keyspace, table) + " (";
  AppendNames(columns, ", ", &cql);
  cql += ") VALUES (";
  for (size_t i = 0; i < columns.size(); ++i) cql += i == 0 ? "?" : ", ?";
  return cql + ") USING TTL ?";
}

std::string SelectCql(std::string_view keyspace, std::string_view table,
                      std::span<const std::string_view> columns, std::span<const std::string_view> where) {
  std::string cql = "SELECT ";
  AppendNames(columns, ", ", &cql);
  cql += " FROM " + Table(keyspace, table);
  for (size_t i = 0; i < where.size(); ++i)
    cql += (i == 0 ? " WHERE " : " AND ") + QuoteName(where[i]) + " = ?";
  return cql;
}

}  // namespace ofs::storage::cassandra
