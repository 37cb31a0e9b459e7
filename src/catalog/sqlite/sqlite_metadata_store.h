#pragma once
// SqliteMetadataStore: the embedded MetadataStore, one SQLite database file (WAL mode) that several OFS
// processes on one machine may share. Schema: migrations/*.sql, applied on Open (see README.md).
//
// Threading: every method may be called from any thread; calls are serialized by one mutex around one
// connection. Each call is one transaction (reads: a consistent snapshot; writes: BEGIN IMMEDIATE, which
// also bumps the change counter). Other processes are waited for up to the busy timeout.
// Errors: the API codes documented on MetadataStore; any SQLite failure is kMetastoreUnavailable with
// SQLite's message as the cause; a write while the disk reserve has no room is STORE-UNAVAILABLE
// (nothing written). Health() reports a write that failed because of the database itself (I/O error,
// disk full, ...) until a later write commits.

#include <memory>
#include <mutex>
#include <string>

#include "base/disk_reserve.h"
#include "catalog/metadata_store.h"

namespace ofs::catalog {

namespace sqlite {
class Connection;
}  // namespace sqlite

class SqliteMetadataStore final : public MetadataStore {
 public:
  // Opens (creating when absent) the database at `path` and applies pending migrations; ":memory:" gives a
  // private in-memory database (tests). kMetastoreUnavailable when the file cannot be opened, a migration
  // fails, or the database was written by a newer binary. `reserve` (not owned, outlives the store; null
  // = none): write transactions first ask it for room.
  static Result<std::unique_ptr<SqliteMetadataStore>> Open(const std::string& path,
                                                           DiskReserve* reserve = nullptr);
  ~SqliteMetadataStore() override;

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

  Result<int64_t> ChangeCounter() override;
  Status Health() override;

 private:
  explicit SqliteMetadataStore(std::unique_ptr<sqlite::Connection> conn);

  std::mutex mu_;
  std::unique_ptr<sqlite::Connection> conn_;  // guarded by mu_
};

}  // namespace ofs::catalog
