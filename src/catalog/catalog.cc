#include "catalog/catalog.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <utility>

#include "base/strings.h"

namespace ofs::catalog {
namespace {

// Generations are unique across every Catalog of the process, so a reader's cache slot left behind by
// a destroyed Catalog can never match a new Catalog that happens to reuse its address.
std::atomic<uint64_t> g_next_generation{1};

// `name` lower-cased into the calling thread's scratch string: lookups allocate nothing once the scratch
// has grown to the longest name seen. The reference is valid until the thread's next call.
const std::string& LowerKey(std::string_view name) {
  thread_local std::string key;
  key.assign(name);
  for (char& c : key) c = AsciiLower(c);
  return key;
}

// Position of `name` among the entity's primary keys (case-insensitive); -1 when it is not a key.
int KeyIndex(const model::Entity& entity, std::string_view name) {
  for (size_t i = 0; i < entity.primary_keys.size(); ++i) {
    if (EqualsIgnoreCase(entity.primary_keys[i], name)) return static_cast<int>(i);
  }
  return -1;
}

const model::FeatureColumn* FindColumn(const std::vector<model::FeatureColumn>& columns,
                                       std::string_view name) {
  for (const model::FeatureColumn& c : columns) {
    if (EqualsIgnoreCase(c.name, name)) return &c;
  }
  return nullptr;
}

// The entity's entry: its metadata and its own table (EntityTable).
std::unique_ptr<EntityEntry> MakeEntityEntry(model::EntityMetadata meta) {
  auto entry = std::make_unique<EntityEntry>();
  entry->meta = std::move(meta);
  entry->table = EntityTable(entry->meta);
  return entry;
}

// The compiled plan of one group version: entity columns (declared order), then the group's own.
std::unique_ptr<GroupEntry> MakeGroupEntry(model::FeatureGroupMetadata meta, const EntityEntry* entity) {
  auto entry = std::make_unique<GroupEntry>();
  entry->meta = std::move(meta);
  entry->version_number = model::ParseVersion(entry->meta.version).value_or(0);
  entry->entity = entity;
  const model::Entity& e = entity->meta.entity;
  for (const model::FeatureColumn& c : e.features) {
    entry->columns.push_back(ResolvedColumn{c.name, c.type, c.id, KeyIndex(e, c.name), false});
  }
  for (const model::FeatureColumn& c : entry->meta.feature_group.features) {
    entry->columns.push_back(ResolvedColumn{c.name, c.type, c.id, -1, true});
  }
  for (size_t i = 0; i < entry->columns.size(); ++i)
    entry->index.emplace(ToLowerAscii(entry->columns[i].name), i);
  return entry;
}

// Appends `tenant` to `set` unless an equal configuration is there already.
void AddDistinct(std::vector<const model::TenantConfig*>& set, const model::TenantConfig& tenant) {
  for (const model::TenantConfig* seen : set) {
    if (*seen == tenant) return;
  }
  set.push_back(&tenant);
}

// Fills the tenant sets of one group's versions (oldest first) and records the group on its entity.
void LinkGroupTenants(EntityEntry* entity, const std::vector<GroupEntry*>& versions) {
  std::vector<const model::TenantConfig*> tenants;
  for (const GroupEntry* version : versions) AddDistinct(tenants, version->meta.tenant);
  for (GroupEntry* version : versions) version->group_tenants = tenants;
  entity->groups.push_back(versions.back());
  for (const model::TenantConfig* tenant : tenants) AddDistinct(entity->group_tenants, *tenant);
}

// One thread's view of one Catalog: the snapshot it holds and the generation it was published under.
struct ReaderSlot {
  const Catalog* owner = nullptr;
  uint64_t generation = 0;
  std::shared_ptr<const Snapshot> snapshot;
};

// A few slots per thread, so that several Catalogs in one process (tests, multi-tenant tools) each stay
// cached; the least recently claimed slot is reused when they run out.
struct ReaderCache {
  static constexpr size_t kSlots = 4;
  std::array<ReaderSlot, kSlots> slots;
  size_t next_victim = 0;
};

ReaderSlot& SlotFor(const Catalog* owner) {
  thread_local ReaderCache cache;
  for (ReaderSlot& slot : cache.slots) {
    if (slot.owner == owner) return slot;
  }
  ReaderSlot& slot = cache.slots[cache.next_victim++ % ReaderCache::kSlots];
  slot = ReaderSlot{owner, 0, nullptr};
  return slot;
}

// The calling thread's slot for `owner`, brought up to date: lock-free while `generation` has not moved
// since the slot was filled; otherwise re-filled from `published` under `mu`.
ReaderSlot& CurrentSlot(const Catalog* owner, const std::atomic<uint64_t>& generation, std::mutex& mu,
                        const std::shared_ptr<const Snapshot>& published) {
  ReaderSlot& slot = SlotFor(owner);
  if (slot.generation != generation.load(std::memory_order_acquire)) {
    std::lock_guard lock(mu);
    slot.snapshot = published;
    slot.generation = generation.load(std::memory_order_relaxed);
  }
  return slot;
}

}  // namespace

model::TableSpec EntityTable(const model::EntityMetadata& meta) {
  const model::Entity& entity = meta.entity;
  model::TableSpec table;
  table.id = static_cast<uint32_t>(meta.id);
  table.name = meta.name;
  table.ttl_seconds = entity.ttl_seconds;
  for (const std::string& key : entity.primary_keys) {
    const model::FeatureColumn* c = FindColumn(entity.features, key);
    if (c != nullptr) table.key_columns.push_back(model::ColumnSpec{c->id, c->name, c->type});
  }
  for (const model::FeatureColumn& c : entity.features) {
    if (KeyIndex(entity, c.name) < 0) table.value_columns.push_back(model::ColumnSpec{c.id, c.name, c.type});
  }
  return table;
}

void AppendGroupColumns(const model::FeatureGroupMetadata& version, model::TableSpec* table) {
  const model::FeatureGroup& fg = version.feature_group;
  for (const model::FeatureColumn& c : fg.features) {
    table->value_columns.push_back(model::ColumnSpec{
        c.id, model::PhysicalColumnName(version.name, version.version, fg.version_enabled, c.name), c.type});
  }
}

const ResolvedColumn* GroupEntry::Find(std::string_view name) const {
  auto it = index.find(LowerKey(name));
  return it == index.end() ? nullptr : &columns[it->second];
}

std::shared_ptr<const Snapshot> Snapshot::Build(std::vector<model::EntityMetadata> entities,
                                                std::vector<model::FeatureGroupMetadata> groups,
                                                int64_t change_counter,
                                                std::vector<model::ConsumerTopic> topics) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->change_counter_ = change_counter;
  std::sort(topics.begin(), topics.end(),
            [](const model::ConsumerTopic& a, const model::ConsumerTopic& b) { return a.tenant < b.tenant; });
  snapshot->topics_ = std::move(topics);
  std::unordered_map<std::string, EntityEntry*> by_name;
  for (model::EntityMetadata& meta : entities) {
    std::unique_ptr<EntityEntry> entry = MakeEntityEntry(std::move(meta));
    by_name.emplace(ToLowerAscii(entry->meta.name), entry.get());
    snapshot->entities_.push_back(std::move(entry));
  }
  // Creation order (version ids grow), so that every table's value columns follow column-id order.
  std::stable_sort(
      groups.begin(), groups.end(),
      [](const model::FeatureGroupMetadata& a, const model::FeatureGroupMetadata& b) { return a.id < b.id; });
  // Lower-cased group name -> (its entity, its versions), in order of first creation.
  std::vector<std::pair<EntityEntry*, std::vector<GroupEntry*>>> by_group;
  std::unordered_map<std::string, size_t> group_position;
  for (model::FeatureGroupMetadata& meta : groups) {
    auto entity = by_name.find(ToLowerAscii(meta.feature_group.entity_name));
    if (entity == by_name.end()) continue;  // inconsistent input: a group without its entity is unusable
    AppendGroupColumns(meta, &entity->second->table);
    std::unique_ptr<GroupEntry> entry = MakeGroupEntry(std::move(meta), entity->second);
    auto [position, added] = group_position.emplace(ToLowerAscii(entry->meta.name), by_group.size());
    if (added) by_group.emplace_back(entity->second, std::vector<GroupEntry*>());
    by_group[position->second].second.push_back(entry.get());
    snapshot->groups_.push_back(std::move(entry));
  }
  for (auto& [name, position] : group_position) {
    auto& [entity, versions] = by_group[position];
    std::sort(versions.begin(), versions.end(),
              [](const GroupEntry* a, const GroupEntry* b) { return a->version_number < b->version_number; });
    snapshot->group_index_[name].assign(versions.begin(), versions.end());
  }
  for (auto& [entity, versions] : by_group) LinkGroupTenants(entity, versions);
  snapshot->entity_index_.insert(by_name.begin(), by_name.end());
  return snapshot;
}

const EntityEntry* Snapshot::FindEntity(std::string_view name) const {
  auto it = entity_index_.find(LowerKey(name));
  return it == entity_index_.end() ? nullptr : it->second;
}

const GroupEntry* Snapshot::FindGroup(std::string_view name, std::optional<int64_t> version) const {
  auto it = group_index_.find(LowerKey(name));
  if (it == group_index_.end()) return nullptr;
  const std::vector<const GroupEntry*>& versions = it->second;
  if (!version) return versions.back();
  auto v = std::lower_bound(versions.begin(), versions.end(), *version,
                            [](const GroupEntry* g, int64_t n) { return g->version_number < n; });
  return v != versions.end() && (*v)->version_number == *version ? *v : nullptr;
}

const Snapshot* Catalog::Current() const {
  return CurrentSlot(this, generation_, publish_mu_, published_).snapshot.get();
}

std::shared_ptr<const Snapshot> Catalog::CurrentShared() const {
  return CurrentSlot(this, generation_, publish_mu_, published_).snapshot;
}

std::string Snapshot::TopicOfTenant(std::string_view consume_tenant, std::string_view prefix) const {
  auto it =
      std::lower_bound(topics_.begin(), topics_.end(), consume_tenant,
                       [](const model::ConsumerTopic& t, std::string_view name) { return t.tenant < name; });
  if (it != topics_.end() && it->tenant == consume_tenant) return it->topic;
  return std::string(prefix) +
         (consume_tenant == model::kDefaultTenant ? std::string("default") : std::string(consume_tenant));
}

Status Catalog::Refresh(bool force) { return RefreshWithOutcome(force).status; }

Catalog::RefreshOutcome Catalog::RefreshWithOutcome(bool force) {
  std::lock_guard refresh_lock(refresh_mu_);
  // Read the counter before the metadata: a change racing with the load is at worst loaded early and
  // reloaded by the next refresh, never missed.
  Result<int64_t> counter = store_->ChangeCounter();
  if (!counter.ok()) return {counter.status(), false};
  if (!force) {
    std::lock_guard lock(publish_mu_);
    if (published_ != nullptr && published_->change_counter() == *counter) return {Status::Ok(), false};
  }
  Result<std::vector<model::EntityMetadata>> entities = store_->ListEntities(0);
  if (!entities.ok()) return {entities.status(), false};
  Result<std::vector<model::FeatureGroupMetadata>> groups = store_->ListFeatureGroups(0);
  if (!groups.ok()) return {groups.status(), false};
  Result<std::vector<model::ConsumerTopic>> topics = store_->ListConsumerTopics();
  if (!topics.ok()) return {topics.status(), false};
  std::shared_ptr<const Snapshot> next = Snapshot::Build(
      std::move(entities).value(), std::move(groups).value(), *counter, std::move(topics).value());
  std::shared_ptr<const Snapshot> previous;  // released after the lock (it may be the last reference)
  {
    std::lock_guard lock(publish_mu_);
    previous = std::exchange(published_, std::move(next));
    generation_.store(g_next_generation.fetch_add(1, std::memory_order_relaxed), std::memory_order_release);
  }
  return {Status::Ok(), true};
}

}  // namespace ofs::catalog
