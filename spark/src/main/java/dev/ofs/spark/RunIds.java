package dev.ofs.spark;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Darwin's run ids: {@code run-yyyy-MM-dd-HH-mm-ss} in UTC, when the job names none. */
final class RunIds {
  private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("'run-'yyyy-MM-dd-HH-mm-ss");

  private RunIds() {}

  static String create() {
    return ZonedDateTime.now(ZoneOffset.UTC).format(FORMAT);
  }
}
