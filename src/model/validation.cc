#include "model/validation.h"

#include <unordered_set>

#include "base/strings.h"

namespace ofs::model {

bool IsValidIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  for (char c : name) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

size_t Utf8Length(std::string_view text) {
  size_t characters = 0;
  for (char c : text) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return characters;
}

bool IsValidOwner(std::string_view owner) {
  size_t at = owner.find('@');
  if (at == std::string_view::npos || at == 0 || owner.find('@', at + 1) != std::string_view::npos)
    return false;
  std::string_view domain = owner.substr(at + 1);
  size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size()) return false;
  for (char c : owner) {
    if (static_cast<unsigned char>(c) <= ' ' || c == ',' || c == ';' || c == '<' || c == '>') return false;
  }
  return true;
}

Status ValidateEntity(const Entity& entity) {
  auto fail = [](std::string message) {
    return Status(ErrorCode::kEntitySchemaValidation, std::move(message));
  };
  if (!IsValidIdentifier(entity.table_name)) {
    return fail("invalid entity name '" + entity.table_name + "': use [A-Za-z_][A-Za-z0-9_]{0,63}");
  }
  if (entity.features.empty()) return fail("entity '" + entity.table_name + "' has no features");
  std::unordered_set<std::string> names;
  for (const auto& f : entity.features) {
    if (!IsValidIdentifier(f.name)) return fail("invalid column name '" + f.name + "'");
    if (f.name.find("__") != std::string::npos)
      return fail("column name '" + f.name + "' must not contain '__'");
    if (!names.insert(ToLowerAscii(f.name)).second) return fail("duplicate column '" + f.name + "'");
  }
  if (entity.primary_keys.empty()) return fail("primaryKeys must name at least one column");
  std::unordered_set<std::string> keys;
  for (const auto& k : entity.primary_keys) {
    if (!names.count(ToLowerAscii(k))) return fail("primary key '" + k + "' is not among the features");
    if (!keys.insert(ToLowerAscii(k)).second) return fail("duplicate primary key '" + k + "'");
  }
  if (entity.ttl_seconds < 0) return fail("ttl must be >= 0 seconds");
  return Status::Ok();
}

Status ValidateFeatureGroup(const FeatureGroup& group, const Entity& entity) {
  if (!IsValidIdentifier(group.feature_group_name) ||
      group.feature_group_name.find("__") != std::string::npos) {
    return Status(ErrorCode::kFeatureGroupRegistrationRequest,
                  "invalid feature group name '" + group.feature_group_name +
                      "': use [A-Za-z_][A-Za-z0-9_]{0,63} without '__'");
  }
  if (group.features.empty()) {
    return Status(ErrorCode::kFeatureGroupRegistrationRequest, "feature group has no features");
  }
  auto fail = [](std::string message) {
    return Status(ErrorCode::kFeatureGroupInvalidColumnNames, std::move(message));
  };
  std::unordered_set<std::string> entity_names;
  for (const auto& f : entity.features) entity_names.insert(ToLowerAscii(f.name));
  std::unordered_set<std::string> names;
  for (const auto& f : group.features) {
    if (f.name.find("__") != std::string::npos)
      return fail("column name '" + f.name + "' must not contain '__'");
    if (!IsValidIdentifier(f.name)) return fail("invalid column name '" + f.name + "'");
    std::string lower = ToLowerAscii(f.name);
    if (entity_names.count(lower)) return fail("column '" + f.name + "' repeats an entity column");
    if (!names.insert(lower).second) return fail("duplicate column '" + f.name + "'");
  }
  return Status::Ok();
}

}  // namespace ofs::model
