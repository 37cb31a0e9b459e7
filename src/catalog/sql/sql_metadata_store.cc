#include "catalog/sql/sql_metadata_store.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "base/strings.h"
#include "catalog/metadata_rules.h"
#include "catalog/sql/load_job_rows.h"
#include "catalog/sql/query.h"
#include "catalog/sql/snapshot.h"

namespace ofs::catalog {
namespace {

using model::EntityMetadata;
using model::FeatureColumn;
using model::FeatureGroupMetadata;
using sql::CollectIds;
using sql::CollectStrings;
using sql::Connection;
using sql::Execute;
using sql::ForEachRow;
using sql::NoParams;
using sql::QueryInt;
using sql::Statement;
using sql::Transaction;
using TxnKind = sql::Connection::TxnKind;

// --- entities ---
constexpr const char kEntityIdByName[] = "SELECT id FROM entities WHERE name = ?1";
constexpr const char kEntityRow[] =
    "SELECT id, name, table_name, state, owner, description, ttl_seconds, created_at, updated_at"
    " FROM entities WHERE id = ?1";
constexpr const char kEntityColumns[] =
    "SELECT column_id, name, type, description FROM entity_columns WHERE entity_id = ?1 ORDER BY position";
constexpr const char kEntityColumnTags[] =
    "SELECT column_id, tag FROM column_tags WHERE entity_id = ?2"
    " AND column_id IN (SELECT column_id FROM entity_columns WHERE entity_id = ?1) ORDER BY column_id, "
    "position";
constexpr const char kEntityKeys[] = "SELECT name FROM entity_keys WHERE entity_id = ?1 ORDER BY position";
constexpr const char kEntityTags[] = "SELECT tag FROM entity_tags WHERE entity_id = ?1 ORDER BY position";
// ?1 lower-cased pattern ('' = any); ?2 / ?3 the any-of tag / owner sets as AnyOfParam() ('' = any).
constexpr const char kSearchEntities[] =
    "SELECT e.id FROM entities e"
    " WHERE (?1 = '' OR instr(lower(e.name), ?1) > 0 OR instr(lower(e.description), ?1) > 0)"
    " AND (?2 = '' OR EXISTS (SELECT 1 FROM entity_tags t WHERE t.entity_id = e.id"
    "      AND instr(?2, char(31) || lower(t.tag) || char(31)) > 0))"
    " AND (?3 = '' OR instr(?3, char(31) || lower(e.owner) || char(31)) > 0)"
    " ORDER BY e.name, e.id LIMIT ?4 OFFSET ?5";
constexpr const char kInsertEntity[] =
    "INSERT INTO entities (name, table_name, state, owner, description, ttl_seconds, next_column_id,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
constexpr const char kInsertEntityColumn[] =
    "INSERT INTO entity_columns (entity_id, position, column_id, name, type, description)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char kInsertEntityKey[] =
    "INSERT INTO entity_keys (entity_id, position, name) VALUES (?1, ?2, ?3)";
constexpr const char kInsertEntityTag[] =
    "INSERT INTO entity_tags (entity_id, position, tag) VALUES (?1, ?2, ?3)";
constexpr const char kInsertColumnTag[] =
    "INSERT INTO column_tags (entity_id, column_id, position, tag) VALUES (?1, ?2, ?3, ?4)";
constexpr const char kLiveGroupOfEntity[] =
    "SELECT id FROM group_versions WHERE entity_id = ?1 AND state = 'LIVE' LIMIT 1";
constexpr const char kUpdateEntityState[] = "UPDATE entities SET state = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char kUpdateEntityTtl[] =
    "UPDATE entities SET ttl_seconds = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char kEntityForGroup[] = "SELECT id, state, next_column_id FROM entities WHERE name = ?1";
constexpr const char kSetNextColumnId[] = "UPDATE entities SET next_column_id = ?2 WHERE id = ?1";

// Bulk listings (the catalog's reloads): every row of the entities updated since ?1, in a few statements
// whatever their number (one statement per row made a reload of a few thousand groups take seconds over
// MariaDB). Each is ordered by owner, then as its per-id twin above.
constexpr const char kEntityRowsSince[] =
    "SELECT id, name, table_name, state, owner, description, ttl_seconds, created_at, updated_at"
    " FROM entities WHERE updated_at >= ?1 ORDER BY name, id";
constexpr const char kEntityColumnsSince[] =
    "SELECT c.entity_id, c.column_id, c.name, c.type, c.description FROM entity_columns c"
    " JOIN entities e ON e.id = c.entity_id WHERE e.updated_at >= ?1 ORDER BY c.entity_id, c.position";
constexpr const char kEntityColumnTagsSince[] =
    "SELECT c.entity_id, t.column_id, t.tag FROM entities e"
    " JOIN entity_columns c ON c.entity_id = e.id"
    " JOIN column_tags t ON t.entity_id = e.id AND t.column_id = c.column_id"
    " WHERE e.updated_at >= ?1 ORDER BY c.entity_id, t.column_id, t.position";
constexpr const char kEntityKeysSince[] =
    "SELECT k.entity_id, k.name FROM entity_keys k JOIN entities e ON e.id = k.entity_id"
    " WHERE e.updated_at >= ?1 ORDER BY k.entity_id, k.position";
constexpr const char kEntityTagsSince[] =
    "SELECT t.entity_id, t.tag FROM entity_tags t JOIN entities e ON e.id = t.entity_id"
    " WHERE e.updated_at >= ?1 ORDER BY t.entity_id, t.position";

// --- feature-group versions ---
constexpr const char kLatestVersion[] =
    "SELECT id, version_number, version_enabled, entity_id, name FROM group_versions WHERE name = ?1"
    " ORDER BY version_number DESC LIMIT 1";
constexpr const char kVersionId[] = "SELECT id FROM group_versions WHERE name = ?1 AND version_number = ?2";
constexpr const char kGroupRow[] =
    "SELECT g.id, g.name, g.version_number, e.name, g.entity_id, g.group_type, g.version_enabled, g.state,"
    " g.owner, g.description, g.tenant_read, g.tenant_write, g.tenant_consume, g.created_at, g.updated_at"
    " FROM group_versions g JOIN entities e ON e.id = g.entity_id WHERE g.id = ?1";
constexpr const char kGroupColumns[] =
    "SELECT column_id, name, type, description FROM group_columns WHERE group_version_id = ?1 ORDER BY "
    "position";
constexpr const char kGroupColumnTags[] =
    "SELECT column_id, tag FROM column_tags WHERE entity_id = ?2"
    " AND column_id IN (SELECT column_id FROM group_columns WHERE group_version_id = ?1)"
    " ORDER BY column_id, position";
constexpr const char kGroupTags[] =
    "SELECT tag FROM group_tags WHERE group_version_id = ?1 ORDER BY position";
constexpr const char kGroupRowsSince[] =
    "SELECT g.id, g.name, g.version_number, e.name, g.entity_id, g.group_type, g.version_enabled, g.state,"
    " g.owner, g.description, g.tenant_read, g.tenant_write, g.tenant_consume, g.created_at, g.updated_at"
    " FROM group_versions g JOIN entities e ON e.id = g.entity_id WHERE g.updated_at >= ?1"
    " ORDER BY g.name, g.version_number";
constexpr const char kGroupColumnsSince[] =
    "SELECT c.group_version_id, c.column_id, c.name, c.type, c.description FROM group_columns c"
    " JOIN group_versions g ON g.id = c.group_version_id WHERE g.updated_at >= ?1"
    " ORDER BY c.group_version_id, c.position";
constexpr const char kGroupColumnTagsSince[] =
    "SELECT c.group_version_id, t.column_id, t.tag FROM group_versions g"
    " JOIN group_columns c ON c.group_version_id = g.id"
    " JOIN column_tags t ON t.entity_id = g.entity_id AND t.column_id = c.column_id"
    " WHERE g.updated_at >= ?1 ORDER BY c.group_version_id, t.column_id, t.position";
constexpr const char kGroupTagsSince[] =
    "SELECT t.group_version_id, t.tag FROM group_tags t JOIN group_versions g ON g.id = t.group_version_id"
    " WHERE g.updated_at >= ?1 ORDER BY t.group_version_id, t.position";
constexpr const char kVersionsOfGroup[] =
    "SELECT id FROM group_versions WHERE name = ?1 ORDER BY version_number";
constexpr const char kVersionHeadsSince[] =
    "SELECT name, version_number, created_at FROM group_versions g"
    " WHERE version_number = (SELECT MAX(version_number) FROM group_versions h WHERE h.name = g.name)"
    " AND created_at >= ?1 ORDER BY name";
constexpr const char kVersionHead[] =
    "SELECT name, version_number, created_at FROM group_versions WHERE name = ?1"
    " ORDER BY version_number DESC LIMIT 1";
constexpr const char kSearchGroups[] =
    "SELECT g.id FROM group_versions g"
    " WHERE (?1 = '' OR instr(lower(g.name), ?1) > 0 OR instr(lower(g.description), ?1) > 0)"
    " AND (?2 = '' OR EXISTS (SELECT 1 FROM group_tags t WHERE t.group_version_id = g.id"
    "      AND instr(?2, char(31) || lower(t.tag) || char(31)) > 0))"
    " AND (?3 = '' OR instr(?3, char(31) || lower(g.owner) || char(31)) > 0)"
    " ORDER BY g.name, g.version_number LIMIT ?4 OFFSET ?5";
constexpr const char kInsertGroup[] =
    "INSERT INTO group_versions (name, version_number, entity_id, group_type, version_enabled, state, owner,"
    " description, tenant_read, tenant_write, tenant_consume, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)";
constexpr const char kInsertGroupColumn[] =
    "INSERT INTO group_columns (group_version_id, position, column_id, name, type, description)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char kInsertGroupTag[] =
    "INSERT INTO group_tags (group_version_id, position, tag) VALUES (?1, ?2, ?3)";
constexpr const char kUpdateGroupState[] =
    "UPDATE group_versions SET state = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char kUpdateGroupTenant[] =
    "UPDATE group_versions SET tenant_read = ?2, tenant_write = ?3, tenant_consume = ?4, updated_at = ?5"
    " WHERE id = ?1";
constexpr const char kMoveReadTenant[] =
    "UPDATE group_versions SET tenant_read = ?2, updated_at = ?3 WHERE tenant_read = ?1";
constexpr const char kMoveWriteTenant[] =
    "UPDATE group_versions SET tenant_write = ?2, updated_at = ?3 WHERE tenant_write = ?1";
constexpr const char kMoveConsumeTenant[] =
    "UPDATE group_versions SET tenant_consume = ?2, updated_at = ?3 WHERE tenant_consume = ?1";

// --- runs, counter, health ---
constexpr const char kInsertRun[] =
    "INSERT INTO runs (group_version_id, run_id, time_taken, count, sample_data, error_message, status,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char kRunsOfVersion[] =
    "SELECT g.name, g.version_number, r.run_id, r.time_taken, r.count, r.sample_data, r.error_message, "
    "r.status,"
    " r.created_at FROM runs r JOIN group_versions g ON g.id = r.group_version_id"
    " WHERE r.group_version_id = ?1 ORDER BY r.created_at DESC, r.id DESC LIMIT ?2";
// --- consume tenants' topics ---
constexpr const char kConsumerTopics[] =
    "SELECT tenant_name, topic_name, num_partitions, num_consumers, updated_at FROM consumer_topics"
    " ORDER BY tenant_name";
constexpr const char kConsumerTopicExists[] = "SELECT 1 FROM consumer_topics WHERE tenant_name = ?1";
constexpr const char kInsertConsumerTopic[] =
    "INSERT INTO consumer_topics (tenant_name, topic_name, num_partitions, num_consumers, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char kUpdateConsumerTopic[] =
    "UPDATE consumer_topics SET topic_name = ?2, num_partitions = ?3, num_consumers = ?4, updated_at = ?5"
    " WHERE tenant_name = ?1";
constexpr const char kBumpChangeCounter[] = "UPDATE change_counter SET value = value + 1 WHERE id = 1";
constexpr const char kChangeCounter[] = "SELECT value FROM change_counter WHERE id = 1";
constexpr const char kHealth[] = "SELECT 1";

// Runs fn() -> Status | Result<T> in one transaction; `catalog_change` also bumps the change counter
// (every write of catalog metadata; run records are not part of the catalog). Any error rolls
// everything back.
const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const Result<T>& result) {
  return result.status();
}

// A write that fails because of the database itself is remembered for Health(); it is classified at
// once, before the rollback replaces SQLite's last error.
template <typename Fn>
auto InTransaction(Connection& conn, TxnKind kind, bool catalog_change, Fn&& fn) -> decltype(fn()) {
  const bool write = kind == TxnKind::kWrite || kind == TxnKind::kRowLocks;
  const auto failed = [&](const Status& status) {
    if (write) conn.NoteWriteFailure(status);
  };
  Result<Transaction> txn = Transaction::Begin(&conn, kind);
  if (!txn.ok()) {
    failed(txn.status());
    return txn.status();
  }
  auto result = fn();
  if (!result.ok()) {
    failed(StatusOf(result));
    return result;
  }
  if (catalog_change) {
    Status bumped = Execute(conn, kBumpChangeCounter, NoParams);
    if (!bumped.ok()) {
      failed(bumped);
      return bumped;
    }
  }
  Status committed = txn->Commit();
  if (!committed.ok()) {
    failed(committed);
    return committed;
  }
  if (write) conn.NoteWriteSuccess();
  return result;
}

template <typename Fn>
auto Read(Connection& conn, Fn&& fn) {
  return InTransaction(conn, TxnKind::kRead, false, std::forward<Fn>(fn));
}

template <typename Fn>
auto Write(Connection& conn, Fn&& fn) {
  return InTransaction(conn, TxnKind::kWrite, true, std::forward<Fn>(fn));
}

// A write that changes no catalog metadata (run records).
template <typename Fn>
auto WriteData(Connection& conn, Fn&& fn) {
  return InTransaction(conn, TxnKind::kWrite, false, std::forward<Fn>(fn));
}

// A write of rows many workers claim (load jobs): locks only those rows.
template <typename Fn>
auto WriteRows(Connection& conn, Fn&& fn) {
  return InTransaction(conn, TxnKind::kRowLocks, false, std::forward<Fn>(fn));
}

// ---------------------------------------------------------------------------------------------------
// Value mapping.

Status Corrupt(std::string what) {
  return Status(ErrorCode::kMetastoreUnavailable, "the metadata store holds an invalid value",
                std::move(what));
}

Status ParseState(const std::string& text, model::State* out) {
  std::optional<model::State> state = model::ParseState(text);
  if (!state) return Corrupt("state '" + text + "'");
  *out = *state;
  return Status::Ok();
}

// Parameters are lower-cased ASCII-only, like SQLite's lower() without ICU, so both sides of instr() agree.
// The any-of set as one parameter: "\x1f" a "\x1f" b "\x1f" (lower-cased); "" when the set is empty.
std::string AnyOfParam(const std::vector<std::string>& values) {
  if (values.empty()) return {};
  std::string out = "\x1f";
  for (const std::string& v : values) out.append(ToLowerAscii(v)).push_back('\x1f');
  return out;
}

void BindSearch(Statement& s, const SearchQuery& q) {
  s.Bind(1, ToLowerAscii(q.pattern)).Bind(2, AnyOfParam(q.tags)).Bind(3, AnyOfParam(q.owners));
  s.Bind(4, q.limit).Bind(5, q.offset);
}

// ---------------------------------------------------------------------------------------------------
// Columns and tags (shared by entities and group versions).

// Appends the column of a row selecting column_id, name, type, description from position `first` on.
Status ParseColumn(Statement& s, int first, std::vector<FeatureColumn>* columns) {
  std::optional<model::DataType> type = model::ParseDataType(s.Text(first + 2));
  if (!type) return Corrupt("column type '" + s.Text(first + 2) + "'");
  columns->push_back(
      FeatureColumn{static_cast<uint32_t>(s.Int(first)), s.Text(first + 1), *type, s.Text(first + 3), {}});
  return Status::Ok();
}

// Adds `tag` to the column numbered `column_id` of `columns` (none: ignored).
void AddColumnTag(std::vector<FeatureColumn>& columns, uint32_t column_id, std::string tag) {
  auto it =
      std::find_if(columns.begin(), columns.end(), [&](const FeatureColumn& c) { return c.id == column_id; });
  if (it != columns.end()) it->tags.push_back(std::move(tag));
}

// Reads the columns of `owner_id` (entity or group version) with their tags; column tags are keyed by
// the entity's id space.
Result<std::vector<FeatureColumn>> ReadColumns(Connection& conn, const char* columns_sql,
                                               const char* tags_sql, int64_t owner_id, int64_t entity_id) {
  std::vector<FeatureColumn> columns;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, columns_sql, [&](Statement& s) { s.Bind(1, owner_id); },
      [&](Statement& s) { return ParseColumn(s, 0, &columns); }));
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, tags_sql, [&](Statement& s) { s.Bind(1, owner_id).Bind(2, entity_id); },
      [&](Statement& s) {
        AddColumnTag(columns, static_cast<uint32_t>(s.Int(0)), s.Text(1));
        return Status::Ok();
      }));
  return columns;
}

// Inserts (owner_id, position, value) rows: tags and primary-key names in list order.
Status InsertStrings(Connection& conn, const char* sql, int64_t owner_id,
                     const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    OFS_RETURN_IF_ERROR(Execute(
        conn, sql, [&](Statement& s) { s.Bind(1, owner_id).Bind(2, int64_t(i)).Bind(3, values[i]); }));
  }
  return Status::Ok();
}

// Inserts `columns` for `owner_id` in declared order with ids first_id, first_id + 1, ...
Status InsertColumns(Connection& conn, const char* sql, int64_t owner_id, int64_t entity_id, int64_t first_id,
                     const std::vector<FeatureColumn>& columns) {
  for (size_t i = 0; i < columns.size(); ++i) {
    const FeatureColumn& c = columns[i];
    int64_t column_id = first_id + static_cast<int64_t>(i);
    OFS_RETURN_IF_ERROR(Execute(conn, sql, [&](Statement& s) {
      s.Bind(1, owner_id).Bind(2, int64_t(i)).Bind(3, column_id).Bind(4, c.name);
      s.Bind(5, model::DataTypeName(c.type)).Bind(6, c.description);
    }));
    for (size_t t = 0; t < c.tags.size(); ++t) {
      OFS_RETURN_IF_ERROR(Execute(conn, kInsertColumnTag, [&](Statement& s) {
        s.Bind(1, entity_id).Bind(2, column_id).Bind(3, int64_t(t)).Bind(4, c.tags[t]);
      }));
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------
// Entities.

Result<int64_t> EntityIdByName(Connection& conn, std::string_view name) {
  OFS_ASSIGN_OR_RETURN(std::optional<int64_t> id,
                       QueryInt(conn, kEntityIdByName, [&](Statement& s) { s.Bind(1, name); }));
  if (!id) return Result<int64_t>(ErrorCode::kEntityNotFound, "entity " + std::string(name) + " not found");
  return *id;
}

// An entities row as kEntityRow and kEntityRowsSince select it.
Status ParseEntityRow(Statement& s, EntityMetadata* e) {
  e->id = s.Int(0);
  e->name = s.Text(1);
  e->entity.table_name = s.Text(2);
  OFS_RETURN_IF_ERROR(ParseState(s.Text(3), &e->state));
  e->owner = s.Text(4);
  e->description = s.Text(5);
  e->entity.ttl_seconds = s.Int(6);
  e->created_at = s.Int(7);
  e->updated_at = s.Int(8);
  return Status::Ok();
}

Status ReadEntityRow(Connection& conn, int64_t id, EntityMetadata* e) {
  bool found = false;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, kEntityRow, [&](Statement& s) { s.Bind(1, id); },
      [&](Statement& s) {
        found = true;
        return ParseEntityRow(s, e);
      }));
  if (!found)
    return Status(ErrorCode::kEntityNotFound, "entity with id " + std::to_string(id) + " not found");
  return Status::Ok();
}

Result<EntityMetadata> LoadEntity(Connection& conn, int64_t id) {
  EntityMetadata e;
  OFS_RETURN_IF_ERROR(ReadEntityRow(conn, id, &e));
  OFS_ASSIGN_OR_RETURN(e.entity.features, ReadColumns(conn, kEntityColumns, kEntityColumnTags, id, id));
  OFS_ASSIGN_OR_RETURN(e.entity.primary_keys, CollectStrings(conn, kEntityKeys, id));
  OFS_ASSIGN_OR_RETURN(e.tags, CollectStrings(conn, kEntityTags, id));
  return e;
}

// Loads every id with `load` (LoadEntity, LoadGroup), in order.
template <typename T, typename Load>
Result<std::vector<T>> LoadAll(Connection& conn, const std::vector<int64_t>& ids, Load load) {
  std::vector<T> out;
  out.reserve(ids.size());
  for (int64_t id : ids) {
    auto item = load(conn, id);
    if (!item.ok()) return std::move(item).TakeStatus();
    out.push_back(std::move(item).value());
  }
  return out;
}

Result<std::vector<EntityMetadata>> LoadEntities(Connection& conn, const std::vector<int64_t>& ids) {
  return LoadAll<EntityMetadata>(conn, ids, LoadEntity);
}

Result<EntityMetadata> InsertEntity(Connection& conn, const EntityMetadata& e, int64_t now_ms) {
  OFS_ASSIGN_OR_RETURN(std::optional<int64_t> existing,
                       QueryInt(conn, kEntityIdByName, [&](Statement& s) { s.Bind(1, e.name); }));
  if (existing)
    return Result<EntityMetadata>(ErrorCode::kEntityAlreadyExists, "entity " + e.name + " already exists");
  const std::vector<FeatureColumn>& columns = e.entity.features;
  const rules::ColumnIds ids = rules::EntityColumnIds(columns.size());
  OFS_RETURN_IF_ERROR(Execute(conn, kInsertEntity, [&](Statement& s) {
    s.Bind(1, e.name).Bind(2, e.entity.table_name).Bind(3, model::StateName(e.state)).Bind(4, e.owner);
    s.Bind(5, e.description).Bind(6, e.entity.ttl_seconds).Bind(7, ids.next_free).Bind(8, now_ms);
  }));
  int64_t id = conn.LastInsertId();
  OFS_RETURN_IF_ERROR(InsertColumns(conn, kInsertEntityColumn, id, id, ids.first, columns));
  OFS_RETURN_IF_ERROR(InsertStrings(conn, kInsertEntityKey, id, e.entity.primary_keys));
  OFS_RETURN_IF_ERROR(InsertStrings(conn, kInsertEntityTag, id, e.tags));
  return LoadEntity(conn, id);
}

// ---------------------------------------------------------------------------------------------------
// Feature-group versions.

struct LatestVersion {
  int64_t id = 0;
  int64_t number = 0;
  bool version_enabled = true;
  int64_t entity_id = 0;
  std::string name;  // as first written
};

Result<std::optional<LatestVersion>> FindLatestVersion(Connection& conn, std::string_view name) {
  std::optional<LatestVersion> latest;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, kLatestVersion, [&](Statement& s) { s.Bind(1, name); },
      [&](Statement& s) {
        latest = LatestVersion{s.Int(0), s.Int(1), s.Int(2) != 0, s.Int(3), s.Text(4)};
        return Status::Ok();
      }));
  return latest;
}

// The id of version `version` of group `name` (nullopt or "" = the latest).
Result<int64_t> GroupVersionId(Connection& conn, std::string_view name,
                               std::optional<std::string_view> version) {
  OFS_ASSIGN_OR_RETURN(std::optional<LatestVersion> latest, FindLatestVersion(conn, name));
  if (!latest) {
    return Result<int64_t>(ErrorCode::kFeatureGroupNotFound,
                           "feature group " + std::string(name) + " not found");
  }
  if (!version || version->empty()) return latest->id;
  std::optional<int64_t> number = model::ParseVersion(*version);
  std::optional<int64_t> id;
  if (number) {
    OFS_ASSIGN_OR_RETURN(id,
                         QueryInt(conn, kVersionId, [&](Statement& s) { s.Bind(1, name).Bind(2, *number); }));
  }
  if (!id) {
    return Result<int64_t>(ErrorCode::kFeatureGroupVersionNotFound,
                           "feature group " + latest->name + " has no version " + std::string(*version));
  }
  return *id;
}

// Reads the group_versions row; sets *entity_id to the version's entity.
// A group_versions row as kGroupRow and kGroupRowsSince select it; *entity_id is the version's entity.
Status ParseGroupRow(Statement& s, FeatureGroupMetadata* g, int64_t* entity_id) {
  g->id = s.Int(0);
  g->name = s.Text(1);
  g->version = model::VersionName(s.Int(2));
  g->feature_group.feature_group_name = g->name;
  g->feature_group.entity_name = s.Text(3);
  *entity_id = s.Int(4);
  std::optional<model::FeatureGroupType> type = model::ParseFeatureGroupType(s.Text(5));
  if (!type) return Corrupt("feature group type '" + s.Text(5) + "'");
  g->feature_group.feature_group_type = *type;
  g->feature_group.version_enabled = s.Int(6) != 0;
  OFS_RETURN_IF_ERROR(ParseState(s.Text(7), &g->state));
  g->owner = s.Text(8);
  g->description = s.Text(9);
  g->tenant = model::TenantConfig{s.Text(10), s.Text(11), s.Text(12)};
  g->created_at = s.Int(13);
  g->updated_at = s.Int(14);
  return Status::Ok();
}

Status ReadGroupRow(Connection& conn, int64_t id, FeatureGroupMetadata* g, int64_t* entity_id) {
  bool found = false;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, kGroupRow, [&](Statement& s) { s.Bind(1, id); },
      [&](Statement& s) {
        found = true;
        return ParseGroupRow(s, g, entity_id);
      }));
  if (!found) return Corrupt("feature group version id " + std::to_string(id) + " vanished");
  return Status::Ok();
}

Result<FeatureGroupMetadata> LoadGroup(Connection& conn, int64_t id) {
  FeatureGroupMetadata g;
  int64_t entity_id = 0;
  OFS_RETURN_IF_ERROR(ReadGroupRow(conn, id, &g, &entity_id));
  OFS_ASSIGN_OR_RETURN(g.feature_group.features,
                       ReadColumns(conn, kGroupColumns, kGroupColumnTags, id, entity_id));
  OFS_ASSIGN_OR_RETURN(g.tags, CollectStrings(conn, kGroupTags, id));
  return g;
}

Result<std::vector<FeatureGroupMetadata>> LoadGroups(Connection& conn, const std::vector<int64_t>& ids) {
  return LoadAll<FeatureGroupMetadata>(conn, ids, LoadGroup);
}

// Runs `sql` (bound to since_ms) and hands each row to `on_row` with the item its column 0 names (an id in
// `index`); rows of items not in `index` (created since the first statement) are skipped.
template <typename T, typename OnRow>
Status ForEachOwnedRow(Connection& conn, const char* sql, int64_t since_ms,
                       const std::unordered_map<int64_t, size_t>& index, std::vector<T>& items,
                       OnRow&& on_row) {
  return ForEachRow(
      conn, sql, [&](Statement& s) { s.Bind(1, since_ms); },
      [&](Statement& s) -> Status {
        auto it = index.find(s.Int(0));
        if (it == index.end()) return Status::Ok();
        return on_row(s, items[it->second]);
      });
}

// Every entity updated since `since_ms` (0: all), with columns, column tags, keys and tags: five statements.
Result<std::vector<EntityMetadata>> LoadEntitiesSince(Connection& conn, int64_t since_ms) {
  std::vector<EntityMetadata> entities;
  std::unordered_map<int64_t, size_t> index;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, kEntityRowsSince, [&](Statement& s) { s.Bind(1, since_ms); },
      [&](Statement& s) {
        EntityMetadata& e = entities.emplace_back();
        OFS_RETURN_IF_ERROR(ParseEntityRow(s, &e));
        index.emplace(e.id, entities.size() - 1);
        return Status::Ok();
      }));
  OFS_RETURN_IF_ERROR(
      ForEachOwnedRow(conn, kEntityColumnsSince, since_ms, index, entities,
                      [](Statement& s, EntityMetadata& e) { return ParseColumn(s, 1, &e.entity.features); }));
  OFS_RETURN_IF_ERROR(ForEachOwnedRow(
      conn, kEntityColumnTagsSince, since_ms, index, entities, [](Statement& s, EntityMetadata& e) {
        AddColumnTag(e.entity.features, static_cast<uint32_t>(s.Int(1)), s.Text(2));
        return Status::Ok();
      }));
  OFS_RETURN_IF_ERROR(
      ForEachOwnedRow(conn, kEntityKeysSince, since_ms, index, entities, [](Statement& s, EntityMetadata& e) {
        e.entity.primary_keys.push_back(s.Text(1));
        return Status::Ok();
      }));
  OFS_RETURN_IF_ERROR(
      ForEachOwnedRow(conn, kEntityTagsSince, since_ms, index, entities, [](Statement& s, EntityMetadata& e) {
        e.tags.push_back(s.Text(1));
        return Status::Ok();
      }));
  return entities;
}

// Every group version updated since `since_ms` (0: all), with columns, column tags and tags: four statements.
Result<std::vector<FeatureGroupMetadata>> LoadGroupsSince(Connection& conn, int64_t since_ms) {
  std::vector<FeatureGroupMetadata> groups;
  std::unordered_map<int64_t, size_t> index;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, kGroupRowsSince, [&](Statement& s) { s.Bind(1, since_ms); },
      [&](Statement& s) {
        FeatureGroupMetadata& g = groups.emplace_back();
        int64_t entity_id = 0;
        OFS_RETURN_IF_ERROR(ParseGroupRow(s, &g, &entity_id));
        index.emplace(g.id, groups.size() - 1);
        return Status::Ok();
      }));
  OFS_RETURN_IF_ERROR(ForEachOwnedRow(
      conn, kGroupColumnsSince, since_ms, index, groups,
      [](Statement& s, FeatureGroupMetadata& g) { return ParseColumn(s, 1, &g.feature_group.features); }));
  OFS_RETURN_IF_ERROR(ForEachOwnedRow(
      conn, kGroupColumnTagsSince, since_ms, index, groups, [](Statement& s, FeatureGroupMetadata& g) {
        AddColumnTag(g.feature_group.features, static_cast<uint32_t>(s.Int(1)), s.Text(2));
        return Status::Ok();
      }));
  OFS_RETURN_IF_ERROR(ForEachOwnedRow(conn, kGroupTagsSince, since_ms, index, groups,
                                      [](Statement& s, FeatureGroupMetadata& g) {
                                        g.tags.push_back(s.Text(1));
                                        return Status::Ok();
                                      }));
  return groups;
}

struct EntityForGroup {
  int64_t id = 0;
  int64_t next_column_id = 0;
};

// The entity a new group version attaches to: ENTITY-NOT-FOUND-EXCEPTION / ENTITY-STATE-EXCEPTION.
Result<EntityForGroup> EntityAcceptingGroups(Connection& conn, std::string_view name) {
  std::optional<EntityForGroup> entity;
  model::State state = model::State::kLive;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, kEntityForGroup, [&](Statement& s) { s.Bind(1, name); },
      [&](Statement& s) {
        entity = EntityForGroup{s.Int(0), s.Int(2)};
        return ParseState(s.Text(1), &state);
      }));
  if (!entity)
    return Result<EntityForGroup>(ErrorCode::kEntityNotFound, "entity " + std::string(name) + " not found");
  if (state == model::State::kArchived) {
    return Result<EntityForGroup>(ErrorCode::kEntityState, "entity " + std::string(name) + " is archived");
  }
  return *entity;
}

Result<FeatureGroupMetadata> InsertGroupVersion(Connection& conn, const FeatureGroupMetadata& g, bool upgrade,
                                                int64_t now_ms) {
  const model::FeatureGroup& fg = g.feature_group;
  std::string_view requested =
      g.name.empty() ? std::string_view(fg.feature_group_name) : std::string_view(g.name);
  OFS_ASSIGN_OR_RETURN(EntityForGroup entity, EntityAcceptingGroups(conn, fg.entity_name));
  OFS_ASSIGN_OR_RETURN(std::optional<LatestVersion> latest, FindLatestVersion(conn, requested));
  std::optional<rules::LatestVersion> head;
  if (latest)
    head = rules::LatestVersion{latest->number, latest->version_enabled, latest->entity_id, latest->name};
  OFS_ASSIGN_OR_RETURN(rules::NewVersion version, rules::NextVersion(head, upgrade, requested, entity.id));
  OFS_RETURN_IF_ERROR(Execute(conn, kInsertGroup, [&](Statement& s) {
    s.Bind(1, version.name).Bind(2, version.number).Bind(3, entity.id);
    s.Bind(4, model::FeatureGroupTypeName(fg.feature_group_type)).Bind(5, int64_t{fg.version_enabled});
    s.Bind(6, model::StateName(g.state)).Bind(7, g.owner).Bind(8, g.description);
    s.Bind(9, g.tenant.read).Bind(10, g.tenant.write).Bind(11, g.tenant.consume).Bind(12, now_ms);
  }));
  int64_t id = conn.LastInsertId();
  const rules::ColumnIds ids = rules::GroupColumnIds(entity.next_column_id, fg.features.size());
  OFS_RETURN_IF_ERROR(InsertColumns(conn, kInsertGroupColumn, id, entity.id, ids.first, fg.features));
  OFS_RETURN_IF_ERROR(
      Execute(conn, kSetNextColumnId, [&](Statement& s) { s.Bind(1, entity.id).Bind(2, ids.next_free); }));
  OFS_RETURN_IF_ERROR(InsertStrings(conn, kInsertGroupTag, id, g.tags));
  return LoadGroup(conn, id);
}

model::FeatureGroupVersion ReadHead(Statement& s) {
  return model::FeatureGroupVersion{s.Text(0), model::VersionName(s.Int(1)), s.Int(2)};
}

const char* MoveTenantSql(std::string_view kind) {
  if (EqualsIgnoreCase(kind, "read")) return kMoveReadTenant;
  if (EqualsIgnoreCase(kind, "write")) return kMoveWriteTenant;
  if (EqualsIgnoreCase(kind, "consume")) return kMoveConsumeTenant;
  return nullptr;
}

model::RunRecord ReadRun(Statement& s) {
  return model::RunRecord{
      s.Text(0), model::VersionName(s.Int(1)), s.Text(2), s.Int(3), s.Int(4), s.Text(5), s.Text(6), s.Text(7),
      s.Int(8)};
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

SqlMetadataStore::SqlMetadataStore(std::unique_ptr<sql::Connection> conn) : conn_(std::move(conn)) {}

SqlMetadataStore::~SqlMetadataStore() = default;

Result<EntityMetadata> SqlMetadataStore::CreateEntity(const EntityMetadata& entity, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return Write(*conn_, [&] { return InsertEntity(*conn_, entity, now_ms); });
}

Result<EntityMetadata> SqlMetadataStore::GetEntity(std::string_view name) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() -> Result<EntityMetadata> {
    OFS_ASSIGN_OR_RETURN(int64_t id, EntityIdByName(*conn_, name));
    return LoadEntity(*conn_, id);
  });
}

Result<EntityMetadata> SqlMetadataStore::GetEntityById(int64_t id) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&] { return LoadEntity(*conn_, id); });
}

Result<std::vector<EntityMetadata>> SqlMetadataStore::ListEntities(int64_t since_ms) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&] { return LoadEntitiesSince(*conn_, since_ms); });
}

Status SqlMetadataStore::SetEntityState(std::string_view name, model::State state, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return Write(*conn_, [&]() -> Status {
    OFS_ASSIGN_OR_RETURN(int64_t id, EntityIdByName(*conn_, name));
    if (state == model::State::kArchived) {
      OFS_ASSIGN_OR_RETURN(std::optional<int64_t> live,
                           QueryInt(*conn_, kLiveGroupOfEntity, [&](Statement& s) { s.Bind(1, id); }));
      if (live) {
        return Status(
            ErrorCode::kUpdateEntityRequest,
            "entity " + std::string(name) + " is used by a live feature group; archive the group first");
      }
    }
    return Execute(*conn_, kUpdateEntityState,
                   [&](Statement& s) { s.Bind(1, id).Bind(2, model::StateName(state)).Bind(3, now_ms); });
  });
}

Status SqlMetadataStore::SetEntityTtl(std::string_view name, int64_t ttl_seconds, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return Write(*conn_, [&]() -> Status {
    OFS_ASSIGN_OR_RETURN(int64_t id, EntityIdByName(*conn_, name));
    return Execute(*conn_, kUpdateEntityTtl,
                   [&](Statement& s) { s.Bind(1, id).Bind(2, ttl_seconds).Bind(3, now_ms); });
  });
}

Result<std::vector<EntityMetadata>> SqlMetadataStore::SearchEntities(const SearchQuery& query) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() -> Result<std::vector<EntityMetadata>> {
    OFS_ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                         CollectIds(*conn_, kSearchEntities, [&](Statement& s) { BindSearch(s, query); }));
    return LoadEntities(*conn_, ids);
  });
}

Result<FeatureGroupMetadata> SqlMetadataStore::CreateFeatureGroup(const FeatureGroupMetadata& group,
                                                                  bool upgrade, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return Write(*conn_, [&] { return InsertGroupVersion(*conn_, group, upgrade, now_ms); });
}

Result<FeatureGroupMetadata> SqlMetadataStore::GetFeatureGroup(std::string_view name,
                                                               std::optional<std::string_view> version) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() -> Result<FeatureGroupMetadata> {
    OFS_ASSIGN_OR_RETURN(int64_t id, GroupVersionId(*conn_, name, version));
    return LoadGroup(*conn_, id);
  });
}

Result<std::vector<FeatureGroupMetadata>> SqlMetadataStore::ListFeatureGroups(int64_t since_ms) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&] { return LoadGroupsSince(*conn_, since_ms); });
}

Result<std::vector<FeatureGroupMetadata>> SqlMetadataStore::ListFeatureGroupVersions(std::string_view name) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() -> Result<std::vector<FeatureGroupMetadata>> {
    OFS_ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                         CollectIds(*conn_, kVersionsOfGroup, [&](Statement& s) { s.Bind(1, name); }));
    if (ids.empty()) {
      return Result<std::vector<FeatureGroupMetadata>>(ErrorCode::kFeatureGroupNotFound,
                                                       "feature group " + std::string(name) + " not found");
    }
    return LoadGroups(*conn_, ids);
  });
}

Result<std::vector<model::FeatureGroupVersion>> SqlMetadataStore::ListVersionHeads(int64_t since_ms) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() -> Result<std::vector<model::FeatureGroupVersion>> {
    std::vector<model::FeatureGroupVersion> heads;
    OFS_RETURN_IF_ERROR(ForEachRow(
        *conn_, kVersionHeadsSince, [&](Statement& s) { s.Bind(1, since_ms); },
        [&](Statement& s) {
          heads.push_back(ReadHead(s));
          return Status::Ok();
        }));
    return heads;
  });
}

Result<model::FeatureGroupVersion> SqlMetadataStore::GetVersionHead(std::string_view name) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() -> Result<model::FeatureGroupVersion> {
    std::optional<model::FeatureGroupVersion> head;
    OFS_RETURN_IF_ERROR(ForEachRow(
        *conn_, kVersionHead, [&](Statement& s) { s.Bind(1, name); },
        [&](Statement& s) {
          head = ReadHead(s);
          return Status::Ok();
        }));
    if (!head) {
      return Result<model::FeatureGroupVersion>(ErrorCode::kFeatureGroupNotFound,
                                                "feature group " + std::string(name) + " not found");
    }
    return *std::move(head);
  });
}

Status SqlMetadataStore::SetFeatureGroupState(std::string_view name, std::optional<std::string_view> version,
                                              model::State state, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return Write(*conn_, [&]() -> Status {
    OFS_ASSIGN_OR_RETURN(int64_t id, GroupVersionId(*conn_, name, version));
    return Execute(*conn_, kUpdateGroupState,
                   [&](Statement& s) { s.Bind(1, id).Bind(2, model::StateName(state)).Bind(3, now_ms); });
  });
}

Status SqlMetadataStore::SetFeatureGroupTenant(std::string_view name, std::optional<std::string_view> version,
                                               const model::TenantConfig& tenant, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return Write(*conn_, [&]() -> Status {
    OFS_ASSIGN_OR_RETURN(int64_t id, GroupVersionId(*conn_, name, version));
    return Execute(*conn_, kUpdateGroupTenant, [&](Statement& s) {
      s.Bind(1, id).Bind(2, tenant.read).Bind(3, tenant.write).Bind(4, tenant.consume).Bind(5, now_ms);
    });
  });
}

Result<int64_t> SqlMetadataStore::MoveTenant(std::string_view kind, std::string_view from,
                                             std::string_view to, int64_t now_ms) {
  const char* sql = MoveTenantSql(kind);
  if (sql == nullptr) {
    return Result<int64_t>(ErrorCode::kInvalidRequest,
                           "tenant type must be read, write or consume, not '" + std::string(kind) + "'");
  }
  if (from == to) return int64_t{0};
  std::lock_guard lock(mu_);
  return Write(*conn_, [&]() -> Result<int64_t> {
    OFS_RETURN_IF_ERROR(
        Execute(*conn_, sql, [&](Statement& s) { s.Bind(1, from).Bind(2, to).Bind(3, now_ms); }));
    return conn_->Changes();
  });
}

Result<std::vector<FeatureGroupMetadata>> SqlMetadataStore::SearchFeatureGroups(const SearchQuery& query) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() -> Result<std::vector<FeatureGroupMetadata>> {
    OFS_ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                         CollectIds(*conn_, kSearchGroups, [&](Statement& s) { BindSearch(s, query); }));
    return LoadGroups(*conn_, ids);
  });
}

Status SqlMetadataStore::AddRun(const model::RunRecord& run) {
  std::lock_guard lock(mu_);
  return WriteData(*conn_, [&]() -> Status {
    OFS_ASSIGN_OR_RETURN(int64_t id,
                         GroupVersionId(*conn_, run.feature_group_name, run.feature_group_version));
    return Execute(*conn_, kInsertRun, [&](Statement& s) {
      s.Bind(1, id).Bind(2, run.run_id).Bind(3, run.time_taken).Bind(4, run.count).Bind(5, run.sample_data);
      s.Bind(6, run.error_message).Bind(7, run.status).Bind(8, run.created_at);
    });
  });
}

namespace {

// The run record of a load job that ended (docs/ingestion.md, "Load jobs"): SUCCESS, PARTIAL when rows
// failed, FAILED. A group version removed since is no reason to fail the job's transaction.
Status AddLoadRun(Connection& conn, const model::LoadJob& job) {
  Result<int64_t> id = GroupVersionId(conn, job.group_name, job.group_version);
  if (!id.ok()) {
    const ErrorCode code = id.status().code();
    if (code == ErrorCode::kFeatureGroupNotFound || code == ErrorCode::kFeatureGroupVersionNotFound) {
      return Status::Ok();
    }
    return id.status();
  }
  const bool failed = job.state == model::kLoadFailed;
  const std::string status = failed ? "FAILED" : job.rows_failed > 0 ? "PARTIAL" : "SUCCESS";
  // A job that succeeded may still hold the last failure it got over (job.error): not the run's message.
  std::string message = failed ? job.error : "";
  if (!failed && job.rows_failed > 0) {
    message = std::to_string(job.rows_failed) + " rows failed; the first: " + job.error_sample;
  }
  const int64_t start = job.started_at > 0 ? job.started_at : job.created_at;
  return Execute(conn, kInsertRun, [&](Statement& s) {
    s.Bind(1, *id).Bind(2, job.run_id).Bind(3, std::max<int64_t>(0, job.finished_at - start));
    s.Bind(4, job.rows_loaded).Bind(5, std::string_view("")).Bind(6, message).Bind(7, status);
    s.Bind(8, job.finished_at);
  });
}

}  // namespace

Result<model::LoadJob> SqlMetadataStore::CreateLoadJob(const model::LoadJob& job) {
  std::lock_guard lock(mu_);
  return WriteRows(*conn_, [&]() { return sql::InsertLoadJob(*conn_, job); });
}

Result<model::LoadJob> SqlMetadataStore::GetLoadJob(int64_t id) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() { return sql::SelectLoadJob(*conn_, id); });
}

Result<std::vector<model::LoadJob>> SqlMetadataStore::ListLoadJobs(int64_t limit) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() { return sql::SelectLoadJobs(*conn_, limit); });
}

Result<std::optional<model::LoadClaim>> SqlMetadataStore::ClaimLoadWork(std::string_view worker,
                                                                        int64_t now_ms,
                                                                        int64_t lease_until_ms,
                                                                        int64_t max_attempts) {
  std::lock_guard lock(mu_);
  return WriteRows(*conn_, [&]() -> Result<std::optional<model::LoadClaim>> {
    OFS_ASSIGN_OR_RETURN(sql::ClaimOutcome outcome,
                         sql::ClaimLoadWork(*conn_, worker, now_ms, lease_until_ms, max_attempts));
    for (const sql::EndedLoadJob& ended : outcome.ended) OFS_RETURN_IF_ERROR(AddLoadRun(*conn_, ended.job));
    return std::move(outcome.claim);
  });
}

Result<bool> SqlMetadataStore::RenewLoadLease(int64_t job_id, int64_t file_no, std::string_view worker,
                                              int64_t lease_until_ms) {
  std::lock_guard lock(mu_);
  return WriteRows(*conn_,
                   [&]() { return sql::RenewLoadLease(*conn_, job_id, file_no, worker, lease_until_ms); });
}

Result<bool> SqlMetadataStore::PlanLoadJob(int64_t job_id, std::string_view worker, int64_t table_version,
                                           const std::vector<model::LoadFileEntry>& files, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return WriteRows(*conn_, [&]() -> Result<bool> {
    OFS_ASSIGN_OR_RETURN(std::optional<sql::ChangedLoadJob> changed,
                         sql::PlanLoadJob(*conn_, job_id, worker, table_version, files, now_ms));
    if (!changed) return false;
    if (changed->ended) OFS_RETURN_IF_ERROR(AddLoadRun(*conn_, changed->job));
    return true;
  });
}

Result<bool> SqlMetadataStore::FinishLoadFile(int64_t job_id, int64_t file_no, std::string_view worker,
                                              int64_t rows_loaded, int64_t rows_failed,
                                              std::string_view error_sample, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return WriteRows(*conn_, [&]() -> Result<bool> {
    OFS_ASSIGN_OR_RETURN(
        std::optional<sql::ChangedLoadJob> changed,
        sql::FinishLoadFile(*conn_, job_id, file_no, worker, rows_loaded, rows_failed, error_sample, now_ms));
    if (!changed) return false;
    if (changed->ended) OFS_RETURN_IF_ERROR(AddLoadRun(*conn_, changed->job));
    return true;
  });
}

Status SqlMetadataStore::AbandonLoadWork(int64_t job_id, int64_t file_no, std::string_view worker,
                                         std::string_view error, bool retry, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return WriteRows(*conn_, [&]() -> Status {
    OFS_ASSIGN_OR_RETURN(std::optional<model::LoadJob> failed,
                         sql::AbandonLoadWork(*conn_, job_id, file_no, worker, error, retry, now_ms));
    if (failed) return AddLoadRun(*conn_, *failed);
    return Status::Ok();
  });
}

Result<std::vector<model::RunRecord>> SqlMetadataStore::ListRuns(std::string_view group,
                                                                 std::optional<std::string_view> version,
                                                                 int64_t limit) {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() -> Result<std::vector<model::RunRecord>> {
    OFS_ASSIGN_OR_RETURN(int64_t id, GroupVersionId(*conn_, group, version));
    std::vector<model::RunRecord> runs;
    OFS_RETURN_IF_ERROR(ForEachRow(
        *conn_, kRunsOfVersion, [&](Statement& s) { s.Bind(1, id).Bind(2, limit); },
        [&](Statement& s) {
          runs.push_back(ReadRun(s));
          return Status::Ok();
        }));
    return runs;
  });
}

Result<std::vector<model::ConsumerTopic>> SqlMetadataStore::ListConsumerTopics() {
  std::lock_guard lock(mu_);
  return Read(*conn_, [&]() -> Result<std::vector<model::ConsumerTopic>> {
    std::vector<model::ConsumerTopic> topics;
    OFS_RETURN_IF_ERROR(ForEachRow(*conn_, kConsumerTopics, NoParams, [&](Statement& s) {
      topics.push_back(model::ConsumerTopic{s.Text(0), s.Text(1), s.Int(2), s.Int(3), s.Int(4)});
      return Status::Ok();
    }));
    return topics;
  });
}

namespace {

void BindConsumerTopic(Statement& s, const model::ConsumerTopic& topic, int64_t now_ms) {
  s.Bind(1, topic.tenant)
      .Bind(2, topic.topic)
      .Bind(3, topic.partitions)
      .Bind(4, topic.consumers)
      .Bind(5, now_ms);
}

}  // namespace

Status SqlMetadataStore::AddConsumerTopic(const model::ConsumerTopic& topic, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return Write(*conn_, [&]() -> Status {
    OFS_ASSIGN_OR_RETURN(
        std::optional<int64_t> exists,
        QueryInt(*conn_, kConsumerTopicExists, [&](Statement& s) { s.Bind(1, topic.tenant); }));
    if (exists) {
      return Status(ErrorCode::kInvalidRequest, "consumer metadata already exists",
                    "tenant " + topic.tenant + " already has a topic");
    }
    return Execute(*conn_, kInsertConsumerTopic, [&](Statement& s) { BindConsumerTopic(s, topic, now_ms); });
  });
}

Status SqlMetadataStore::UpdateConsumerTopic(const model::ConsumerTopic& topic, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return Write(*conn_, [&]() -> Status {
    OFS_ASSIGN_OR_RETURN(
        std::optional<int64_t> exists,
        QueryInt(*conn_, kConsumerTopicExists, [&](Statement& s) { s.Bind(1, topic.tenant); }));
    if (!exists) {
      return Status(ErrorCode::kTenantNotFound, "tenant not found",
                    "tenant " + topic.tenant + " has no consumer metadata");
    }
    return Execute(*conn_, kUpdateConsumerTopic, [&](Statement& s) { BindConsumerTopic(s, topic, now_ms); });
  });
}

Result<int64_t> SqlMetadataStore::ChangeCounter() {
  std::lock_guard lock(mu_);
  // In a transaction, as every call: Begin is where a server engine reconnects.
  return Read(*conn_, [&]() -> Result<int64_t> {
    OFS_ASSIGN_OR_RETURN(std::optional<int64_t> value, QueryInt(*conn_, kChangeCounter, NoParams));
    if (!value) return Corrupt("the change_counter row is missing");
    return *value;
  });
}

Status SqlMetadataStore::Health() {
  std::lock_guard lock(mu_);
  if (Status fault = conn_->WriteFault(); !fault.ok()) {
    return Status(ErrorCode::kMetastoreUnavailable,
                  "the last metadata write failed: " + std::string(fault.message()),
                  std::string(fault.cause()));
  }
  return Read(*conn_, [&] { return QueryInt(*conn_, kHealth, NoParams).status(); });
}

Result<std::string> SqlMetadataStore::Backup(int64_t now_ms) {
  std::lock_guard lock(mu_);
  return sql::ExportSnapshot(*conn_, now_ms);
}

Status SqlMetadataStore::Restore(std::string_view document) {
  std::lock_guard lock(mu_);
  return sql::ImportSnapshot(*conn_, document);
}

}  // namespace ofs::catalog
