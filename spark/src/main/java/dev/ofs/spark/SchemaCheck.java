package dev.ofs.spark;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Checks a DataFrame's schema against a feature group before any row is sent: every DataFrame column must
 * be a column of the group (names match case-insensitively, as OFS matches them), every primary key must be there, and each column's Spark type must convert to
 * its CQL type without loss (the table below). Every problem is named in one error. Feature columns the
 * DataFrame lacks are left as they are in the store.
 *
 * <pre>
 * TEXT VARCHAR ASCII UUID TIMEUUID INET  string
 * BLOB                                   binary
 * BOOLEAN                                boolean
 * INT                                    int, smallint, tinyint
 * BIGINT                                 bigint, int, smallint, tinyint
 * VARINT                                 decimal(p, 0), bigint, int, smallint, tinyint
 * DECIMAL                                decimal(p, s), bigint, int, smallint, tinyint
 * FLOAT                                  float
 * DOUBLE                                 double, float
 * TIMESTAMP                              timestamp, bigint (epoch milliseconds)
 * </pre>
 */
final class SchemaCheck {
  private SchemaCheck() {}

  static void check(StructType frame, GroupSchema group) {
    List<String> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (StructField field : frame.fields()) {
      String column = group.canonical(field.name());
      String type = column == null ? null : group.types.get(column);
      if (column != null && !seen.add(column)) {
        problems.add("column '" + field.name() + "' appears twice");
      } else if (type == null) {
        problems.add("column '" + field.name() + "' is not a column of the group" + hint(group));
      } else if (!converts(field.dataType(), type)) {
        problems.add(
            "column '" + field.name() + "' is " + field.dataType().simpleString() + ", the group's column is "
                + type + " (it takes " + accepted(type) + ")");
      }
    }
    for (String key : group.primaryKeys) {
      if (!seen.contains(key)) problems.add("primary key column '" + key + "' is missing");
    }
    if (!problems.isEmpty()) {
      throw new OfsException(
          "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION",
          "the DataFrame does not match feature group " + group.name + " version " + group.version + ": "
              + String.join("; ", problems));
    }
  }

  static boolean converts(DataType spark, String cql) {
    switch (cql) {
      case "TEXT":
      case "VARCHAR":
      case "ASCII":
      case "UUID":
      case "TIMEUUID":
      case "INET":
        return spark instanceof StringType;
      case "BLOB":
        return spark instanceof BinaryType;
      case "BOOLEAN":
        return spark instanceof BooleanType;
      case "INT":
        return spark instanceof IntegerType || spark instanceof ShortType || spark instanceof ByteType;
      case "BIGINT":
        return integral(spark);
      case "VARINT":
        return integral(spark) || (spark instanceof DecimalType && ((DecimalType) spark).scale() == 0);
      case "DECIMAL":
        return integral(spark) || spark instanceof DecimalType;
      case "FLOAT":
        return spark instanceof FloatType;
      case "DOUBLE":
        return spark instanceof DoubleType || spark instanceof FloatType;
      case "TIMESTAMP":
        return spark instanceof TimestampType || spark instanceof LongType;
      default:
        return false;
    }
  }

  private static boolean integral(DataType spark) {
    return spark instanceof LongType || spark instanceof IntegerType || spark instanceof ShortType
        || spark instanceof ByteType;
  }

  private static String accepted(String cql) {
    switch (cql) {
      case "BLOB":
        return "binary";
      case "BOOLEAN":
        return "boolean";
      case "INT":
        return "int, smallint, tinyint";
      case "BIGINT":
        return "bigint, int, smallint, tinyint";
      case "VARINT":
        return "decimal(p,0), bigint, int, smallint, tinyint";
      case "DECIMAL":
        return "decimal, bigint, int, smallint, tinyint";
      case "FLOAT":
        return "float";
      case "DOUBLE":
        return "double, float";
      case "TIMESTAMP":
        return "timestamp, bigint epoch milliseconds";
      default:
        return "string";
    }
  }

  private static String hint(GroupSchema group) {
    return " (its columns: " + String.join(", ", group.types.keySet()) + ")";
  }
}
