#include "serving/group_resolver.h"

#include <string>

#include "base/strings.h"
#include "serving/handlers.h"

namespace ofs::serving {

Result<const catalog::GroupEntry*> ResolveGroup(const catalog::Snapshot& snapshot, std::string_view name,
                                                std::string_view version, bool darwin) {
  std::optional<int64_t> number;
  if (!version.empty()) {
    number = model::ParseVersion(version);
    if (!number) {
      return Result<const catalog::GroupEntry*>(
          darwin ? ErrorCode::kAdminService : ErrorCode::kFeatureGroupVersionNotFound,
          "feature group version not found",
          "malformed version '" + std::string(version) + "' (expected v1, v2, ...)");
    }
  }
  const catalog::GroupEntry* group = snapshot.FindGroup(name, number);
  if (group == nullptr) {
    if (number && snapshot.HasGroup(name)) {
      return Result<const catalog::GroupEntry*>(
          darwin ? ErrorCode::kAdminService : ErrorCode::kFeatureGroupVersionNotFound,
          "feature group version not found", std::string(name) + " has no version " + std::string(version));
    }
    return Result<const catalog::GroupEntry*>(
        darwin ? ErrorCode::kAdminService : ErrorCode::kFeatureGroupNotFound, "feature group not found",
        std::string(name));
  }
  if (group->meta.state == model::State::kArchived) {
    return Result<const catalog::GroupEntry*>(
        ErrorCode::kFeatureGroupState,
        "feature group " + group->meta.name + " " + group->meta.version + " is ARCHIVED");
  }
  return group;
}

Status ReadGroupRefField(std::string_view key, api::JsonValue value, ErrorCode code, GroupRef* ref,
                         bool* handled) {
  *handled = true;
  if (EqualsIgnoreCase(key, "featureGroupName")) {
    ref->has_name = true;
    return api::ReadString(std::move(value), &ref->name, code, "featureGroupName");
  }
  if (EqualsIgnoreCase(key, "featureGroupVersion")) {
    bool present = false;
    return api::ReadOptionalString(std::move(value), &ref->version, &present, code, "featureGroupVersion");
  }
  *handled = false;
  return Status::Ok();
}

}  // namespace ofs::serving
