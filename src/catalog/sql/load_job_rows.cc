#include "catalog/sql/load_job_rows.h"

#include <algorithm>
#include <string>

#include "catalog/sql/query.h"

namespace ofs::catalog::sql {
namespace {

using model::LoadJob;

#define OFS_LOAD_JOB_COLUMNS                                                                          \
  "id, request, group_name, group_version, table_path, run_id, write_time_ms, state, table_version, " \
  "files_total,"                                                                                      \
  " files_done, rows_total, rows_loaded, rows_failed, error, error_sample, created_at, started_at, "  \
  "updated_at,"                                                                                       \
  " finished_at"

constexpr const char kInsertJob[] =
    "INSERT INTO load_jobs (request, group_name, group_version, table_path, run_id, write_time_ms, state,"
    " table_version, files_total, files_done, rows_total, rows_loaded, rows_failed, error, error_sample, "
    "owner,"
    " lease_until, attempts, created_at, started_at, updated_at, finished_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'QUEUED', -1, 0, 0, -1, 0, 0, '', '', '', 0, 0, ?7, 0, ?7, 0)";
constexpr const char kSelectJob[] = "SELECT " OFS_LOAD_JOB_COLUMNS " FROM load_jobs WHERE id = ?1";
constexpr const char kSelectJobs[] =
    "SELECT " OFS_LOAD_JOB_COLUMNS " FROM load_jobs ORDER BY id DESC LIMIT ?1";

// Claimable files, the oldest job's first file first: PENDING and past their retry delay, or else CLAIMED
// with the lease expired. Two queries, each walking the index (state, job_id, file_no) in order, so that
// MySQL's FOR UPDATE SKIP LOCKED locks the one row it returns, not every candidate before a sort.
#define OFS_CLAIMABLE_FILE(state, lease)                                                                    \
  "SELECT job_id, file_no, path, attempts FROM load_files WHERE state = '" state "' AND lease_until " lease \
  " ?1 ORDER BY state, job_id, file_no LIMIT 1"
constexpr const char kPendingFileSqlite[] = OFS_CLAIMABLE_FILE("PENDING", "<=");
constexpr const char kPendingFileMysql[] = OFS_CLAIMABLE_FILE("PENDING", "<=") " FOR UPDATE SKIP LOCKED";
constexpr const char kExpiredFileSqlite[] = OFS_CLAIMABLE_FILE("CLAIMED", "<");
constexpr const char kExpiredFileMysql[] = OFS_CLAIMABLE_FILE("CLAIMED", "<") " FOR UPDATE SKIP LOCKED";
// The job row, locked first by every change of a running job's files on MySQL (finish, give up): one lock
// order (job, then its files) for every path that touches both, so that they never deadlock.
constexpr const char kLockJobMysql[] = "SELECT id FROM load_jobs WHERE id = ?1 FOR UPDATE";
#define OFS_PLANNABLE_JOB \
  "SELECT id, attempts FROM load_jobs WHERE state = 'QUEUED' AND lease_until <= ?1 ORDER BY id LIMIT 1"
constexpr const char kPlannableJobSqlite[] = OFS_PLANNABLE_JOB;
constexpr const char kPlannableJobMysql[] = OFS_PLANNABLE_JOB " FOR UPDATE SKIP LOCKED";

constexpr const char kClaimFile[] =
    "UPDATE load_files SET state = 'CLAIMED', owner = ?3, lease_until = ?4, attempts = attempts + 1"
    " WHERE job_id = ?1 AND file_no = ?2";
constexpr const char kClaimPlanning[] =
    "UPDATE load_jobs SET owner = ?2, lease_until = ?3, attempts = attempts + 1, updated_at = ?4 WHERE id = "
    "?1";
constexpr const char kRenewFile[] =
    "UPDATE load_files SET lease_until = ?4 WHERE job_id = ?1 AND file_no = ?2 AND owner = ?3 AND state = "
    "'CLAIMED'";
constexpr const char kRenewPlanning[] =
    "UPDATE load_jobs SET lease_until = ?3 WHERE id = ?1 AND owner = ?2 AND state = 'QUEUED'";
constexpr const char kStartJob[] =
    "UPDATE load_jobs SET state = 'RUNNING', table_version = ?3, files_total = ?4, rows_total = ?5, "
    "started_at = ?6,"
    " updated_at = ?6, owner = '', lease_until = 0 WHERE id = ?1 AND owner = ?2 AND state = 'QUEUED'";
constexpr const char kInsertFile[] =
    "INSERT INTO load_files (job_id, file_no, path, records, state, attempts, owner, lease_until, "
    "rows_loaded,"
    " rows_failed, error) VALUES (?1, ?2, ?3, ?4, 'PENDING', 0, '', 0, 0, 0, '')";
constexpr const char kFinishFile[] =
    "UPDATE load_files SET state = 'DONE', rows_loaded = ?4, rows_failed = ?5, owner = ''"
    " WHERE job_id = ?1 AND file_no = ?2 AND owner = ?3 AND state = 'CLAIMED'";
constexpr const char kCountFile[] =
    "UPDATE load_jobs SET files_done = files_done + 1, rows_loaded = rows_loaded + ?2, rows_failed = "
    "rows_failed + ?3,"
    " error_sample = CASE WHEN error_sample = '' THEN ?4 ELSE error_sample END, updated_at = ?5 WHERE id = "
    "?1";
constexpr const char kSucceedJob[] =
    "UPDATE load_jobs SET state = 'SUCCEEDED', finished_at = ?2, updated_at = ?2"
    " WHERE id = ?1 AND state = 'RUNNING' AND files_done >= files_total";
constexpr const char kFileAttempts[] =
    "SELECT attempts FROM load_files WHERE job_id = ?1 AND file_no = ?2 AND owner = ?3 AND state = 'CLAIMED'";
constexpr const char kPlanningAttempts[] =
    "SELECT attempts FROM load_jobs WHERE id = ?1 AND owner = ?2 AND state = 'QUEUED'";
constexpr const char kRetryFile[] =
    "UPDATE load_files SET state = 'PENDING', owner = '', lease_until = ?3, error = ?4 WHERE job_id = ?1 AND "
    "file_no = ?2 AND owner = ?5 AND state = 'CLAIMED'";
constexpr const char kRetryPlanning[] =
    "UPDATE load_jobs SET owner = '', lease_until = ?2, error = ?3, updated_at = ?4 WHERE id = ?1 AND owner "
    "= ?5"
    " AND state = 'QUEUED'";
constexpr const char kNoteJobError[] = "UPDATE load_jobs SET error = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char kFailFile[] =
    "UPDATE load_files SET state = 'FAILED', owner = '', error = ?3 WHERE job_id = ?1 AND file_no = ?2";
constexpr const char kFailHeldFile[] =
    "UPDATE load_files SET state = 'FAILED', owner = '', error = ?3 WHERE job_id = ?1 AND file_no = ?2 AND "
    "owner = ?4 AND state = 'CLAIMED'";
constexpr const char kFailJob[] =
    "UPDATE load_jobs SET state = 'FAILED', error = ?2, finished_at = ?3, updated_at = ?3, owner = '', "
    "lease_until = 0"
    " WHERE id = ?1 AND state IN ('QUEUED', 'RUNNING')";
constexpr const char kCancelFiles[] =
    "UPDATE load_files SET state = 'CANCELLED', owner = '' WHERE job_id = ?1 AND state IN ('PENDING', "
    "'CLAIMED')";

LoadJob ReadJob(Statement& s) {
  LoadJob job;
  job.id = s.Int(0);
  job.request = s.Text(1);
  job.group_name = s.Text(2);
  job.group_version = s.Text(3);
  job.table_path = s.Text(4);
  job.run_id = s.Text(5);
  job.write_time_ms = s.Int(6);
  job.state = s.Text(7);
  job.table_version = s.Int(8);
  job.files_total = s.Int(9);
  job.files_done = s.Int(10);
  job.rows_total = s.Int(11);
  job.rows_loaded = s.Int(12);
  job.rows_failed = s.Int(13);
  job.error = s.Text(14);
  job.error_sample = s.Text(15);
  job.created_at = s.Int(16);
  job.started_at = s.Int(17);
  job.updated_at = s.Int(18);
  job.finished_at = s.Int(19);
  return job;
}

// The job FAILS with `error` (if it still runs), its unfinished files cancelled. nullopt when it had ended.
Result<std::optional<LoadJob>> FailJob(Connection& conn, int64_t job_id, std::string_view error,
                                       int64_t now_ms) {
  OFS_RETURN_IF_ERROR(
      Execute(conn, kFailJob, [&](Statement& s) { s.Bind(1, job_id).Bind(2, error).Bind(3, now_ms); }));
  if (conn.Changes() == 0) return std::optional<LoadJob>();
  OFS_RETURN_IF_ERROR(Execute(conn, kCancelFiles, [&](Statement& s) { s.Bind(1, job_id); }));
  OFS_ASSIGN_OR_RETURN(LoadJob job, SelectLoadJob(conn, job_id));
  return std::optional<LoadJob>(std::move(job));
}

// On MySQL, locks the job row (kLockJobMysql's lock order); SQLite's transaction already excludes writers.
Status LockJob(Connection& conn, int64_t job_id) {
  if (conn.dialect() != Dialect::kMysql) return Status::Ok();
  return ForEachRow(
      conn, kLockJobMysql, [&](Statement& s) { s.Bind(1, job_id); }, [](Statement&) { return Status::Ok(); });
}

}  // namespace

int64_t LoadRetryDelayMs(int64_t attempts) {
  int64_t delay = 1000;
  for (int64_t i = 1; i < attempts && delay < 30'000; ++i) delay *= 2;
  return std::min<int64_t>(delay, 30'000);
}

Result<LoadJob> InsertLoadJob(Connection& conn, const LoadJob& job) {
  OFS_RETURN_IF_ERROR(Execute(conn, kInsertJob, [&](Statement& s) {
    s.Bind(1, job.request).Bind(2, job.group_name).Bind(3, job.group_version).Bind(4, job.table_path);
    s.Bind(5, job.run_id).Bind(6, job.write_time_ms).Bind(7, job.created_at);
  }));
  return SelectLoadJob(conn, conn.LastInsertId());
}

Result<LoadJob> SelectLoadJob(Connection& conn, int64_t id) {
  std::optional<LoadJob> job;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, kSelectJob, [&](Statement& s) { s.Bind(1, id); },
      [&](Statement& s) {
        job = ReadJob(s);
        return Status::Ok();
      }));
  if (!job) return Status(ErrorCode::kNotFound, "load job " + std::to_string(id) + " not found");
  return *std::move(job);
}

Result<std::vector<LoadJob>> SelectLoadJobs(Connection& conn, int64_t limit) {
  std::vector<LoadJob> jobs;
  OFS_RETURN_IF_ERROR(ForEachRow(
      conn, kSelectJobs, [&](Statement& s) { s.Bind(1, limit); },
      [&](Statement& s) {
        jobs.push_back(ReadJob(s));
        return Status::Ok();
      }));
  return jobs;
}

Result<ClaimOutcome> ClaimLoadWork(Connection& conn, std::string_view worker, int64_t now_ms,
                                   int64_t lease_until_ms, int64_t max_attempts) {
  const bool mysql = conn.dialect() == Dialect::kMysql;
  ClaimOutcome outcome;
  // A file out of attempts fails its job; then look again (bounded: each round ends one job).
  for (int round = 0; round < 16; ++round) {
    struct Candidate {
      int64_t job_id = 0, file_no = 0, attempts = 0;
      std::string path;
    };
    std::optional<Candidate> file;
    for (const char* query :
         {mysql ? kPendingFileMysql : kPendingFileSqlite, mysql ? kExpiredFileMysql : kExpiredFileSqlite}) {
      OFS_RETURN_IF_ERROR(ForEachRow(
          conn, query, [&](Statement& s) { s.Bind(1, now_ms); },
          [&](Statement& s) {
            file = Candidate{s.Int(0), s.Int(1), s.Int(3), s.Text(2)};
            return Status::Ok();
          }));
      if (file) break;
    }
    if (file) {
      if (file->attempts >= max_attempts) {
        OFS_ASSIGN_OR_RETURN(LoadJob job, SelectLoadJob(conn, file->job_id));
        const std::string error = "data file " + file->path + " failed " + std::to_string(file->attempts) +
                                  " attempts" + (job.error.empty() ? "" : "; the last: " + job.error);
        OFS_RETURN_IF_ERROR(Execute(conn, kFailFile, [&](Statement& s) {
          s.Bind(1, file->job_id).Bind(2, file->file_no).Bind(3, error);
        }));
        OFS_ASSIGN_OR_RETURN(std::optional<LoadJob> failed, FailJob(conn, file->job_id, error, now_ms));
        if (failed) outcome.ended.push_back({*std::move(failed)});
        continue;
      }
      OFS_RETURN_IF_ERROR(Execute(conn, kClaimFile, [&](Statement& s) {
        s.Bind(1, file->job_id).Bind(2, file->file_no).Bind(3, worker).Bind(4, lease_until_ms);
      }));
      OFS_ASSIGN_OR_RETURN(LoadJob job, SelectLoadJob(conn, file->job_id));
      outcome.claim = model::LoadClaim{std::move(job), file->file_no, file->path, file->attempts + 1};
      return outcome;
    }
    std::optional<std::pair<int64_t, int64_t>> plannable;  // (job id, attempts)
    OFS_RETURN_IF_ERROR(ForEachRow(
        conn, mysql ? kPlannableJobMysql : kPlannableJobSqlite, [&](Statement& s) { s.Bind(1, now_ms); },
        [&](Statement& s) {
          plannable = std::pair{s.Int(0), s.Int(1)};
          return Status::Ok();
        }));
    if (!plannable) return outcome;
    const int64_t job_id =
        plannable->first;  // not a structured binding: clang 14's lambdas cannot capture one
    const int64_t attempts = plannable->second;
    if (attempts >= max_attempts) {
      OFS_ASSIGN_OR_RETURN(LoadJob job, SelectLoadJob(conn, job_id));
      const std::string error = "planning failed " + std::to_string(attempts) + " attempts" +
                                (job.error.empty() ? "" : "; the last: " + job.error);
      OFS_ASSIGN_OR_RETURN(std::optional<LoadJob> failed, FailJob(conn, job_id, error, now_ms));
      if (failed) outcome.ended.push_back({*std::move(failed)});
      continue;
    }
    OFS_RETURN_IF_ERROR(Execute(conn, kClaimPlanning, [&](Statement& s) {
      s.Bind(1, job_id).Bind(2, worker).Bind(3, lease_until_ms).Bind(4, now_ms);
    }));
    OFS_ASSIGN_OR_RETURN(LoadJob job, SelectLoadJob(conn, job_id));
    outcome.claim = model::LoadClaim{std::move(job), -1, "", attempts + 1};
    return outcome;
  }
  return outcome;
}

Result<bool> RenewLoadLease(Connection& conn, int64_t job_id, int64_t file_no, std::string_view worker,
                            int64_t lease_until_ms) {
  if (file_no < 0) {
    OFS_RETURN_IF_ERROR(Execute(conn, kRenewPlanning, [&](Statement& s) {
      s.Bind(1, job_id).Bind(2, worker).Bind(3, lease_until_ms);
    }));
  } else {
    OFS_RETURN_IF_ERROR(Execute(conn, kRenewFile, [&](Statement& s) {
      s.Bind(1, job_id).Bind(2, file_no).Bind(3, worker).Bind(4, lease_until_ms);
    }));
  }
  return conn.Changes() > 0;
}

Result<std::optional<ChangedLoadJob>> PlanLoadJob(Connection& conn, int64_t job_id, std::string_view worker,
                                                  int64_t table_version,
                                                  const std::vector<model::LoadFileEntry>& files,
                                                  int64_t now_ms) {
  int64_t rows_total = 0;
  for (const model::LoadFileEntry& f : files)
    rows_total = (rows_total < 0 || f.records < 0) ? -1 : rows_total + f.records;
  OFS_RETURN_IF_ERROR(Execute(conn, kStartJob, [&](Statement& s) {
    s.Bind(1, job_id).Bind(2, worker).Bind(3, table_version).Bind(4, static_cast<int64_t>(files.size()));
    s.Bind(5, rows_total).Bind(6, now_ms);
  }));
  if (conn.Changes() == 0) return std::optional<ChangedLoadJob>();
  for (size_t i = 0; i < files.size(); ++i) {
    OFS_RETURN_IF_ERROR(Execute(conn, kInsertFile, [&](Statement& s) {
      s.Bind(1, job_id).Bind(2, static_cast<int64_t>(i)).Bind(3, files[i].path).Bind(4, files[i].records);
    }));
  }
  bool ended = false;
  if (files.empty()) {
    OFS_RETURN_IF_ERROR(Execute(conn, kSucceedJob, [&](Statement& s) { s.Bind(1, job_id).Bind(2, now_ms); }));
    ended = conn.Changes() > 0;
  }
  OFS_ASSIGN_OR_RETURN(LoadJob job, SelectLoadJob(conn, job_id));
  return std::optional<ChangedLoadJob>(ChangedLoadJob{std::move(job), ended});
}

Result<std::optional<ChangedLoadJob>> FinishLoadFile(Connection& conn, int64_t job_id, int64_t file_no,
                                                     std::string_view worker, int64_t rows_loaded,
                                                     int64_t rows_failed, std::string_view error_sample,
                                                     int64_t now_ms) {
  OFS_RETURN_IF_ERROR(LockJob(conn, job_id));
  OFS_RETURN_IF_ERROR(Execute(conn, kFinishFile, [&](Statement& s) {
    s.Bind(1, job_id).Bind(2, file_no).Bind(3, worker).Bind(4, rows_loaded).Bind(5, rows_failed);
  }));
  if (conn.Changes() == 0) return std::optional<ChangedLoadJob>();
  OFS_RETURN_IF_ERROR(Execute(conn, kCountFile, [&](Statement& s) {
    s.Bind(1, job_id).Bind(2, rows_loaded).Bind(3, rows_failed).Bind(4, error_sample).Bind(5, now_ms);
  }));
  OFS_RETURN_IF_ERROR(Execute(conn, kSucceedJob, [&](Statement& s) { s.Bind(1, job_id).Bind(2, now_ms); }));
  const bool ended = conn.Changes() > 0;
  OFS_ASSIGN_OR_RETURN(LoadJob job, SelectLoadJob(conn, job_id));
  return std::optional<ChangedLoadJob>(ChangedLoadJob{std::move(job), ended});
}

Result<std::optional<LoadJob>> AbandonLoadWork(Connection& conn, int64_t job_id, int64_t file_no,
                                               std::string_view worker, std::string_view error, bool retry,
                                               int64_t now_ms) {
  // The job row first (LockJob), then every change below is guarded by the claim still being this
  // worker's: a claim another worker took meanwhile is left alone.
  OFS_RETURN_IF_ERROR(LockJob(conn, job_id));
  std::optional<int64_t> attempts;
  if (file_no < 0) {
    OFS_ASSIGN_OR_RETURN(attempts, QueryInt(conn, kPlanningAttempts,
                                            [&](Statement& s) { s.Bind(1, job_id).Bind(2, worker); }));
  } else {
    OFS_ASSIGN_OR_RETURN(attempts, QueryInt(conn, kFileAttempts, [&](Statement& s) {
                           s.Bind(1, job_id).Bind(2, file_no).Bind(3, worker);
                         }));
  }
  if (!attempts) return std::optional<LoadJob>();  // no longer held
  if (retry) {
    const int64_t not_before = now_ms + LoadRetryDelayMs(*attempts);
    if (file_no < 0) {
      OFS_RETURN_IF_ERROR(Execute(conn, kRetryPlanning, [&](Statement& s) {
        s.Bind(1, job_id).Bind(2, not_before).Bind(3, error).Bind(4, now_ms).Bind(5, worker);
      }));
      return std::optional<LoadJob>();
    }
    OFS_RETURN_IF_ERROR(Execute(conn, kRetryFile, [&](Statement& s) {
      s.Bind(1, job_id).Bind(2, file_no).Bind(3, not_before).Bind(4, error).Bind(5, worker);
    }));
    if (conn.Changes() == 0) return std::optional<LoadJob>();
    OFS_RETURN_IF_ERROR(Execute(conn, kNoteJobError,
                                [&](Statement& s) { s.Bind(1, job_id).Bind(2, error).Bind(3, now_ms); }));
    return std::optional<LoadJob>();
  }
  if (file_no >= 0) {
    OFS_RETURN_IF_ERROR(Execute(conn, kFailHeldFile, [&](Statement& s) {
      s.Bind(1, job_id).Bind(2, file_no).Bind(3, error).Bind(4, worker);
    }));
    if (conn.Changes() == 0) return std::optional<LoadJob>();
  }
  return FailJob(conn, job_id, error, now_ms);
}

}  // namespace ofs::catalog::sql
