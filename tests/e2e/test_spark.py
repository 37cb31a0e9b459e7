"""The Spark DataSource `ofs` (spark/README.md) and the SDK's Spark functions, in a real local Spark (PyPI
pyspark, with delta-spark for Delta tables): a DataFrame of every type written through format("ofs") reads
back as the serving API's own writes do; a DataFrame that does not match the group is refused before any row
is sent, naming the columns; a task that fails and is retried cannot overwrite a value written after the job
started (the job's fixed write time); rows go through Kafka to the consumer when Kafka is configured; the
run record; a Delta table written by Spark (delta-spark) loads with `ofs populate`; darwin_fs.write_features
and read_offline_features.

The jar: OFS_SPARK_JAR, else build/spark/spark-4/darwin-ofs-v2-spark-*.jar (`make spark-jar`). Without
pyspark or the jar the module is skipped, unless OFS_REQUIRE_SPARK=1 (`make test` sets it). One Spark
session serves the module (local[2, 3]: two threads, a failed task tried up to three times); its JVM is
stopped at the end.
"""
from __future__ import annotations

import datetime
import decimal
import glob
import os
import subprocess
import sys
import time
import uuid

import pytest

from e2e_support import (ALL_TYPES, FLEET, REPO_ROOT, Ofs, assert_ok, b64, find_binary, found_map, make_entity,
                         make_group, read_data, store_args, uniq, wait_until, write_ok)

pytestmark = pytest.mark.timeout_s(300)

BINARY = find_binary()


def _unavailable(reason: str):
    if os.environ.get("OFS_REQUIRE_SPARK") == "1":
        pytest.fail(reason)
    pytest.skip(reason, allow_module_level=True)


try:
    import pyspark  # noqa: F401
    from pyspark.sql import SparkSession
    from pyspark.sql import types as T
except ImportError:  # pragma: no cover - depends on the machine
    _unavailable("pyspark is not installed (`make spark-deps` installs it)")


def _jar() -> str:
    given = os.environ.get("OFS_SPARK_JAR")
    if given:
        return given
    found = sorted(glob.glob(str(REPO_ROOT / "build/spark/spark-4/darwin-ofs-v2-spark-*-spark4_2.13.jar")))
    if not found:
        _unavailable("no OFS Spark jar: run `make spark-jar` (or set OFS_SPARK_JAR)")
    return found[-1]


JAR = _jar()
# kafka-clients for the Kafka path: Spark does not ship it; Maven fetched it for the jar's build.
# delta-spark's dependencies that pyspark already ships (Hadoop's client, Parquet, codecs, logging, Jackson):
# not fetched again, which keeps the first start's download to delta's own jars (15 MB rather than 87 MB).
DELTA_EXCLUDES = ",".join([
    "org.apache.hadoop:hadoop-client-api", "org.apache.hadoop:hadoop-client-runtime", "com.github.luben:zstd-jni",
    "org.xerial.snappy:snappy-java", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-api",
    "org.apache.logging.log4j:log4j-slf4j2-impl", "org.slf4j:slf4j-api", "commons-logging:commons-logging",
    "com.fasterxml.jackson.core:jackson-databind", "com.fasterxml.jackson.core:jackson-core",
    "com.fasterxml.jackson.core:jackson-annotations", "org.roaringbitmap:RoaringBitmap", "org.roaringbitmap:shims",
    "org.apache.parquet:parquet-column", "org.apache.parquet:parquet-hadoop", "org.apache.parquet:parquet-jackson",
    "org.apache.parquet:parquet-encoding", "org.apache.parquet:parquet-common",
    "org.apache.parquet:parquet-format-structures", "com.google.code.findbugs:jsr305",
])
KAFKA_CLIENTS = os.path.expanduser("~/.m2/repository/org/apache/kafka/kafka-clients/3.9.1/kafka-clients-3.9.1.jar")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from delta import configure_spark_with_delta_pip
    from pyspark import SparkContext

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    jars = [JAR] + ([KAFKA_CLIENTS] if os.path.exists(KAFKA_CLIENTS) else [])
    ivy = os.environ.get("OFS_SPARK_IVY", os.path.expanduser("~/.ivy2"))
    builder = (SparkSession.builder.master("local[2,3]").appName("ofs-e2e")
               .config("spark.jars", ",".join(jars))
               .config("spark.jars.ivy", ivy)
               .config("spark.jars.excludes", DELTA_EXCLUDES)
               .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.databricks.delta.snapshotPartitions", "1")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog"))
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    gateway = SparkContext._gateway
    if gateway is not None:  # the JVM pyspark started: stopped with the module
        gateway.shutdown()
        proc = getattr(gateway, "proc", None)
        if proc is not None:
            proc.kill()
            proc.wait(timeout=30)
        SparkContext._gateway = None
        SparkContext._jvm = None


def urls(srv) -> dict:
    return {"ofs.admin.url": f"http://127.0.0.1:{srv.admin_port}",
            "ofs.serving.url": f"http://127.0.0.1:{srv.serving_port}"}


def save(df, group: str, srv, **options) -> None:
    writer = df.write.format("ofs").mode("append").option("feature-group-name", group)
    for key, value in {**urls(srv), **options}.items():
        writer = writer.option(key, str(value))
    writer.save()


def col(t: str) -> str:
    return f"f_{t.lower()}"


SPARK_TYPES = {
    "TEXT": T.StringType(), "ASCII": T.StringType(), "VARCHAR": T.StringType(), "BLOB": T.BinaryType(),
    "BOOLEAN": T.BooleanType(), "DECIMAL": T.DecimalType(12, 3), "DOUBLE": T.DoubleType(),
    "FLOAT": T.FloatType(), "INT": T.IntegerType(), "BIGINT": T.LongType(), "TIMESTAMP": T.TimestampType(),
    "TIMEUUID": T.StringType(), "UUID": T.StringType(), "INET": T.StringType(), "VARINT": T.DecimalType(38, 0),
}


def row_values(i: int) -> dict:
    """Row i as Spark values, and as the JSON a serving API write takes."""
    ts = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=1000 * i + 7)
    u = uuid.UUID(int=(i * 7919) << 64 | 0x4000_8000_0000_0000 | i)
    tu = uuid.UUID(f"{i:08x}-e89b-11d3-a456-426614174000")
    dec = decimal.Decimal(i * 1001) / 1000
    spark = {
        "TEXT": f"text {i} é", "ASCII": f"ascii {i}", "VARCHAR": f"v{i}", "BLOB": bytes([i % 256, 0, 255]),
        "BOOLEAN": i % 2 == 0, "DECIMAL": dec, "DOUBLE": i / 8, "FLOAT": i / 4, "INT": i - 50,
        "BIGINT": i * 10**12, "TIMESTAMP": ts, "TIMEUUID": str(tu), "UUID": str(u),
        "INET": f"10.0.{i // 256}.{i % 256}", "VARINT": decimal.Decimal(-(i ** 5) * 10**9),
    }
    json_form = dict(spark)
    json_form.update({"BLOB": b64(spark["BLOB"]), "DECIMAL": str(dec), "TIMESTAMP": int(ts.timestamp() * 1000),
                      "VARINT": str(spark["VARINT"])})
    return {"spark": spark, "json": json_form}


def read_all(srv, group: str, ids) -> dict:
    data = read_data(Ofs(srv), group, ["id"] + [col(t) for t in ALL_TYPES], ["id"], [[i] for i in ids])
    return {tuple(k["key"]): k["features"] for k in data.get("successfulKeys", [])}


def runs_of(srv, group: str) -> list:
    return assert_ok(Ofs(srv).on("darwin").get_runs(group))


def test_every_type_written_through_spark_reads_as_the_serving_api_writes_it(spark, server):
    ofs = Ofs(server)
    ent = make_entity(ofs, uniq("spark_ent"), features=(("id", "BIGINT"),), keys=("id",))
    features = [(col(t), t) for t in ALL_TYPES]
    grp = make_group(ofs, ent, uniq("spark_fg"), features=features)
    twin = make_group(ofs, ent, uniq("spark_twin"), features=features)
    rows = range(300)
    names = ["id"] + [col(t) for t in ALL_TYPES]
    write_ok(ofs, twin, names, [[i] + [row_values(i)["json"][t] for t in ALL_TYPES] for i in rows])
    schema = T.StructType([T.StructField("id", T.LongType(), False)] +
                          [T.StructField(col(t), SPARK_TYPES[t], True) for t in ALL_TYPES])
    df = spark.createDataFrame([[i] + [row_values(i)["spark"][t] for t in ALL_TYPES] for i in rows], schema)

    save(df.repartition(3), grp, server, **{"run-id": "spark-types", "batch-rows": 64})

    got, want = read_all(server, grp, rows), read_all(server, twin, rows)
    assert len(got) == len(rows)
    diffs = [(k, t, g, w) for k in want for t, g, w in zip(["id"] + list(ALL_TYPES), got.get(k, []), want[k])
             if g != w]
    assert not diffs, diffs[:10]
    run = [r for r in runs_of(server, grp) if r.get("runId") == "spark-types"]
    assert len(run) == 1 and run[0]["status"] == "SUCCESS" and run[0]["count"] == len(rows), run
    assert len(run[0].get("sampleData", [])) == 10, run


def test_a_dataframe_that_does_not_match_the_group_is_refused_before_any_row(spark, server):
    ofs = Ofs(server)
    ent = make_entity(ofs, uniq("spark_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("spark_fg"), features=(("score", "INT"), ("label", "TEXT")))
    bad = spark.createDataFrame([("1", "x", 5)], "score string, label string, extra int")
    with pytest.raises(Exception) as refused:
        save(bad, grp, server)
    text = str(refused.value)
    assert "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION" in text, text
    assert "column 'score' is string, the group's column is INT" in text, text
    assert "column 'extra' is not a column of the group" in text, text
    assert "primary key column 'id' is missing" in text, text
    # A subset of the feature columns is a valid write (the others keep their values); a widening type too.
    save(spark.createDataFrame([(1, 7)], "ID int, Score smallint"), grp, server)  # names in any letter case
    assert found_map(read_data(ofs, grp, ["score"], ["id"], [[1]])) == {(1,): [7]}
    with pytest.raises(Exception) as missing:
        save(bad, uniq("no_such_group"), server)
    assert "FEATURE-GROUP-NOT-FOUND-EXCEPTION" in str(missing.value) or "not found" in str(missing.value)
    with pytest.raises(Exception) as no_url:
        spark.range(1).write.format("ofs").mode("append").option("feature-group-name", grp).save()
    assert "ofs.admin.url" in str(no_url.value), no_url.value


def test_rows_the_store_refuses_fail_the_job_unless_allowed_and_the_run_says_so(spark, server):
    ofs = Ofs(server)
    ent = make_entity(ofs, uniq("spark_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("spark_fg"), features=(("addr", "INET"),))
    df = spark.createDataFrame([(1, "10.0.0.1"), (2, "not an address"), (3, None)], "id long, addr string")
    with pytest.raises(Exception) as failed:
        save(df.coalesce(1), grp, server, **{"run-id": "strict"})
    assert "2 of 3 rows were refused" in str(failed.value), failed.value
    save(df.coalesce(1), grp, server, **{"run-id": "lenient", "max-failed-rows": 2})
    listed = runs_of(server, grp)
    assert sorted(r["runId"] for r in listed) == ["lenient", "strict"], listed  # one record per write
    runs = {r["runId"]: r for r in listed}
    assert runs["strict"]["status"] == "FAILED" and runs["lenient"]["status"] == "PARTIAL", runs
    assert "rows were refused" in runs["strict"]["errorMessage"], runs
    assert runs["lenient"]["count"] == 1 and "not an address" in runs["lenient"]["errorMessage"], runs
    assert found_map(read_data(ofs, grp, ["addr"], ["id"], [[1], [2], [3]])) == {(1,): ["10.0.0.1"]}


def test_a_retried_task_cannot_overwrite_a_value_written_after_the_job_started(spark, server, tmp_path):
    """Attempt 0 of the only task writes a newer value for id 0 through the serving API, then fails; Spark
    retries the task, which writes id 0 again at the job's write time: older, so the newer value stays."""
    from pyspark import TaskContext
    from pyspark.sql import functions as F

    ofs = Ofs(server)
    ent = make_entity(ofs, uniq("spark_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("spark_fg"), features=(("v", "INT"),))
    serving = f"http://127.0.0.1:{server.serving_port}"
    marker = tmp_path / "attempts"
    marker.mkdir()

    def value_of(i):
        import json as _json
        import urllib.request
        attempt = TaskContext.get().attemptNumber()
        (marker / f"{attempt}").touch()
        if attempt == 0 and i == 250:  # after a few of Python's 100-row batches reached the writer
            body = _json.dumps({"featureGroupName": grp, "features": {"names": ["id", "v"], "values": [[0, 999]]}})
            req = urllib.request.Request(serving + "/v1/feature-group/write", body.encode(),
                                         {"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=10).read()
            raise RuntimeError("attempt 0 fails on purpose")
        return int(i)

    df = spark.range(0, 300, numPartitions=1).select(F.col("id"), F.udf(value_of, "int")("id").alias("v"))
    save(df, grp, server, **{"batch-rows": 10, "run-id": "retried"})
    assert sorted(p.name for p in marker.iterdir()) == ["0", "1"], "the task was not retried"
    got = found_map(read_data(ofs, grp, ["v"], ["id"], [[i] for i in range(300)]))
    assert got[(0,)] == [999], got  # the newer value; a retry at the server's time would have set 0
    assert all(got[(i,)] == [i] for i in range(1, 300)), got
    run = [r for r in runs_of(server, grp) if r["runId"] == "retried"]
    assert len(run) == 1 and run[0]["count"] == 300 and run[0]["status"] == "SUCCESS", run


def test_a_delta_table_written_by_spark_loads_with_ofs_populate(spark, ofs_factory, tmp_path):
    """delta-spark as the independent writer: two versions, a delete (deletion vectors on) and a
    checkpoint; `ofs populate` loads what the latest version holds."""
    srv = ofs_factory()
    ofs = Ofs(srv)
    ent = make_entity(ofs, uniq("spark_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("spark_fg"), features=(("score", "DOUBLE"), ("label", "TEXT")))
    table = str(tmp_path / "spark_delta")
    batch = lambda lo, hi: spark.range(lo, hi).selectExpr("id", "cast(id * 1.5 as double) as score", "concat('l', id) as label")
    (batch(0, 100).write.format("delta").option("delta.enableDeletionVectors", "true")
     .option("delta.checkpointInterval", "2").save(table))
    batch(100, 200).write.format("delta").mode("append").save(table)
    spark.sql(f"DELETE FROM delta.`{table}` WHERE id >= 150 AND id < 160")
    batch(200, 220).write.format("delta").mode("append").save(table)
    srv.stop()
    cmd = [str(BINARY), "populate", "--data-dir", str(srv.data_dir), *store_args(srv.data_dir), "--no-progress",
           *srv.extra_args, "--table", table, "--feature-group", grp]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "210 rows loaded, 0 failed" in done.stderr, done.stderr
    srv.start()
    got = found_map(read_data(Ofs(srv), grp, ["score", "label"], ["id"], [[i] for i in (0, 149, 150, 160, 219)]))
    assert got == {(0,): [0.0, "l0"], (149,): [223.5, "l149"], (160,): [240.0, "l160"], (219,): [328.5, "l219"]}


# ----------------------------------------------------------------------------------------------
# the SDK's Spark functions
# ----------------------------------------------------------------------------------------------

@pytest.fixture
def sdk(server, monkeypatch):
    """darwin_fs from python/, pointed at the shared server."""
    monkeypatch.syspath_prepend(str(REPO_ROOT / "python"))
    monkeypatch.setenv("OFS_URL", f"http://127.0.0.1:{server.serving_port}")
    monkeypatch.setenv("OFS_ADMIN_URL", f"http://127.0.0.1:{server.admin_port}")
    for name in ("DARWIN_OFS_V2_OFFLINE_STORE_BASE_S3_PATH", "OFS_OFFLINE_STORE_PATH", "OFS_KAFKA_HOST"):
        monkeypatch.delenv(name, raising=False)
    import darwin_fs
    import darwin_fs._spark  # noqa: F401  (monkeypatched by a test)
    return darwin_fs


def test_sdk_write_features_writes_online_and_offline_and_reads_offline(spark, server, sdk, tmp_path, monkeypatch):
    ofs = Ofs(server)
    ent = make_entity(ofs, uniq("spark_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("spark_fg"), features=(("score", "DOUBLE"), ("label", "TEXT")))
    monkeypatch.setenv("DARWIN_OFS_V2_OFFLINE_STORE_BASE_S3_PATH", str(tmp_path / "offline"))
    df = spark.createDataFrame([(i, i / 2, f"l{i}") for i in range(50)], "id long, score double, label string")

    run_id = sdk.write_features(df, grp)

    assert found_map(read_data(ofs, grp, ["score", "label"], ["id"], [[3]])) == {(3,): [1.5, "l3"]}
    assert any(r["runId"] == run_id and r["count"] == 50 for r in runs_of(server, grp))
    offline = sdk.read_offline_features(spark, grp)
    assert sorted(r.id for r in offline.collect()) == list(range(50))
    assert (tmp_path / "offline" / grp / "v1" / "_delta_log").is_dir()
    sdk.write_features(df.limit(5), grp, "v1", mode="overwrite")  # the offline table replaced: version 1
    assert sdk.read_offline_features(spark, grp).count() == 5
    assert sdk.read_offline_features(spark, grp, delta_table_version=0).count() == 50
    with pytest.raises(sdk.SdkException) as both:
        sdk.read_offline_features(spark, grp, delta_table_version=0, timestamp=1)
    assert both.value.error_code == "OFS_OFFLINE_READ_EXCEPTION"


def test_sdk_reads_offline_the_table_a_load_job_loaded_and_says_when_there_is_none(spark, server, sdk, tmp_path):
    ofs = Ofs(server)
    ent = make_entity(ofs, uniq("spark_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("spark_fg"), features=(("score", "DOUBLE"),))
    with pytest.raises(sdk.SdkException) as none:
        sdk.read_offline_features(spark, grp)
    assert none.value.error_code == "OFS_OFFLINE_READ_EXCEPTION" and "no offline table" in none.value.message
    table = str(tmp_path / "loaded")
    spark.range(0, 30).selectExpr("id", "cast(id * 2 as double) as score").write.format("delta").save(table)
    job = assert_ok(ofs.admin.post("/v1/load", {"tablePath": table, "featureGroupName": grp}))
    state = lambda: assert_ok(ofs.admin.get(f"/v1/load/{job['id']}"))
    wait_until(lambda: state()["state"] in ("SUCCEEDED", "FAILED"), 60, 0.2, "the load job to end")
    assert state()["state"] == "SUCCEEDED", state()
    assert sdk.read_offline_features(spark, grp).count() == 30


def test_sdk_write_features_without_the_jar_says_so(spark, server, sdk, monkeypatch):
    ofs = Ofs(server)
    ent = make_entity(ofs, uniq("spark_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("spark_fg"), features=(("score", "DOUBLE"),))
    monkeypatch.setattr(sdk._spark, "JAR_PATTERN", __import__("re").compile(r"^no-such-jar$"))
    with pytest.raises(sdk.SdkException) as missing:
        sdk.write_features(spark.createDataFrame([(1, 1.0)], "id long, score double"), grp)
    assert missing.value.error_code == "JAR_NOT_FOUND_EXCEPTION" and "make spark-jar" in missing.value.message


# ----------------------------------------------------------------------------------------------
# through Kafka
# ----------------------------------------------------------------------------------------------

@pytest.mark.skipif(FLEET, reason="starts a Kafka broker and `ofs standalone --kafka` of its own")
def test_rows_go_through_kafka_when_it_is_configured(spark, ofs_factory, kafka):
    from test_kafka import kafka_node, kcat_records

    srv = kafka_node(ofs_factory, kafka)
    ofs = Ofs(srv)
    ent = make_entity(ofs, uniq("spark_ent"), features=(("uid", "TEXT"),), keys=("uid",))
    grp = make_group(ofs, ent, uniq("spark_fg"), features=(("score", "DOUBLE"), ("blob", "BLOB")))
    df = spark.createDataFrame([(f"{grp}-{i}", i * 0.5, bytes([i, 0])) for i in range(40)],
                               "uid string, score double, blob binary")
    before_us = time.time_ns() // 1000
    save(df.repartition(2), grp, srv, **{"ofs.kafka.host": kafka.address, "run-id": "via-kafka"})
    keys = [[f"{grp}-{i}"] for i in range(40)]
    want = {(f"{grp}-{i}",): [i * 0.5, b64(bytes([i, 0]))] for i in range(40)}
    wait_until(lambda: found_map(read_data(ofs, grp, ["score", "blob"], ["uid"], keys)) == want, 60, 0.2,
               "the rows sent through Kafka to be readable")
    records = [r for r in kcat_records(kafka, "default") or [] if ("feature-group-name", grp) in r["headers"]]
    assert len(records) == 40, len(records)
    headers = dict(records[0]["headers"])
    assert headers["sdk-version"] == "v2" and headers["run-id"] == "via-kafka", headers
    assert headers["feature-group-version"] == "v1" and int(headers["ofs-write-time"]) >= before_us - 1000, headers
    # One write time for the whole job: both tasks' records carry the same.
    assert {dict(r["headers"])["ofs-write-time"] for r in records} == {headers["ofs-write-time"]}, records[:3]
    assert records[0]["key"].startswith(f"{grp}-"), records[0]
    run = [r for r in runs_of(srv, grp) if r["runId"] == "via-kafka"]
    assert run and run[0]["count"] == 40, run


from test_kafka import kafka  # noqa: E402,F401  (the module-scoped broker fixture)
