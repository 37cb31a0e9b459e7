#pragma once
// JSON forms of the metadata model (API.md section 2) for the admin API.
//
// Writers: camelCase keys, null fields omitted, a FeatureColumn always carries description and tags.
// Decoders: read the padded request body with simdjson On-Demand (parser slot 0, slot 1 for nested
// re-parses); keys match case-insensitively and unknown keys are ignored; null counts as absent.
// Defaults: description "", tags [], ttl 0, versionEnabled true, featureGroupType ONLINE. Type names
// match case-insensitively. Error codes follow API.md section 7 (see each decoder).

#include <optional>
#include <string>
#include <string_view>

#include "api/json_read.h"
#include "base/status.h"
#include "codec/json_writer.h"
#include "model/types.h"

namespace ofs::admin {

// --- writers ---

void WriteFeatureColumn(const model::FeatureColumn& column, codec::JsonWriter& out);
// {"tableName", "features", "primaryKeys", "ttl"}
void WriteEntity(const model::Entity& entity, codec::JsonWriter& out);
// {"name", "entity", "state", "owner", "tags", "description", "createdAt", "updatedAt"}
void WriteEntityMetadata(const model::EntityMetadata& meta, codec::JsonWriter& out);
// {"featureGroupName", "entityName", "features", "versionEnabled", "featureGroupType"}
void WriteFeatureGroup(const model::FeatureGroup& group, codec::JsonWriter& out);
// {"read", "write", "consume"}
void WriteTenantConfig(const model::TenantConfig& tenant, codec::JsonWriter& out);
// {"name", "version", "versionEnabled", "featureGroupType", "featureGroup", "owner", "state", "tags",
//  "tenant", "description", "createdAt", "updatedAt"}
void WriteFeatureGroupMetadata(const model::FeatureGroupMetadata& meta, codec::JsonWriter& out);
// {"name", "latestVersion", "updatedAt"}
void WriteFeatureGroupVersion(const model::FeatureGroupVersion& version, codec::JsonWriter& out);
// {"featureGroupName", "featureGroupVersion", "runId", "timeTaken", "count", "sampleData" (the stored
// JSON text, omitted when none), "errorMessage", "status", "createdAt"}
void WriteRunRecord(const model::RunRecord& run, codec::JsonWriter& out);
// The fields of a run every run answer shares, written into an object being written: "runId",
// "timeTaken", "count", "sampleData" (omitted when none), "errorMessage", "status".
void WriteRunFields(const model::RunRecord& run, codec::JsonWriter& out);

// --- decoders ---

// Tenant fields a request sets; unset fields keep their current (or default) value.
struct TenantPatch {
  std::optional<std::string> read;
  std::optional<std::string> write;
  std::optional<std::string> consume;

  void ApplyTo(model::TenantConfig* tenant) const;
};

// A tenant name: 1..64 characters of [A-Za-z0-9_.-] (it names a storage namespace and a Kafka topic).
bool IsValidTenantName(std::string_view name);

// Decodes {"read", "write", "consume"} (each optional). `code` for a wrong shape or a bad tenant name.
Status ParseTenantPatch(api::od::value value, ErrorCode code, TenantPatch* out);

// Entity create body {"entity": Entity, "owner", "tags", "description"}. Checks the shape, the data
// type names and the owner; the schema rules (model::ValidateEntity) are the caller's.
// ENTITY-REGISTRATION-REQUEST-EXCEPTION: missing entity/tableName/features/primaryKeys, wrong JSON
// types, owner not an e-mail. ENTITY-SCHEMA-VALIDATION-EXCEPTION: unknown data type (named).
// INVALID_REQUEST: malformed JSON.
Result<model::EntityMetadata> ParseEntityCreate(std::string_view body);

struct FeatureGroupCreate {
  model::FeatureGroupMetadata meta;  // name = featureGroupName; tenant = defaults (see `tenant`)
  TenantPatch tenant;                // the optional "tenant" object of the body
};

// Feature group create body {"featureGroup": FeatureGroup, "owner", "tags", "description", "tenant"?}.
// Checks the shape, type names, featureGroupType and owner; column rules (model::ValidateFeatureGroup)
// need the entity and are the caller's. FEATURE-GROUP-REGISTRATION-REQUEST-EXCEPTION for every
// problem found here; INVALID_REQUEST for malformed JSON.
Result<FeatureGroupCreate> ParseFeatureGroupCreate(std::string_view body);

struct RunCreate {
  model::RunRecord run;                // featureGroupName/Version and createdAt left for the caller
  std::optional<std::string> name;     // "name" (Darwin body), as sent
  std::optional<std::string> version;  // "version", normalized to "vN"; nullopt = latest
};

// Run record body {"name"?, "version"?, "runId", "timeTaken", "count", "sampleData", "errorMessage",
// "status"}. runId is required; sampleData may be any JSON value and is kept as its raw text (after a
// full well-formedness check). INVALID_REQUEST for every problem.
Result<RunCreate> ParseRunCreate(std::string_view body);

// Catalog dump items (GET /entity/all, /feature-group/all; API.md section 4) as WriteEntityMetadata and
// WriteFeatureGroupMetadata write them, and as Darwin's admin writes them (also its snake_case aliases
// feature_group, version_enabled, feature_group_type, tenant_config). The shape is checked (the schema
// rules are the caller's); ids and timestamps are not read. The owner is taken as written (Darwin did
// not require an e-mail address); tags and owner keep the 255-character limit. Errors name the field:
// the nested entity / featureGroup objects fail as their create decoders do, the rest INVALID_REQUEST.
Status ParseEntityMetadata(api::od::value value, model::EntityMetadata* out);
Status ParseFeatureGroupMetadata(api::od::value value, model::FeatureGroupMetadata* out);
// {"name", "latestVersion" (or latest_version)}.
Status ParseFeatureGroupVersion(api::od::value value, model::FeatureGroupVersion* out);

}  // namespace ofs::admin
