-- Version 3: bulk load jobs (POST /v1/load; docs/ingestion.md, "Load jobs"). A job is planned by one worker
-- (which lists the table's data files into load_files), then its files are claimed one at a time by any
-- worker with a lease; a file whose lease expired is claimed again, up to a retry limit.

CREATE TABLE load_jobs (
  id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  request       TEXT    NOT NULL,  -- the job's parameters as JSON (populate/load_job.h)
  group_name    TEXT    NOT NULL,
  group_version TEXT    NOT NULL,
  table_path    TEXT    NOT NULL,
  run_id        TEXT    NOT NULL,
  write_time_ms INTEGER NOT NULL,
  state         TEXT    NOT NULL,  -- QUEUED, RUNNING, SUCCEEDED, FAILED
  table_version INTEGER NOT NULL,  -- -1 until planned
  files_total   INTEGER NOT NULL,
  files_done    INTEGER NOT NULL,
  rows_total    INTEGER NOT NULL,  -- from the data files' stats; -1 unknown
  rows_loaded   INTEGER NOT NULL,
  rows_failed   INTEGER NOT NULL,
  error         TEXT    NOT NULL,
  error_sample  TEXT    NOT NULL,  -- the first failed row's reason
  owner         TEXT    NOT NULL,  -- the worker planning a QUEUED job
  lease_until   INTEGER NOT NULL,
  attempts      INTEGER NOT NULL,  -- planning attempts
  created_at    INTEGER NOT NULL,
  started_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  finished_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX load_jobs_by_state ON load_jobs (state, id);

CREATE TABLE load_files (
  job_id      INTEGER NOT NULL,
  file_no     INTEGER NOT NULL,
  path        TEXT    NOT NULL,
  records     INTEGER NOT NULL,
  state       TEXT    NOT NULL,  -- PENDING, CLAIMED, DONE, FAILED
  attempts    INTEGER NOT NULL,
  owner       TEXT    NOT NULL,
  lease_until INTEGER NOT NULL,
  rows_loaded INTEGER NOT NULL,
  rows_failed INTEGER NOT NULL,
  error       TEXT    NOT NULL,
  PRIMARY KEY (job_id, file_no)
) STRICT;
CREATE INDEX load_files_by_state ON load_files (state, job_id, file_no);
