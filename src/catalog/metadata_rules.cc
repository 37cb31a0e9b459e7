#include "catalog/metadata_rules.h"

namespace ofs::catalog::rules {

Result<NewVersion> NextVersion(const std::optional<LatestVersion>& latest, bool upgrade,
                               std::string_view requested, int64_t entity_id) {
  if (!latest) return NewVersion{std::string(requested), 1};
  if (!upgrade) {
    return Result<NewVersion>(ErrorCode::kFeatureGroupAlreadyExists,
                              "feature group " + latest->name + " already exists",
                              "send the header upgrade: true to create its next version");
  }
  if (!latest->version_enabled) {
    return Result<NewVersion>(
        ErrorCode::kVersioningDisabled,
        "feature group " + latest->name + " has versioning disabled; it cannot be upgraded");
  }
  if (latest->entity_id != entity_id) {
    return Result<NewVersion>(ErrorCode::kFeatureGroupRegistrationRequest,
                              "an upgrade of feature group " + latest->name + " must keep its entity");
  }
  return NewVersion{latest->name, latest->number + 1};
}

ColumnIds EntityColumnIds(size_t count) { return GroupColumnIds(kFirstEntityColumnId, count); }

ColumnIds GroupColumnIds(int64_t next_free, size_t count) {
  return ColumnIds{next_free, next_free + static_cast<int64_t>(count)};
}

}  // namespace ofs::catalog::rules
