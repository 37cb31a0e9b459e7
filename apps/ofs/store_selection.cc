#include "store_selection.h"

#include <utility>

#include "base/strings.h"

#ifdef OFS_WITH_CASSANDRA
#include "storage/cassandra/cassandra_store.h"
#endif

namespace ofs::app {
namespace {

constexpr std::string_view kCassandraScheme = "cassandra://";

Status Invalid(std::string message, std::string hint = {}) {
  return Status(ErrorCode::kInvalidRequest, std::move(message), std::move(hint));
}

}  // namespace

Result<StoreSelection> ParseStoreSelection(std::string_view url, std::string_view tenants) {
  StoreSelection selection;
  if (url == "rocksdb") {
    if (!Trim(tenants).empty()) {
      return Invalid("store.tenants needs a cassandra:// store.url",
                     "with rocksdb every tenant is a column family of the embedded store");
    }
    selection.description = "rocksdb";
    return selection;
  }
  if (url.substr(0, kCassandraScheme.size()) != kCassandraScheme) {
    return Invalid("store.url must be rocksdb or a cassandra:// URL", "e.g. cassandra://127.0.0.1:9042/ofs");
  }
#ifdef OFS_WITH_CASSANDRA
  selection.engine = StoreSelection::Engine::kCassandra;
  OFS_ASSIGN_OR_RETURN(selection.cassandra.cluster, storage::cassandra::ParseCassandraUrl(url));
  selection.description = selection.cassandra.cluster.Describe();
  std::string_view rest = tenants;
  while (!Trim(rest).empty()) {
    const size_t end = rest.find(';');
    std::string_view entry = Trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (entry.empty()) continue;
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos || Trim(entry.substr(0, eq)).empty()) {
      return Invalid("store.tenants entries are TENANT=cassandra://...; one has no tenant name");
    }
    std::string tenant(Trim(entry.substr(0, eq)));
    Result<storage::cassandra::CassandraClusterOptions> cluster =
        storage::cassandra::ParseCassandraUrl(Trim(entry.substr(eq + 1)));
    if (!cluster.ok()) {
      return Invalid("store.tenants, tenant '" + tenant + "': " + std::string(cluster.status().message()));
    }
    if (!selection.cassandra.tenant_clusters.emplace(tenant, std::move(cluster).value()).second) {
      return Invalid("store.tenants names tenant '" + tenant + "' twice");
    }
  }
  return selection;
#else
  return Invalid("this ofs was built without the Cassandra store (cmake -DOFS_CASSANDRA=ON needs cargo)");
#endif
}

Result<std::unique_ptr<storage::OnlineStore>> OpenRemoteStore(const StoreSelection& selection) {
#ifdef OFS_WITH_CASSANDRA
  if (selection.engine == StoreSelection::Engine::kCassandra) {
    OFS_ASSIGN_OR_RETURN(auto store, storage::CassandraStore::Open(selection.cassandra));
    return std::unique_ptr<storage::OnlineStore>(std::move(store));
  }
#endif
  return Result<std::unique_ptr<storage::OnlineStore>>(ErrorCode::kInternal,
                                                       "no remote store selected: " + selection.description);
}

}  // namespace ofs::app
