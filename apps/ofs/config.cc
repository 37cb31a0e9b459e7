#include "config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <variant>

#include "base/fallback.h"
#include "base/strings.h"
#include "metadata_selection.h"
#include "store_selection.h"

namespace ofs::app {
namespace {

using Field = std::variant<int64_t Config::*, std::string Config::*, bool Config::*>;

struct Setting {
  const char* key;   // TOML key (dotted = table.key)
  const char* flag;  // command-line flag
  const char* env;   // environment variable
  const char* help;
  Field field;
  int64_t min = 0;
  int64_t max = 0;
};

// The one declaration of every setting.
const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"data_dir", "--data-dir", "OFS_DATA_DIR",
       "Directory of the embedded stores (RocksDB + SQLite); created if missing; one ofs process per "
       "directory (it holds ofs.lock there)",
       &Config::data_dir},
      {"log_level", "--log-level", "OFS_LOG_LEVEL",
       "Log level: trace, debug, info, warn, error, critical, off", &Config::log_level},
      {"http.bind_address", "--bind", "OFS_BIND_ADDRESS",
       "Address both HTTP servers listen on (0.0.0.0 for all)", &Config::bind_address},
      {"http.port", "--port", "OFS_PORT", "Serving API port (0 = any free port)", &Config::port, 0, 65535},
      {"http.admin_port", "--admin-port", "OFS_ADMIN_PORT", "Admin API port (0 = any free port)",
       &Config::admin_port, 0, 65535},
      {"http.threads", "--threads", "OFS_THREADS", "Event-loop threads per server (0 = one per core)",
       &Config::threads, 0, 256},
      {"http.max_body_bytes", "--max-body-bytes", "OFS_MAX_BODY_BYTES",
       "Largest request body accepted, after gzip inflation (413 beyond)", &Config::max_body_bytes, 1024,
       int64_t{1} << 31},
      {"http.max_header_bytes", "--max-header-bytes", "OFS_MAX_HEADER_BYTES",
       "Largest request head accepted (431 beyond)", &Config::max_header_bytes, 1024, 1 << 20},
      {"http.request_timeout_ms", "--request-timeout-ms", "OFS_REQUEST_TIMEOUT_MS",
       "A request must arrive completely within this time of its first byte (408 and close)",
       &Config::request_timeout_ms, 10, 3'600'000},
      {"http.idle_timeout_ms", "--idle-timeout-ms", "OFS_IDLE_TIMEOUT_MS",
       "Idle keep-alive connections close after this", &Config::idle_timeout_ms, 10, 86'400'000},
      {"http.write_timeout_ms", "--write-timeout-ms", "OFS_WRITE_TIMEOUT_MS",
       "A connection whose peer leaves its output unread this long (from the first refused byte, not "
       "extended by partial reads) is closed",
       &Config::write_timeout_ms, 10, 86'400'000},
      {"http.suspended_timeout_ms", "--suspended-timeout-ms", "OFS_SUSPENDED_TIMEOUT_MS",
       "A request waiting for its store (a remote store's answer, a write's disk sync, an admin job) is "
       "answered 503 STORE-UNAVAILABLE once it has waited this long",
       &Config::suspended_timeout_ms, 10, 3'600'000},
      {"http.max_suspended_requests", "--max-suspended-requests", "OFS_MAX_SUSPENDED_REQUESTS",
       "Requests one event-loop thread keeps waiting for a remote store at once; beyond it they are "
       "answered 503 OVERLOADED",
       &Config::max_suspended_requests, 1, 1'000'000},
      {"http.max_connections", "--max-connections", "OFS_MAX_CONNECTIONS",
       "Open connections per server, at most", &Config::max_connections, 1, 1'000'000},
      {"http.max_buffered_output_bytes", "--max-buffered-output-bytes", "OFS_MAX_BUFFERED_OUTPUT_BYTES",
       "Response bytes held for clients that do not read them, across the connections of a server (the "
       "serving and the admin server each have this bound): past three quarters of it connections holding "
       "output are not served, past it none is, until clients read or write_timeout_ms closes them",
       &Config::max_buffered_output_bytes, int64_t{1} << 20, int64_t{1} << 40},
      {"http.gzip_min_bytes", "--gzip-min-bytes", "OFS_GZIP_MIN_BYTES",
       "Responses at least this large are gzipped when the client accepts gzip", &Config::gzip_min_bytes, 0,
       int64_t{1} << 31},
      {"http.deferred_output_bytes", "--deferred-output-bytes", "OFS_DEFERRED_OUTPUT_BYTES",
       "Responses wait for the end of the event batch (one wake-up of the client for many) until this "
       "many bytes wait (0 = send each at once)",
       &Config::deferred_output_bytes, 0, int64_t{1} << 30},
      {"http.deferred_output_responses", "--deferred-output-responses", "OFS_DEFERRED_OUTPUT_RESPONSES",
       "Responses wait for the end of the event batch until this many connections have some waiting "
       "(0 = send each at once)",
       &Config::deferred_output_responses, 0, 1 << 20},
      {"http.access_log", "--access-log", "OFS_ACCESS_LOG", "Log one line per request (true/false)",
       &Config::access_log},
      {"serving.max_keys_per_read", "--max-keys-per-read", "OFS_MAX_KEYS_PER_READ",
       "Keys in one read request, at most", &Config::max_keys_per_read, 1, 10'000'000},
      {"serving.max_rows_per_write", "--max-rows-per-write", "OFS_MAX_ROWS_PER_WRITE",
       "Rows in one write, at most", &Config::max_rows_per_write, 1, 10'000'000},
      {"serving.max_write_time_ahead_ms", "--max-write-time-ahead-ms", "OFS_MAX_WRITE_TIME_AHEAD_MS",
       "How far ahead of this node's clock a write's ofs-write-time header may be",
       &Config::max_write_time_ahead_ms, 0, int64_t{24} * 3600 * 1000},
      {"serving.max_batches", "--max-batches", "OFS_MAX_BATCHES",
       "Batches in one multi-read or batch write, at most", &Config::max_batches, 1, 1'000'000},
      {"serving.max_partition_rows", "--max-partition-rows", "OFS_MAX_PARTITION_ROWS",
       "Rows in one partition-read page, at most", &Config::max_partition_rows, 1, 100'000'000},
      {"store.url", "--store", "OFS_STORE",
       "The online store: rocksdb (embedded, under data_dir) or cassandra://HOST:PORT[,HOST:PORT...]/KEYSPACE"
       "[?dc=DC&read_consistency=..&write_consistency=..&replication_factor=..&request_timeout_ms=..&user=.."
       "&password_file=..&tls=1&tls_ca=..] (Apache Cassandra or ScyllaDB in Darwin's table layout; "
       "docs/configuration.md, 'The online store')",
       &Config::store_url},
      {"store.tenants", "--store-tenants", "OFS_STORE_TENANTS",
       "Tenants kept on clusters of their own, as TENANT=cassandra://...;TENANT=cassandra://... (tenants not "
       "listed use store.url; with rocksdb every tenant is a column family of the embedded store)",
       &Config::store_tenants},
      {"metadata.url", "--metadata", "OFS_METADATA",
       "The metadata store: sqlite (metadata.sqlite in data_dir), sqlite:PATH, or "
       "mysql://USER:PASSWORD@HOST:PORT/"
       "DATABASE[?connect_timeout_ms=..&read_timeout_ms=..&write_timeout_ms=.."
       "&lock_wait_timeout_s=..&password_file=..&password_env=..] (MySQL/MariaDB, shared by one ofs admin "
       "and "
       "any number of ofs serve; docs/configuration.md, 'The metadata store')",
       &Config::metadata_url},
      {"metadata.backup_dir", "--metadata-backup-dir", "OFS_METADATA_BACKUP_DIR",
       "Where the process serving the admin API writes metadata backups, every metadata.backup_interval_s "
       "and on POST /v1/admin/backup: a directory or s3://BUCKET/PREFIX (\"\" = none; docs/operations.md, "
       "'Backing up the metadata')",
       &Config::metadata_backup_dir},
      {"metadata.backup_interval_s", "--metadata-backup-interval-s", "OFS_METADATA_BACKUP_INTERVAL_S",
       "Seconds between scheduled metadata backups (0 = on demand only)", &Config::metadata_backup_interval_s,
       0, 31'536'000},
      {"metadata.backup_keep", "--metadata-backup-keep", "OFS_METADATA_BACKUP_KEEP",
       "Metadata backups kept in metadata.backup_dir (older ones are removed)", &Config::metadata_backup_keep,
       1, 100'000},
      {"metadata.backup_s3_endpoint", "--metadata-backup-s3-endpoint", "OFS_METADATA_BACKUP_S3_ENDPOINT",
       "For an s3:// metadata.backup_dir: the S3-compatible endpoint, http(s)://HOST[:PORT], path-style "
       "requests (\"\" = AWS's endpoint of metadata.backup_s3_region); credentials from the environment's "
       "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never logged",
       &Config::metadata_backup_s3_endpoint},
      {"metadata.backup_s3_region", "--metadata-backup-s3-region", "OFS_METADATA_BACKUP_S3_REGION",
       "For an s3:// metadata.backup_dir: the region requests are signed for (AWS Signature V4)",
       &Config::metadata_backup_s3_region},
      {"metadata.backup_s3_timeout_ms", "--metadata-backup-s3-timeout-ms",
       "OFS_METADATA_BACKUP_S3_TIMEOUT_MS",
       "For an s3:// metadata.backup_dir: each request to the endpoint, at most (connecting: a third of it); "
       "a backup that fails is logged and counted, and answered 503 on POST /v1/admin/backup",
       &Config::metadata_backup_s3_timeout_ms, 100, 600'000},
      {"catalog.refresh_ms", "--catalog-refresh-ms", "OFS_CATALOG_REFRESH_MS",
       "How often a node checks the metadata store's change counter and reloads its catalog when another "
       "process changed it (a request naming an unknown group or version also checks at once: "
       "catalog.miss_refresh_ms); while the metadata store is down the node serves from its last catalog and "
       "/health says how stale it is",
       &Config::catalog_refresh_ms, 10, 3'600'000},
      {"catalog.miss_refresh_ms", "--catalog-miss-refresh-ms", "OFS_CATALOG_MISS_REFRESH_MS",
       "On a serve node, a request naming a group or version its catalog lacks, or sending "
       "X-OFS-Min-Catalog-Version above its catalog's, waits for a check of the metadata store and then runs "
       "(read-your-writes after a change on ofs admin); such checks run at most this often, each serving "
       "every request waiting for it",
       &Config::catalog_miss_refresh_ms, 1, 60'000},
      {"rocksdb.block_cache_mb", "--block-cache-mb", "OFS_BLOCK_CACHE_MB", "RocksDB block cache size in MiB",
       &Config::block_cache_mb, 1, 1 << 20},
      {"rocksdb.row_cache_mb", "--row-cache-mb", "OFS_ROW_CACHE_MB",
       "Row cache in MiB (-1 = a quarter of the memory available, cgroup limit included; 0 = off): whole "
       "rows in front of RocksDB, so a hit answers a point read without entering RocksDB; filled by reads, "
       "invalidated by writes, a cap allocated as rows are read. Size it to the hot rows (about 195 B per "
       "10-feature row, 1.3 KiB per 100-feature row: 1M rows take ~185 MiB or ~1.2 GiB); when it is "
       "smaller, ofs_row_cache_evictions_total climbs and the hit share of ofs_row_cache_lookups_total falls",
       &Config::row_cache_mb, -1, 1 << 20},
      {"rocksdb.write_buffer_mb", "--write-buffer-mb", "OFS_WRITE_BUFFER_MB",
       "RocksDB write buffer in MiB per tenant: writes held in memory (and the WAL) until a flush writes "
       "them to one table file",
       &Config::write_buffer_mb, 1, 1 << 16},
      {"rocksdb.memtables_per_flush", "--memtables-per-flush", "OFS_MEMTABLES_PER_FLUSH",
       "Memtables the write buffer is split into (each write_buffer_mb / this, at least 256 KiB); writes "
       "go to the newest, a flush merges them once all are full. Helps memtable = skip_list (small skip "
       "lists stay in the CPU cache: +11-21% 100-row write throughput at 8 vs 1), not hashed; each costs "
       "a point read that misses the row cache one Bloom-filter probe, and a partition read one more "
       "memtable to merge; above 1, RocksDB 7.8 can leave a flush waiting for the next (its issue 13280)",
       &Config::memtables_per_flush, 1, 64},
      {"rocksdb.memtable", "--memtable", "OFS_MEMTABLE",
       "How a memtable holds writes: hashed (appended and hashed, sorted only when a flush or partition "
       "read iterates: +44% 100-row write throughput) or skip_list (RocksDB's default, sorted on "
       "every insert)",
       &Config::memtable},
      {"rocksdb.sync_writes", "--sync-writes", "OFS_SYNC_WRITES",
       "fsync the WAL before acknowledging a write (group-committed); false trades durability on power loss "
       "for speed",
       &Config::sync_writes},
      {"rocksdb.min_free_disk_mb", "--min-free-disk-mb", "OFS_MIN_FREE_DISK_MB",
       "Free space in MiB kept on the data directory's file system (-1 = 12 x write_buffer_mb + 256: a "
       "flush, a new WAL and an L0 compaction still fit; 0 = none): below it writes and metadata changes "
       "answer 503 STORE-UNAVAILABLE, reads go on, /health is DOWN, and writes resume by themselves once "
       "space returns; a start below it opens the store read-only",
       &Config::min_free_disk_mb, -1, 1 << 24},
      {"admin.workers", "--admin-workers", "OFS_ADMIN_WORKERS",
       "Threads that run admin requests (everything that reads or changes metadata or a table's schema, "
       "the serving port's schema routes included), so that a slow metadata or storage engine never "
       "holds an event loop",
       &Config::admin_workers, 1, 64},
      {"admin.max_queued", "--admin-max-queued", "OFS_ADMIN_MAX_QUEUED",
       "Admin requests waiting for a thread, at most; beyond it they are answered 503 OVERLOADED",
       &Config::admin_max_queued, 1, 100'000},
      {"admin.timeout_ms", "--admin-timeout-ms", "OFS_ADMIN_TIMEOUT_MS",
       "An admin request not answered this long after it arrived is answered 503 STORE-UNAVAILABLE (the "
       "admin port's http.suspended_timeout_ms: a cluster's schema change waits for schema agreement). "
       "One still waiting for a thread then is dropped; one already running completes, so read before "
       "retrying a change",
       &Config::admin_timeout_ms, 10, 3'600'000},
      {"health.poll_ms", "--health-poll-ms", "OFS_HEALTH_POLL_MS",
       "How often a background thread checks the disk, the metadata store and the online store; GET "
       "/health answers from the last check at once, and is DOWN when no round of checks has completed for "
       "10 polls, and at least 5 s (a store that hangs)",
       &Config::health_poll_ms, 10, 600'000},
      {"kafka.bootstrap", "--kafka", "OFS_KAFKA",
       "Kafka bootstrap servers (HOST:PORT[,HOST:PORT...]). Set: write-async produces to the group's "
       "consume-tenant topic, load jobs whose sink is kafka produce to it, and `ofs consume` (or `ofs "
       "standalone`, in process) consumes every tenant topic. Empty: standalone keeps async writes in a "
       "durable queue of its embedded store",
       &Config::kafka_bootstrap},
      {"kafka.consumer_group", "--kafka-consumer-group", "OFS_KAFKA_CONSUMER_GROUP",
       "Consumer group of `ofs consume` processes: the topics' partitions are shared among its members",
       &Config::kafka_consumer_group},
      {"kafka.environment", "--kafka-environment", "OFS_KAFKA_ENVIRONMENT",
       "Environment name of the dead-letter topic <environment>_default_dlq (Darwin's naming)",
       &Config::kafka_environment},
      {"kafka.dead_letter_topic", "--kafka-dead-letter-topic", "OFS_KAFKA_DEAD_LETTER_TOPIC",
       "Dead-letter topic; empty = <kafka.topic_prefix><kafka.environment>_default_dlq",
       &Config::kafka_dead_letter_topic},
      {"kafka.topic_prefix", "--kafka-topic-prefix", "OFS_KAFKA_TOPIC_PREFIX",
       "Put before every topic name OFS derives (a tenant's own topic, the dead-letter topic), so that "
       "deployments can share a Kafka cluster; registered topics (/consumer/*) are used as registered",
       &Config::kafka_topic_prefix},
      {"kafka.properties", "--kafka-properties", "OFS_KAFKA_PROPERTIES",
       "More librdkafka properties for every Kafka client, as name=value pairs separated by commas (e.g. "
       "security.protocol=SASL_SSL,sasl.mechanism=PLAIN); an unknown name or bad value fails the start",
       &Config::kafka_properties},
      {"kafka.produce_timeout_ms", "--kafka-produce-timeout-ms", "OFS_KAFKA_PRODUCE_TIMEOUT_MS",
       "A produced record Kafka has not acknowledged (acks=all) within this fails its write-async request "
       "(503 STORE-UNAVAILABLE); keep it below http.suspended_timeout_ms",
       &Config::kafka_produce_timeout_ms, 100, 600'000},
      {"kafka.admin_timeout_ms", "--kafka-admin-timeout-ms", "OFS_KAFKA_ADMIN_TIMEOUT_MS",
       "Topic creation and metadata requests wait at most this", &Config::kafka_admin_timeout_ms, 100,
       600'000},
      {"kafka.topic_partitions", "--kafka-topic-partitions", "OFS_KAFKA_TOPIC_PARTITIONS",
       "Partitions of a topic OFS creates (the most consumers that can share it)",
       &Config::kafka_topic_partitions, 1, 10'000},
      {"kafka.topic_replication", "--kafka-topic-replication", "OFS_KAFKA_TOPIC_REPLICATION",
       "Replication factor of a topic OFS creates; -1 = the broker's default.replication.factor",
       &Config::kafka_topic_replication, -1, 32},
      {"ingest.max_batch", "--ingest-max-batch", "OFS_INGEST_MAX_BATCH",
       "Records a consumer applies (and commits) together, at most", &Config::ingest_max_batch, 1, 1'000'000},
      {"ingest.linger_ms", "--ingest-linger-ms", "OFS_INGEST_LINGER_MS",
       "After a batch's first record, a consumer waits this long for more before applying it",
       &Config::ingest_linger_ms, 0, 60'000},
      {"ingest.max_record_bytes", "--ingest-max-record-bytes", "OFS_INGEST_MAX_RECORD_BYTES",
       "A record value larger than this is dead-lettered (reason too_large), and a write-async row that "
       "would "
       "make one fails alone; the producer's message.max.bytes is this plus 64 KiB. Keep it below the "
       "broker's message.max.bytes (Kafka's default: 1 MiB)",
       &Config::ingest_max_record_bytes, 64, int64_t{1} << 30},
      {"populate.workers", "--populate-workers", "OFS_POPULATE_WORKERS",
       "Load-job workers (POST /v1/load) this process runs: in ofs standalone (0 = none) and ofs populate "
       "without --table",
       &Config::populate_workers, 0, 64},
      {"populate.lease_ms", "--populate-lease-ms", "OFS_POPULATE_LEASE_MS",
       "A load job's data file held this long without the worker renewing it (a killed worker) is claimed "
       "again",
       &Config::populate_lease_ms, 1'000, 3'600'000},
      {"populate.max_attempts", "--populate-max-attempts", "OFS_POPULATE_MAX_ATTEMPTS",
       "Attempts at one data file (or at planning a job) before its job fails",
       &Config::populate_max_attempts, 1, 100},
      {"populate.batch_rows", "--populate-batch-rows", "OFS_POPULATE_BATCH_ROWS",
       "Rows per Arrow batch and online-store write of a load", &Config::populate_batch_rows, 1, 1'048'576},
      {"populate.storage_options", "--populate-storage-options", "OFS_POPULATE_STORAGE_OPTIONS",
       "Object-store settings of every load, key=value pairs separated by ';' with the object_store keys "
       "(aws_endpoint, aws_region, aws_access_key_id, aws_secret_access_key, aws_allow_http, ...): where "
       "credentials go (a load job never holds them)",
       &Config::populate_storage_options},
  };
  return settings;
}

Status SetFromText(Config* config, const Setting& s, std::string_view text, std::string_view source) {
  auto bad = [&](std::string why) {
    return Status(ErrorCode::kInvalidRequest, "invalid value '" + std::string(text) + "' for " + s.key +
                                                  " (from " + std::string(source) + "): " + why);
  };
  if (auto* f = std::get_if<int64_t Config::*>(&s.field)) {
    int64_t v = 0;
    if (!ParseInt64(text, &v)) return bad("expected an integer");
    config->** f = v;
  } else if (auto* f = std::get_if<std::string Config::*>(&s.field)) {
    config->** f = std::string(text);
  } else if (auto* f = std::get_if<bool Config::*>(&s.field)) {
    if (EqualsIgnoreCase(text, "true") || text == "1") {
      config->** f = true;
    } else if (EqualsIgnoreCase(text, "false") || text == "0") {
      config->** f = false;
    } else {
      return bad("expected true or false");
    }
  }
  return Status::Ok();
}

Status ApplyToml(Config* config, const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return Status(ErrorCode::kInvalidRequest,
                  "cannot parse config file " + path + ": " + std::string(e.description()), where.str());
  }
  std::set<std::string> known{"auth.tokens"};
  for (const Setting& s : Settings()) {
    known.insert(s.key);
    toml::node_view<toml::node> node = table.at_path(s.key);
    if (!node) continue;
    std::string text;
    if (auto v = node.value<int64_t>()) {
      text = std::to_string(*v);
    } else if (auto b = node.value<bool>()) {
      text = *b ? "true" : "false";
    } else if (auto str = node.value<std::string>()) {
      text = *str;
    } else {
      return Status(ErrorCode::kInvalidRequest,
                    std::string("config key ") + s.key + " has an unsupported type");
    }
    OFS_RETURN_IF_ERROR(SetFromText(config, s, text, path));
  }
  // Unknown keys are typos: refuse them rather than silently running with defaults.
  std::string unknown;
  table.for_each([&](const toml::key& section, const toml::node& node) {
    if (const toml::table* sub = node.as_table()) {
      sub->for_each([&](const toml::key& key, const toml::node&) {
        std::string full = std::string(section.str()) + "." + std::string(key.str());
        if (!known.count(full)) unknown += " " + full;
      });
    } else if (!known.count(std::string(section.str()))) {
      unknown += " " + std::string(section.str());
    }
  });
  if (!unknown.empty()) {
    return Status(ErrorCode::kInvalidRequest, "unknown keys in " + path + ":" + unknown,
                  "see `ofs config-template`");
  }
  if (const toml::array* tokens = table.at_path("auth.tokens").as_array()) {
    for (const toml::node& item : *tokens) {
      const toml::table* t = item.as_table();
      auto token = t ? t->at_path("token").value<std::string>() : std::nullopt;
      if (!token || token->empty()) {
        return Status(ErrorCode::kInvalidRequest, "auth.tokens entries need a non-empty 'token'");
      }
      // A misspelt key (`tenant = [...]`) would leave the token scoped to every tenant: refuse it.
      std::string unknown_key;
      t->for_each([&](const toml::key& key, const toml::node&) {
        if (key.str() != "token" && key.str() != "roles" && key.str() != "tenants") unknown_key = key.str();
      });
      if (!unknown_key.empty()) {
        return Status(ErrorCode::kInvalidRequest, "unknown key '" + unknown_key + "' in an auth.tokens entry",
                      "entries have token, roles and tenants");
      }
      api::TokenConfig config_token{*token, {}, {}};
      if (const toml::array* roles = t->at_path("roles").as_array()) {
        for (const toml::node& r : *roles) {
          std::string role = r.value<std::string>().value_or("");
          if (role == "admin") {
            config_token.roles.push_back(api::Role::kAdmin);
          } else if (role == "writer") {
            config_token.roles.push_back(api::Role::kWriter);
          } else if (role == "reader") {
            config_token.roles.push_back(api::Role::kReader);
          } else {
            return Status(ErrorCode::kInvalidRequest, "unknown role '" + role + "' in auth.tokens",
                          "roles are admin, writer, reader");
          }
        }
      }
      if (config_token.roles.empty()) {
        return Status(ErrorCode::kInvalidRequest, "auth.tokens entry without roles",
                      "roles are admin, writer, reader");
      }
      if (const toml::node* tenants_node = t->get("tenants")) {
        // An empty list would mean every tenant (Principal::tenants): only leaving the key out says that.
        const toml::array* tenants = tenants_node->as_array();
        if (tenants == nullptr || tenants->empty()) {
          return Status(ErrorCode::kInvalidRequest,
                        "auth.tokens 'tenants' must be a non-empty list of tenant names",
                        "leave 'tenants' out for a token of every tenant");
        }
        for (const toml::node& tn : *tenants) {
          std::optional<std::string> tenant = tn.value<std::string>();
          if (!tenant || tenant->empty()) {
            return Status(ErrorCode::kInvalidRequest,
                          "auth.tokens 'tenants' must hold tenant names (strings)");
          }
          config_token.tenants.push_back(std::move(*tenant));
        }
      }
      for (const api::TokenConfig& earlier : config->tokens) {
        if (earlier.token == config_token.token) {
          return Status(ErrorCode::kInvalidRequest, "auth.tokens lists the same token twice",
                        "each token has one entry with all its roles and tenants");
        }
      }
      config->tokens.push_back(std::move(config_token));
    }
  }
  return Status::Ok();
}

Status Validate(const Config& c) {
  for (const Setting& s : Settings()) {
    if (auto* f = std::get_if<int64_t Config::*>(&s.field)) {
      int64_t v = c.**f;
      if (v < s.min || v > s.max) {
        return Status(ErrorCode::kInvalidRequest, std::string(s.key) + " = " + std::to_string(v) +
                                                      " is out of range [" + std::to_string(s.min) + ", " +
                                                      std::to_string(s.max) + "]");
      }
    }
  }
  if (c.port != 0 && c.port == c.admin_port) {
    return Status(ErrorCode::kInvalidRequest, "http.port and http.admin_port must differ");
  }
  static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!kLevels.count(c.log_level)) {
    return Status(ErrorCode::kInvalidRequest, "log_level '" + c.log_level +
                                                  "' is not one of trace, debug, info, warn, "
                                                  "error, critical, off");
  }
  if (c.memtable != "hashed" && c.memtable != "skip_list") {
    return Status(ErrorCode::kInvalidRequest,
                  "rocksdb.memtable '" + c.memtable + "' is not one of hashed, skip_list");
  }
  if (c.data_dir.empty()) return Status(ErrorCode::kInvalidRequest, "data_dir must not be empty");
  OFS_RETURN_IF_ERROR(ParseStoreSelection(c.store_url, c.store_tenants).status());
  OFS_RETURN_IF_ERROR(ParseMetadataSelection(c.metadata_url).status());
  return Status::Ok();
}

}  // namespace

void AddFlags(CLI::App* command, Config* flags) {
  command->add_option("--config", flags->config_file, "TOML configuration file (see `ofs config-template`)");
  for (const Setting& s : Settings()) {
    std::string help = std::string(s.help) + " [env " + s.env + ", toml " + s.key + "]";
    std::visit([&](auto field) { command->add_option(s.flag, flags->*field, help)->capture_default_str(); },
               s.field);
  }
}

Result<Config> ResolveConfig(const CLI::App& command, const Config& flags) {
  Config config;
  config.config_file = flags.config_file;
  if (!config.config_file.empty()) OFS_RETURN_IF_ERROR(ApplyToml(&config, config.config_file));
  for (const Setting& s : Settings()) {
    if (const char* value = std::getenv(s.env)) {
      OFS_RETURN_IF_ERROR(SetFromText(&config, s, value, std::string("environment ") + s.env));
    }
  }
  for (const Setting& s : Settings()) {
    if (command.count(s.flag) == 0) continue;
    std::visit([&](auto field) { config.*field = flags.*field; }, s.field);
  }
  OFS_RETURN_IF_ERROR(Validate(config));
  return config;
}

std::string ConfigTemplate() {
  Config defaults;
  std::string out = "# OFS configuration. Every key is optional; values shown are the defaults.\n";
  std::string section;
  for (const Setting& s : Settings()) {
    std::string key = s.key;
    std::string table;
    size_t dot = key.find('.');
    if (dot != std::string::npos) {
      table = key.substr(0, dot);
      key = key.substr(dot + 1);
    }
    if (table != section) {
      out += "\n[" + table + "]\n";
      section = table;
    }
    out += "# " + std::string(s.help) + " (flag " + s.flag + ", env " + s.env + ")\n";
    std::visit(
        [&](auto field) {
          using T = std::decay_t<decltype(defaults.*field)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out += key + " = \"" + defaults.*field + "\"\n";
          } else if constexpr (std::is_same_v<T, bool>) {
            out += key + " = " + (defaults.*field ? "true" : "false") + "\n";
          } else {
            out += key + " = " + std::to_string(defaults.*field) + "\n";
          }
        },
        s.field);
  }
  out +=
      "\n[auth]\n# Bearer tokens; access control is off while this list is empty. Roles: admin, writer, "
      "reader;\n"
      "# tenants (optional) restricts a token to those tenants.\n"
      "# tokens = [ { token = \"change-me\", roles = [\"admin\", \"writer\", \"reader\"] },\n"
      "#            { token = \"reader-token\", roles = [\"reader\"], tenants = [\"default-tenant\"] } ]\n";
  return out;
}

uint64_t RowCacheBytes(int64_t row_cache_mb, uint64_t available_bytes) {
  if (row_cache_mb >= 0) return static_cast<uint64_t>(row_cache_mb) << 20;
  if (available_bytes == 0) {
    NoteFallback(Fallback::kRowCacheUnsized,
                 "rocksdb.row_cache_mb = -1 but the memory available is unknown (neither sysconf nor the "
                 "cgroup limit answered): the row cache is off; set rocksdb.row_cache_mb");
  }
  return available_bytes / 4;
}

uint64_t MinFreeDiskBytes(int64_t min_free_disk_mb, int64_t write_buffer_mb) {
  if (min_free_disk_mb >= 0) return static_cast<uint64_t>(min_free_disk_mb) << 20;
  return static_cast<uint64_t>(12 * write_buffer_mb + 256) << 20;
}

uint64_t AvailableMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  uint64_t available =
      pages > 0 && page_size > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size) : 0;
  // cgroup v2: "max" or a byte count. A container's limit, when lower, is what this process can use.
  std::ifstream limit_file("/sys/fs/cgroup/memory.max");
  std::string limit;
  if (limit_file >> limit && limit != "max") {
    uint64_t bytes = 0;
    const auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), bytes);
    if (ec == std::errc() && end == limit.data() + limit.size() && bytes > 0 &&
        (available == 0 || bytes < available)) {
      available = bytes;
    }
  }
  return available;
}

}  // namespace ofs::app
