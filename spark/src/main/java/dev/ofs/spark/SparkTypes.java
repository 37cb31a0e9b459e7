package dev.ofs.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A feature group's Spark schema, as Darwin's DataSource states it: the CQL types mapped as below, no column
 * nullable, and each field's metadata {"isPrimary": true|false}.
 */
final class SparkTypes {
  private SparkTypes() {}

  static StructType schemaOf(GroupSchema group) {
    List<StructField> fields = new ArrayList<>();
    for (Map.Entry<String, String> column : group.types.entrySet()) {
      boolean primary = group.primaryKeys.contains(column.getKey());
      fields.add(
          DataTypes.createStructField(
              column.getKey(),
              sparkType(column.getValue()),
              false,
              Metadata.fromJson("{\"isPrimary\": " + primary + "}")));
    }
    return DataTypes.createStructType(fields);
  }

  static DataType sparkType(String cql) {
    switch (cql) {
      case "BLOB":
        return DataTypes.BinaryType;
      case "BOOLEAN":
        return DataTypes.BooleanType;
      case "VARINT":
        return DataTypes.createDecimalType(38, 0);
      case "DECIMAL":
        return DataTypes.createDecimalType(38, 24);
      case "DOUBLE":
        return DataTypes.DoubleType;
      case "FLOAT":
        return DataTypes.FloatType;
      case "INT":
        return DataTypes.IntegerType;
      case "BIGINT":
        return DataTypes.LongType;
      case "TIMESTAMP":
        return DataTypes.TimestampType;
      default:
        return DataTypes.StringType; // TEXT, VARCHAR, ASCII, UUID, TIMEUUID, INET
    }
  }
}
