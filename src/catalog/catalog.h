#pragma once
// The catalog: an immutable snapshot of all metadata the serving path needs (entities, group versions,
// resolved column ids, table specs), published atomically. Readers never lock: each thread caches the
// current snapshot and swaps it only when the published generation moved.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "catalog/metadata_store.h"
#include "model/table_spec.h"
#include "model/types.h"

namespace ofs::catalog {

// A column as a client addresses it through one group version: entity columns and the group's own.
struct ResolvedColumn {
  std::string name;  // plain name as declared
  model::DataType type = model::DataType::kText;
  uint32_t id = 0;     // storage column id
  int key_index = -1;  // position among the entity's key columns; -1 for value columns
  bool is_group_column = false;
};

struct GroupEntry;

struct EntityEntry {
  model::EntityMetadata meta;
  model::TableSpec table;  // key columns + every value column of every group version
  // The latest version of each group on this entity, and the distinct tenant configurations of every
  // version of every group on it (pointers into the snapshot): what the tenant-scope rule of
  // api/tenant_scope.h checks for entity-wide changes and visibility.
  std::vector<const GroupEntry*> groups;
  std::vector<const model::TenantConfig*> group_tenants;
};

// The compiled plan of one feature-group version.
struct GroupEntry {
  model::FeatureGroupMetadata meta;
  int64_t version_number = 0;
  const EntityEntry* entity = nullptr;
  std::vector<ResolvedColumn> columns;  // entity columns (declared order), then the group's columns
  // The distinct tenant configurations of every version of this group, this one included (pointers
  // into the snapshot): what a tenant-scoped token must be allowed to use (api/tenant_scope.h).
  std::vector<const model::TenantConfig*> group_tenants;

  // Case-insensitive lookup by plain name; nullptr when the name is not addressable in this group.
  const ResolvedColumn* Find(std::string_view name) const;

  // Built by Snapshot; lower-cased name -> index into columns.
  std::unordered_map<std::string, size_t> index;
};

class Snapshot {
 public:
  // Builds the snapshot of the given metadata (entities and every group version).
  static std::shared_ptr<const Snapshot> Build(std::vector<model::EntityMetadata> entities,
                                               std::vector<model::FeatureGroupMetadata> groups,
                                               int64_t change_counter,
                                               std::vector<model::ConsumerTopic> topics = {});

  const EntityEntry* FindEntity(std::string_view name) const;  // case-insensitive
  // version nullopt = the latest version. nullptr when absent.
  const GroupEntry* FindGroup(std::string_view name, std::optional<int64_t> version) const;
  bool HasGroup(std::string_view name) const { return FindGroup(name, std::nullopt) != nullptr; }
  int64_t change_counter() const { return change_counter_; }
  // The Kafka topic of a consume tenant: its registered topic (the /consumer/* routes), else one named
  // after the tenant ("default" for default-tenant, as Darwin's seed data registers them) behind
  // `prefix` (kafka.topic_prefix: deployments sharing a Kafka cluster). docs/ingestion.md, "Topics".
  std::string TopicOfTenant(std::string_view consume_tenant, std::string_view prefix = {}) const;
  // The registered tenants' topics, by tenant.
  const std::vector<model::ConsumerTopic>& consumer_topics() const { return topics_; }
  const std::vector<std::unique_ptr<EntityEntry>>& entities() const { return entities_; }
  const std::vector<std::unique_ptr<GroupEntry>>& groups() const { return groups_; }

 private:
  int64_t change_counter_ = 0;
  std::vector<model::ConsumerTopic> topics_;  // sorted by tenant
  std::vector<std::unique_ptr<EntityEntry>> entities_;
  std::vector<std::unique_ptr<GroupEntry>> groups_;
  std::unordered_map<std::string, const EntityEntry*> entity_index_;  // lower-cased name
  // lower-cased group name -> versions ordered by version number (last = latest)
  std::unordered_map<std::string, std::vector<const GroupEntry*>> group_index_;
};

// --- table specs: how a Snapshot builds each entity's table. Admin builds the table a change WOULD
// produce with the same two functions, to prepare storage before it commits the change. ---

// The entity's own table: keys in primary-key order, then its other columns as declared; the TTL.
// Ids (table and columns) are the metadata's: 0 in metadata not yet committed.
model::TableSpec EntityTable(const model::EntityMetadata& entity);
// Appends a group version's columns under their physical names (model::PhysicalColumnName). A snapshot
// appends every version of every group on the entity, in creation order (version id order).
void AppendGroupColumns(const model::FeatureGroupMetadata& version, model::TableSpec* table);

// Told when a request names a group or version the current snapshot lacks (CatalogRefresher refreshes
// early). Called on serving threads: must not block.
class CatalogMissListener {
 public:
  virtual ~CatalogMissListener() = default;
  virtual void OnCatalogMiss() = 0;
};

// Read-your-writes across processes (serving/catalog_gate.h): every admin answer carries the version
// (change counter) of the admin node's catalog once the request's change is in it; a client that sends it
// back to a serve node as X-OFS-Min-Catalog-Version is served from a catalog at least that new.
inline constexpr std::string_view kCatalogVersionHeader = "X-OFS-Catalog-Version";
inline constexpr std::string_view kMinCatalogVersionHeader = "x-ofs-min-catalog-version";  // lower-cased

class Catalog {
 public:
  explicit Catalog(MetadataStore* store) : store_(store) {}

  // The current snapshot, without locking. The pointer stays valid until the calling thread calls
  // Current() again (call it once per request). Never null after a successful Refresh().
  const Snapshot* Current() const;
  std::shared_ptr<const Snapshot> CurrentShared() const;

  // Rebuilds and publishes a snapshot when the store's change counter moved (always when force).
  // Serialized with other refreshes. Errors: the metadata store's (the old snapshot stays in use).
  Status Refresh(bool force = false);
  struct RefreshOutcome {
    Status status;
    bool rebuilt = false;  // a new snapshot was published
  };
  RefreshOutcome RefreshWithOutcome(bool force = false);

  MetadataStore* store() const { return store_; }

  // A request named a group or version that the current snapshot lacks: tells the listener, if any
  // (a node whose catalog is changed by another process refreshes early). Any thread; never blocks.
  void NoteMiss() const {
    if (CatalogMissListener* listener = miss_listener_.load(std::memory_order_acquire))
      listener->OnCatalogMiss();
  }
  // `listener` (not owned; nullptr = none) must outlive every NoteMiss call: clear it before destroying it.
  void SetMissListener(CatalogMissListener* listener) {
    miss_listener_.store(listener, std::memory_order_release);
  }

 private:
  MetadataStore* store_;
  std::atomic<CatalogMissListener*> miss_listener_{nullptr};
  std::mutex refresh_mu_;  // serializes Refresh() (held while loading); never taken by readers
  mutable std::mutex publish_mu_;
  std::shared_ptr<const Snapshot> published_;  // guarded by publish_mu_
  std::atomic<uint64_t> generation_{0};        // bumped on every publish
};

}  // namespace ofs::catalog
