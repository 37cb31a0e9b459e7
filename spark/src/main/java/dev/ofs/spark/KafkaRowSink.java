package dev.ofs.spark;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Rows as v2 messages (API.md section 6) to the group's topic, for the {@code ofs consume} role (or Darwin's
 * consumers) to apply: value = the row as a flat JSON object, headers {@code sdk-version: v2},
 * {@code feature-group-name}, {@code feature-group-version} (the version the schema was checked against),
 * {@code run-id}, and {@code ofs-write-time} (the job's fixed write time, which OFS's consumer applies, so
 * a retried task's messages cannot overwrite newer values); key = the partition key's value, so one key's
 * updates stay in order. The producer is idempotent with acks=all; finish() waits for every acknowledgement
 * and fails the task on the first send error (Spark then retries it).
 *
 * <p>kafka-clients is not bundled: Spark runtimes that talk to Kafka have it (spark-sql-kafka), others add
 * it with {@code spark.jars.packages=org.apache.kafka:kafka-clients:VERSION}; without it the write fails
 * on the driver with an error saying so (OfsTable).
 */
final class KafkaRowSink implements RowSink {
  private static final JsonFactory JSON = new JsonFactory();

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final GroupSchema group;
  private final OfsOptions options;
  private final RowEncoder encoder;
  private final byte[] writeTime;
  private final TaskResult result = new TaskResult();
  private final AtomicReference<Exception> firstError = new AtomicReference<>();
  private long sent;

  KafkaRowSink(OfsOptions options, GroupSchema group, RowEncoder encoder, long writeTimeMicros, String topic) {
    this.options = options;
    this.group = group;
    this.encoder = encoder;
    this.topic = topic;
    this.writeTime = Long.toString(writeTimeMicros).getBytes(StandardCharsets.UTF_8);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.kafkaBootstrap);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // Kafka refuses a delivery timeout below linger + request timeout: the retry deadline is raised to that.
    int requestTimeoutMs = Math.min(options.requestTimeoutMs, 30_000);
    long deliveryTimeoutMs = Math.max(options.retryDeadlineMs, requestTimeoutMs + 5L + 1000L);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(deliveryTimeoutMs));
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(requestTimeoutMs));
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(Math.max(options.retryDeadlineMs, 1000L)));
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "ofs-spark-" + options.runId);
    this.producer = new KafkaProducer<>(props);
  }

  @Override
  public void add(InternalRow row) throws IOException {
    throwIfFailed();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (JsonGenerator out = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
      encoder.writeObject(row, out);
    }
    byte[] value = bytes.toByteArray();
    if (result.sampleRows.size() < TaskResult.MAX_SAMPLES) {
      result.sampleRows.add(new String(value, StandardCharsets.UTF_8));
    }
    String key = encoder.partitionKeyText(row);
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(topic, null, null, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    Headers headers = record.headers();
    headers.add("sdk-version", "v2".getBytes(StandardCharsets.UTF_8));
    headers.add("feature-group-name", group.name.getBytes(StandardCharsets.UTF_8));
    headers.add("feature-group-version", group.version.getBytes(StandardCharsets.UTF_8));
    headers.add("run-id", options.runId.getBytes(StandardCharsets.UTF_8));
    headers.add("ofs-write-time", writeTime);
    producer.send(
        record,
        (metadata, exception) -> {
          if (exception != null) firstError.compareAndSet(null, exception);
        });
    ++sent;
  }

  @Override
  public TaskResult finish() throws IOException {
    producer.flush();
    throwIfFailed();
    // The consumer converts the values: a row it cannot apply goes to the dead-letter topic, not back here.
    result.rowsWritten = sent;
    return result;
  }

  @Override
  public void close() {
    producer.close(java.time.Duration.ofSeconds(5));
  }

  private void throwIfFailed() throws IOException {
    Exception error = firstError.get();
    if (error != null) throw new IOException("ofs: producing to topic " + topic + " failed: " + error, error);
  }
}
