package dev.ofs.spark;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.Serializable;
import java.util.Base64;
import org.apache.spark.sql.catalyst.InternalRow;
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
 * Writes a row's values as the JSON scalars the write API and the v2 message take, straight from Spark's
 * internal row (no boxing through Row): strings as strings, numbers as numbers (decimals in plain notation,
 * floats at their own shortest precision), booleans, binary as base64 (decoded once by OFS: the stored bytes
 * are the DataFrame's bytes), timestamps as epoch milliseconds, and null as null (which OFS refuses for its
 * row, with a reason). Only the types SchemaCheck lets through reach it.
 */
final class RowEncoder implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();

  private final String[] names;
  private final Kind[] kinds;
  private final int[] precision;
  private final int[] scale;
  private final int partitionKey; // ordinal of the group's partition key column

  private enum Kind {
    STRING,
    BINARY,
    BOOLEAN,
    BYTE,
    SHORT,
    INT,
    LONG,
    FLOAT,
    DOUBLE,
    DECIMAL,
    TIMESTAMP
  }

  RowEncoder(StructType frame, GroupSchema group) {
    StructField[] fields = frame.fields();
    names = new String[fields.length];
    kinds = new Kind[fields.length];
    precision = new int[fields.length];
    scale = new int[fields.length];
    int key = -1;
    for (int i = 0; i < fields.length; i++) {
      String column = group.canonical(fields[i].name()); // SchemaCheck made sure there is one
      names[i] = column != null ? column : fields[i].name();
      kinds[i] = kindOf(fields[i].dataType());
      if (fields[i].dataType() instanceof DecimalType) {
        precision[i] = ((DecimalType) fields[i].dataType()).precision();
        scale[i] = ((DecimalType) fields[i].dataType()).scale();
      }
      if (names[i].equals(group.primaryKeys.get(0))) key = i;
    }
    partitionKey = key;
  }

  String[] names() {
    return names;
  }

  /** The partition key's value as text (a Kafka record's key: one key's updates stay in one partition). */
  String partitionKeyText(InternalRow row) throws IOException {
    if (partitionKey < 0 || row.isNullAt(partitionKey)) return null;
    if (kinds[partitionKey] == Kind.STRING) return row.getUTF8String(partitionKey).toString();
    java.io.StringWriter text = new java.io.StringWriter();
    try (JsonGenerator out = JSON.createGenerator(text)) {
      writeValue(row, partitionKey, out);
    }
    String json = text.toString();
    return kinds[partitionKey] == Kind.BINARY ? json.substring(1, json.length() - 1) : json; // base64 unquoted
  }

  /** Writes {@code row} as one flat JSON object, column name to value (a v2 message, a run record's sample). */
  void writeObject(InternalRow row, JsonGenerator out) throws IOException {
    out.writeStartObject();
    for (int i = 0; i < names.length; i++) {
      out.writeFieldName(names[i]);
      writeValue(row, i, out);
    }
    out.writeEndObject();
  }

  /** Writes column {@code i} of {@code row}. */
  void writeValue(InternalRow row, int i, JsonGenerator out) throws IOException {
    if (row.isNullAt(i)) {
      out.writeNull();
      return;
    }
    switch (kinds[i]) {
      case STRING:
        out.writeString(row.getUTF8String(i).toString());
        break;
      case BINARY:
        out.writeString(Base64.getEncoder().encodeToString(row.getBinary(i)));
        break;
      case BOOLEAN:
        out.writeBoolean(row.getBoolean(i));
        break;
      case BYTE:
        out.writeNumber(row.getByte(i));
        break;
      case SHORT:
        out.writeNumber(row.getShort(i));
        break;
      case INT:
        out.writeNumber(row.getInt(i));
        break;
      case LONG:
        out.writeNumber(row.getLong(i));
        break;
      case FLOAT:
        out.writeNumber(row.getFloat(i));
        break;
      case DOUBLE:
        out.writeNumber(row.getDouble(i));
        break;
      case DECIMAL:
        out.writeNumber(row.getDecimal(i, precision[i], scale[i]).toJavaBigDecimal().toPlainString());
        break;
      case TIMESTAMP:
        out.writeNumber(Math.floorDiv(row.getLong(i), 1000L)); // Spark keeps microseconds
        break;
    }
  }

  private static Kind kindOf(DataType type) {
    if (type instanceof StringType) return Kind.STRING;
    if (type instanceof BinaryType) return Kind.BINARY;
    if (type instanceof BooleanType) return Kind.BOOLEAN;
    if (type instanceof ByteType) return Kind.BYTE;
    if (type instanceof ShortType) return Kind.SHORT;
    if (type instanceof IntegerType) return Kind.INT;
    if (type instanceof LongType) return Kind.LONG;
    if (type instanceof FloatType) return Kind.FLOAT;
    if (type instanceof DoubleType) return Kind.DOUBLE;
    if (type instanceof DecimalType) return Kind.DECIMAL;
    if (type instanceof TimestampType) return Kind.TIMESTAMP;
    throw new OfsException("FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION", "unsupported Spark type " + type.simpleString());
  }
}
