-- OFS metadata schema, version 1: the MySQL/MariaDB dialect of migration 1 (catalog/sqlite/migrations/
-- 0001_initial.sql has the same tables, columns, keys and meaning).
-- Names (entities, groups) are ASCII identifiers of at most 64 characters, unique case-insensitively
-- through COLLATE utf8mb4_general_ci and stored as first written; every other text compares byte for byte
-- (utf8mb4_bin). Ids are AUTO_INCREMENT (InnoDB keeps the counter across restarts, so a storage table id
-- is never handed out twice). Column ids are allocated per entity from entities.next_column_id and never
-- reused, across every group version.
-- MySQL's DDL commits implicitly: the migrator serializes migrations with a named lock instead of a
-- transaction, and a migration that fails halfway leaves its first statements applied.

CREATE TABLE entities (
  id             BIGINT       NOT NULL AUTO_INCREMENT,
  name           VARCHAR(64)  COLLATE utf8mb4_general_ci NOT NULL,
  table_name     VARCHAR(255) NOT NULL,
  state          VARCHAR(255) NOT NULL CHECK (state IN ('LIVE', 'ARCHIVED')),
  owner          VARCHAR(255) NOT NULL,
  description    MEDIUMTEXT   NOT NULL,
  ttl_seconds    BIGINT       NOT NULL,
  next_column_id BIGINT       NOT NULL,
  created_at     BIGINT       NOT NULL,
  updated_at     BIGINT       NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY entities_by_name (name),
  KEY entities_by_updated_at (updated_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Entity columns in declared order (position 0..n-1).
CREATE TABLE entity_columns (
  entity_id   BIGINT       NOT NULL,
  position    BIGINT       NOT NULL,
  column_id   BIGINT       NOT NULL,
  name        VARCHAR(255) NOT NULL,
  type        VARCHAR(255) NOT NULL,
  description MEDIUMTEXT   NOT NULL,
  PRIMARY KEY (entity_id, position),
  UNIQUE KEY entity_columns_by_column_id (entity_id, column_id),
  FOREIGN KEY (entity_id) REFERENCES entities (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Primary key column names in key order (position 0 = partition key).
CREATE TABLE entity_keys (
  entity_id BIGINT       NOT NULL,
  position  BIGINT       NOT NULL,
  name      VARCHAR(255) NOT NULL,
  PRIMARY KEY (entity_id, position),
  FOREIGN KEY (entity_id) REFERENCES entities (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE entity_tags (
  entity_id BIGINT       NOT NULL,
  position  BIGINT       NOT NULL,
  tag       VARCHAR(255) NOT NULL,
  PRIMARY KEY (entity_id, position),
  FOREIGN KEY (entity_id) REFERENCES entities (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per feature-group version; every version of a group carries the group's name as first written.
CREATE TABLE group_versions (
  id              BIGINT       NOT NULL AUTO_INCREMENT,
  name            VARCHAR(64)  COLLATE utf8mb4_general_ci NOT NULL,
  version_number  BIGINT       NOT NULL CHECK (version_number >= 1),
  entity_id       BIGINT       NOT NULL,
  group_type      VARCHAR(255) NOT NULL CHECK (group_type IN ('ONLINE', 'OFFLINE')),
  version_enabled BIGINT       NOT NULL CHECK (version_enabled IN (0, 1)),
  state           VARCHAR(255) NOT NULL CHECK (state IN ('LIVE', 'ARCHIVED')),
  owner           VARCHAR(255) NOT NULL,
  description     MEDIUMTEXT   NOT NULL,
  tenant_read     VARCHAR(64)  NOT NULL,
  tenant_write    VARCHAR(64)  NOT NULL,
  tenant_consume  VARCHAR(64)  NOT NULL,
  created_at      BIGINT       NOT NULL,
  updated_at      BIGINT       NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY group_versions_by_name (name, version_number),
  KEY group_versions_by_entity (entity_id, state),
  KEY group_versions_by_updated_at (updated_at),
  FOREIGN KEY (entity_id) REFERENCES entities (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A group version's own columns in declared order; ids come from the entity's id space.
CREATE TABLE group_columns (
  group_version_id BIGINT       NOT NULL,
  position         BIGINT       NOT NULL,
  column_id        BIGINT       NOT NULL,
  name             VARCHAR(255) NOT NULL,
  type             VARCHAR(255) NOT NULL,
  description      MEDIUMTEXT   NOT NULL,
  PRIMARY KEY (group_version_id, position),
  FOREIGN KEY (group_version_id) REFERENCES group_versions (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE group_tags (
  group_version_id BIGINT       NOT NULL,
  position         BIGINT       NOT NULL,
  tag              VARCHAR(255) NOT NULL,
  PRIMARY KEY (group_version_id, position),
  FOREIGN KEY (group_version_id) REFERENCES group_versions (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Tags of entity and group columns alike: (entity_id, column_id) names a column uniquely.
CREATE TABLE column_tags (
  entity_id BIGINT       NOT NULL,
  column_id BIGINT       NOT NULL,
  position  BIGINT       NOT NULL,
  tag       VARCHAR(255) NOT NULL,
  PRIMARY KEY (entity_id, column_id, position),
  FOREIGN KEY (entity_id) REFERENCES entities (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Ingestion run records; listed newest first (created_at, then insertion order).
CREATE TABLE runs (
  id               BIGINT       NOT NULL AUTO_INCREMENT,
  group_version_id BIGINT       NOT NULL,
  run_id           VARCHAR(255) NOT NULL,
  time_taken       BIGINT       NOT NULL,
  count            BIGINT       NOT NULL,
  sample_data      MEDIUMTEXT   NOT NULL,
  error_message    MEDIUMTEXT   NOT NULL,
  status           VARCHAR(255) NOT NULL,
  created_at       BIGINT       NOT NULL,
  PRIMARY KEY (id),
  KEY runs_by_group_version (group_version_id, created_at, id),
  FOREIGN KEY (group_version_id) REFERENCES group_versions (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The single row bumped by every committed mutation (catalog snapshots rebuild when it moves). Write
-- transactions lock it first (SELECT ... FOR UPDATE), which serializes the writers of every process.
CREATE TABLE change_counter (
  id    BIGINT NOT NULL CHECK (id = 1),
  value BIGINT NOT NULL,
  PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT INTO change_counter (id, value) VALUES (1, 0);
