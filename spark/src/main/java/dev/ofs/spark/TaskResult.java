package dev.ofs.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/** What one task sent: rows the store took, rows it refused (with the first reasons), and a few sample rows. */
final class TaskResult implements WriterCommitMessage {
  private static final long serialVersionUID = 1L;
  static final int MAX_ERRORS = 5;
  static final int MAX_SAMPLES = 10;

  long rowsWritten;
  long rowsFailed;
  final List<String> errors = new ArrayList<>(); // the first MAX_ERRORS reasons
  final List<String> sampleRows = new ArrayList<>(); // the first MAX_SAMPLES rows, as JSON objects

  void addError(String error) {
    if (errors.size() < MAX_ERRORS) errors.add(error);
  }
}
