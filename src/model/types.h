#pragma once
// The metadata model of OFS: entities, versioned feature groups, tenants and ingestion runs
// (API.md section 2). Plain values; validation lives in validation.h.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/data_type.h"

namespace ofs::model {

enum class State : uint8_t { kLive, kArchived };
enum class FeatureGroupType : uint8_t { kOnline, kOffline };

std::string_view StateName(State s);                        // "LIVE" | "ARCHIVED"
std::optional<State> ParseState(std::string_view s);        // case-insensitive
std::string_view FeatureGroupTypeName(FeatureGroupType t);  // "ONLINE" | "OFFLINE"
std::optional<FeatureGroupType> ParseFeatureGroupType(std::string_view s);

inline constexpr const char* kDefaultTenant = "default-tenant";

struct FeatureColumn {
  uint32_t id = 0;  // internal storage column id, assigned by the metadata store; never on the wire
  std::string name;
  DataType type = DataType::kText;
  std::string description;
  std::vector<std::string> tags;
  bool operator==(const FeatureColumn&) const = default;
};

// The storage shape of an entity: its columns and primary key (first = partition key).
struct Entity {
  std::string table_name;
  std::vector<FeatureColumn> features;
  std::vector<std::string> primary_keys;
  int64_t ttl_seconds = 0;  // 0 = cells never expire
  bool operator==(const Entity&) const = default;
};

struct EntityMetadata {
  int64_t id = 0;  // stable internal id; also the storage table id
  std::string name;
  Entity entity;
  State state = State::kLive;
  std::string owner;
  std::vector<std::string> tags;
  std::string description;
  int64_t created_at = 0;  // epoch ms
  int64_t updated_at = 0;
  bool operator==(const EntityMetadata&) const = default;
};

struct TenantConfig {
  std::string read = kDefaultTenant;
  std::string write = kDefaultTenant;
  std::string consume = kDefaultTenant;
  bool operator==(const TenantConfig&) const = default;
};

struct FeatureGroup {
  std::string feature_group_name;
  std::string entity_name;
  std::vector<FeatureColumn> features;
  bool version_enabled = true;
  FeatureGroupType feature_group_type = FeatureGroupType::kOnline;
  bool operator==(const FeatureGroup&) const = default;
};

// One version of a feature group.
struct FeatureGroupMetadata {
  int64_t id = 0;  // internal id of this version
  std::string name;
  std::string version;  // "v1", "v2", ...
  FeatureGroup feature_group;
  State state = State::kLive;
  std::string owner;
  std::vector<std::string> tags;
  TenantConfig tenant;
  std::string description;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  bool operator==(const FeatureGroupMetadata&) const = default;
};

// A feature group's version history head.
struct FeatureGroupVersion {
  std::string name;
  std::string latest_version;
  int64_t updated_at = 0;
};

// One ingestion run record (POST/GET .../runs, Darwin /feature-group/run-data).
struct RunRecord {
  std::string feature_group_name;
  std::string feature_group_version;
  std::string run_id;
  int64_t time_taken = 0;  // ms
  int64_t count = 0;
  std::string sample_data;  // JSON text, stored as given
  std::string error_message;
  std::string status;
  int64_t created_at = 0;
};

// A consume tenant's Kafka topic (docs/ingestion.md, "Topics"; Darwin's /consumer/* routes).
struct ConsumerTopic {
  std::string tenant;
  std::string topic;
  int64_t partitions = 1;
  int64_t consumers = 1;
  int64_t updated_at = 0;
  bool operator==(const ConsumerTopic&) const = default;
};

// "v<N>" for N >= 1.
std::string VersionName(int64_t n);
// N of "v<N>" (case-insensitive 'v'); nullopt when malformed.
std::optional<int64_t> ParseVersion(std::string_view version);

// The physical (storage) name of a group column: "<group>__<version>__<column>", or
// "<group>__<column>" when versioning is off. Entity columns keep their plain name.
std::string PhysicalColumnName(std::string_view group, std::string_view version, bool version_enabled,
                               std::string_view column);

}  // namespace ofs::model
