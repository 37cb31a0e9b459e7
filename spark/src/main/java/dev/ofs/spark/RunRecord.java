package dev.ofs.spark;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The run record of a write (Darwin's {@code POST /feature-group/run-data}: name, version, runId, timeTaken in
 * seconds, count of rows written, sampleData, errorMessage, status), posted once per write and never resent
 * (the store keeps every record it is sent). A record that cannot be posted is reported on stderr and does
 * not fail a write whose rows are in the store.
 */
final class RunRecord {
  private RunRecord() {}

  static void post(OfsOptions options, GroupSchema group, TaskResult total, long seconds, String status, String error) {
    try {
      ObjectNode body = OfsHttp.JSON.createObjectNode();
      body.put("name", group.name);
      body.put("version", group.version);
      body.put("runId", options.runId);
      body.put("timeTaken", seconds);
      body.put("count", total.rowsWritten);
      ArrayNode samples = body.putArray("sampleData");
      for (String row : total.sampleRows) samples.add(OfsHttp.JSON.readTree(row));
      body.put("errorMessage", error);
      body.put("status", status);
      new OfsHttp(options)
          .postOnce(options.adminUrl + "/feature-group/run-data", OfsHttp.JSON.writeValueAsBytes(body), Map.of());
    } catch (Exception e) {
      System.err.println("ofs: the run record of run " + options.runId + " (" + status + ") was not recorded: " + e);
    }
  }
}
