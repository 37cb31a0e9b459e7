#pragma once
// Which online store a role opens (store.url, store.tenants; docs/configuration.md, "The online store"):
// the embedded RocksDB store, or Apache Cassandra / ScyllaDB in Darwin's table layout. The one place where
// the app names a concrete store besides its own RocksDB wiring.

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/online_store.h"

#ifdef OFS_WITH_CASSANDRA
#include "storage/cassandra/cassandra_options.h"
#endif

namespace ofs::app {

struct StoreSelection {
  enum class Engine { kRocksDb, kCassandra };
  Engine engine = Engine::kRocksDb;
  std::string description;  // for the log: "rocksdb", or the cluster without its password
#ifdef OFS_WITH_CASSANDRA
  storage::cassandra::CassandraStoreOptions cassandra;
#endif
};

// `url`: "rocksdb" or a cassandra:// URL; `tenants`: "" or TENANT=URL[;TENANT=URL...] (cassandra only).
// INVALID-REQUEST naming the part that is wrong (never a password).
Result<StoreSelection> ParseStoreSelection(std::string_view url, std::string_view tenants);

// Opens the remote store a selection names (not the embedded one, which Application opens with its
// RocksDB settings). Connects nothing yet: sessions open on first use.
Result<std::unique_ptr<storage::OnlineStore>> OpenRemoteStore(const StoreSelection& selection);

}  // namespace ofs::app
