#pragma once
// The rows of bulk load jobs (tables load_jobs and load_files, migration 0003): each function runs its
// statements inside the caller's open transaction (SqlMetadataStore's kRowLocks or kRead ones), the same
// SQL for every engine but the claims, which lock with FOR UPDATE SKIP LOCKED on MySQL (SQLite's
// BEGIN IMMEDIATE already admits one writer at a time). Contracts: catalog/metadata_store.h.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/sql/connection.h"
#include "model/load_job.h"

namespace ofs::catalog::sql {

Result<model::LoadJob> InsertLoadJob(Connection& conn, const model::LoadJob& job);
// kNotFound when absent.
Result<model::LoadJob> SelectLoadJob(Connection& conn, int64_t id);
Result<std::vector<model::LoadJob>> SelectLoadJobs(Connection& conn, int64_t limit);

// A job that ended in this transaction: the caller adds its run record.
struct EndedLoadJob {
  model::LoadJob job;
};

// A job after a worker's change, and whether the change ended it (SUCCEEDED).
struct ChangedLoadJob {
  model::LoadJob job;
  bool ended = false;
};

struct ClaimOutcome {
  std::optional<model::LoadClaim> claim;
  std::vector<EndedLoadJob> ended;  // jobs failed because a file ran out of attempts
};
Result<ClaimOutcome> ClaimLoadWork(Connection& conn, std::string_view worker, int64_t now_ms,
                                   int64_t lease_until_ms, int64_t max_attempts);
Result<bool> RenewLoadLease(Connection& conn, int64_t job_id, int64_t file_no, std::string_view worker,
                            int64_t lease_until_ms);
// nullopt: the worker no longer holds the planning; else the job, RUNNING, or SUCCEEDED (ended) when
// there are no files.
Result<std::optional<ChangedLoadJob>> PlanLoadJob(Connection& conn, int64_t job_id, std::string_view worker,
                                                  int64_t table_version,
                                                  const std::vector<model::LoadFileEntry>& files,
                                                  int64_t now_ms);
// nullopt: the worker no longer holds the file; else the job after counting it (ended: its last file).
Result<std::optional<ChangedLoadJob>> FinishLoadFile(Connection& conn, int64_t job_id, int64_t file_no,
                                                     std::string_view worker, int64_t rows_loaded,
                                                     int64_t rows_failed, std::string_view error_sample,
                                                     int64_t now_ms);
// nullopt: nothing held, or retried; else the job that FAILED.
Result<std::optional<model::LoadJob>> AbandonLoadWork(Connection& conn, int64_t job_id, int64_t file_no,
                                                      std::string_view worker, std::string_view error,
                                                      bool retry, int64_t now_ms);

// A retried claim waits this long before it is claimable again: 1 s after the first failure, doubling,
// at most 30 s.
int64_t LoadRetryDelayMs(int64_t attempts);

}  // namespace ofs::catalog::sql
