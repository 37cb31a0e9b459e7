-- OFS metadata schema, version 1.
-- Names (entities, groups) are unique case-insensitively through COLLATE NOCASE and stored as first
-- written. Ids are AUTOINCREMENT so that a storage table id is never handed out twice. Column ids are
-- allocated per entity from entities.next_column_id and never reused, across every group version.

CREATE TABLE entities (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  name           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  table_name     TEXT    NOT NULL,
  state          TEXT    NOT NULL CHECK (state IN ('LIVE', 'ARCHIVED')),
  owner          TEXT    NOT NULL,
  description    TEXT    NOT NULL,
  ttl_seconds    INTEGER NOT NULL,
  next_column_id INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX entities_by_updated_at ON entities (updated_at);

-- Entity columns in declared order (position 0..n-1).
CREATE TABLE entity_columns (
  entity_id   INTEGER NOT NULL REFERENCES entities (id),
  position    INTEGER NOT NULL,
  column_id   INTEGER NOT NULL,
  name        TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  description TEXT    NOT NULL,
  PRIMARY KEY (entity_id, position),
  UNIQUE (entity_id, column_id)
) STRICT;

-- Primary key column names in key order (position 0 = partition key).
CREATE TABLE entity_keys (
  entity_id INTEGER NOT NULL REFERENCES entities (id),
  position  INTEGER NOT NULL,
  name      TEXT    NOT NULL,
  PRIMARY KEY (entity_id, position)
) STRICT;

CREATE TABLE entity_tags (
  entity_id INTEGER NOT NULL REFERENCES entities (id),
  position  INTEGER NOT NULL,
  tag       TEXT    NOT NULL,
  PRIMARY KEY (entity_id, position)
) STRICT;

-- One row per feature-group version; every version of a group carries the group's name as first written.
CREATE TABLE group_versions (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT    NOT NULL COLLATE NOCASE,
  version_number  INTEGER NOT NULL CHECK (version_number >= 1),
  entity_id       INTEGER NOT NULL REFERENCES entities (id),
  group_type      TEXT    NOT NULL CHECK (group_type IN ('ONLINE', 'OFFLINE')),
  version_enabled INTEGER NOT NULL CHECK (version_enabled IN (0, 1)),
  state           TEXT    NOT NULL CHECK (state IN ('LIVE', 'ARCHIVED')),
  owner           TEXT    NOT NULL,
  description     TEXT    NOT NULL,
  tenant_read     TEXT    NOT NULL,
  tenant_write    TEXT    NOT NULL,
  tenant_consume  TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (name, version_number)
) STRICT;
CREATE INDEX group_versions_by_entity ON group_versions (entity_id, state);
CREATE INDEX group_versions_by_updated_at ON group_versions (updated_at);

-- A group version's own columns in declared order; ids come from the entity's id space.
CREATE TABLE group_columns (
  group_version_id INTEGER NOT NULL REFERENCES group_versions (id),
  position         INTEGER NOT NULL,
  column_id        INTEGER NOT NULL,
  name             TEXT    NOT NULL,
  type             TEXT    NOT NULL,
  description      TEXT    NOT NULL,
  PRIMARY KEY (group_version_id, position)
) STRICT;

CREATE TABLE group_tags (
  group_version_id INTEGER NOT NULL REFERENCES group_versions (id),
  position         INTEGER NOT NULL,
  tag              TEXT    NOT NULL,
  PRIMARY KEY (group_version_id, position)
) STRICT;

-- Tags of entity and group columns alike: (entity_id, column_id) names a column uniquely.
CREATE TABLE column_tags (
  entity_id INTEGER NOT NULL REFERENCES entities (id),
  column_id INTEGER NOT NULL,
  position  INTEGER NOT NULL,
  tag       TEXT    NOT NULL,
  PRIMARY KEY (entity_id, column_id, position)
) STRICT;

-- Ingestion run records; listed newest first (created_at, then insertion order).
CREATE TABLE runs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  group_version_id INTEGER NOT NULL REFERENCES group_versions (id),
  run_id           TEXT    NOT NULL,
  time_taken       INTEGER NOT NULL,
  count            INTEGER NOT NULL,
  sample_data      TEXT    NOT NULL,
  error_message    TEXT    NOT NULL,
  status           TEXT    NOT NULL,
  created_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX runs_by_group_version ON runs (group_version_id, created_at, id);

-- The single row bumped by every committed mutation (catalog snapshots rebuild when it moves).
CREATE TABLE change_counter (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
) STRICT;
INSERT INTO change_counter (id, value) VALUES (1, 0);
