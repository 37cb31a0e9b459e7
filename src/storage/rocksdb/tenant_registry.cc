#include "storage/rocksdb/tenant_registry.h"

#include "storage/rocksdb/rocks_status.h"

namespace ofs::storage::rocks {
namespace {

constexpr std::string_view kTenantPrefix = "tenant:";

}  // namespace

TenantRegistry::TenantRegistry(rocksdb::DB* db, rocksdb::ColumnFamilyOptions options,
                               const std::vector<rocksdb::ColumnFamilyHandle*>& handles)
    : db_(db), options_(std::move(options)), handles_(handles) {
  auto map = std::make_unique<Map>();
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    const std::string& name = handle->GetName();
    if (name.starts_with(kTenantPrefix)) map->emplace(name.substr(kTenantPrefix.size()), handle);
  }
  current_.store(map.get(), std::memory_order_release);
  maps_.push_back(std::move(map));
}

TenantRegistry::~TenantRegistry() {
  for (rocksdb::ColumnFamilyHandle* handle : handles_)
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
}

std::string TenantRegistry::ColumnFamilyName(std::string_view tenant) {
  std::string name(kTenantPrefix);
  name.append(tenant);
  return name;
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
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  OFS_RETURN_IF_ERROR(FromRocks(db_->CreateColumnFamily(options_, ColumnFamilyName(tenant), &handle),
                                "create column family"));
  handles_.push_back(handle);
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

}  // namespace ofs::storage::rocks
