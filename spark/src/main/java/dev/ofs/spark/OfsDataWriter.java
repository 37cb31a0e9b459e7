package dev.ofs.spark;

import java.io.IOException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/** One task attempt's writer: rows go to its sink as they come; commit waits for all of them. */
final class OfsDataWriter implements DataWriter<InternalRow> {
  private final RowSink sink;

  OfsDataWriter(RowSink sink) {
    this.sink = sink;
  }

  @Override
  public void write(InternalRow row) throws IOException {
    sink.add(row);
  }

  @Override
  public WriterCommitMessage commit() throws IOException {
    return sink.finish();
  }

  /** Rows already sent stay written: a retry of the task writes them again, at the same write time. */
  @Override
  public void abort() {}

  @Override
  public void close() {
    sink.close();
  }
}
