#include "admin/model_json.h"

#include <vector>

#include "admin/json_fields.h"
#include "base/strings.h"
#include "model/validation.h"

namespace ofs::admin {

// ------------------------------------------------------------------------------------------------
// writers
// ------------------------------------------------------------------------------------------------

namespace {

void WriteStrings(const std::vector<std::string>& values, codec::JsonWriter& out) {
  out.StartArray();
  for (const auto& v : values) out.String(v);
  out.EndArray();
}

void WriteColumns(const std::vector<model::FeatureColumn>& columns, codec::JsonWriter& out) {
  out.StartArray();
  for (const auto& c : columns) WriteFeatureColumn(c, out);
  out.EndArray();
}

}  // namespace

void WriteFeatureColumn(const model::FeatureColumn& column, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("name");
  out.String(column.name);
  out.Key("type");
  out.String(model::DataTypeName(column.type));
  out.Key("description");
  out.String(column.description);
  out.Key("tags");
  WriteStrings(column.tags, out);
  out.EndObject();
}

void WriteEntity(const model::Entity& entity, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("tableName");
  out.String(entity.table_name);
  out.Key("features");
  WriteColumns(entity.features, out);
  out.Key("primaryKeys");
  WriteStrings(entity.primary_keys, out);
  out.Key("ttl");
  out.Int(entity.ttl_seconds);
  out.EndObject();
}

void WriteEntityMetadata(const model::EntityMetadata& meta, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("name");
  out.String(meta.name);
  out.Key("entity");
  WriteEntity(meta.entity, out);
  out.Key("state");
  out.String(model::StateName(meta.state));
  out.Key("owner");
  out.String(meta.owner);
  out.Key("tags");
  WriteStrings(meta.tags, out);
  out.Key("description");
  out.String(meta.description);
  out.Key("createdAt");
  out.Int(meta.created_at);
  out.Key("updatedAt");
  out.Int(meta.updated_at);
  out.EndObject();
}

void WriteFeatureGroup(const model::FeatureGroup& group, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("featureGroupName");
  out.String(group.feature_group_name);
  out.Key("entityName");
  out.String(group.entity_name);
  out.Key("features");
  WriteColumns(group.features, out);
  out.Key("versionEnabled");
  out.Bool(group.version_enabled);
  out.Key("featureGroupType");
  out.String(model::FeatureGroupTypeName(group.feature_group_type));
  out.EndObject();
}

void WriteTenantConfig(const model::TenantConfig& tenant, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("read");
  out.String(tenant.read);
  out.Key("write");
  out.String(tenant.write);
  out.Key("consume");
  out.String(tenant.consume);
  out.EndObject();
}

void WriteFeatureGroupMetadata(const model::FeatureGroupMetadata& meta, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("name");
  out.String(meta.name);
  out.Key("version");
  out.String(meta.version);
  out.Key("versionEnabled");
  out.Bool(meta.feature_group.version_enabled);
  out.Key("featureGroupType");
  out.String(model::FeatureGroupTypeName(meta.feature_group.feature_group_type));
  out.Key("featureGroup");
  WriteFeatureGroup(meta.feature_group, out);
  out.Key("owner");
  out.String(meta.owner);
  out.Key("state");
  out.String(model::StateName(meta.state));
  out.Key("tags");
  WriteStrings(meta.tags, out);
  out.Key("tenant");
  WriteTenantConfig(meta.tenant, out);
  out.Key("description");
  out.String(meta.description);
  out.Key("createdAt");
  out.Int(meta.created_at);
  out.Key("updatedAt");
  out.Int(meta.updated_at);
  out.EndObject();
}

void WriteFeatureGroupVersion(const model::FeatureGroupVersion& version, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("name");
  out.String(version.name);
  out.Key("latestVersion");
  out.String(version.latest_version);
  out.Key("updatedAt");
  out.Int(version.updated_at);
  out.EndObject();
}

void WriteRunFields(const model::RunRecord& run, codec::JsonWriter& out) {
  out.Key("runId");
  out.String(run.run_id);
  out.Key("timeTaken");
  out.Int(run.time_taken);
  out.Key("count");
  out.Int(run.count);
  if (!run.sample_data.empty()) {
    out.Key("sampleData");
    out.Raw(run.sample_data);
  }
  out.Key("errorMessage");
  out.String(run.error_message);
  out.Key("status");
  out.String(run.status);
}

void WriteRunRecord(const model::RunRecord& run, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("featureGroupName");
  out.String(run.feature_group_name);
  out.Key("featureGroupVersion");
  out.String(run.feature_group_version);
  WriteRunFields(run, out);
  out.Key("createdAt");
  out.Int(run.created_at);
  out.EndObject();
}

// ------------------------------------------------------------------------------------------------
// decoders
// ------------------------------------------------------------------------------------------------

namespace {

constexpr ErrorCode kEntityRequest = ErrorCode::kEntityRegistrationRequest;
constexpr ErrorCode kEntitySchema = ErrorCode::kEntitySchemaValidation;
constexpr ErrorCode kGroupRequest = ErrorCode::kFeatureGroupRegistrationRequest;
constexpr int kMaxJsonDepth = 64;

// Field names a decoder found, for the "X is required" checks.
struct Seen {
  bool name = false;
  bool type = false;
  bool features = false;
  bool keys = false;
};

// A tag, owner, run id or status of at most model::kMaxLabelChars characters.
Status CheckLabelLength(std::string_view text, ErrorCode code, std::string_view what) {
  if (model::Utf8Length(text) <= model::kMaxLabelChars) return Status::Ok();
  return Status(
      code, std::string(what) + " is longer than " + std::to_string(model::kMaxLabelChars) + " characters",
      std::to_string(model::Utf8Length(text)) + " characters");
}

Status ReadTags(od::value value, std::vector<std::string>* out, ErrorCode code, std::string_view what) {
  out->clear();
  if (IsNull(value)) return Status::Ok();
  std::vector<std::string_view> tags;
  OFS_RETURN_IF_ERROR(api::ReadStringArray(value, &tags, code, what));
  for (std::string_view tag : tags) OFS_RETURN_IF_ERROR(CheckLabelLength(tag, code, what));
  out->assign(tags.begin(), tags.end());
  return Status::Ok();
}

// A boolean, also accepted as the string "true"/"false" (case-insensitive); null leaves *out unchanged.
Status ReadFlexibleBool(od::value value, bool* out, ErrorCode code, std::string_view what) {
  if (IsNull(value)) return Status::Ok();
  std::string_view text;
  if (!value.get_string().get(text)) {
    if (EqualsIgnoreCase(text, "true") || EqualsIgnoreCase(text, "false")) {
      *out = EqualsIgnoreCase(text, "true");
      return Status::Ok();
    }
    return Status(code, std::string(what) + " must be a boolean, got '" + std::string(text) + "'");
  }
  return api::ReadBool(value, out, code, what);
}

// A required string field that is present (null counts as absent: *seen stays false).
Status ReadRequiredText(od::value value, std::string* out, bool* seen, ErrorCode code,
                        std::string_view what) {
  std::string_view text;
  OFS_RETURN_IF_ERROR(api::ReadOptionalString(value, &text, seen, code, what));
  out->assign(text);
  return Status::Ok();
}

// {"name", "type", "description", "tags"}: a missing name or type -> `code`; an unknown type -> `type_code`.
Status ParseFeatureColumn(od::value value, ErrorCode code, ErrorCode type_code, model::FeatureColumn* out) {
  od::object object;
  auto error = value.get_object().get(object);
  if (error) return api::JsonError(error, code, "features[] (expected objects)");
  Seen seen;
  std::string type_name;
  OFS_RETURN_IF_ERROR(
      ForEachField(object, code, "features[]", [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "name")) {
          return ReadRequiredText(v, &out->name, &seen.name, code, "features[].name");
        }
        if (EqualsIgnoreCase(key, "type")) {
          return ReadRequiredText(v, &type_name, &seen.type, code, "features[].type");
        }
        if (EqualsIgnoreCase(key, "description")) {
          return ReadOptionalText(v, &out->description, code, "features[].description");
        }
        if (EqualsIgnoreCase(key, "tags")) return ReadTags(v, &out->tags, code, "features[].tags");
        return Status::Ok();
      }));
  if (!seen.name) return Status(code, "every feature needs a 'name'");
  if (!seen.type) return Status(code, "feature '" + out->name + "' needs a 'type'");
  std::optional<model::DataType> type = model::ParseDataType(type_name);
  if (!type) {
    return Status(
        type_code, "unknown data type '" + type_name + "' of column '" + out->name + "'",
        "types are TEXT, ASCII, VARCHAR, BLOB, BOOLEAN, DECIMAL, DOUBLE, FLOAT, INT, BIGINT, TIMESTAMP, "
        "TIMEUUID, UUID, INET, VARINT");
  }
  out->type = *type;
  return Status::Ok();
}

Status ParseFeatureColumns(od::value value, ErrorCode code, ErrorCode type_code,
                           std::vector<model::FeatureColumn>* out) {
  od::array array;
  auto error = value.get_array().get(array);
  if (error) return api::JsonError(error, code, "features (expected an array)");
  out->clear();
  for (auto element : array) {
    od::value column;
    error = element.get(column);
    if (error) return api::JsonError(error, code, "features");
    OFS_RETURN_IF_ERROR(ParseFeatureColumn(column, code, type_code, &out->emplace_back()));
  }
  return Status::Ok();
}

Status ParseEntity(od::value value, model::Entity* out) {
  od::object object;
  auto error = value.get_object().get(object);
  if (error) return api::JsonError(error, kEntityRequest, "entity (expected an object)");
  Seen seen;
  OFS_RETURN_IF_ERROR(
      ForEachField(object, kEntityRequest, "entity", [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "tableName")) {
          return ReadRequiredText(v, &out->table_name, &seen.name, kEntityRequest, "entity.tableName");
        }
        if (EqualsIgnoreCase(key, "features")) {
          if (IsNull(v)) return Status::Ok();
          seen.features = true;
          return ParseFeatureColumns(v, kEntityRequest, kEntitySchema, &out->features);
        }
        if (EqualsIgnoreCase(key, "primaryKeys")) {
          if (IsNull(v)) return Status::Ok();
          seen.keys = true;
          return ReadTags(v, &out->primary_keys, kEntityRequest, "entity.primaryKeys");
        }
        if (EqualsIgnoreCase(key, "ttl")) {
          return IsNull(v) ? Status::Ok()
                           : api::ReadInt64(v, &out->ttl_seconds, kEntityRequest, "entity.ttl");
        }
        return Status::Ok();
      }));
  if (!seen.name) return Status(kEntityRequest, "entity.tableName is required");
  if (!seen.features) return Status(kEntityRequest, "entity.features is required");
  if (!seen.keys) return Status(kEntityRequest, "entity.primaryKeys is required");
  return Status::Ok();
}

Status ParseFeatureGroup(od::value value, model::FeatureGroup* out) {
  od::object object;
  auto error = value.get_object().get(object);
  if (error) return api::JsonError(error, kGroupRequest, "featureGroup (expected an object)");
  Seen seen;
  bool has_entity = false;
  std::string type_name;
  OFS_RETURN_IF_ERROR(
      ForEachField(object, kGroupRequest, "featureGroup", [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "featureGroupName")) {
          return ReadRequiredText(v, &out->feature_group_name, &seen.name, kGroupRequest, "featureGroupName");
        }
        if (EqualsIgnoreCase(key, "entityName")) {
          return ReadRequiredText(v, &out->entity_name, &has_entity, kGroupRequest, "entityName");
        }
        if (EqualsIgnoreCase(key, "features")) {
          if (IsNull(v)) return Status::Ok();
          seen.features = true;
          return ParseFeatureColumns(v, kGroupRequest, kGroupRequest, &out->features);
        }
        if (EqualsIgnoreCase(key, "versionEnabled")) {
          return ReadFlexibleBool(v, &out->version_enabled, kGroupRequest, "versionEnabled");
        }
        if (EqualsIgnoreCase(key, "featureGroupType")) {
          return ReadOptionalText(v, &type_name, kGroupRequest, "featureGroupType");
        }
        return Status::Ok();
      }));
  if (!seen.name) return Status(kGroupRequest, "featureGroup.featureGroupName is required");
  if (!has_entity || out->entity_name.empty()) {
    return Status(kGroupRequest, "featureGroup.entityName is required");
  }
  if (!seen.features) return Status(kGroupRequest, "featureGroup.features is required");
  if (!type_name.empty()) {
    std::optional<model::FeatureGroupType> type = model::ParseFeatureGroupType(type_name);
    if (!type) {
      return Status(kGroupRequest, "featureGroupType must be ONLINE or OFFLINE, got '" + type_name + "'");
    }
    out->feature_group_type = *type;
  }
  return Status::Ok();
}

Status CheckOwner(std::string_view owner, ErrorCode code) {
  if (owner.empty()) return Status(code, "owner is required", "owner must be an e-mail address");
  if (!model::IsValidOwner(owner)) {
    return Status(code, "owner '" + std::string(owner) + "' is not an e-mail address");
  }
  return CheckLabelLength(owner, code, "owner");
}

// Checks that a value On-Demand has not read yet is well-formed JSON (On-Demand skips what it does
// not read without validating it).
Status CheckWellFormed(od::value value, int depth);

Status CheckObject(od::object& object, int depth) {
  for (auto field : object) {
    std::string_view key;
    auto error = field.unescaped_key().get(key);
    od::value v;
    if (!error) error = field.value().get(v);
    if (error) return api::JsonError(error, ErrorCode::kInvalidRequest, "sampleData");
    OFS_RETURN_IF_ERROR(CheckWellFormed(v, depth + 1));
  }
  return Status::Ok();
}

Status CheckArray(od::array& array, int depth) {
  for (auto element : array) {
    od::value v;
    auto error = element.get(v);
    if (error) return api::JsonError(error, ErrorCode::kInvalidRequest, "sampleData");
    OFS_RETURN_IF_ERROR(CheckWellFormed(v, depth + 1));
  }
  return Status::Ok();
}

Status CheckWellFormed(od::value value, int depth) {
  if (depth > kMaxJsonDepth) return Status(ErrorCode::kInvalidRequest, "sampleData nests too deeply");
  od::json_type type;
  auto error = value.type().get(type);
  if (!error) {
    switch (type) {
      case od::json_type::object: {
        od::object object;
        error = value.get_object().get(object);
        if (!error) return CheckObject(object, depth);
        break;
      }
      case od::json_type::array: {
        od::array array;
        error = value.get_array().get(array);
        if (!error) return CheckArray(array, depth);
        break;
      }
      case od::json_type::string: {
        std::string_view s;
        error = value.get_string().get(s);
        break;
      }
      case od::json_type::number:
        // Grammar only: get_number() refuses integers beyond 64 bits, which are valid JSON.
        error = api::IsJsonNumber(api::TrimJsonWhitespace(value.raw_json_token())) ? simdjson::SUCCESS
                                                                                   : simdjson::NUMBER_ERROR;
        break;
      case od::json_type::boolean: {
        bool b = false;
        error = value.get_bool().get(b);
        break;
      }
      case od::json_type::null:
        error = IsNull(value) ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
        break;
    }
  }
  if (error) return api::JsonError(error, ErrorCode::kInvalidRequest, "sampleData");
  return Status::Ok();
}

// The raw text of any JSON value after a full well-formedness check; null gives "".
Status ReadJsonText(od::value value, std::string* out) {
  od::json_type type;
  auto error = value.type().get(type);
  if (error) return api::JsonError(error, ErrorCode::kInvalidRequest, "sampleData");
  if (type != od::json_type::object && type != od::json_type::array) {
    std::string_view raw = api::TrimJsonWhitespace(value.raw_json_token());
    OFS_RETURN_IF_ERROR(CheckWellFormed(value, 0));
    out->assign(type == od::json_type::null ? std::string_view() : raw);
    return Status::Ok();
  }
  std::string_view raw;
  OFS_RETURN_IF_ERROR(api::ReadRawContainer(value, &raw, ErrorCode::kInvalidRequest, "sampleData"));
  // The span lies inside the padded body, so it can be re-parsed in place (parser slot 1).
  od::document doc;
  if (type == od::json_type::object) {
    od::object object;
    OFS_RETURN_IF_ERROR(api::IterateObject(raw, 1, &doc, &object, ErrorCode::kInvalidRequest, "sampleData"));
    OFS_RETURN_IF_ERROR(CheckObject(object, 1));
  } else {
    od::array array;
    OFS_RETURN_IF_ERROR(api::IterateArray(raw, 1, &doc, &array, ErrorCode::kInvalidRequest, "sampleData"));
    OFS_RETURN_IF_ERROR(CheckArray(array, 1));
  }
  out->assign(raw);
  return Status::Ok();
}

}  // namespace

void TenantPatch::ApplyTo(model::TenantConfig* tenant) const {
  if (read) tenant->read = *read;
  if (write) tenant->write = *write;
  if (consume) tenant->consume = *consume;
}

bool IsValidTenantName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Status ParseTenantPatch(od::value value, ErrorCode code, TenantPatch* out) {
  od::object object;
  auto error = value.get_object().get(object);
  if (error) return api::JsonError(error, code, "tenant (expected an object)");
  return ForEachField(object, code, "tenant", [&](std::string_view key, od::value v) -> Status {
    std::optional<std::string>* slot = EqualsIgnoreCase(key, "read")      ? &out->read
                                       : EqualsIgnoreCase(key, "write")   ? &out->write
                                       : EqualsIgnoreCase(key, "consume") ? &out->consume
                                                                          : nullptr;
    if (slot == nullptr) return Status::Ok();
    std::string_view name;
    bool present = false;
    OFS_RETURN_IF_ERROR(api::ReadOptionalString(v, &name, &present, code, "tenant." + std::string(key)));
    if (!present) return Status::Ok();
    if (!IsValidTenantName(name)) {
      return Status(code, "invalid tenant name '" + std::string(name) + "'",
                    "use 1-64 characters of [A-Za-z0-9_.-]");
    }
    *slot = std::string(name);
    return Status::Ok();
  });
}

Result<model::EntityMetadata> ParseEntityCreate(std::string_view body) {
  model::EntityMetadata meta;
  bool has_entity = false;
  OFS_RETURN_IF_ERROR(
      ForEachRootField(body, kEntityRequest, [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "entity")) {
          if (IsNull(v)) return Status::Ok();
          has_entity = true;
          return ParseEntity(v, &meta.entity);
        }
        if (EqualsIgnoreCase(key, "owner")) return ReadOptionalText(v, &meta.owner, kEntityRequest, "owner");
        if (EqualsIgnoreCase(key, "tags")) return ReadTags(v, &meta.tags, kEntityRequest, "tags");
        if (EqualsIgnoreCase(key, "description")) {
          return ReadOptionalText(v, &meta.description, kEntityRequest, "description");
        }
        return Status::Ok();
      }));
  if (!has_entity) return Status(kEntityRequest, "entity is required");
  OFS_RETURN_IF_ERROR(CheckOwner(meta.owner, kEntityRequest));
  meta.name = meta.entity.table_name;
  return meta;
}

Result<FeatureGroupCreate> ParseFeatureGroupCreate(std::string_view body) {
  FeatureGroupCreate create;
  model::FeatureGroupMetadata& meta = create.meta;
  bool has_group = false;
  OFS_RETURN_IF_ERROR(ForEachRootField(body, kGroupRequest, [&](std::string_view key, od::value v) -> Status {
    if (EqualsIgnoreCase(key, "featureGroup")) {
      if (IsNull(v)) return Status::Ok();
      has_group = true;
      return ParseFeatureGroup(v, &meta.feature_group);
    }
    if (EqualsIgnoreCase(key, "owner")) return ReadOptionalText(v, &meta.owner, kGroupRequest, "owner");
    if (EqualsIgnoreCase(key, "tags")) return ReadTags(v, &meta.tags, kGroupRequest, "tags");
    if (EqualsIgnoreCase(key, "description")) {
      return ReadOptionalText(v, &meta.description, kGroupRequest, "description");
    }
    if (EqualsIgnoreCase(key, "tenant")) {
      return IsNull(v) ? Status::Ok() : ParseTenantPatch(v, kGroupRequest, &create.tenant);
    }
    return Status::Ok();
  }));
  if (!has_group) return Status(kGroupRequest, "featureGroup is required");
  OFS_RETURN_IF_ERROR(CheckOwner(meta.owner, kGroupRequest));
  meta.name = meta.feature_group.feature_group_name;
  return create;
}

Result<RunCreate> ParseRunCreate(std::string_view body) {
  constexpr ErrorCode kCode = ErrorCode::kInvalidRequest;
  RunCreate create;
  model::RunRecord& run = create.run;
  bool has_run_id = false;
  OFS_RETURN_IF_ERROR(ForEachRootField(body, kCode, [&](std::string_view key, od::value v) -> Status {
    if (EqualsIgnoreCase(key, "name")) {
      std::string name;
      bool present = false;
      OFS_RETURN_IF_ERROR(ReadRequiredText(v, &name, &present, kCode, "name"));
      if (present) create.name = std::move(name);
      return Status::Ok();
    }
    if (EqualsIgnoreCase(key, "version")) return ReadOptionalVersion(v, &create.version, kCode);
    if (EqualsIgnoreCase(key, "runId")) {
      return ReadRequiredText(v, &run.run_id, &has_run_id, kCode, "runId");
    }
    if (EqualsIgnoreCase(key, "timeTaken")) {
      return IsNull(v) ? Status::Ok() : api::ReadInt64(v, &run.time_taken, kCode, "timeTaken");
    }
    if (EqualsIgnoreCase(key, "count")) {
      return IsNull(v) ? Status::Ok() : api::ReadInt64(v, &run.count, kCode, "count");
    }
    if (EqualsIgnoreCase(key, "sampleData")) return ReadJsonText(v, &run.sample_data);
    if (EqualsIgnoreCase(key, "errorMessage")) {
      return ReadOptionalText(v, &run.error_message, kCode, "errorMessage");
    }
    if (EqualsIgnoreCase(key, "status")) return ReadOptionalText(v, &run.status, kCode, "status");
    return Status::Ok();
  }));
  if (!has_run_id || run.run_id.empty()) return Status(kCode, "runId is required");
  OFS_RETURN_IF_ERROR(CheckLabelLength(run.run_id, kCode, "runId"));
  OFS_RETURN_IF_ERROR(CheckLabelLength(run.status, kCode, "status"));
  if (run.time_taken < 0 || run.count < 0) return Status(kCode, "timeTaken and count must be >= 0");
  return create;
}

// ------------------------------------------------------------------------------------------------
// catalog dump items
// ------------------------------------------------------------------------------------------------

namespace {

constexpr ErrorCode kDumpCode = ErrorCode::kInvalidRequest;

Status ReadState(od::value value, model::State* out, std::string_view what) {
  std::string text;
  OFS_RETURN_IF_ERROR(ReadOptionalText(value, &text, kDumpCode, what));
  if (text.empty()) return Status::Ok();
  std::optional<model::State> state = model::ParseState(text);
  if (!state) return Status(kDumpCode, std::string(what) + " must be LIVE or ARCHIVED, got '" + text + "'");
  *out = *state;
  return Status::Ok();
}

Status ReadLabel(od::value value, std::string* out, std::string_view what) {
  OFS_RETURN_IF_ERROR(ReadOptionalText(value, out, kDumpCode, what));
  return CheckLabelLength(*out, kDumpCode, what);
}

}  // namespace

Status ParseEntityMetadata(od::value value, model::EntityMetadata* out) {
  od::object object;
  auto error = value.get_object().get(object);
  if (error) return api::JsonError(error, kDumpCode, "entities[] (expected objects)");
  bool has_entity = false;
  OFS_RETURN_IF_ERROR(
      ForEachField(object, kDumpCode, "entities[]", [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "name")) return ReadOptionalText(v, &out->name, kDumpCode, "name");
        if (EqualsIgnoreCase(key, "entity")) {
          if (IsNull(v)) return Status::Ok();
          has_entity = true;
          return ParseEntity(v, &out->entity);
        }
        if (EqualsIgnoreCase(key, "state")) return ReadState(v, &out->state, "state");
        if (EqualsIgnoreCase(key, "owner")) return ReadLabel(v, &out->owner, "owner");
        if (EqualsIgnoreCase(key, "tags")) return ReadTags(v, &out->tags, kDumpCode, "tags");
        if (EqualsIgnoreCase(key, "description")) {
          return ReadOptionalText(v, &out->description, kDumpCode, "description");
        }
        return Status::Ok();
      }));
  if (!has_entity) return Status(kDumpCode, "entity '" + out->name + "' has no 'entity' object");
  if (out->name.empty()) out->name = out->entity.table_name;
  if (!EqualsIgnoreCase(out->name, out->entity.table_name)) {
    return Status(kDumpCode, "entity name '" + out->name + "' differs from its tableName '" +
                                 out->entity.table_name + "'");
  }
  return Status::Ok();
}

Status ParseFeatureGroupMetadata(od::value value, model::FeatureGroupMetadata* out) {
  od::object object;
  auto error = value.get_object().get(object);
  if (error) return api::JsonError(error, kDumpCode, "featureGroups[] (expected objects)");
  bool has_group = false;
  std::string version;
  TenantPatch tenant;
  OFS_RETURN_IF_ERROR(
      ForEachField(object, kDumpCode, "featureGroups[]", [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "name")) return ReadOptionalText(v, &out->name, kDumpCode, "name");
        if (EqualsIgnoreCase(key, "version")) return ReadOptionalText(v, &version, kDumpCode, "version");
        if (EqualsIgnoreCase(key, "featureGroup") || EqualsIgnoreCase(key, "feature_group")) {
          if (IsNull(v)) return Status::Ok();
          has_group = true;
          return ParseFeatureGroup(v, &out->feature_group);
        }
        if (EqualsIgnoreCase(key, "state")) return ReadState(v, &out->state, "state");
        if (EqualsIgnoreCase(key, "owner")) return ReadLabel(v, &out->owner, "owner");
        if (EqualsIgnoreCase(key, "tags")) return ReadTags(v, &out->tags, kDumpCode, "tags");
        if (EqualsIgnoreCase(key, "description")) {
          return ReadOptionalText(v, &out->description, kDumpCode, "description");
        }
        if (EqualsIgnoreCase(key, "tenant") || EqualsIgnoreCase(key, "tenant_config")) {
          return IsNull(v) ? Status::Ok() : ParseTenantPatch(v, kDumpCode, &tenant);
        }
        // versionEnabled and featureGroupType repeat the featureGroup's own fields.
        return Status::Ok();
      }));
  if (!has_group) return Status(kDumpCode, "feature group '" + out->name + "' has no 'featureGroup' object");
  if (out->name.empty()) out->name = out->feature_group.feature_group_name;
  if (!EqualsIgnoreCase(out->name, out->feature_group.feature_group_name)) {
    return Status(kDumpCode, "feature group name '" + out->name + "' differs from its featureGroupName '" +
                                 out->feature_group.feature_group_name + "'");
  }
  if (version.empty()) return Status(kDumpCode, "feature group '" + out->name + "' has no version");
  OFS_ASSIGN_OR_RETURN(out->version, NormalizeVersion(version));
  tenant.ApplyTo(&out->tenant);
  return Status::Ok();
}

Status ParseFeatureGroupVersion(od::value value, model::FeatureGroupVersion* out) {
  od::object object;
  auto error = value.get_object().get(object);
  if (error) return api::JsonError(error, kDumpCode, "versions[] (expected objects)");
  std::string latest;
  OFS_RETURN_IF_ERROR(
      ForEachField(object, kDumpCode, "versions[]", [&](std::string_view key, od::value v) -> Status {
        if (EqualsIgnoreCase(key, "name")) return ReadOptionalText(v, &out->name, kDumpCode, "name");
        if (EqualsIgnoreCase(key, "latestVersion") || EqualsIgnoreCase(key, "latest_version")) {
          return ReadOptionalText(v, &latest, kDumpCode, "latestVersion");
        }
        return Status::Ok();
      }));
  if (out->name.empty() || latest.empty())
    return Status(kDumpCode, "versions[] needs a name and a latestVersion");
  OFS_ASSIGN_OR_RETURN(out->latest_version, NormalizeVersion(latest));
  return Status::Ok();
}

}  // namespace ofs::admin
