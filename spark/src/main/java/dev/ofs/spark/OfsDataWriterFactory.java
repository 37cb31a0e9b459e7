package dev.ofs.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.types.StructType;

/** Shipped to the executors: everything a task needs to write, including the job's fixed write time. */
final class OfsDataWriterFactory implements DataWriterFactory {
  private static final long serialVersionUID = 1L;

  private final OfsOptions options;
  private final GroupSchema group;
  private final StructType frame;
  private final long writeTimeMicros;
  private final String topic; // Kafka carries the rows; null: HTTP writes

  OfsDataWriterFactory(OfsOptions options, GroupSchema group, StructType frame, long writeTimeMicros, String topic) {
    this.options = options;
    this.group = group;
    this.frame = frame;
    this.writeTimeMicros = writeTimeMicros;
    this.topic = topic;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
    RowEncoder encoder = new RowEncoder(frame, group);
    RowSink sink =
        topic != null
            ? new KafkaRowSink(options, group, encoder, writeTimeMicros, topic)
            : new HttpRowSink(options, group, encoder, writeTimeMicros);
    return new OfsDataWriter(sink);
  }
}
