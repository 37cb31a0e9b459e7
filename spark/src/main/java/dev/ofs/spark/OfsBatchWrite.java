package dev.ofs.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.StructType;

/**
 * One {@code save()}: fixes the write time once, on the driver, for every task and every attempt; when the
 * tasks are done, records the run (Darwin's run record: SUCCESS, PARTIAL when the store refused some rows,
 * FAILED) and fails the job when more rows were refused than {@code max-failed-rows} allows.
 */
final class OfsBatchWrite implements Write, BatchWrite {
  private final OfsOptions options;
  private final GroupSchema group;
  private final StructType frame;
  private final long writeTimeMicros;
  private final String topic;
  private final long startNanos = System.nanoTime();
  private volatile boolean recorded; // commit recorded the run (Spark calls abort when commit throws)

  OfsBatchWrite(OfsOptions options, GroupSchema group, StructType frame, String topic) {
    this.options = options;
    this.group = group;
    this.frame = frame;
    this.topic = topic;
    this.writeTimeMicros = Math.multiplyExact(System.currentTimeMillis(), 1000L);
  }

  @Override
  public String description() {
    return "ofs: feature group " + group.name + " version " + group.version + " (run " + options.runId + ", "
        + (topic != null ? "Kafka topic " + topic : "HTTP writes") + ")";
  }

  @Override
  public BatchWrite toBatch() {
    return this;
  }

  @Override
  public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
    return new OfsDataWriterFactory(options, group, frame, writeTimeMicros, topic);
  }

  @Override
  public void commit(WriterCommitMessage[] messages) {
    TaskResult total = sum(messages);
    boolean tooMany = options.maxFailedRows >= 0 && total.rowsFailed > options.maxFailedRows;
    String error = total.rowsFailed == 0 ? "" : failedRowsMessage(total);
    String status = total.rowsFailed == 0 ? "SUCCESS" : tooMany ? "FAILED" : "PARTIAL";
    RunRecord.post(options, group, total, seconds(), status, error);
    recorded = true;
    if (tooMany) {
      throw new OfsException(
          "OFS-SPARK-ROWS-FAILED", error + " (the other rows were written; " + OfsOptions.MAX_FAILED_ROWS + " = "
              + options.maxFailedRows + ")");
    }
  }

  @Override
  public void abort(WriterCommitMessage[] messages) {
    if (recorded) return;
    TaskResult total = sum(messages);
    RunRecord.post(
        options, group, total, seconds(), "FAILED",
        "the Spark job failed; the rows of its finished tasks were written (" + total.rowsWritten + ")");
  }

  private long seconds() {
    return (System.nanoTime() - startNanos) / 1_000_000_000L;
  }

  private static String failedRowsMessage(TaskResult total) {
    return total.rowsFailed + " of " + (total.rowsFailed + total.rowsWritten) + " rows were refused: "
        + String.join("; ", total.errors);
  }

  private static TaskResult sum(WriterCommitMessage[] messages) {
    TaskResult total = new TaskResult();
    List<String> samples = new ArrayList<>();
    for (WriterCommitMessage message : messages) {
      if (!(message instanceof TaskResult)) continue; // a task that did not finish
      TaskResult task = (TaskResult) message;
      total.rowsWritten += task.rowsWritten;
      total.rowsFailed += task.rowsFailed;
      for (String error : task.errors) total.addError(error);
      for (String row : task.sampleRows) {
        if (samples.size() < TaskResult.MAX_SAMPLES) samples.add(row);
      }
    }
    total.sampleRows.addAll(samples);
    return total;
  }
}
