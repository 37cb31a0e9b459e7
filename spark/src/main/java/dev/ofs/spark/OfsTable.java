package dev.ofs.spark;

import java.util.EnumSet;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;

/**
 * A feature group version as a Spark table one can append to. It accepts any DataFrame schema from Spark
 * (ACCEPT_ANY_SCHEMA) and checks it itself (SchemaCheck), so the error names the column and what it takes,
 * and a DataFrame may carry a subset of the feature columns.
 */
final class OfsTable implements SupportsWrite {
  private final OfsOptions options;
  private final GroupSchema group;

  OfsTable(OfsOptions options, GroupSchema group) {
    this.options = options;
    this.group = group;
  }

  @Override
  public String name() {
    return group.name;
  }

  @Override
  @SuppressWarnings("deprecation") // Spark 4 prefers columns(); Spark 3.5 still asks for schema()
  public StructType schema() {
    return SparkTypes.schemaOf(group);
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_WRITE, TableCapability.ACCEPT_ANY_SCHEMA);
  }

  /** The group's topic (Darwin's {@code GET /feature-group/topic?name=}), once kafka-clients is known to be here. */
  private String kafkaTopic() {
    try {
      Class.forName("org.apache.kafka.clients.producer.KafkaProducer");
    } catch (ClassNotFoundException e) {
      throw new OfsException(
          "OFS-SPARK-KAFKA-CLIENT-MISSING",
          OfsOptions.KAFKA_HOST + " is set but kafka-clients is not on Spark's classpath: add it, e.g. "
              + "spark.jars.packages=org.apache.kafka:kafka-clients:3.9.1, or write over HTTP with "
              + OfsOptions.SERVING_URL);
    }
    String url = options.adminUrl + "/feature-group/topic?name="
        + java.net.URLEncoder.encode(group.name, java.nio.charset.StandardCharsets.UTF_8);
    String topic = new OfsHttp(options).get(url).path("topic").asText("");
    if (topic.isEmpty()) throw new OfsException("OFS-SPARK-KAFKA-TOPIC", "the admin API named no topic for " + group.name);
    return topic;
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    StructType frame = info.schema();
    SchemaCheck.check(frame, group);
    String topic = options.kafkaBootstrap == null ? null : kafkaTopic();
    return new WriteBuilder() {
      @Override
      public Write build() {
        return new OfsBatchWrite(options, group, frame, topic);
      }
    };
  }
}
