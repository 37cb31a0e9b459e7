package dev.ofs.spark;

import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The DataSource {@code ofs}: {@code df.write.format("ofs").option("feature-group-name", ...).mode("append")
 * .save()} writes a DataFrame's rows into a feature group (spark/README.md). The group's schema comes from the
 * admin API once per write, on the driver.
 */
public final class OfsDataSource implements TableProvider, DataSourceRegister {
  private GroupSchema group; // the schema inferSchema fetched, reused by getTable

  @Override
  public String shortName() {
    return "ofs";
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    group = fetch(OfsOptions.parse(options));
    return SparkTypes.schemaOf(group);
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    OfsOptions options = OfsOptions.parse(new CaseInsensitiveStringMap(properties));
    GroupSchema resolved = group;
    if (resolved == null || !resolved.name.equals(options.featureGroupName)) resolved = fetch(options);
    return new OfsTable(options, resolved);
  }

  private static GroupSchema fetch(OfsOptions options) {
    return GroupSchema.fetch(new OfsHttp(options), options.adminUrl, options.featureGroupName, options.featureGroupVersion);
  }
}
