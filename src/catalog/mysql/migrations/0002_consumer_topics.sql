-- Version 2: each consume tenant's Kafka topic (Darwin's cassandra_store_tenant_consumer_map, the
-- /consumer/* admin routes). A tenant without a row uses default-tenant's topic, and "default" without that.

CREATE TABLE consumer_topics (
  tenant_name    VARCHAR(255) NOT NULL,
  topic_name     VARCHAR(255) NOT NULL,
  num_partitions BIGINT       NOT NULL,
  num_consumers  BIGINT       NOT NULL,
  updated_at     BIGINT       NOT NULL,
  PRIMARY KEY (tenant_name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
