package dev.ofs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A feature group version's columns as the admin API states them (Darwin's {@code GET /feature-group/schema}:
 * {@code {"schema": [{"name", "type"}], "primaryKeys": [...], "version"}}), in order.
 */
public final class GroupSchema implements Serializable {
  private static final long serialVersionUID = 1L;

  public final String name;
  public final String version;
  /** Column name → its CQL type name (upper case), in the group's order. */
  public final Map<String, String> types;
  /** The primary key columns, partition key first. */
  public final List<String> primaryKeys;

  /** The group's spelling of {@code column}, matched case-insensitively as the server matches names; null if none. */
  public String canonical(String column) {
    if (types.containsKey(column)) return column;
    for (String name : types.keySet()) {
      if (name.equalsIgnoreCase(column)) return name;
    }
    return null;
  }

  GroupSchema(String name, String version, Map<String, String> types, List<String> primaryKeys) {
    this.name = name;
    this.version = version;
    this.types = Collections.unmodifiableMap(types);
    this.primaryKeys = Collections.unmodifiableList(primaryKeys);
  }

  /** Fetches the schema of {@code name} at {@code version} (null = the latest) from the admin API. */
  static GroupSchema fetch(OfsHttp http, String adminUrl, String name, String version) {
    String url = adminUrl + "/feature-group/schema?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    if (version != null) url += "&version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    return parse(name, version, http.get(url));
  }

  static GroupSchema parse(String name, String requestedVersion, JsonNode data) {
    Map<String, String> types = new LinkedHashMap<>();
    for (JsonNode column : data.path("schema")) {
      String columnName = column.path("name").asText("");
      String type = column.path("type").asText("");
      if (columnName.isEmpty() || type.isEmpty()) {
        throw new OfsException("OFS-SPARK-SCHEMA", "the admin API's schema of " + name + " is malformed: " + data);
      }
      types.put(columnName, type.toUpperCase(java.util.Locale.ROOT));
    }
    List<String> keys = new ArrayList<>();
    for (JsonNode key : data.path("primaryKeys")) keys.add(key.asText());
    if (types.isEmpty() || keys.isEmpty()) {
      throw new OfsException("OFS-SPARK-SCHEMA", "the admin API's schema of " + name + " has no columns or keys: " + data);
    }
    String version = data.path("version").asText(requestedVersion == null ? "" : requestedVersion);
    return new GroupSchema(name, version, types, keys);
  }
}
