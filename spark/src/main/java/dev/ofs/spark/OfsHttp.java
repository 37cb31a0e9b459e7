package dev.ofs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * JSON over HTTP to the admin and serving APIs, with the retry rule of a batch writer: a request the server
 * answered 503 (a store or the metadata store unavailable, or overloaded) or that failed on the network is
 * sent again after a jittered backoff (100 ms doubling to 5 s) until {@code retryDeadlineMs} has passed
 * since the first attempt; any other error answer fails at once with the server's code and message.
 * Only idempotent requests go through {@link #send}: writes carry a fixed write time, so a resend of a
 * write the server did apply changes nothing.
 */
final class OfsHttp {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client;
  private final OfsOptions options;

  OfsHttp(OfsOptions options) {
    this.options = options;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofMillis(Math.min(options.requestTimeoutMs, 10_000)))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /** GET url; answers the response's "data". */
  JsonNode get(String url) {
    return send("GET", url, null, Map.of(), true);
  }

  /** POST url with a JSON body; answers the response's "data" (or the whole body when it has none). */
  JsonNode post(String url, byte[] body, Map<String, String> headers) {
    return send("POST", url, body, headers, true);
  }

  /** POST without any retry: for requests that are not idempotent (a run record). */
  JsonNode postOnce(String url, byte[] body, Map<String, String> headers) {
    return send("POST", url, body, headers, false);
  }

  private JsonNode send(String method, String url, byte[] body, Map<String, String> headers, boolean retry) {
    long start = System.nanoTime();
    long backoffMs = 100;
    while (true) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(url))
              .timeout(Duration.ofMillis(options.requestTimeoutMs))
              .header("Accept", "application/json");
      if (options.token != null) request.header("Authorization", "Bearer " + options.token);
      for (Map.Entry<String, String> header : headers.entrySet()) {
        request.header(header.getKey(), header.getValue());
      }
      if (body != null) {
        request.header("Content-Type", "application/json");
        request.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
      } else {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      }
      String retryReason;
      HttpResponse<byte[]> response = null;
      try {
        response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        retryReason = null;
      } catch (IOException e) {
        retryReason = method + " " + url + ": " + e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OfsException("INTERRUPTED", method + " " + url + " interrupted", e);
      }
      if (response != null) {
        int status = response.statusCode();
        if (status / 100 == 2) return data(method, url, status, response.body());
        OfsException error = OfsException.fromResponse(method, url, status, response.body());
        if (status != 503) throw error;
        retryReason = error.getMessage();
      }
      if (!retry) throw new OfsException("STORE-UNAVAILABLE", retryReason);
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      if (elapsedMs + backoffMs > options.retryDeadlineMs) {
        throw new OfsException(
            "STORE-UNAVAILABLE",
            "gave up after " + elapsedMs + " ms (" + OfsOptions.RETRY_DEADLINE_MS + "): " + retryReason);
      }
      try {
        Thread.sleep(backoffMs / 2 + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OfsException("INTERRUPTED", method + " " + url + " interrupted", e);
      }
      backoffMs = Math.min(backoffMs * 2, 5_000);
    }
  }

  /** The "data" of a 2xx answer (the whole body when it has none); a body that is not JSON fails at once. */
  private static JsonNode data(String method, String url, int status, byte[] body) {
    try {
      JsonNode root = JSON.readTree(body);
      return root != null && root.has("data") ? root.get("data") : root;
    } catch (IOException e) {
      String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
      throw new OfsException(
          "INVALID-RESPONSE", method + " " + url + " answered " + status + " with a body that is not JSON: "
              + text.substring(0, Math.min(200, text.length())));
    }
  }
}
