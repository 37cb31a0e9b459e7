#pragma once
// Application: the one place where a role's components are created and wired together
// (ARCHITECTURE.md section 5), as its RolePlan (role.h) asks. `ofs standalone` = SQLite metadata + RocksDB
// online store under one data directory by default, the serving API on one port and the admin API on
// another, sharing one catalog, one metrics registry and one disk reserve (both embedded stores refuse
// writes below it); `ofs admin` serves the admin API only and `ofs serve` the serving API only, over
// the metadata and online stores that --metadata and --store name. Every role keeps its catalog current
// with a CatalogRefresher (catalog.refresh_ms; at once on a miss). Admin handlers run on a worker pool,
// off the event loops; /health answers from a monitor thread's last check. Lifecycle: Start() starts
// watching the disk, opens the stores, loads the catalog, starts the refresher, the health monitor and the
// admin workers, then the servers; Stop() (or the destructor) stops the servers first (they wait for
// suspended requests), then the admin workers (which finish what is queued), the health monitor and the
// refresher, then closes the stores, then stops watching the disk.

#include <filesystem>
#include <memory>

#include "api/auth.h"
#include "api/endpoint.h"
#include "api/offload.h"
#include "base/disk_reserve.h"
#include "base/status.h"
#include "base/worker_pool.h"
#include "catalog/catalog.h"
#include "catalog/refresher.h"
#include "config.h"
#include "health_monitor.h"
#include "http/server.h"
#include "ingestion.h"
#include "kafka/kafka_topic_admin.h"
#include "metadata_backup.h"
#include "metrics/metrics.h"
#include "role.h"
#include "storage/online_store.h"
#include "storage/rocksdb/rocks_store.h"
#ifdef OFS_WITH_DELTA
#include "populate/load_worker.h"
#endif

namespace ofs::app {

class Application {
 public:
  explicit Application(Config config, RolePlan role = StandaloneRole());
  ~Application();

  Status Start();
  void Stop();
  uint16_t serving_port() const;  // 0 when the role serves no serving API
  uint16_t admin_port() const;    // 0 when the role serves no admin API
  // The stores and the catalog, once Start() succeeded (one-shot commands over a role: `ofs populate`).
  catalog::Catalog* catalog() const { return catalog_.get(); }
  catalog::MetadataStore* metadata() const { return metadata_.get(); }
  storage::OnlineStore* store() const { return store_.get(); }

 private:
  void RegisterOperationalRoutes(api::Endpoint& endpoint);
  // The embedded RocksDB store under `dir`, with its metrics.
  Status OpenEmbeddedStore(const std::filesystem::path& dir);
  void RegisterStoreMetrics(const storage::RocksStore* store);
  void RegisterDiskAndFallbackMetrics();
  void RegisterHttpOutputMetrics();
  void RegisterAdminAndHealthMetrics();
  void StartHealthMonitor();
  void RegisterCatalogMetrics();
  Status StartServers();
  Status StartIngestion();
  Status StartLoadWorkers();
  void WakeLoadWorkers();

  Status LockDataDirectory(const std::filesystem::path& dir);
  void RegisterBackupRoute(api::Endpoint& endpoint, const api::Offloader& offload);

  Config config_;
  const RolePlan role_;
  int data_dir_lock_fd_ = -1;  // <data_dir>/ofs.lock, flock'ed for the process's lifetime
  metrics::Registry registry_;
  api::Authenticator auth_;
  std::unique_ptr<DiskReserve> disk_;  // the data directory's free space; outlives both stores
  std::unique_ptr<catalog::MetadataStore> metadata_;
  std::unique_ptr<storage::OnlineStore> store_;
  storage::RocksStore* embedded_store_ = nullptr;  // store_ when it is the embedded RocksDB
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<catalog::CatalogRefresher> refresher_;  // keeps catalog_ current
  std::unique_ptr<Ingestion> ingestion_;                  // Kafka producer / consumer (ingestion.h)
  std::unique_ptr<kafka::KafkaTopicAdmin> topic_admin_;   // admin roles with Kafka (/consumer/*, /kafka/*)
#ifdef OFS_WITH_DELTA
  std::vector<std::unique_ptr<populate::LoadWorker>> load_workers_;  // role.runs_loads: populate.workers
#endif
  std::unique_ptr<HealthMonitor> health_;  // polls disk_, metadata_, store_, refresher_
  std::unique_ptr<WorkerPool> admin_workers_;
  std::unique_ptr<BackupScheduler> backups_;  // when metadata.backup_dir is set and the role serves admin //
                                              // runs the admin handlers (api/offload.h)
  std::unique_ptr<api::Endpoint> serving_endpoint_;
  std::unique_ptr<api::Endpoint> admin_endpoint_;
  std::unique_ptr<http::Server> serving_server_;
  std::unique_ptr<http::Server> admin_server_;
  // A role without either API (`ofs consume`) serves /health and /metrics on http.port.
  std::unique_ptr<api::Endpoint> operational_endpoint_;
  std::unique_ptr<http::Server> operational_server_;
};

}  // namespace ofs::app
