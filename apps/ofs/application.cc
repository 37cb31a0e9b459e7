#include "application.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "admin/admin.h"
#include "api/envelope.h"
#include "base/clock.h"
#include "base/fallback.h"
#include "base/log.h"
#include "base/strings.h"
#include "codec/json_writer.h"
#include "metadata_backup.h"
#include "metadata_selection.h"
#include "serving/serving.h"
#include "storage/rocksdb/rocks_store.h"
#include "store_selection.h"

namespace ofs::app {
namespace {

http::ServerOptions ServerOptionsFor(const Config& c, int64_t port) {
  http::ServerOptions o;
  o.bind_address = c.bind_address;
  o.port = static_cast<uint16_t>(port);
  o.threads = c.threads > 0 ? static_cast<int>(c.threads)
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.max_header_bytes = static_cast<size_t>(c.max_header_bytes);
  o.max_body_bytes = static_cast<size_t>(c.max_body_bytes);
  o.request_timeout_ms = c.request_timeout_ms;
  o.idle_timeout_ms = c.idle_timeout_ms;
  o.write_timeout_ms = c.write_timeout_ms;
  o.suspended_timeout_ms = c.suspended_timeout_ms;
  o.max_suspended_requests = static_cast<size_t>(c.max_suspended_requests);
  o.max_buffered_output_bytes = static_cast<size_t>(c.max_buffered_output_bytes);
  o.max_connections = static_cast<size_t>(c.max_connections);
  o.gzip_min_bytes = static_cast<size_t>(c.gzip_min_bytes);
  o.access_log = c.access_log;
  o.deferred_output_bytes = static_cast<size_t>(c.deferred_output_bytes);
  o.deferred_output_responses = static_cast<size_t>(c.deferred_output_responses);
  return o;
}

}  // namespace

Application::Application(Config config, RolePlan role)
    : config_(std::move(config)), role_(role), auth_(config_.tokens) {}

Application::~Application() {
  Stop();
  if (data_dir_lock_fd_ >= 0) ::close(data_dir_lock_fd_);  // releases the lock
}

// One process per data directory, whatever its stores: two would share the SQLite metadata file, the
// embedded store (RocksDB refuses a second opener with its own LOCK file, but only when it is the store)
// and the disk reserve's accounting. An advisory lock on <data_dir>/ofs.lock, held until exit (the kernel
// drops it when the process dies, so a killed process leaves nothing to clean up).
Status Application::LockDataDirectory(const std::filesystem::path& dir) {
  const std::string path = (dir / "ofs.lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status(ErrorCode::kInvalidRequest, "data_dir: cannot open " + path, std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    return Status(
        ErrorCode::kInvalidRequest,
        "data_dir " + config_.data_dir + " is in use by another ofs process (" + path + " is locked)",
        std::strerror(error));
  }
  data_dir_lock_fd_ = fd;
  return Status::Ok();
}

Status Application::Start() {
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidRequest, "cannot create data directory " + config_.data_dir,
                  ec.message());
  }
  auto dir = std::filesystem::path(config_.data_dir);
  OFS_RETURN_IF_ERROR(LockDataDirectory(dir));

  DiskReserve::Options disk_options;
  disk_options.path = config_.data_dir;
  disk_options.reserve_bytes = MinFreeDiskBytes(config_.min_free_disk_mb, config_.write_buffer_mb);
  disk_options.setting = "rocksdb.min_free_disk_mb";
  disk_ = std::make_unique<DiskReserve>(std::move(disk_options));
  OFS_LOG_INFO("app",
               "keeping {} MiB free on the data directory's file system (rocksdb.min_free_disk_mb = {})",
               disk_->reserve_bytes() >> 20, config_.min_free_disk_mb);
  RegisterDiskAndFallbackMetrics();

  OFS_ASSIGN_OR_RETURN(MetadataSelection metadata_selection, ParseMetadataSelection(config_.metadata_url));
  Result<std::unique_ptr<catalog::MetadataStore>> metadata =
      OpenMetadataStore(metadata_selection, config_.data_dir, disk_.get());
  if (!metadata.ok()) {
    return Status(
        metadata.status().code(),
        "metadata.url (" + metadata_selection.description + "): " + std::string(metadata.status().message()),
        std::string(metadata.status().cause()));
  }
  metadata_ = std::move(metadata).value();
  OFS_LOG_INFO("app", "metadata store: {}", metadata_selection.description);

  OFS_ASSIGN_OR_RETURN(StoreSelection selection,
                       ParseStoreSelection(config_.store_url, config_.store_tenants));
  if (selection.engine == StoreSelection::Engine::kRocksDb) {
    OFS_RETURN_IF_ERROR(OpenEmbeddedStore(dir));
  } else {
    OFS_ASSIGN_OR_RETURN(store_, OpenRemoteStore(selection));
    // A cluster that cannot be reached at start is a configuration error to report now, in one line
    // naming the setting, not a stream of 503s (later outages are 503s and /health DOWN).
    if (Status reachable = store_->Health(); !reachable.ok()) {
      return Status(reachable.code(),
                    "store.url (" + selection.description + "): " + std::string(reachable.message()),
                    std::string(reachable.cause()));
    }
    // No row cache in front of a store other nodes write too: every read goes to the cluster.
    OFS_LOG_INFO("app", "online store: {} (no row cache: other nodes write the same cluster)",
                 selection.description);
  }

  catalog_ = std::make_unique<catalog::Catalog>(metadata_.get());
  refresher_ = std::make_unique<catalog::CatalogRefresher>(
      catalog_.get(),
      catalog::CatalogRefresher::Options{std::chrono::milliseconds(config_.catalog_refresh_ms),
                                         std::chrono::milliseconds(config_.catalog_miss_refresh_ms)});
  if (Status loaded = refresher_->RefreshNow(); !loaded.ok()) {
    if (!role_.serves_without_metadata) return loaded;
    OFS_LOG_WARN("app",
                 "cannot load the catalog yet ({}): serving requests are answered 503 until the metadata "
                 "store answers",
                 loaded.ToString());
  }
  refresher_->Start();
  OFS_RETURN_IF_ERROR(StartIngestion());
  OFS_RETURN_IF_ERROR(StartLoadWorkers());
  StartHealthMonitor();
  if (role_.admin_api && !config_.metadata_backup_dir.empty()) {
    Result<std::unique_ptr<BackupLocation>> location = OpenBackupLocation(
        config_.metadata_backup_dir,
        S3BackupSettings{config_.metadata_backup_s3_endpoint, config_.metadata_backup_s3_region,
                         config_.metadata_backup_s3_timeout_ms});
    if (!location.ok()) {
      return Status(location.status().code(),
                    "metadata.backup_dir " + config_.metadata_backup_dir + ": " +
                        std::string(location.status().message()),
                    std::string(location.status().cause()));
    }
    backups_ = std::make_unique<BackupScheduler>(
        metadata_.get(),
        BackupScheduler::Options{std::move(location).value(), config_.metadata_backup_keep,
                                 std::chrono::seconds(config_.metadata_backup_interval_s)},
        &registry_);
    backups_->Start();
    OFS_LOG_INFO("app", "metadata backups into {} every {} s, keeping {}", config_.metadata_backup_dir,
                 config_.metadata_backup_interval_s, config_.metadata_backup_keep);
  }
  admin_workers_ = std::make_unique<WorkerPool>(
      WorkerPool::Options{static_cast<size_t>(config_.admin_workers),
                          static_cast<size_t>(config_.admin_max_queued), "ofs-admin"});
  OFS_RETURN_IF_ERROR(StartServers());
  RegisterHttpOutputMetrics();
  RegisterAdminAndHealthMetrics();
  RegisterCatalogMetrics();
  // "ofs ROLE serving on HOST:P, admin on HOST:Q, data in DIR" (either part absent when the role does not
  // serve that API): test harnesses read the ports of a server started with port 0 from this line.
  std::string listening;
  if (serving_server_)
    listening += "serving on " + config_.bind_address + ":" + std::to_string(serving_server_->port());
  if (admin_server_) {
    listening += (listening.empty() ? "admin on " : ", admin on ") + config_.bind_address + ":" +
                 std::to_string(admin_server_->port());
  }
  if (operational_server_) {
    listening +=
        "health and metrics on " + config_.bind_address + ":" + std::to_string(operational_server_->port());
  }
  OFS_LOG_INFO("app", "ofs {} {}, data in {}", role_.name, listening, config_.data_dir);
  return Status::Ok();
}

// The servers the role asks for: the serving API on http.port, the admin API on http.admin_port beside
// it (standalone) or on http.port alone (admin).
Status Application::StartServers() {
  serving::ServingDeps serving_deps;
  serving_deps.catalog = catalog_.get();
  serving_deps.store = store_.get();
  serving_deps.clock = SystemClock::Default();
  serving_deps.registry = &registry_;
  if (role_.catalog_changed_elsewhere) serving_deps.refresher = refresher_.get();
  if (ingestion_) serving_deps.async_sink = ingestion_->sink();
  serving_deps.limits = {static_cast<size_t>(config_.max_keys_per_read),
                         static_cast<size_t>(config_.max_rows_per_write),
                         static_cast<size_t>(config_.max_batches),
                         static_cast<size_t>(config_.max_partition_rows),
                         static_cast<size_t>(config_.ingest_max_record_bytes),
                         config_.max_write_time_ahead_ms * 1000};
  // Admin handlers run on the admin workers; a job still queued when its server has answered the
  // request 503 (the server's suspended deadline) is dropped unrun.
  admin::AdminDeps admin_deps{metadata_.get(),
                              catalog_.get(),
                              store_.get(),
                              SystemClock::Default(),
                              std::make_shared<std::mutex>(),
                              {}};
  admin_deps.offload = {admin_workers_.get(), std::chrono::milliseconds(config_.suspended_timeout_ms)};
  admin_deps.topics = topic_admin_.get();
  admin_deps.topic_prefix = config_.kafka_topic_prefix;
#ifdef OFS_WITH_DELTA
  admin_deps.loads = true;
  admin_deps.load_created = [this] { WakeLoadWorkers(); };
#endif
  serving_deps.topic_prefix = config_.kafka_topic_prefix;
  serving_deps.offload = admin_deps.offload;

  auto error_formatter = [](const Status& status, http::Response& response) {
    api::WriteError(status, response);
  };
  auto make_server = [&](api::Endpoint* endpoint, int64_t port, int64_t suspended_timeout_ms) {
    http::ServerOptions options = ServerOptionsFor(config_, port);
    options.suspended_timeout_ms = suspended_timeout_ms;
    // Write requests defer their WAL sync (SyncStart::kAtStartSyncs): one sync per batch of events.
    options.after_batch = [store = store_.get()] { store->StartSyncs(); };
    return std::make_unique<http::Server>(
        std::move(options),
        [endpoint](const http::Request& request, http::Response& response) {
          endpoint->Dispatch(request, response);
        },
        error_formatter);
  };
  if (role_.serving_api) {
    serving_endpoint_ = std::make_unique<api::Endpoint>(&auth_, &registry_, "serving");
    serving::RegisterServingRoutes(*serving_endpoint_, serving_deps);
    admin::RegisterSchemaRoutes(*serving_endpoint_, admin_deps);
    RegisterOperationalRoutes(*serving_endpoint_);
    serving_server_ = make_server(serving_endpoint_.get(), config_.port, config_.suspended_timeout_ms);
  }
  if (role_.admin_api) {
    admin_deps.offload.max_queue_wait = std::chrono::milliseconds(config_.admin_timeout_ms);
    admin_endpoint_ = std::make_unique<api::Endpoint>(&auth_, &registry_, "admin");
    admin::RegisterAdminRoutes(*admin_endpoint_, admin_deps);
    RegisterBackupRoute(*admin_endpoint_, admin_deps.offload);
    if (ingestion_) ingestion_->RegisterAdminRoutes(*admin_endpoint_, admin_deps.offload);
    RegisterOperationalRoutes(*admin_endpoint_);
    const int64_t port = role_.serving_api ? config_.admin_port : config_.port;
    admin_server_ = make_server(admin_endpoint_.get(), port, config_.admin_timeout_ms);
  }
  if (!role_.serving_api && !role_.admin_api) {
    operational_endpoint_ = std::make_unique<api::Endpoint>(&auth_, &registry_, "operational");
    RegisterOperationalRoutes(*operational_endpoint_);
    operational_server_ =
        make_server(operational_endpoint_.get(), config_.port, config_.suspended_timeout_ms);
    OFS_RETURN_IF_ERROR(operational_server_->Start());
  }
  if (serving_server_) OFS_RETURN_IF_ERROR(serving_server_->Start());
  if (admin_server_) OFS_RETURN_IF_ERROR(admin_server_->Start());
  return Status::Ok();
}

// The Kafka producer (write-async, dead letters) of a role that serves writes or consumes, and the consumer
// loop of a role that consumes, when kafka.bootstrap is set.
Status Application::StartIngestion() {
  const bool kafka = !config_.kafka_bootstrap.empty();
  const bool consume = role_.consumes == RolePlan::Consumes::kAlways ||
                       (role_.consumes == RolePlan::Consumes::kWithKafka && kafka);
  if (!kafka && role_.consumes == RolePlan::Consumes::kAlways) {
    return Status(ErrorCode::kInvalidRequest, "ofs " + std::string(role_.name) + " needs kafka.bootstrap",
                  "set --kafka HOST:PORT (or OFS_KAFKA)");
  }
  const Ingestion::Deps deps{catalog_.get(), refresher_.get(), store_.get(), &registry_,
                             SystemClock::Default()};
  if (kafka && role_.admin_api) {
    // Darwin's /consumer/* and /kafka/* routes create and describe topics.
    OFS_ASSIGN_OR_RETURN(topic_admin_, kafka::KafkaTopicAdmin::Open(KafkaOptionsOf(config_)));
  }
  if (kafka) {
    // Load workers produce the jobs whose sink is kafka (populate/load_worker.h).
    const bool loads = role_.runs_loads && config_.populate_workers > 0;
    if (!role_.serving_api && !consume && !loads) return Status::Ok();
    OFS_ASSIGN_OR_RETURN(ingestion_, Ingestion::StartKafka(config_, consume, deps));
    return Status::Ok();
  }
  // No Kafka: a role that consumes when it has Kafka (standalone) queues write-async in its embedded store.
  if (role_.consumes == RolePlan::Consumes::kWithKafka && embedded_store_ != nullptr) {
    OFS_ASSIGN_OR_RETURN(ingestion_, Ingestion::StartEmbedded(config_, embedded_store_, deps));
  }
  return Status::Ok();
}

// The load-job workers of a role that runs them (populate.workers of them), named host:pid/N.
Status Application::StartLoadWorkers() {
#ifdef OFS_WITH_DELTA
  if (!role_.runs_loads || config_.populate_workers == 0) return Status::Ok();
  std::vector<std::pair<std::string, std::string>> storage_options;
  std::string_view rest = config_.populate_storage_options;
  while (!rest.empty()) {
    const size_t end = rest.find(';');
    const std::string_view pair = Trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Status(ErrorCode::kInvalidRequest,
                    "populate.storage_options: expected key=value, got '" + std::string(pair) + "'");
    }
    storage_options.emplace_back(std::string(Trim(pair.substr(0, eq))),
                                 std::string(Trim(pair.substr(eq + 1))));
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  for (int64_t i = 0; i < config_.populate_workers; ++i) {
    populate::LoadWorkerOptions options;
    options.name = std::string(host) + ":" + std::to_string(getpid()) + "/" + std::to_string(i);
    options.lease_ms = config_.populate_lease_ms;
    options.max_attempts = config_.populate_max_attempts;
    options.batch_rows = static_cast<size_t>(config_.populate_batch_rows);
    options.storage_options = storage_options;
    if (ingestion_ != nullptr && !config_.kafka_bootstrap.empty()) options.kafka = ingestion_->sink();
    options.topic_prefix = config_.kafka_topic_prefix;
    options.max_record_bytes = static_cast<size_t>(config_.ingest_max_record_bytes);
    load_workers_.push_back(std::make_unique<populate::LoadWorker>(
        metadata_.get(), catalog_.get(), store_.get(), SystemClock::Default(), options, &registry_));
    load_workers_.back()->Start();
  }
  OFS_LOG_INFO("app", "{} load-job workers (populate.workers)", config_.populate_workers);
#endif
  return Status::Ok();
}

void Application::WakeLoadWorkers() {
#ifdef OFS_WITH_DELTA
  for (auto& worker : load_workers_) worker->Wake();
#endif
}

// POST /v1/admin/backup: a metadata backup into metadata.backup_dir now (on the admin worker pool: it
// reads the whole store and writes a file or an S3 object). Answers {"path", "bytes"} (path: the file or
// the s3:// object); 400 when no location is set; 503 STORE-UNAVAILABLE when the S3 endpoint fails.
void Application::RegisterBackupRoute(api::Endpoint& endpoint, const api::Offloader& offload) {
  endpoint.Add("admin_backup", api::Role::kAdmin, {{http::Method::kPost, "/v1/admin/backup"}},
               api::Offload(offload, [this](const api::Call&, http::Response& response) -> Status {
                 if (!backups_) {
                   return Status(ErrorCode::kInvalidRequest, "metadata backups are off",
                                 "set metadata.backup_dir (--metadata-backup-dir, OFS_METADATA_BACKUP_DIR)");
                 }
                 OFS_ASSIGN_OR_RETURN(WrittenBackup written, backups_->BackupNow());
                 codec::JsonWriter out = api::BeginData(response);
                 out.StartObject();
                 out.Key("path");
                 out.String(written.path);
                 out.Key("bytes");
                 out.Int(static_cast<int64_t>(written.bytes));
                 out.EndObject();
                 api::EndData(out);
                 return Status::Ok();
               }));
}

void Application::Stop() {
  if (backups_) backups_->Stop();
  if (serving_server_) serving_server_->Stop();
  if (admin_server_) admin_server_->Stop();
  if (operational_server_) operational_server_->Stop();
  serving_server_.reset();
  admin_server_.reset();
  operational_server_.reset();
  if (admin_workers_) admin_workers_->Stop();  // runs what is queued; the answers go nowhere now
  if (health_) health_->Stop();                // its checks call the Kafka clients
#ifdef OFS_WITH_DELTA
  // Each ends after its current batch (an unfinished file's lease runs out); asked all at once, so that
  // none claims new work while another is being waited for. Before the ingestion: a Kafka load produces
  // through its producer.
  for (auto& worker : load_workers_) worker->RequestStop();
  load_workers_.clear();
#endif
  // After the servers (no write-async starts now), the admin jobs (the dead-letter listing), the health
  // checks and the load workers; before the refresher and the store, which the consumer uses.
  if (ingestion_) ingestion_->Stop();
  if (refresher_) refresher_->Stop();
  admin_workers_.reset();
  backups_.reset();  // after the workers: a queued POST /v1/admin/backup may still use it
  health_.reset();
  refresher_.reset();
  ingestion_.reset();
  topic_admin_.reset();
  serving_endpoint_.reset();
  admin_endpoint_.reset();
  operational_endpoint_.reset();
  catalog_.reset();
  store_.reset();
  metadata_.reset();
  disk_.reset();
}

uint16_t Application::serving_port() const { return serving_server_ ? serving_server_->port() : 0; }
uint16_t Application::admin_port() const { return admin_server_ ? admin_server_->port() : 0; }

// The checks behind /health, run by a thread of their own (a remote engine's check may block), every
// health.poll_ms; /health is DOWN when no round completed for 10 polls, and at least 5 s.
void Application::StartHealthMonitor() {
  HealthMonitor::Options options;
  options.poll = std::chrono::milliseconds(config_.health_poll_ms);
  options.stale_after = std::max(10 * options.poll, std::chrono::milliseconds(5'000));
  // A serve node serves from its last catalog while the metadata store is down: that is a warning, not
  // DOWN (a load balancer must not drop every node at once); no catalog at all is DOWN.
  const bool metadata_critical = !role_.serves_without_metadata;
  std::vector<HealthMonitor::Check> checks{
      {"disk", [disk = disk_.get()] { return disk->Health(); }},
      {"metadata", [metadata = metadata_.get()] { return metadata->Health(); }, metadata_critical},
      {"store", [store = store_.get()] { return store->Health(); }},
      {"catalog",
       [refresher = refresher_.get()] {
         const catalog::CatalogRefresher::State state = refresher->state();
         if (!state.loaded) {
           return Status(ErrorCode::kMetastoreUnavailable, "not loaded", state.last_error.ToString());
         }
         return Status::Ok();
       }},
      {"catalog_freshness",
       [refresher = refresher_.get()] {
         const catalog::CatalogRefresher::State state = refresher->state();
         if (!state.stale) return Status::Ok();
         return Status(ErrorCode::kMetastoreUnavailable,
                       "stale: serving the catalog "
                       "checked " +
                           std::to_string(state.age_ms) + " ms ago",
                       state.last_error.ToString());
       },
       metadata_critical}};
  if (ingestion_) {
    for (HealthMonitor::Check& check : ingestion_->HealthChecks()) checks.push_back(std::move(check));
  }
  health_ = std::make_unique<HealthMonitor>(options, std::move(checks));
  health_->Start();
}

// Catalog freshness (catalog.refresh_ms): how old the catalog is, how often it is checked and fails.
void Application::RegisterCatalogMetrics() {
  registry_.AddCallbackGauge("ofs_catalog_change_counter", "Metadata change counter of the published catalog",
                             {}, [this] {
                               auto snapshot = catalog_->CurrentShared();
                               return snapshot ? static_cast<double>(snapshot->change_counter()) : 0.0;
                             });
  const catalog::CatalogRefresher* refresher = refresher_.get();
  registry_.AddCallbackGauge("ofs_catalog_age_seconds",
                             "Seconds since the catalog was last checked against the metadata store "
                             "(grows while the metadata store is down; -1 before the first check)",
                             {}, [refresher] {
                               const int64_t age = refresher->state().age_ms;
                               return age < 0 ? -1.0 : static_cast<double>(age) / 1000.0;
                             });
  registry_.AddCallbackGauge("ofs_catalog_stale", "1 while the last check of the metadata store failed", {},
                             [refresher] { return refresher->state().stale ? 1.0 : 0.0; });
  registry_.AddCallbackCounter("ofs_catalog_refreshes_total",
                               "Checks of the metadata store's change counter that succeeded", {},
                               [refresher] { return static_cast<double>(refresher->state().refreshes); });
  registry_.AddCallbackCounter("ofs_catalog_rebuilds_total", "Catalog snapshots loaded and published", {},
                               [refresher] { return static_cast<double>(refresher->state().rebuilds); });
  registry_.AddCallbackCounter("ofs_catalog_refresh_failures_total",
                               "Checks of the metadata store that failed (the last catalog stays in use)", {},
                               [refresher] { return static_cast<double>(refresher->state().failures); });
  registry_.AddCallbackCounter(
      "ofs_catalog_miss_refreshes_total",
      "Checks started at once because a request named a group or version the catalog lacked", {},
      [refresher] { return static_cast<double>(refresher->state().miss_refreshes); });
}

// The admin workers' queue (admin.workers, admin.max_queued) and the health monitor's last check.
void Application::RegisterAdminAndHealthMetrics() {
  const WorkerPool* workers = admin_workers_.get();
  registry_.AddCallbackGauge("ofs_admin_requests_queued", "Admin requests waiting for a worker thread", {},
                             [workers] { return static_cast<double>(workers->GetStats().queued); });
  registry_.AddCallbackGauge("ofs_admin_requests_running", "Admin requests on a worker thread now", {},
                             [workers] { return static_cast<double>(workers->GetStats().running); });
  registry_.AddCallbackCounter("ofs_admin_requests_refused_total",
                               "Admin requests answered 503 OVERLOADED because admin.max_queued were waiting",
                               {}, [workers] { return static_cast<double>(workers->GetStats().refused); });
  const HealthMonitor* health = health_.get();
  registry_.AddCallbackGauge("ofs_health_up", "1 while GET /health answers UP", {},
                             [health] { return health->Current().up ? 1.0 : 0.0; });
  registry_.AddCallbackGauge(
      "ofs_health_check_age_seconds", "Seconds since the health checks last completed (health.poll_ms)", {},
      [health] { return std::chrono::duration<double>(health->Current().age).count(); });
}

// The bound on unread output (http.max_buffered_output_bytes, http.write_timeout_ms), per server.
void Application::RegisterHttpOutputMetrics() {
  for (const auto& [name, server_of_name] :
       {std::pair{"serving", serving_server_.get()}, std::pair{"admin", admin_server_.get()}}) {
    http::Server* const server = server_of_name;  // clang 14 cannot capture a structured binding
    if (server == nullptr) continue;              // the role does not serve this API
    registry_.AddCallbackGauge("ofs_http_open_connections", "Open HTTP connections", {{"server", name}},
                               [server] { return static_cast<double>(server->open_connections()); });
    const auto stat = [server](auto field) {
      return [server, field] { return static_cast<double>(server->output_stats().*field); };
    };
    registry_.AddCallbackGauge("ofs_http_output_held_bytes",
                               "Response bytes held for clients that do not read them", {{"server", name}},
                               stat(&http::Server::OutputStats::held_bytes));
    registry_.AddCallbackGauge("ofs_http_output_waiting_connections",
                               "Connections not served until unread output frees up", {{"server", name}},
                               stat(&http::Server::OutputStats::waiting_connections));
    registry_.AddCallbackCounter("ofs_http_write_timeouts_total",
                                 "Connections closed for leaving output unread (http.write_timeout_ms)",
                                 {{"server", name}}, stat(&http::Server::OutputStats::write_timeouts));
  }
}

// Row cache figures (rocksdb.row_cache_mb): hit ratio and fill level tell whether the cache is sized right.
Status Application::OpenEmbeddedStore(const std::filesystem::path& dir) {
  storage::RocksStoreOptions store_options;
  store_options.path = (dir / "rocksdb").string();
  store_options.block_cache_bytes = static_cast<size_t>(config_.block_cache_mb) << 20;
  store_options.write_buffer_bytes = static_cast<size_t>(config_.write_buffer_mb) << 20;
  store_options.memtables_per_flush = static_cast<int>(config_.memtables_per_flush);
  store_options.memtable = config_.memtable == "skip_list" ? storage::RocksStoreOptions::MemTable::kSkipList
                                                           : storage::RocksStoreOptions::MemTable::kHashed;
  store_options.row_cache_bytes =
      static_cast<size_t>(RowCacheBytes(config_.row_cache_mb, AvailableMemoryBytes()));
  store_options.sync_writes = config_.sync_writes;
  store_options.clock = SystemClock::Default();
  store_options.disk_reserve = disk_.get();
  OFS_ASSIGN_OR_RETURN(auto store, storage::RocksStore::Open(store_options));
  OFS_LOG_INFO("app", "row cache up to {} MiB (rocksdb.row_cache_mb = {})",
               store_options.row_cache_bytes >> 20, config_.row_cache_mb);
  RegisterStoreMetrics(store.get());
  embedded_store_ = store.get();
  store_ = std::move(store);
  return Status::Ok();
}

void Application::RegisterStoreMetrics(const storage::RocksStore* store) {
  using Stats = storage::rocks::RowCache::Stats;
  const auto stat = [store](uint64_t Stats::*field) {
    return [store, field] { return static_cast<double>(store->GetRowCacheStats().*field); };
  };
  registry_.AddCallbackCounter("ofs_row_cache_lookups_total", "Point-read lookups in the row cache",
                               {{"result", "hit"}}, stat(&Stats::hits));
  registry_.AddCallbackCounter("ofs_row_cache_lookups_total", "", {{"result", "miss"}}, stat(&Stats::misses));
  registry_.AddCallbackCounter("ofs_row_cache_evictions_total",
                               "Rows evicted from the row cache to make room", {}, stat(&Stats::evictions));
  registry_.AddCallbackCounter("ofs_row_cache_raced_fills_total",
                               "Rows read while a write of them committed, hence not cached", {},
                               stat(&Stats::rejected_fills));
  registry_.AddCallbackGauge("ofs_row_cache_rows", "Rows in the row cache", {}, stat(&Stats::entries));
  registry_.AddCallbackGauge("ofs_row_cache_bytes", "Bytes charged to the row cache", {},
                             stat(&Stats::bytes));
  registry_.AddCallbackGauge("ofs_row_cache_capacity_bytes", "Row cache capacity (rocksdb.row_cache_mb)", {},
                             stat(&Stats::capacity_bytes));
  using SyncStats = storage::rocks::WalSyncer::Stats;
  const auto sync_stat = [store](uint64_t SyncStats::*field) {
    return [store, field] { return static_cast<double>(store->GetWalSyncStats().*field); };
  };
  registry_.AddCallbackCounter("ofs_wal_syncs_total", "WAL fsyncs run for write requests (group commit)", {},
                               sync_stat(&SyncStats::syncs));
  registry_.AddCallbackCounter("ofs_wal_sync_waiters_total",
                               "Write requests acknowledged after those fsyncs (per sync: the group size)",
                               {}, sync_stat(&SyncStats::waiters));
  registry_.AddCallbackCounter("ofs_wal_syncs_at_max_hold_total",
                               "WAL fsyncs started because deferred write requests waited " +
                                   std::to_string(storage::rocks::WalSyncer::kDefaultMaxHold.count()) +
                                   " ms, not for the end of their event-loop batch (a batch that long)",
                               {}, sync_stat(&SyncStats::max_hold_syncs));
  // One snapshot of RocksDB's state serves a whole scrape (it reads properties under the DB mutex).
  using EngineStats = storage::RocksStore::EngineStats;
  struct EngineSnapshot {
    std::mutex mu;
    std::chrono::steady_clock::time_point taken;
    EngineStats stats;
  };
  const auto snapshot = std::make_shared<EngineSnapshot>();
  const auto engine_stat = [store, snapshot](uint64_t EngineStats::*field) {
    return [store, snapshot, field] {
      std::lock_guard<std::mutex> lock(snapshot->mu);
      const auto now = std::chrono::steady_clock::now();
      if (now - snapshot->taken > std::chrono::seconds(1)) {
        snapshot->stats = store->GetEngineStats();
        snapshot->taken = now;
      }
      return static_cast<double>(snapshot->stats.*field);
    };
  };
  struct EngineGauge {
    const char* name;
    const char* help;
    uint64_t EngineStats::*field;
  };
  static constexpr EngineGauge kEngineGauges[] = {
      {"ofs_rocksdb_memtable_bytes", "Bytes in RocksDB memtables: writes not yet flushed to table files",
       &EngineStats::memtable_bytes},
      {"ofs_rocksdb_immutable_memtables",
       "Full memtables waiting for a flush (rocksdb.memtables_per_flush merge into one file)",
       &EngineStats::immutable_memtables},
      {"ofs_rocksdb_l0_files", "Table files in level 0 (one per flush, until compacted)",
       &EngineStats::l0_files},
      {"ofs_rocksdb_live_table_bytes", "Bytes of the current table files", &EngineStats::live_table_bytes},
      {"ofs_rocksdb_pending_compaction_bytes",
       "RocksDB's estimate of the bytes compaction still has to rewrite",
       &EngineStats::pending_compaction_bytes},
      {"ofs_rocksdb_delayed_write_rate_bytes",
       "Bytes/s RocksDB throttles writes to while flushes or compaction lag; 0 = not throttled",
       &EngineStats::delayed_write_rate},
      {"ofs_rocksdb_writes_stopped", "1 while a RocksDB write stall holds every write",
       &EngineStats::writes_stopped},
      {"ofs_rocksdb_read_only",
       "1 while the store serves reads only: it opened on a full disk (it reopens for writing once space "
       "returns)",
       &EngineStats::read_only},
  };
  for (const EngineGauge& gauge : kEngineGauges) {
    registry_.AddCallbackGauge(gauge.name, gauge.help, {}, engine_stat(gauge.field));
  }
}

// The data directory's free space against rocksdb.min_free_disk_mb, and every degraded mode
// (base/fallback.h): 0 while the intended path is taken.
void Application::RegisterDiskAndFallbackMetrics() {
  const DiskReserve* disk = disk_.get();
  const auto disk_stat = [disk](auto field) {
    return [disk, field] { return static_cast<double>(disk->GetStats().*field); };
  };
  registry_.AddCallbackGauge(
      "ofs_disk_free_bytes",
      "Free bytes on the data directory's file system (polled, less what OFS wrote since)", {},
      disk_stat(&DiskReserve::Stats::free_bytes));
  registry_.AddCallbackGauge(
      "ofs_disk_reserve_bytes",
      "Free bytes kept in reserve (rocksdb.min_free_disk_mb): below, writes are refused", {},
      disk_stat(&DiskReserve::Stats::reserve_bytes));
  registry_.AddCallbackGauge(
      "ofs_disk_full", "1 while free space is below the reserve: writes and metadata changes are refused", {},
      disk_stat(&DiskReserve::Stats::full));
  registry_.AddCallbackCounter("ofs_disk_refused_total",
                               "Writes and metadata changes refused because the disk was below the reserve",
                               {}, disk_stat(&DiskReserve::Stats::refused));
  for (size_t i = 0; i < static_cast<size_t>(Fallback::kCount_); ++i) {
    const auto fallback = static_cast<Fallback>(i);
    registry_.AddCallbackCounter("ofs_fallbacks_total",
                                 "Times OFS took a slower or weaker path than configured (path names it; the "
                                 "first of each is logged as a warning)",
                                 {{"path", std::string(FallbackName(fallback))}},
                                 [fallback] { return static_cast<double>(FallbackCount(fallback)); });
  }
}

void Application::RegisterOperationalRoutes(api::Endpoint& endpoint) {
  // Health answers {"status": "UP"} (no data envelope, as Darwin's healthcheck), or 503 with DOWN and
  // the failing checks, from the health monitor's last round (StartHealthMonitor): at once, whatever
  // the stores are doing. "warnings" lists failing checks the role serves through (a serve node's
  // metadata store). GET /health adds every dependency's state and check latency, and the catalog's age;
  // GET /healthcheck (Darwin's path) keeps Darwin's body.
  const auto health = [this](bool details) {
    return [this, details](const api::Call&, http::Response& response) {
      const HealthMonitor::State state = health_->Current();  // never runs a check
      codec::JsonWriter w(&response.body);
      w.StartObject();
      w.Key("status");
      w.String(state.up ? "UP" : "DOWN");
      if (!state.up) {
        response.status = 503;
        w.Key("checks");
        w.String(state.failures);
      }
      if (!state.warnings.empty()) {
        w.Key("warnings");
        w.String(state.warnings);
      }
      if (details) {
        w.Key("role");
        w.String(role_.name);
        w.Key("dependencies");
        w.StartArray();
        for (const HealthMonitor::CheckResult& check : state.checks) {
          w.StartObject();
          w.Key("name");
          w.String(check.name);
          w.Key("state");
          w.String(check.ok ? "UP" : (check.critical ? "DOWN" : "DEGRADED"));
          w.Key("latencyMs");
          w.Double(static_cast<double>(check.latency.count()) / 1000.0);
          if (!check.ok) {
            w.Key("error");
            w.String(check.message);
          }
          w.EndObject();
        }
        w.EndArray();
        const catalog::CatalogRefresher::State catalog_state = refresher_->state();
        w.Key("catalog");
        w.StartObject();
        w.Key("loaded");
        w.Bool(catalog_state.loaded);
        w.Key("stale");
        w.Bool(catalog_state.stale);
        w.Key("ageMs");
        w.Int(catalog_state.age_ms);
        w.EndObject();
        if (ingestion_) ingestion_->WriteHealthDetails(w);
      }
      w.EndObject();
      return Status::Ok();
    };
  };
  endpoint.Add("health", api::Role::kNone, {{http::Method::kGet, "/health"}}, health(true));
  endpoint.Add("healthcheck", api::Role::kNone, {{http::Method::kGet, "/healthcheck", true}}, health(false));
  endpoint.Add("metrics", api::Role::kNone, {{http::Method::kGet, "/metrics"}},
               [this](const api::Call&, http::Response& response) {
                 response.content_type = "text/plain; version=0.0.4";
                 registry_.Render(&response.body);
                 return Status::Ok();
               });
}

}  // namespace ofs::app
