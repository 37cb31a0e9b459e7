#include "catalog/testing/fixtures.h"

#include <utility>

namespace ofs::catalog::testing {

using model::DataType;
using model::EntityMetadata;
using model::FeatureGroupMetadata;

EntityMetadata UserEntity(std::string name) {
  EntityMetadata e;
  e.name = name;
  e.entity.table_name = name;
  e.entity.features = {{0, "user_id", DataType::kBigint, "the user", {"pii", "key"}},
                       {0, "day", DataType::kText, "", {}},
                       {0, "country", DataType::kAscii, "", {"geo"}}};
  e.entity.primary_keys = {"user_id", "day"};
  e.entity.ttl_seconds = 3600;
  e.owner = "ml@example.com";
  e.tags = {"core", "users"};
  e.description = "All users";
  return e;
}

FeatureGroupMetadata Group(std::string name, std::string entity, std::vector<std::string> columns) {
  FeatureGroupMetadata g;
  g.name = name;
  g.feature_group.feature_group_name = name;
  g.feature_group.entity_name = entity;
  for (std::string& c : columns)
    g.feature_group.features.push_back({0, std::move(c), DataType::kInt, "", {}});
  g.owner = "ml@example.com";
  g.tags = {"activity"};
  g.description = "Engagement counters";
  return g;
}

std::vector<uint32_t> ColumnIds(const std::vector<model::FeatureColumn>& columns) {
  std::vector<uint32_t> ids;
  for (const model::FeatureColumn& c : columns) ids.push_back(c.id);
  return ids;
}

std::vector<std::string> Names(const std::vector<EntityMetadata>& entities) {
  std::vector<std::string> names;
  for (const EntityMetadata& e : entities) names.push_back(e.name);
  return names;
}

std::vector<std::string> Names(const std::vector<FeatureGroupMetadata>& groups) {
  std::vector<std::string> names;
  for (const FeatureGroupMetadata& g : groups) names.push_back(g.name + "/" + g.version);
  return names;
}

model::RunRecord MakeRun(std::string group, std::string version, std::string id, int64_t created_at) {
  return model::RunRecord{std::move(group), std::move(version), std::move(id), 12, 3, "{\"a\":1}", "",
                          "SUCCESS",        created_at};
}

std::vector<std::string> RunIds(const std::vector<model::RunRecord>& runs) {
  std::vector<std::string> ids;
  for (const model::RunRecord& r : runs) ids.push_back(r.run_id);
  return ids;
}

}  // namespace ofs::catalog::testing
