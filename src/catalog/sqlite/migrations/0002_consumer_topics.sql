-- Version 2: each consume tenant's Kafka topic (Darwin's cassandra_store_tenant_consumer_map, the
-- /consumer/* admin routes). A tenant without a row uses default-tenant's topic, and "default" without that.

CREATE TABLE consumer_topics (
  tenant_name    TEXT    NOT NULL PRIMARY KEY,
  topic_name     TEXT    NOT NULL,
  num_partitions INTEGER NOT NULL,
  num_consumers  INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;
