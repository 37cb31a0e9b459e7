#pragma once
// The column family of each tenant, named "tenant:<name>". Owns every column-family handle of the
// database (the default one included) and destroys them before the database closes.
// Thread-safety: Find is lock-free (an immutable map published through an atomic pointer); creation
// serialises on a mutex, creates the column family, then publishes a copy of the map. Superseded maps
// are kept until the registry dies: tenants are few and appear rarely, so this costs a little memory
// and spares readers any reference counting.

#include <rocksdb/db.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ofs::storage::rocks {

class TenantRegistry {
 public:
  // `db` is not owned and outlives the registry. `handles` are the ones DB::Open returned, which the
  // registry now owns; `options` are used to create new column families.
  TenantRegistry(rocksdb::DB* db, rocksdb::ColumnFamilyOptions options,
                 const std::vector<rocksdb::ColumnFamilyHandle*>& handles);
  ~TenantRegistry();
  TenantRegistry(const TenantRegistry&) = delete;
  TenantRegistry& operator=(const TenantRegistry&) = delete;

  static std::string ColumnFamilyName(std::string_view tenant);

  // The tenant's column family, or nullptr when the tenant has none (it has no rows).
  rocksdb::ColumnFamilyHandle* Find(std::string_view tenant) const;
  // The tenant's column family, created when missing. Errors: STORE-UNAVAILABLE from RocksDB.
  Result<rocksdb::ColumnFamilyHandle*> FindOrCreate(std::string_view tenant);
  // Every tenant's column family (a snapshot).
  std::vector<rocksdb::ColumnFamilyHandle*> All() const;

 private:
  using Map = std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>>;

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyOptions options_;
  std::atomic<const Map*> current_;
  std::mutex mu_;                                      // serialises creation
  std::vector<std::unique_ptr<const Map>> maps_;       // every published map; guarded by mu_
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; guarded by mu_
};

}  // namespace ofs::storage::rocks
