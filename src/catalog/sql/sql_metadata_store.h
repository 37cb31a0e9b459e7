#pragma once
// SqlMetadataStore: the MetadataStore over one SQL connection (sql::Connection), the same code for every
// SQL engine — SQLite (catalog/sqlite) and MySQL/MariaDB (catalog/mysql) open a connection, apply their
// migrations and hand it over. The catalog's rules are engine-neutral (metadata_rules.h); the SQL text is
// shared where the dialects agree (connection.h).
//
// Threading: every method may be called from any thread; calls are serialized by one mutex around the one
// connection. Each call is one transaction (reads: a consistent snapshot; catalog writes: a kWrite
// transaction, which excludes other writers of the database and bumps the change counter).
// Errors: the API codes documented on MetadataStore; any engine failure is kMetastoreUnavailable with the
// engine's message as the cause. Health() reports a write that failed because of the database itself
// until a later write commits, else whether the database answers.

#include <memory>
#include <mutex>

#include "catalog/metadata_store.h"
#include "catalog/sql/connection.h"

namespace ofs::catalog {

class SqlMetadataStore : public MetadataStore {
 public:
  // `conn`: an open connection whose schema is migrated (sql::ApplyMigrations).
  explicit SqlMetadataStore(std::unique_ptr<sql::Connection> conn);
  ~SqlMetadataStore() override;

  Result<model::EntityMetadata> CreateEntity(const model::EntityMetadata& entity, int64_t now_ms) override;
  Result<model::EntityMetadata> GetEntity(std::string_view name) override;
  Result<model::EntityMetadata> GetEntityById(int64_t id) override;
  Result<std::vector<model::EntityMetadata>> ListEntities(int64_t since_ms) override;
  Status SetEntityState(std::string_view name, model::State state, int64_t now_ms) override;
  Status SetEntityTtl(std::string_view name, int64_t ttl_seconds, int64_t now_ms) override;
  Result<std::vector<model::EntityMetadata>> SearchEntities(const SearchQuery& query) override;

  // An upgrade must keep the group's entity (FEATURE-GROUP-REGISTRATION-REQUEST-EXCEPTION otherwise).
  Result<model::FeatureGroupMetadata> CreateFeatureGroup(const model::FeatureGroupMetadata& group,
                                                         bool upgrade, int64_t now_ms) override;
  Result<model::FeatureGroupMetadata> GetFeatureGroup(std::string_view name,
                                                      std::optional<std::string_view> version) override;
  Result<std::vector<model::FeatureGroupMetadata>> ListFeatureGroups(int64_t since_ms) override;
  // FEATURE-GROUP-NOT-FOUND-EXCEPTION when the group has no version.
  Result<std::vector<model::FeatureGroupMetadata>> ListFeatureGroupVersions(std::string_view name) override;
  // A head's updated_at is the creation time of the group's latest version (when the head last moved).
  Result<std::vector<model::FeatureGroupVersion>> ListVersionHeads(int64_t since_ms) override;
  Result<model::FeatureGroupVersion> GetVersionHead(std::string_view name) override;
  Status SetFeatureGroupState(std::string_view name, std::optional<std::string_view> version,
                              model::State state, int64_t now_ms) override;
  Status SetFeatureGroupTenant(std::string_view name, std::optional<std::string_view> version,
                               const model::TenantConfig& tenant, int64_t now_ms) override;
  // `kind` matches case-insensitively; tenant names exactly. INVALID_REQUEST for another kind.
  Result<int64_t> MoveTenant(std::string_view kind, std::string_view from, std::string_view to,
                             int64_t now_ms) override;
  // Every matching group version, by name then version number. Tags and owners match case-insensitively.
  Result<std::vector<model::FeatureGroupMetadata>> SearchFeatureGroups(const SearchQuery& query) override;

  // The run is attached to its group version (empty version = latest): FEATURE-GROUP-NOT-FOUND-EXCEPTION /
  // FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION when absent.
  Status AddRun(const model::RunRecord& run) override;
  // Runs of one version (nullopt = latest), newest first (created_at, then insertion order).
  Result<std::vector<model::RunRecord>> ListRuns(std::string_view group,
                                                 std::optional<std::string_view> version,
                                                 int64_t limit) override;

  // Load jobs (catalog/sql/load_job_rows.h): kRowLocks transactions; claims skip rows other workers lock.
  Result<model::LoadJob> CreateLoadJob(const model::LoadJob& job) override;
  Result<model::LoadJob> GetLoadJob(int64_t id) override;
  Result<std::vector<model::LoadJob>> ListLoadJobs(int64_t limit) override;
  Result<std::optional<model::LoadClaim>> ClaimLoadWork(std::string_view worker, int64_t now_ms,
                                                        int64_t lease_until_ms,
                                                        int64_t max_attempts) override;
  Result<bool> RenewLoadLease(int64_t job_id, int64_t file_no, std::string_view worker,
                              int64_t lease_until_ms) override;
  Result<bool> PlanLoadJob(int64_t job_id, std::string_view worker, int64_t table_version,
                           const std::vector<model::LoadFileEntry>& files, int64_t now_ms) override;
  Result<bool> FinishLoadFile(int64_t job_id, int64_t file_no, std::string_view worker, int64_t rows_loaded,
                              int64_t rows_failed, std::string_view error_sample, int64_t now_ms) override;
  Status AbandonLoadWork(int64_t job_id, int64_t file_no, std::string_view worker, std::string_view error,
                         bool retry, int64_t now_ms) override;

  Result<int64_t> ChangeCounter() override;
  Status Health() override;
  Result<std::vector<model::ConsumerTopic>> ListConsumerTopics() override;
  Status AddConsumerTopic(const model::ConsumerTopic& topic, int64_t now_ms) override;
  Status UpdateConsumerTopic(const model::ConsumerTopic& topic, int64_t now_ms) override;
  Result<std::string> Backup(int64_t now_ms) override;
  Status Restore(std::string_view document) override;

 private:
  std::mutex mu_;
  std::unique_ptr<sql::Connection> conn_;  // guarded by mu_
};

}  // namespace ofs::catalog
