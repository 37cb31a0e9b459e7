#pragma once
// MetadataStore: durable home of entities, feature-group versions, tenants and run records. SQLite
// (embedded) now; MySQL/MariaDB implements the same interface later. Names match case-insensitively
// and are stored as first written. Every catalog mutation (not run records) bumps a monotonic change
// counter so that catalog snapshots can be rebuilt when (and only when) something changed.
// Thread-safety: implementations are safe to call from any thread (they serialize internally).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/load_job.h"
#include "model/types.h"

namespace ofs::catalog {

struct SearchQuery {
  std::string pattern;              // case-insensitive substring of name or description; "" = all
  std::vector<std::string> tags;    // any-of; empty = no filter
  std::vector<std::string> owners;  // any-of; empty = no filter
  int64_t limit = 100;
  int64_t offset = 0;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // --- entities ---
  // Assigns id, column ids (1..n in declared order), created_at = updated_at = now_ms.
  // ENTITY-ALREADY-EXISTS-EXCEPTION when the name exists.
  virtual Result<model::EntityMetadata> CreateEntity(const model::EntityMetadata& entity, int64_t now_ms) = 0;
  virtual Result<model::EntityMetadata> GetEntity(std::string_view name) = 0;  // ENTITY-NOT-FOUND-EXCEPTION
  virtual Result<model::EntityMetadata> GetEntityById(int64_t id) = 0;
  // Entities with updated_at >= since_ms (0 = all), by name.
  virtual Result<std::vector<model::EntityMetadata>> ListEntities(int64_t since_ms) = 0;
  // UPDATE-ENTITY-REQUEST-EXCEPTION when archiving an entity that a LIVE group version uses.
  virtual Status SetEntityState(std::string_view name, model::State state, int64_t now_ms) = 0;
  virtual Status SetEntityTtl(std::string_view name, int64_t ttl_seconds, int64_t now_ms) = 0;
  virtual Result<std::vector<model::EntityMetadata>> SearchEntities(const SearchQuery& query) = 0;

  // --- feature groups ---
  // Creates version v1, or (upgrade) the next version of an existing group. Assigns the version's id
  // and fresh column ids from its entity's id space (never reused). Errors: ENTITY-NOT-FOUND-EXCEPTION,
  // ENTITY-STATE-EXCEPTION (entity archived), FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION (exists, no
  // upgrade), VERSIONING-DISABLED-EXCEPTION (upgrade of a group with versioning off). `group.version`
  // is ignored on input and set on output.
  virtual Result<model::FeatureGroupMetadata> CreateFeatureGroup(const model::FeatureGroupMetadata& group,
                                                                 bool upgrade, int64_t now_ms) = 0;
  // version nullopt = latest. FEATURE-GROUP-NOT-FOUND-EXCEPTION / FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION.
  virtual Result<model::FeatureGroupMetadata> GetFeatureGroup(std::string_view name,
                                                              std::optional<std::string_view> version) = 0;
  // Every version of every group with updated_at >= since_ms, by name then version number.
  virtual Result<std::vector<model::FeatureGroupMetadata>> ListFeatureGroups(int64_t since_ms) = 0;
  // Every version of one group, oldest first.
  virtual Result<std::vector<model::FeatureGroupMetadata>> ListFeatureGroupVersions(
      std::string_view name) = 0;
  // Version heads of every group with updated_at >= since_ms.
  virtual Result<std::vector<model::FeatureGroupVersion>> ListVersionHeads(int64_t since_ms) = 0;
  virtual Result<model::FeatureGroupVersion> GetVersionHead(std::string_view name) = 0;
  virtual Status SetFeatureGroupState(std::string_view name, std::optional<std::string_view> version,
                                      model::State state, int64_t now_ms) = 0;
  virtual Status SetFeatureGroupTenant(std::string_view name, std::optional<std::string_view> version,
                                       const model::TenantConfig& tenant, int64_t now_ms) = 0;
  // Points every group version whose `kind` tenant ("read" | "write" | "consume") is `from` at `to`;
  // returns how many changed.
  virtual Result<int64_t> MoveTenant(std::string_view kind, std::string_view from, std::string_view to,
                                     int64_t now_ms) = 0;
  virtual Result<std::vector<model::FeatureGroupMetadata>> SearchFeatureGroups(const SearchQuery& query) = 0;

  // --- ingestion runs ---
  virtual Status AddRun(const model::RunRecord& run) = 0;
  // Newest first.
  virtual Result<std::vector<model::RunRecord>> ListRuns(std::string_view group,
                                                         std::optional<std::string_view> version,
                                                         int64_t limit) = 0;

  // --- consume tenants' topics (part of the catalog: changes move the change counter) ---
  // Every registered tenant's topic, by tenant name.
  virtual Result<std::vector<model::ConsumerTopic>> ListConsumerTopics() = 0;
  // Registers a tenant's topic; INVALID_REQUEST "consumer metadata already exists" when it has one.
  virtual Status AddConsumerTopic(const model::ConsumerTopic& topic, int64_t now_ms) = 0;
  // Replaces a registered tenant's row; OFS-V2-TENANT-NOT-FOUND-EXCEPTION when it has none.
  virtual Status UpdateConsumerTopic(const model::ConsumerTopic& topic, int64_t now_ms) = 0;

  // Monotonic counter bumped by every committed catalog mutation (from any process sharing the store);
  // adding run records does not move it.
  virtual Result<int64_t> ChangeCounter() = 0;
  // Reachability for /health.
  virtual Status Health() = 0;

  // --- bulk load jobs (docs/ingestion.md, "Load jobs"; not part of the catalog: the change counter
  // stays, and backups leave them out) ---
  // Adds `job` as QUEUED and returns it with its id.
  virtual Result<model::LoadJob> CreateLoadJob(const model::LoadJob& /*job*/) { return NoLoadJobs(); }
  // kNotFound when there is no such job.
  virtual Result<model::LoadJob> GetLoadJob(int64_t /*id*/) { return NoLoadJobs(); }
  // The newest jobs first.
  virtual Result<std::vector<model::LoadJob>> ListLoadJobs(int64_t /*limit*/) { return NoLoadJobs(); }
  // Claims the oldest work for `worker` until `lease_until_ms`, atomically across every process sharing the
  // store: a data file of a RUNNING job that is PENDING, or CLAIMED with its lease expired (a new attempt, at
  // most `max_attempts`: a file whose lease expired that often is FAILED, and its job with it); else a QUEUED
  // job to plan, unclaimed or with its planning lease expired. nullopt when there is nothing to do.
  virtual Result<std::optional<model::LoadClaim>> ClaimLoadWork(std::string_view /*worker*/,
                                                                int64_t /*now_ms*/,
                                                                int64_t /*lease_until_ms*/,
                                                                int64_t /*max_attempts*/) {
    return NoLoadJobs();
  }
  // Extends the lease of a claim `worker` still holds (file_no < 0: planning). false when it no longer
  // holds it (expired and claimed by another worker, or the job ended): stop working on it.
  virtual Result<bool> RenewLoadLease(int64_t /*job_id*/, int64_t /*file_no*/, std::string_view /*worker*/,
                                      int64_t /*lease_until_ms*/) {
    return NoLoadJobs();
  }
  // Ends the planning `worker` holds: the job becomes RUNNING at `table_version` with these data files (all
  // PENDING), or SUCCEEDED at once when there are none. false when the worker no longer holds it.
  virtual Result<bool> PlanLoadJob(int64_t /*job_id*/, std::string_view /*worker*/, int64_t /*table_version*/,
                                   const std::vector<model::LoadFileEntry>& /*files*/, int64_t /*now_ms*/) {
    return NoLoadJobs();
  }
  // Marks a data file `worker` holds DONE with its counts (counted once: false, and nothing counted, when
  // the worker no longer holds it). The job becomes SUCCEEDED with its last file, and its run record is
  // added in the same transaction (status SUCCESS, or PARTIAL when rows failed).
  virtual Result<bool> FinishLoadFile(int64_t /*job_id*/, int64_t /*file_no*/, std::string_view /*worker*/,
                                      int64_t /*rows_loaded*/, int64_t /*rows_failed*/,
                                      std::string_view /*error_sample*/, int64_t /*now_ms*/) {
    return NoLoadJobs();
  }
  // Gives up a claim `worker` holds (file_no < 0: planning) after a failure: with `retry` it is claimable
  // again (a later attempt; `error` kept as the job's last error), else the job FAILS with `error` (and a
  // FAILED run record). No-op when the worker no longer holds it.
  virtual Status AbandonLoadWork(int64_t /*job_id*/, int64_t /*file_no*/, std::string_view /*worker*/,
                                 std::string_view /*error*/, bool /*retry*/, int64_t /*now_ms*/) {
    return NoLoadJobs();
  }

  // --- backups (docs/operations.md, "Backing up the metadata") ---
  // A consistent copy of the whole store (catalog, run records, change counter) as one document that
  // Restore of any engine takes (catalog/sql/snapshot.h has the format).
  virtual Result<std::string> Backup(int64_t now_ms) {
    (void)now_ms;
    return Status(ErrorCode::kInternal, "this metadata store cannot be backed up");
  }
  // Fills an empty store from a Backup document; INVALID_REQUEST when the store is not empty or the
  // document is not a backup (nothing is written then).
  virtual Status Restore(std::string_view document) {
    (void)document;
    return Status(ErrorCode::kInternal, "this metadata store cannot be restored into");
  }

 private:
  static Status NoLoadJobs() {
    return Status(ErrorCode::kInternal, "this metadata store keeps no load jobs");
  }
};

}  // namespace ofs::catalog
