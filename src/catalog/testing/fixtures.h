#pragma once
// Test data for MetadataStore tests (the conformance suite and the engines' and the catalog's own tests).
// Kept apart from the suite so that a test using the data does not link the suite's tests.

#include <cstdint>
#include <string>
#include <vector>

#include "model/types.h"

namespace ofs::catalog::testing {

// Test data shared with the engines' own tests.
// Entity `name`: keys (user_id BIGINT, day TEXT), one more column, TTL 3600, owner, tags, description.
model::EntityMetadata UserEntity(std::string name = "User");
// Group `name` on `entity` with INT columns `columns`.
model::FeatureGroupMetadata Group(std::string name, std::string entity = "User",
                                  std::vector<std::string> columns = {"clicks", "views"});
std::vector<uint32_t> ColumnIds(const std::vector<model::FeatureColumn>& columns);
std::vector<std::string> Names(const std::vector<model::EntityMetadata>& entities);
// "name/version" of each group version.
std::vector<std::string> Names(const std::vector<model::FeatureGroupMetadata>& groups);
model::RunRecord MakeRun(std::string group, std::string version, std::string id, int64_t created_at);
std::vector<std::string> RunIds(const std::vector<model::RunRecord>& runs);

}  // namespace ofs::catalog::testing
