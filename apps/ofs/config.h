#pragma once
// Configuration of the `ofs` roles: one typed struct, every setting declared once (TOML key, flag,
// environment variable, description, default, bounds) in config.cc. Precedence: defaults < TOML file
// (--config) < environment (OFS_*) < command-line flags. Validated at startup with messages that say
// which setting is wrong and how.

#include <cstdint>
#include <string>
#include <vector>

#include "api/auth.h"
#include "base/status.h"

namespace CLI {
class App;
}

namespace ofs::app {

struct Config {
  std::string config_file;
  std::string data_dir = "./data";
  // The online store (store_url.h): "rocksdb" or a cassandra:// URL; tenants mapped to clusters of their own.
  std::string store_url = "rocksdb";
  std::string store_tenants;
  // The metadata store (metadata_selection.h): "sqlite" (data_dir/metadata.sqlite), sqlite:PATH, mysql://...
  std::string metadata_url = "sqlite";
  int64_t catalog_refresh_ms = 1'000;
  int64_t catalog_miss_refresh_ms = 20;
  // Metadata backups written by the admin API's process (apps/ofs/metadata_backup.h); "" = none.
  std::string metadata_backup_dir;  // a directory or s3://BUCKET/PREFIX (backup_location.h)
  int64_t metadata_backup_interval_s = 86'400;
  int64_t metadata_backup_keep = 14;
  std::string metadata_backup_s3_endpoint;  // "" = AWS's endpoint of the region
  std::string metadata_backup_s3_region = "us-east-1";
  int64_t metadata_backup_s3_timeout_ms = 30'000;
  std::string bind_address = "127.0.0.1";
  int64_t port = 8080;
  int64_t admin_port = 8081;
  int64_t threads = 0;  // 0 = one per core
  int64_t max_body_bytes = 16 << 20;
  int64_t max_header_bytes = 16 << 10;
  int64_t request_timeout_ms = 10'000;
  int64_t idle_timeout_ms = 60'000;
  int64_t write_timeout_ms = 30'000;
  int64_t suspended_timeout_ms = 5'000;
  int64_t max_suspended_requests = 4'096;
  int64_t max_connections = 10'000;
  int64_t max_buffered_output_bytes = int64_t{256} << 20;
  int64_t gzip_min_bytes = 8 << 10;
  int64_t deferred_output_bytes = 64 << 10;
  int64_t deferred_output_responses = 16;
  bool access_log = false;
  std::string log_level = "info";
  int64_t max_keys_per_read = 10'000;
  int64_t max_rows_per_write = 10'000;
  int64_t max_write_time_ahead_ms = 60'000;
  int64_t max_batches = 1'000;
  int64_t max_partition_rows = 100'000;
  int64_t block_cache_mb = 256;
  int64_t row_cache_mb = -1;  // -1 = a quarter of the memory available (RowCacheBytes), 0 = off
  int64_t write_buffer_mb = 64;
  int64_t memtables_per_flush = 1;
  std::string memtable = "hashed";  // hashed | skip_list
  bool sync_writes = true;
  int64_t min_free_disk_mb = -1;  // -1 = derived from write_buffer_mb (MinFreeDiskBytes)
  int64_t admin_workers = 2;
  int64_t admin_max_queued = 64;
  int64_t admin_timeout_ms = 30'000;
  int64_t health_poll_ms = 1'000;
  // Kafka (src/kafka): "" = none (standalone queues async writes in its embedded store).
  std::string kafka_bootstrap;
  std::string kafka_consumer_group = "ofs-consumer";
  std::string kafka_environment = "local";
  std::string kafka_dead_letter_topic;  // "" = <kafka_topic_prefix><kafka_environment>_default_dlq
  std::string kafka_topic_prefix;
  std::string kafka_properties;  // "name=value,name=value": extra librdkafka properties
  int64_t kafka_produce_timeout_ms = 4'000;
  int64_t kafka_admin_timeout_ms = 5'000;
  int64_t kafka_topic_partitions = 8;
  int64_t kafka_topic_replication = -1;
  int64_t ingest_max_batch = 10'000;
  int64_t ingest_linger_ms = 20;
  int64_t ingest_max_record_bytes = 900 << 10;
  int64_t populate_workers = 1;  // load-job workers: standalone's in-process ones, or `ofs populate`'s
  int64_t populate_lease_ms = 30'000;
  int64_t populate_max_attempts = 5;
  int64_t populate_batch_rows = 8192;
  std::string populate_storage_options;  // "key=value;key=value": object-store settings of every load
  std::vector<api::TokenConfig> tokens;  // [auth] tokens = [{token, roles, tenants}]
};

// Declares every setting as a flag of `command` (descriptions and defaults show in --help), bound to
// *flags. Call ApplyConfig after CLI parsing.
void AddFlags(CLI::App* command, Config* flags);

// Builds the effective configuration: defaults, then the TOML file named by --config (if any), then
// OFS_* environment variables, then the flags the user actually passed. Errors name the setting.
Result<Config> ResolveConfig(const CLI::App& command, const Config& flags);

// A documented TOML file with every setting at its default (`ofs config-template`).
std::string ConfigTemplate();

// The row cache capacity for `row_cache_mb`: MiB as given, or for -1 a quarter of `available_bytes`
// (0 when that is unknown: the row_cache_unsized fallback, counted and logged once).
uint64_t RowCacheBytes(int64_t row_cache_mb, uint64_t available_bytes);
// The free space kept on the data directory's file system (rocksdb.min_free_disk_mb): MiB as given, or
// for -1 what the writes already accepted may still need once writes are refused, per tenant being
// written: a flush of its memtables (2 write buffers), the WAL RocksDB preallocates for the next memtable
// (~1.1 write buffers, counted as 2), and an L0 compaction (level0_file_num_compaction_trigger = 8
// table files of a write buffer each, plus the base level they merge into, at most RocksDB's
// max_bytes_for_level_base, 256 MiB): 12 x write_buffer_mb + 256 MiB, 1 GiB at the defaults.
uint64_t MinFreeDiskBytes(int64_t min_free_disk_mb, int64_t write_buffer_mb);
// Memory this process may use: physical memory, or the cgroup (v2) limit when lower; 0 if unknown.
uint64_t AvailableMemoryBytes();

}  // namespace ofs::app
