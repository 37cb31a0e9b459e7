#include "catalog/sql/snapshot.h"

#include <simdjson.h>

#include <vector>

#include "codec/json_writer.h"

namespace ofs::catalog::sql {
namespace {

constexpr std::string_view kFormat = "ofs-metadata-backup";
constexpr int64_t kFormatVersion = 1;

struct Column {
  const char* name;
  bool integer;  // else text
};

struct Table {
  const char* name;
  std::vector<Column> columns;
  const char* order_by;
  bool optional = false;  // may be absent from a document (a table added after format version 1)
};

// Every table of the migrations but change_counter (written apart), parents before children.
const std::vector<Table>& Tables() {
  static const std::vector<Table> tables = {
      {"entities",
       {{"id", true},
        {"name", false},
        {"table_name", false},
        {"state", false},
        {"owner", false},
        {"description", false},
        {"ttl_seconds", true},
        {"next_column_id", true},
        {"created_at", true},
        {"updated_at", true}},
       "id"},
      {"entity_columns",
       {{"entity_id", true},
        {"position", true},
        {"column_id", true},
        {"name", false},
        {"type", false},
        {"description", false}},
       "entity_id, position"},
      {"entity_keys", {{"entity_id", true}, {"position", true}, {"name", false}}, "entity_id, position"},
      {"entity_tags", {{"entity_id", true}, {"position", true}, {"tag", false}}, "entity_id, position"},
      {"group_versions",
       {{"id", true},
        {"name", false},
        {"version_number", true},
        {"entity_id", true},
        {"group_type", false},
        {"version_enabled", true},
        {"state", false},
        {"owner", false},
        {"description", false},
        {"tenant_read", false},
        {"tenant_write", false},
        {"tenant_consume", false},
        {"created_at", true},
        {"updated_at", true}},
       "id"},
      {"group_columns",
       {{"group_version_id", true},
        {"position", true},
        {"column_id", true},
        {"name", false},
        {"type", false},
        {"description", false}},
       "group_version_id, position"},
      {"group_tags",
       {{"group_version_id", true}, {"position", true}, {"tag", false}},
       "group_version_id, position"},
      {"column_tags",
       {{"entity_id", true}, {"column_id", true}, {"position", true}, {"tag", false}},
       "entity_id, column_id, position"},
      {"runs",
       {{"id", true},
        {"group_version_id", true},
        {"run_id", false},
        {"time_taken", true},
        {"count", true},
        {"sample_data", false},
        {"error_message", false},
        {"status", false},
        {"created_at", true}},
       "id"},
      // Migration 0002; optional in a document (backups made before it have none).
      {"consumer_topics",
       {{"tenant_name", false},
        {"topic_name", false},
        {"num_partitions", true},
        {"num_consumers", true},
        {"updated_at", true}},
       "tenant_name",
       /*optional=*/true},
  };
  return tables;
}

// The SELECT and INSERT text of each table, built once: Connection::Prepare keys its cache by the
// text's address, which these keep for the process's lifetime.
struct TableSql {
  std::string select;
  std::string insert;
};
const std::vector<TableSql>& Sql() {
  static const std::vector<TableSql> sql = [] {
    std::vector<TableSql> out;
    for (const Table& table : Tables()) {
      std::string names;
      std::string params;
      for (size_t i = 0; i < table.columns.size(); ++i) {
        names += (i ? ", " : "") + std::string(table.columns[i].name);
        params += (i ? ", ?" : "?") + std::to_string(i + 1);
      }
      out.push_back({"SELECT " + names + " FROM " + table.name + " ORDER BY " + table.order_by,
                     "INSERT INTO " + std::string(table.name) + " (" + names + ") VALUES (" + params + ")"});
    }
    return out;
  }();
  return sql;
}

constexpr const char* kReadCounter = "SELECT value FROM change_counter WHERE id = 1";
constexpr const char* kWriteCounter = "UPDATE change_counter SET value = ?1 WHERE id = 1";
constexpr const char* kCountEntities = "SELECT COUNT(*) FROM entities";
constexpr const char* kCountVersions = "SELECT COUNT(*) FROM group_versions";
constexpr const char* kCountRuns = "SELECT COUNT(*) FROM runs";

Status Bad(std::string message) {
  return Status(ErrorCode::kInvalidRequest, "not an OFS metadata backup: " + message);
}

Result<int64_t> CountOf(Connection& conn, const char* sql) {
  OFS_ASSIGN_OR_RETURN(StatementLease statement, conn.Prepare(sql));
  OFS_ASSIGN_OR_RETURN(bool row, statement->Step());
  return row ? statement->Int(0) : 0;
}

}  // namespace

Result<std::string> ExportSnapshot(Connection& conn, int64_t now_ms) {
  OFS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(&conn, Connection::TxnKind::kRead));
  std::string out;
  codec::JsonWriter json(&out);
  json.StartObject();
  json.Key("format");
  json.String(kFormat);
  json.Key("formatVersion");
  json.Int(kFormatVersion);
  json.Key("createdAt");
  json.Int(now_ms);
  json.Key("changeCounter");
  OFS_ASSIGN_OR_RETURN(int64_t counter, CountOf(conn, kReadCounter));
  json.Int(counter);
  json.Key("tables");
  json.StartObject();
  for (size_t t = 0; t < Tables().size(); ++t) {
    const Table& table = Tables()[t];
    json.Key(table.name);
    json.StartObject();
    json.Key("columns");
    json.StartArray();
    for (const Column& column : table.columns) json.String(column.name);
    json.EndArray();
    json.Key("rows");
    json.StartArray();
    OFS_ASSIGN_OR_RETURN(StatementLease statement, conn.Prepare(Sql()[t].select.c_str()));
    for (;;) {
      OFS_ASSIGN_OR_RETURN(bool row, statement->Step());
      if (!row) break;
      json.StartArray();
      for (size_t c = 0; c < table.columns.size(); ++c) {
        const int column = static_cast<int>(c);
        if (table.columns[c].integer) {
          json.Int(statement->Int(column));
        } else {
          json.String(statement->Text(column));
        }
      }
      json.EndArray();
    }
    json.EndArray();
    json.EndObject();
  }
  json.EndObject();
  json.EndObject();
  OFS_RETURN_IF_ERROR(txn.Commit());
  return out;
}

Status ImportSnapshot(Connection& conn, std::string_view document) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(document.data(), document.size()).get(root)) {
    return Bad(std::string("malformed JSON (") + simdjson::error_message(error) + ")");
  }
  std::string_view format;
  int64_t version = 0;
  int64_t counter = 0;
  simdjson::dom::object tables;
  if (root["format"].get(format) || format != kFormat) return Bad("'format' is not \"ofs-metadata-backup\"");
  if (root["formatVersion"].get(version) || version != kFormatVersion) {
    return Bad("'formatVersion' is not " + std::to_string(kFormatVersion) +
               " (a backup of another OFS version?)");
  }
  if (root["changeCounter"].get(counter) || counter < 0) return Bad("'changeCounter' is missing");
  if (root["tables"].get(tables)) return Bad("'tables' is missing");

  OFS_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(&conn, Connection::TxnKind::kWrite));
  for (const char* count : {kCountEntities, kCountVersions, kCountRuns}) {
    OFS_ASSIGN_OR_RETURN(int64_t rows, CountOf(conn, count));
    if (rows != 0) {
      return Status(ErrorCode::kInvalidRequest, "the metadata store to restore into is not empty",
                    "restore rebuilds an empty store; point --metadata at a new database or file");
    }
  }
  for (size_t t = 0; t < Tables().size(); ++t) {
    const Table& table = Tables()[t];
    const std::string where = std::string("table ") + table.name;
    simdjson::dom::object data;
    simdjson::dom::array columns;
    simdjson::dom::array rows;
    if (table.optional && tables[table.name].error() == simdjson::NO_SUCH_FIELD) continue;
    if (tables[table.name].get(data) || data["columns"].get(columns) || data["rows"].get(rows)) {
      return Bad(where + " is missing or has no columns and rows");
    }
    size_t c = 0;
    for (simdjson::dom::element column : columns) {
      std::string_view name;
      if (c >= table.columns.size() || column.get(name) || name != table.columns[c].name) {
        return Bad(where + ": its columns differ from this version's");
      }
      ++c;
    }
    if (c != table.columns.size()) return Bad(where + ": its columns differ from this version's");
    size_t r = 0;
    for (simdjson::dom::element row : rows) {
      simdjson::dom::array values;
      if (row.get(values) || values.size() != table.columns.size()) {
        return Bad(where + ", row " + std::to_string(r) + ": expected " +
                   std::to_string(table.columns.size()) + " values");
      }
      OFS_ASSIGN_OR_RETURN(StatementLease insert, conn.Prepare(Sql()[t].insert.c_str()));
      size_t i = 0;
      for (simdjson::dom::element value : values) {
        const int param = static_cast<int>(i + 1);
        if (table.columns[i].integer) {
          int64_t number = 0;
          if (value.get(number))
            return Bad(where + ", row " + std::to_string(r) + ": " + table.columns[i].name +
                       " is not an integer");
          insert->Bind(param, number);
        } else {
          std::string_view text;
          if (value.get(text))
            return Bad(where + ", row " + std::to_string(r) + ": " + table.columns[i].name +
                       " is not a string");
          insert->Bind(param, text);
        }
        ++i;
      }
      if (Status inserted = insert->Run(); !inserted.ok()) {
        conn.NoteWriteFailure(inserted);
        return Status(inserted.code(),
                      where + ", row " + std::to_string(r) + ": " + std::string(inserted.message()),
                      std::string(inserted.cause()));
      }
      ++r;
    }
  }
  {
    OFS_ASSIGN_OR_RETURN(StatementLease update, conn.Prepare(kWriteCounter));
    OFS_RETURN_IF_ERROR(update->Bind(1, counter).Run());
  }
  OFS_RETURN_IF_ERROR(txn.Commit());
  conn.NoteWriteSuccess();
  return Status::Ok();
}

}  // namespace ofs::catalog::sql
