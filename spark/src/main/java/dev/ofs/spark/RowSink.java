package dev.ofs.spark;

import java.io.IOException;
import org.apache.spark.sql.catalyst.InternalRow;

/** Where a task's rows go: batched HTTP writes, or v2 messages to Kafka. One per task attempt. */
interface RowSink extends AutoCloseable {
  /** Takes one row; may send a batch. Throws when a batch cannot be delivered (the task then fails). */
  void add(InternalRow row) throws IOException;

  /** Sends what is buffered and waits until every row is acknowledged; answers the task's counts. */
  TaskResult finish() throws IOException;

  @Override
  void close();
}
