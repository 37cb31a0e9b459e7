-- Version 3: bulk load jobs (POST /v1/load; docs/ingestion.md, "Load jobs"). A job is planned by one worker
-- (which lists the table's data files into load_files), then its files are claimed one at a time by any
-- worker with a lease (SELECT ... FOR UPDATE SKIP LOCKED); a file whose lease expired is claimed again, up
-- to a retry limit.

CREATE TABLE load_jobs (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  request       MEDIUMTEXT   NOT NULL,
  group_name    VARCHAR(255) NOT NULL,
  group_version VARCHAR(64)  NOT NULL,
  table_path    TEXT         NOT NULL,
  run_id        VARCHAR(255) NOT NULL,
  write_time_ms BIGINT       NOT NULL,
  state         VARCHAR(16)  NOT NULL,
  table_version BIGINT       NOT NULL,
  files_total   BIGINT       NOT NULL,
  files_done    BIGINT       NOT NULL,
  rows_total    BIGINT       NOT NULL,
  rows_loaded   BIGINT       NOT NULL,
  rows_failed   BIGINT       NOT NULL,
  error         TEXT         NOT NULL,
  error_sample  TEXT         NOT NULL,
  owner         VARCHAR(255) NOT NULL,
  lease_until   BIGINT       NOT NULL,
  attempts      BIGINT       NOT NULL,
  created_at    BIGINT       NOT NULL,
  started_at    BIGINT       NOT NULL,
  updated_at    BIGINT       NOT NULL,
  finished_at   BIGINT       NOT NULL,
  PRIMARY KEY (id),
  KEY load_jobs_by_state (state, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE load_files (
  job_id      BIGINT       NOT NULL,
  file_no     BIGINT       NOT NULL,
  path        TEXT         NOT NULL,
  records     BIGINT       NOT NULL,
  state       VARCHAR(16)  NOT NULL,
  attempts    BIGINT       NOT NULL,
  owner       VARCHAR(255) NOT NULL,
  lease_until BIGINT       NOT NULL,
  rows_loaded BIGINT       NOT NULL,
  rows_failed BIGINT       NOT NULL,
  error       TEXT         NOT NULL,
  PRIMARY KEY (job_id, file_no),
  KEY load_files_by_state (state, job_id, file_no)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
