package dev.ofs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/** An error of the OFS DataSource: the server's error code (or one of ours) and a message that names the cause. */
public final class OfsException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String code;

  public OfsException(String code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  public OfsException(String code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  public String code() {
    return code;
  }

  /** The error an OFS (or Darwin) error answer states: {"error": {"code", "message"}}, else the raw body. */
  static OfsException fromResponse(String method, String url, int status, byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    try {
      JsonNode error = OfsHttp.JSON.readTree(body).path("error");
      if (error.has("code")) {
        return new OfsException(
            error.get("code").asText(),
            method + " " + url + " answered " + status + ": " + error.path("message").asText(text));
      }
    } catch (Exception ignored) {
      // not JSON: the body as it is
    }
    return new OfsException("HTTP-" + status, method + " " + url + " answered " + status + ": " + text);
  }
}
