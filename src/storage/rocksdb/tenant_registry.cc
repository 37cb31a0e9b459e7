#include "storage/rocksdb/tenant_registry.h"

#include <charconv>

#include "base/log.h"
#include "storage/rocksdb/rocks_status.h"

namespace ofs::storage::rocks {
namespace {

constexpr std::string_view kTenantPrefix = "tenant:";
constexpr std::string_view kGenerationPrefix = "tenant@";

bool IsEmpty(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* handle) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handle));
  it->SeekToFirst();
  return !it->Valid() && it->status().ok();
}

}  // namespace

TenantRegistry::TenantRegistry(rocksdb::DB* db, rocksdb::ColumnFamilyOptions options,
                               const std::vector<rocksdb::ColumnFamilyHandle*>& handles, bool read_only)
    : db_(db), options_(std::move(options)), read_only_(read_only), handles_(handles) {
  auto map = std::make_unique<Map>();
  std::map<std::string, uint64_t, std::less<>> generations;
  std::vector<rocksdb::ColumnFamilyHandle*> stale;
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    const std::optional<Parsed> parsed = ParseColumnFamilyName(handle->GetName());
    if (!parsed) continue;
    const auto known = generations.find(parsed->tenant);
    if (known == generations.end()) {
      generations.emplace(parsed->tenant, parsed->generation);
      map->emplace(parsed->tenant, handle);
    } else if (parsed->generation > known->second) {
      stale.push_back((*map)[parsed->tenant]);
      known->second = parsed->generation;
      (*map)[parsed->tenant] = handle;
    } else {
      stale.push_back(handle);
    }
  }
  current_.store(map.get(), std::memory_order_release);
  maps_.push_back(std::move(map));
  if (!read_only_) DropStale(std::move(stale));
}

TenantRegistry::~TenantRegistry() {
  for (rocksdb::ColumnFamilyHandle* handle : handles_)
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
}

std::string TenantRegistry::ColumnFamilyName(std::string_view tenant, uint64_t generation) {
  std::string name;
  if (generation == 0) {
    name = kTenantPrefix;
  } else {
    name = kGenerationPrefix;
    name += std::to_string(generation);
    name += ':';
  }
  name.append(tenant);
  return name;
}

std::optional<TenantRegistry::Parsed> TenantRegistry::ParseColumnFamilyName(std::string_view name) {
  if (name.starts_with(kTenantPrefix)) return Parsed{std::string(name.substr(kTenantPrefix.size())), 0};
  if (!name.starts_with(kGenerationPrefix)) return std::nullopt;
  name.remove_prefix(kGenerationPrefix.size());
  uint64_t generation = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), generation);
  if (ec != std::errc() || end == name.data() || end == name.data() + name.size() || *end != ':') {
    return std::nullopt;
  }
  return Parsed{std::string(end + 1, name.data() + name.size()), generation};
}

rocksdb::ColumnFamilyHandle* TenantRegistry::Find(std::string_view tenant) const {
  const Map* map = current_.load(std::memory_order_acquire);
  const auto it = map->find(tenant);
  return it == map->end() ? nullptr : it->second;
}

Result<rocksdb::ColumnFamilyHandle*> TenantRegistry::FindOrCreate(std::string_view tenant) {
  if (rocksdb::ColumnFamilyHandle* handle = Find(tenant)) return handle;
  std::lock_guard lock(mu_);
  if (rocksdb::ColumnFamilyHandle* handle = Find(tenant)) return handle;
  if (read_only_) {
    return Result<rocksdb::ColumnFamilyHandle*>(
        ErrorCode::kStoreUnavailable, "the store is read-only: new tenants cannot be stored",
        "it opened on a full disk; writes resume once free space rises above the reserve");
  }
  auto generation = next_generation_.find(tenant);
  if (generation == next_generation_.end())
    generation = next_generation_.emplace(std::string(tenant), 0).first;
  const std::string name = ColumnFamilyName(tenant, generation->second);
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  const rocksdb::Status created = db_->CreateColumnFamily(options_, name, &handle);
  if (handle == nullptr) {
    // Whatever RocksDB kept of `name` stays unused: the next attempt takes the next generation.
    ++generation->second;
    Status failed = FromRocks(created.ok() ? rocksdb::Status::Incomplete("no handle") : created,
                              "creating the namespace of tenant '" + std::string(tenant) + "'");
    OFS_LOG_ERROR("storage", "{}; the next attempt creates column family {}", failed.ToString(),
                  ColumnFamilyName(tenant, generation->second));
    failures_.insert_or_assign(std::string(tenant), failed);
    failing_.store(true, std::memory_order_release);
    return failed;
  }
  if (!created.ok()) {  // the family exists and has a handle: adopted (an OPTIONS file write failed)
    OFS_LOG_WARN("storage", "column family {} created with an error, adopted: {}", name, created.ToString());
  }
  handles_.push_back(handle);
  if (const auto failed = failures_.find(tenant); failed != failures_.end()) {
    failures_.erase(failed);
    OFS_LOG_INFO("storage", "tenant '{}' stored in column family {} after an earlier failure", tenant, name);
    failing_.store(!failures_.empty(), std::memory_order_release);
  }
  auto map = std::make_unique<Map>(*current_.load(std::memory_order_relaxed));
  map->emplace(std::string(tenant), handle);
  current_.store(map.get(), std::memory_order_release);
  maps_.push_back(std::move(map));
  return handle;
}

std::vector<rocksdb::ColumnFamilyHandle*> TenantRegistry::All() const {
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  for (const auto& [tenant, handle] : *current_.load(std::memory_order_acquire)) all.push_back(handle);
  return all;
}

Status TenantRegistry::Health() const {
  if (!failing_.load(std::memory_order_acquire)) return Status::Ok();
  std::lock_guard lock(mu_);
  if (failures_.empty()) return Status::Ok();
  const auto& [tenant, failure] = *failures_.begin();
  return Status(ErrorCode::kStoreUnavailable,
                "creating the storage namespace of tenant '" + tenant +
                    "' failed; its writes fail until a later attempt succeeds",
                std::string(failure.cause()));
}

void TenantRegistry::DropStale(std::vector<rocksdb::ColumnFamilyHandle*> stale) {
  for (rocksdb::ColumnFamilyHandle* handle : stale) {
    const std::string name = handle->GetName();
    if (!IsEmpty(db_, handle)) {
      OFS_LOG_ERROR("storage", "column family {} is superseded by a later generation but holds rows; kept",
                    name);
      continue;
    }
    const rocksdb::Status dropped = db_->DropColumnFamily(handle);
    if (dropped.ok()) {
      OFS_LOG_INFO("storage", "dropped column family {}, left empty by a failed creation", name);
    } else {
      OFS_LOG_WARN("storage", "cannot drop column family {}, left by a failed creation: {}", name,
                   dropped.ToString());
    }
  }
}

}  // namespace ofs::storage::rocks
