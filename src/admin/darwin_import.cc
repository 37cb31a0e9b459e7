#include "admin/darwin_import.h"

#include <algorithm>
#include <map>
#include <optional>

#include "admin/json_fields.h"
#include "admin/model_json.h"
#include "base/strings.h"
#include "codec/raw_deflate.h"
#include "codec/value_codec.h"
#include "model/validation.h"

namespace ofs::admin {
namespace {

constexpr ErrorCode kCode = ErrorCode::kInvalidRequest;

// Calls `each(item)` for every element of the array under `key` of the root object of `json`.
template <typename Each>
Status ForEachDumpItem(std::string_view json, std::string_view key, Each&& each) {
  simdjson::padded_string padded(json);
  bool found = false;
  OFS_RETURN_IF_ERROR(api::ForEachRootField(
      std::string_view(padded.data(), padded.size()), 0, kCode, key, [&](std::string_view name, auto value) {
        if (!EqualsIgnoreCase(name, key)) return Status::Ok();
        found = true;
        od::array array;
        auto error = value.get_array().get(array);
        if (error) return api::JsonError(error, kCode, std::string(key) + " (expected an array)");
        size_t index = 0;
        for (auto element : array) {
          od::value item;
          error = element.get(item);
          if (error) return api::JsonError(error, kCode, key);
          if (Status status = each(item); !status.ok()) {
            return Status(
                status.code(),
                std::string(key) + "[" + std::to_string(index) + "]: " + std::string(status.message()),
                std::string(status.cause()));
          }
          ++index;
        }
        return Status::Ok();
      }));
  if (!found) return Status(kCode, "the dump has no '" + std::string(key) + "' array");
  return Status::Ok();
}

bool SameColumns(const std::vector<model::FeatureColumn>& a, const std::vector<model::FeatureColumn>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return EqualsIgnoreCase(x.name, y.name) && x.type == y.type;
  });
}

bool SameEntitySchema(const model::Entity& a, const model::Entity& b) {
  return SameColumns(a.features, b.features) &&
         std::equal(a.primary_keys.begin(), a.primary_keys.end(), b.primary_keys.begin(),
                    b.primary_keys.end(),
                    [](const auto& x, const auto& y) { return EqualsIgnoreCase(x, y); });
}

bool SameGroupSchema(const model::FeatureGroup& a, const model::FeatureGroup& b) {
  return EqualsIgnoreCase(a.entity_name, b.entity_name) && SameColumns(a.features, b.features) &&
         a.version_enabled == b.version_enabled && a.feature_group_type == b.feature_group_type;
}

// Store errors that concern one item (it is reported and the import goes on); any other fails the import.
bool IsItemError(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kMetastoreUnavailable:
    case ErrorCode::kInternal:
    case ErrorCode::kStoreUnavailable:
      return false;
    default:
      return true;
  }
}

std::string Describe(const Status& status) {
  std::string text(status.message());
  if (!status.cause().empty()) text += " (" + std::string(status.cause()) + ")";
  return text;
}

class Importer {
 public:
  Importer(catalog::MetadataStore& store, int64_t now_ms, bool dry_run)
      : store_(store), now_ms_(now_ms), dry_run_(dry_run) {}

  Result<ImportReport> Run(const DarwinCatalog& catalog) {
    for (const model::EntityMetadata& entity : catalog.entities) OFS_RETURN_IF_ERROR(ImportEntity(entity));
    // Versions grouped by group (case-insensitively), each group's in version order.
    std::map<std::string, std::vector<const model::FeatureGroupMetadata*>> groups;
    for (const model::FeatureGroupMetadata& version : catalog.versions) {
      groups[ToLowerAscii(version.name)].push_back(&version);
    }
    for (auto& [key, versions] : groups) {
      std::stable_sort(versions.begin(), versions.end(), [](const auto* a, const auto* b) {
        return model::ParseVersion(a->version).value_or(0) < model::ParseVersion(b->version).value_or(0);
      });
      OFS_RETURN_IF_ERROR(ImportGroup(versions));
    }
    for (const model::FeatureGroupVersion& head : catalog.heads) {
      auto group = groups.find(ToLowerAscii(head.name));
      const bool listed = group != groups.end() &&
                          std::any_of(group->second.begin(), group->second.end(),
                                      [&](const auto* v) { return v->version == head.latest_version; });
      if (!listed) {
        Problem("feature group '" + head.name + "': the version dump names " + head.latest_version +
                " as its latest version, but the feature group dump has no such version");
      }
    }
    // Entity states last: archiving an entity is refused while a LIVE version uses it.
    for (const auto& [name, state] : entity_states_) {
      if (dry_run_) continue;
      Status set = store_.SetEntityState(name, state, now_ms_);
      if (!set.ok()) {
        if (!IsItemError(set)) return set;
        Problem("entity '" + name + "' was registered but left LIVE: " + Describe(set));
      }
    }
    return std::move(report_);
  }

 private:
  void Problem(std::string line) { report_.problems.push_back(std::move(line)); }

  // The entity as the store has it, or as this (dry) run would have registered it.
  Result<std::optional<model::EntityMetadata>> FindEntity(std::string_view name) {
    if (auto planned = planned_entities_.find(ToLowerAscii(name)); planned != planned_entities_.end()) {
      return std::optional<model::EntityMetadata>(planned->second);
    }
    Result<model::EntityMetadata> found = store_.GetEntity(name);
    if (found.ok()) return std::optional<model::EntityMetadata>(std::move(found).value());
    if (found.status().code() == ErrorCode::kEntityNotFound) return std::optional<model::EntityMetadata>();
    return std::move(found).TakeStatus();
  }

  Status ImportEntity(const model::EntityMetadata& entity) {
    const std::string what = "entity '" + entity.name + "'";
    OFS_ASSIGN_OR_RETURN(std::optional<model::EntityMetadata> existing, FindEntity(entity.name));
    if (existing) {
      if (SameEntitySchema(existing->entity, entity.entity)) {
        ++report_.entities_unchanged;
      } else {
        Problem(what + " is already registered with another schema; left as it is");
      }
      return Status::Ok();
    }
    if (Status valid = model::ValidateEntity(entity.entity); !valid.ok()) {
      Problem(what + " was not imported: " + Describe(valid));
      return Status::Ok();
    }
    model::EntityMetadata created = entity;
    if (!dry_run_) {
      Result<model::EntityMetadata> stored = store_.CreateEntity(entity, now_ms_);
      if (!stored.ok()) {
        if (!IsItemError(stored.status())) return std::move(stored).TakeStatus();
        Problem(what + " was not imported: " + Describe(stored.status()));
        return Status::Ok();
      }
      created = std::move(stored).value();
    } else {
      planned_entities_[ToLowerAscii(entity.name)] = entity;
    }
    ++report_.entities_created;
    if (entity.state != model::State::kLive) entity_states_.emplace_back(created.name, entity.state);
    return Status::Ok();
  }

  // The store's latest version number of `name` (0 when it has none), or this dry run's.
  Result<int64_t> LatestVersion(std::string_view name) {
    if (auto planned = planned_latest_.find(ToLowerAscii(name)); planned != planned_latest_.end()) {
      return planned->second;
    }
    Result<model::FeatureGroupVersion> head = store_.GetVersionHead(name);
    if (head.ok()) return model::ParseVersion(head->latest_version).value_or(0);
    if (head.status().code() == ErrorCode::kFeatureGroupNotFound) return int64_t{0};
    return std::move(head).TakeStatus();
  }

  Status ImportGroup(const std::vector<const model::FeatureGroupMetadata*>& versions) {
    for (const model::FeatureGroupMetadata* version : versions) {
      const std::string what = "feature group '" + version->name + "' " + version->version;
      const int64_t number = model::ParseVersion(version->version).value_or(0);
      Result<model::FeatureGroupMetadata> existing = store_.GetFeatureGroup(version->name, version->version);
      if (existing.ok()) {
        if (SameGroupSchema(existing->feature_group, version->feature_group)) {
          ++report_.versions_unchanged;
        } else {
          Problem(what + " is already registered with another schema; left as it is");
        }
        continue;
      }
      const ErrorCode missing = existing.status().code();
      if (missing != ErrorCode::kFeatureGroupNotFound && missing != ErrorCode::kFeatureGroupVersionNotFound) {
        return std::move(existing).TakeStatus();
      }
      OFS_ASSIGN_OR_RETURN(int64_t latest, LatestVersion(version->name));
      if (number != latest + 1) {
        Problem(what +
                " and the versions after it were not imported: OFS numbers versions without gaps and " +
                (latest == 0 ? std::string("the group has no version yet")
                             : "its latest is v" + std::to_string(latest)));
        return Status::Ok();
      }
      OFS_ASSIGN_OR_RETURN(std::optional<model::EntityMetadata> entity,
                           FindEntity(version->feature_group.entity_name));
      if (!entity) {
        Problem(what + " and the versions after it were not imported: its entity '" +
                version->feature_group.entity_name + "' is not registered");
        return Status::Ok();
      }
      if (Status valid = model::ValidateFeatureGroup(version->feature_group, entity->entity); !valid.ok()) {
        Problem(what + " and the versions after it were not imported: " + Describe(valid));
        return Status::Ok();
      }
      model::FeatureGroupMetadata group = *version;
      group.feature_group.entity_name = entity->name;  // as first written
      if (dry_run_) {
        planned_latest_[ToLowerAscii(version->name)] = number;
        ++report_.versions_created;
        continue;
      }
      Result<model::FeatureGroupMetadata> created = store_.CreateFeatureGroup(group, latest > 0, now_ms_);
      if (!created.ok()) {
        if (!IsItemError(created.status())) return std::move(created).TakeStatus();
        Problem(what + " and the versions after it were not imported: " + Describe(created.status()));
        return Status::Ok();
      }
      if (created->version != version->version) {
        // Another admin added a version meanwhile: say so rather than mislabel it.
        Problem(what + " was registered as " + created->version +
                " (another admin changed the group meanwhile)");
        return Status::Ok();
      }
      ++report_.versions_created;
      if (version->state != model::State::kLive) {
        Status set = store_.SetFeatureGroupState(created->name, created->version, version->state, now_ms_);
        if (!set.ok()) {
          if (!IsItemError(set)) return set;
          Problem(what + " was registered but left LIVE: " + Describe(set));
        }
      }
    }
    return Status::Ok();
  }

  catalog::MetadataStore& store_;
  const int64_t now_ms_;
  const bool dry_run_;
  ImportReport report_;
  std::vector<std::pair<std::string, model::State>> entity_states_;
  std::map<std::string, model::EntityMetadata> planned_entities_;  // dry run: lower-cased name -> entity
  std::map<std::string, int64_t> planned_latest_;                  // dry run: lower-cased group -> version
};

}  // namespace

Result<std::string> UnwrapDarwinDump(std::string_view reply_body, size_t max_bytes) {
  simdjson::padded_string padded(reply_body);
  std::string text;
  bool found = false;
  OFS_RETURN_IF_ERROR(api::ForEachRootField(std::string_view(padded.data(), padded.size()), 0, kCode,
                                            "dump reply", [&](std::string_view key, auto value) -> Status {
                                              if (!EqualsIgnoreCase(key, "data")) return Status::Ok();
                                              found = true;
                                              std::string_view data;
                                              OFS_RETURN_IF_ERROR(
                                                  api::ReadString(value, &data, kCode, "data"));
                                              text.assign(data);
                                              return Status::Ok();
                                            }));
  if (!found) return Status(kCode, "the dump reply has no 'data' string");
  const std::string_view trimmed = Trim(text);
  if (!trimmed.empty() && trimmed.front() == '{') {
    if (text.size() > max_bytes) {
      return Status(ErrorCode::kPayloadTooLarge,
                    "the dump is larger than " + std::to_string(max_bytes) + " bytes");
    }
    return text;
  }
  std::string deflated;
  if (!codec::Base64Decode(trimmed, &deflated)) {
    return Status(kCode, "the dump's data is neither JSON nor base64 of raw-deflated JSON");
  }
  std::string json;
  if (Status inflated = codec::RawInflate(deflated, max_bytes, &json); !inflated.ok()) {
    if (inflated.code() == ErrorCode::kPayloadTooLarge)
      return Status(inflated.code(), "the dump " + std::string(inflated.message()));
    return Status(kCode, "the dump's data is neither JSON nor base64 of raw-deflated JSON",
                  std::string(inflated.cause()));
  }
  return json;
}

Status ParseEntityDump(std::string_view json, std::vector<model::EntityMetadata>* out) {
  return ForEachDumpItem(json, "entities",
                         [&](od::value item) { return ParseEntityMetadata(item, &out->emplace_back()); });
}

Status ParseFeatureGroupDump(std::string_view json, std::vector<model::FeatureGroupMetadata>* out) {
  return ForEachDumpItem(json, "featureGroups", [&](od::value item) {
    return ParseFeatureGroupMetadata(item, &out->emplace_back());
  });
}

Status ParseVersionDump(std::string_view json, std::vector<model::FeatureGroupVersion>* out) {
  return ForEachDumpItem(
      json, "versions", [&](od::value item) { return ParseFeatureGroupVersion(item, &out->emplace_back()); });
}

Result<ImportReport> ImportDarwinCatalog(const DarwinCatalog& catalog, catalog::MetadataStore& store,
                                         int64_t now_ms, bool dry_run) {
  return Importer(store, now_ms, dry_run).Run(catalog);
}

}  // namespace ofs::admin
