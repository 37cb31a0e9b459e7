package dev.ofs.spark;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Rows as batched writes to the serving API ({@code POST /v1/feature-group/write}, {@code batch-rows} rows a
 * request), each request carrying the job's fixed write time in the {@code ofs-write-time} header: a retried
 * task writes its rows again at that same time, so it cannot overwrite a newer value written meanwhile, and
 * rewriting the same cells changes nothing. A batch the server answers 503 is retried (OfsHttp); rows the
 * server refuses (a value that does not convert) are counted with their reasons, not retried.
 */
final class HttpRowSink implements RowSink {
  private static final JsonFactory JSON = new JsonFactory();

  private final OfsHttp http;
  private final String url;
  private final Map<String, String> headers;
  private final GroupSchema group;
  private final OfsOptions options;
  private final RowEncoder encoder;
  private final TaskResult result = new TaskResult();
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 16);
  private JsonGenerator out;
  private int buffered;

  HttpRowSink(OfsOptions options, GroupSchema group, RowEncoder encoder, long writeTimeMicros) {
    this.options = options;
    this.group = group;
    this.encoder = encoder;
    this.http = new OfsHttp(options);
    this.url = options.servingUrl + "/v1/feature-group/write";
    this.headers = Map.of("ofs-write-time", Long.toString(writeTimeMicros), "X-Request-Id", options.runId);
  }

  @Override
  public void add(InternalRow row) throws IOException {
    if (out == null) startBatch();
    out.writeStartArray();
    for (int i = 0; i < encoder.names().length; i++) encoder.writeValue(row, i, out);
    out.writeEndArray();
    if (result.sampleRows.size() < TaskResult.MAX_SAMPLES) result.sampleRows.add(sample(row));
    if (++buffered >= options.batchRows) send();
  }

  @Override
  public TaskResult finish() throws IOException {
    if (buffered > 0) send();
    return result;
  }

  @Override
  public void close() {
    out = null;
    buffered = 0;
  }

  private void startBatch() throws IOException {
    buffer.reset();
    out = JSON.createGenerator(buffer, JsonEncoding.UTF8);
    out.writeStartObject();
    out.writeStringField("featureGroupName", group.name);
    out.writeStringField("featureGroupVersion", group.version);
    out.writeStringField("runId", options.runId);
    out.writeObjectFieldStart("features");
    out.writeArrayFieldStart("names");
    for (String name : encoder.names()) out.writeString(name);
    out.writeEndArray();
    out.writeArrayFieldStart("values");
  }

  private void send() throws IOException {
    out.writeEndArray();
    out.writeEndObject();
    out.writeEndObject();
    out.close();
    out = null;
    int rows = buffered;
    buffered = 0;
    JsonNode answer = http.post(url, buffer.toByteArray(), headers);
    JsonNode failed = answer.path("failedRows");
    long refused = failed.isArray() ? failed.size() : 0;
    result.rowsFailed += refused;
    result.rowsWritten += rows - refused;
    for (JsonNode error : answer.path("failedRowErrors")) result.addError(error.asText());
  }

  private String sample(InternalRow row) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator sample = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
      encoder.writeObject(row, sample);
    }
    return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
  }
}
