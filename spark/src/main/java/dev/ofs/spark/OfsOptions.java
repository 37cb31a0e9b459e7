package dev.ofs.spark;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;

/**
 * The options of a write through {@code format("ofs")}, read once on the driver and shipped to every task.
 *
 * <p>Darwin's option names are kept ({@code feature-group-name}, {@code feature-group-version}, {@code run-id},
 * and, in Darwin's test mode, {@code ofs.admin.host} / {@code ofs.kafka.host}); OFS adds full URLs and the
 * knobs below. Names are case-insensitive, as Spark passes them.
 */
public final class OfsOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String FEATURE_GROUP_NAME = "feature-group-name";
  public static final String FEATURE_GROUP_VERSION = "feature-group-version";
  public static final String RUN_ID = "run-id";
  /** The admin API's base URL, e.g. http://127.0.0.1:8081 (Darwin's {@code ofs.admin.host}: host[:port]). */
  public static final String ADMIN_URL = "ofs.admin.url";
  public static final String DARWIN_ADMIN_HOST = "ofs.admin.host";
  /** The serving API's base URL, where rows go as batched writes when Kafka is not configured. */
  public static final String SERVING_URL = "ofs.serving.url";
  /** Kafka's bootstrap servers: rows go as v2 messages to the group's topic (Darwin's option name). */
  public static final String KAFKA_HOST = "ofs.kafka.host";
  /** A bearer token for both APIs (auth.tokens on the server). */
  public static final String TOKEN = "ofs.token";
  /** Rows per write request (at most the server's serving.max_rows_per_write). */
  public static final String BATCH_ROWS = "batch-rows";
  /** How long one request may take, and how long a task keeps retrying a request the server refused with 503. */
  public static final String REQUEST_TIMEOUT_MS = "request-timeout-ms";
  public static final String RETRY_DEADLINE_MS = "retry-deadline-ms";
  /** Rows the server may refuse (values that do not convert) before the job fails; -1 = any number. */
  public static final String MAX_FAILED_ROWS = "max-failed-rows";

  public final String featureGroupName;
  public final String featureGroupVersion; // null = the latest version
  public final String runId;
  public final String adminUrl;
  public final String servingUrl; // null when Kafka carries the rows
  public final String kafkaBootstrap; // null = batched HTTP writes
  public final String token; // null = none
  public final int batchRows;
  public final int requestTimeoutMs;
  public final long retryDeadlineMs;
  public final long maxFailedRows;

  private OfsOptions(Map<String, String> raw) {
    featureGroupName = required(raw, FEATURE_GROUP_NAME);
    featureGroupVersion = optional(raw, FEATURE_GROUP_VERSION);
    String run = optional(raw, RUN_ID);
    runId = run != null ? run : RunIds.create();
    adminUrl = adminUrl(raw);
    kafkaBootstrap = optional(raw, KAFKA_HOST);
    String serving = optional(raw, SERVING_URL);
    if (serving == null && kafkaBootstrap == null) {
      throw new IllegalArgumentException(
          "ofs: set " + SERVING_URL + " (the serving API, for batched writes) or " + KAFKA_HOST
              + " (Kafka's bootstrap servers, for v2 messages)");
    }
    servingUrl = serving == null ? null : trimSlash(withScheme(serving));
    token = optional(raw, TOKEN);
    batchRows = (int) number(raw, BATCH_ROWS, 5000, 1, 1_000_000);
    requestTimeoutMs = (int) number(raw, REQUEST_TIMEOUT_MS, 30_000, 100, 3_600_000);
    retryDeadlineMs = number(raw, RETRY_DEADLINE_MS, 120_000, 0, 86_400_000);
    maxFailedRows = number(raw, MAX_FAILED_ROWS, 0, -1, Long.MAX_VALUE);
  }

  /** Parses Spark's options; a missing or malformed option is an IllegalArgumentException naming it. */
  public static OfsOptions parse(Map<String, String> options) {
    return new OfsOptions(options);
  }

  private static String adminUrl(Map<String, String> raw) {
    String url = optional(raw, ADMIN_URL);
    if (url == null) url = optional(raw, DARWIN_ADMIN_HOST);
    if (url == null) {
      throw new IllegalArgumentException(
          "ofs: set " + ADMIN_URL + " (the admin API's base URL, e.g. http://127.0.0.1:8081)");
    }
    return trimSlash(withScheme(url));
  }

  private static String get(Map<String, String> raw, String key) {
    String value = raw.get(key);
    if (value == null) value = raw.get(key.toLowerCase(Locale.ROOT));
    return value;
  }

  private static String optional(Map<String, String> raw, String key) {
    String value = get(raw, key);
    return value == null || value.trim().isEmpty() ? null : value.trim();
  }

  private static String required(Map<String, String> raw, String key) {
    String value = optional(raw, key);
    if (value == null) throw new IllegalArgumentException("ofs: option " + key + " is required");
    return value;
  }

  private static long number(Map<String, String> raw, String key, long fallback, long min, long max) {
    String text = optional(raw, key);
    if (text == null) return fallback;
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("ofs: option " + key + " must be an integer, got '" + text + "'");
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          "ofs: option " + key + " must be in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  private static String withScheme(String url) {
    return url.startsWith("http://") || url.startsWith("https://") ? url : "http://" + url;
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
