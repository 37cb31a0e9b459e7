#pragma once
// The column family of each tenant. Owns every column-family handle of the database (the default one
// included) and destroys them before the database closes.
//
// Names: "tenant:<name>" (generation 0), or "tenant@<g>:<name>" for a later generation g. A generation
// is only ever created for a tenant that has no column family in this process, and a failed creation
// moves the tenant to the next generation. Why: RocksDB 7.8's CreateColumnFamily writes the family to
// the MANIFEST before it opens the family's directory; if that open fails (file descriptors exhausted)
// the family exists inside RocksDB without a handle, every later creation of the name answers "Column
// family already exists", and the 7.8 API has no way to get a handle to an existing family short of
// reopening the database (only DB::Open and CreateColumnFamily return handles). A fresh name makes the
// next attempt succeed in this process, and the family left behind is adopted or removed when the
// database is next opened (its handle then exists):
//   - opening maps each tenant to its highest generation;
//   - lower generations are empty by construction (no handle ever reached a writer) and are dropped
//     when the database is writable (checked empty first; kept and logged otherwise).
// Creation failures are remembered per tenant and reported by Health() until a later creation of that
// tenant succeeds. A read-only registry creates and drops nothing.
// Thread-safety: Find is lock-free (an immutable map published through an atomic pointer); creation
// serialises on a mutex, creates the column family, then publishes a copy of the map. Superseded maps
// are kept until the registry dies: tenants are few and appear rarely, so this costs a little memory
// and spares readers any reference counting.

#include <rocksdb/db.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ofs::storage::rocks {

class TenantRegistry {
 public:
  // `db` is not owned and outlives the registry. `handles` are the ones DB::Open returned, which the
  // registry now owns; `options` are used to create new column families. Drops the stale generations
  // unless `read_only`.
  TenantRegistry(rocksdb::DB* db, rocksdb::ColumnFamilyOptions options,
                 const std::vector<rocksdb::ColumnFamilyHandle*>& handles, bool read_only);
  ~TenantRegistry();
  TenantRegistry(const TenantRegistry&) = delete;
  TenantRegistry& operator=(const TenantRegistry&) = delete;

  // The column family name of `tenant` in generation `generation`.
  static std::string ColumnFamilyName(std::string_view tenant, uint64_t generation = 0);
  // The tenant and generation a column family name stands for; nullopt for other families.
  struct Parsed {
    std::string tenant;
    uint64_t generation = 0;
  };
  static std::optional<Parsed> ParseColumnFamilyName(std::string_view name);

  // The tenant's column family, or nullptr when the tenant has none (it has no rows).
  rocksdb::ColumnFamilyHandle* Find(std::string_view tenant) const;
  // The tenant's column family, created when missing. Errors: STORE-UNAVAILABLE from RocksDB (the
  // cause without paths), or for a read-only registry. A failure leaves nothing registered.
  Result<rocksdb::ColumnFamilyHandle*> FindOrCreate(std::string_view tenant);
  // Every tenant's column family (a snapshot).
  std::vector<rocksdb::ColumnFamilyHandle*> All() const;
  // OK, or STORE-UNAVAILABLE naming a tenant whose column family could not be created (the first one
  // still failing) and why.
  Status Health() const;

 private:
  using Map = std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>>;

  void DropStale(std::vector<rocksdb::ColumnFamilyHandle*> stale);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyOptions options_;
  const bool read_only_;
  std::atomic<const Map*> current_;
  std::atomic<bool> failing_{false};                              // failures_ is not empty
  mutable std::mutex mu_;                                         // serialises creation
  std::vector<std::unique_ptr<const Map>> maps_;                  // every published map; guarded by mu_
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;             // owned; guarded by mu_
  std::map<std::string, uint64_t, std::less<>> next_generation_;  // tenants created here; guarded by mu_
  std::map<std::string, Status, std::less<>> failures_;           // guarded by mu_
};

}  // namespace ofs::storage::rocks
