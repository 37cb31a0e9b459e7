"""Darwin's Spark functions, ``write_features(df, ...)`` and ``read_offline_features(spark, ...)``, over OFS's
Spark DataSource ``ofs`` (spark/README.md in the OFS repository) and Delta tables.

Where things are:

- the admin and serving URLs and the token: :mod:`darwin_fs.config`, as for every other call; Kafka's
  bootstrap servers, when rows should go through Kafka rather than batched HTTP writes: ``OFS_KAFKA_HOST``
  (or, in Darwin's test environment, ``ofs.kafka.host``);
- a group's offline (Delta) table: Darwin's layout ``<base>/<name>/<version>/`` when
  ``DARWIN_OFS_V2_OFFLINE_STORE_BASE_S3_PATH`` (or ``OFS_OFFLINE_STORE_PATH``) names a base; otherwise the
  table the group's newest successful load job (``POST /v1/load``) loaded.

The session must hold OFS's jar (``darwin-ofs-v2-spark-*.jar``, printed by ``make spark-jar``; given with
``spark.jars``) for online writes, and delta-spark for Delta tables; a missing one is a clear SdkException.
"""

from __future__ import annotations

import datetime
import os
import re
from typing import Any, Dict, List, Optional

from darwin_fs.exception import ErrorCode, SdkException

JAR_PATTERN = re.compile(r".*/darwin[-_]ofs[-_]v2[-_]spark[-_](?!.*-tests\.jar$).*\.jar$")
OFFLINE_BASE_VARIABLES = ("DARWIN_OFS_V2_OFFLINE_STORE_BASE_S3_PATH", "OFS_OFFLINE_STORE_PATH")
KAFKA_VARIABLES = ("OFS_KAFKA_HOST",)
DARWIN_KAFKA_VARIABLE = "ofs.kafka.host"  # read when Darwin's test environment is selected


def create_run_id() -> str:
    """Darwin's run ids: ``run-YYYY-mm-dd-HH-MM-SS`` (UTC)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("run-%Y-%m-%d-%H-%M-%S")


def check_jar(spark: Any) -> None:
    """Raises JAR_NOT_FOUND_EXCEPTION unless the session holds OFS's jar (``OFS_SDK_IMPORT_UNSAFE=true``
    skips the check, as in Darwin's SDK, for jars installed on the cluster's classpath)."""
    if os.environ.get("OFS_SDK_IMPORT_UNSAFE", "false").lower() == "true":
        return
    jars = spark.sparkContext._jsc.sc().listJars()
    names = [jars.apply(i) for i in range(jars.length())]
    if not any(JAR_PATTERN.match(str(name)) for name in names):
        raise SdkException(
            "OFS's Spark jar (darwin-ofs-v2-spark-*.jar) is not among this session's jars: build it with "
            "`make spark-jar` and start the session with spark.jars=<its path>",
            ErrorCode.JAR_NOT_FOUND,
        )


def kafka_host() -> Optional[str]:
    from darwin_fs.config import resolve_settings

    for name in KAFKA_VARIABLES:
        if os.environ.get(name, "").strip():
            return os.environ[name].strip()
    if resolve_settings().environment and os.environ.get(DARWIN_KAFKA_VARIABLE, "").strip():
        return os.environ[DARWIN_KAFKA_VARIABLE].strip()
    return None


def datasource_options(name: str, version: str, run_id: str) -> Dict[str, str]:
    """The options of ``format("ofs")`` for the SDK's current settings."""
    from darwin_fs.config import resolve_settings

    settings = resolve_settings()
    options = {
        "feature-group-name": name,
        "feature-group-version": version,
        "run-id": run_id,
        "ofs.admin.url": settings.admin_url,
        "ofs.serving.url": settings.serving_url,
    }
    kafka = kafka_host()
    if kafka:
        options["ofs.kafka.host"] = kafka
    if settings.token:
        options["ofs.token"] = settings.token
    return options


def write_online(df: Any, name: str, version: str, run_id: str) -> None:
    writer = df.write.format("ofs").mode("append")
    for key, value in datasource_options(name, version, run_id).items():
        writer = writer.option(key, value)
    try:
        writer.save()
    except Exception as e:  # py4j's and pyspark's errors: the DataSource's message is in their text
        raise SdkException(f"error writing data to online feature store: {_java_message(e)}",
                           ErrorCode.OFS_ONLINE_WRITE) from e


def offline_base() -> Optional[str]:
    for name in OFFLINE_BASE_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value.rstrip("/")
    return None


def darwin_offline_path(base: str, name: str, version: str) -> str:
    return f"{base}/{name}/{version}/"


def write_offline(df: Any, path: str, mode: str) -> None:
    try:
        df.write.format("delta").mode(mode).save(path)
    except Exception as e:
        raise SdkException(f"error writing data to offline feature store: {_delta_hint(e)}",
                           ErrorCode.OFS_OFFLINE_WRITE) from e


def loaded_table_path(jobs: List[Dict[str, Any]]) -> Optional[str]:
    """The table of the newest SUCCEEDED load job among ``jobs`` (newest first), or None."""
    for job in jobs:
        if job.get("state") == "SUCCEEDED" and job.get("tablePath"):
            return str(job["tablePath"])
    return None


def read_delta(spark: Any, path: str, delta_table_version: Optional[int], timestamp: Optional[int]) -> Any:
    reader = spark.read.format("delta")
    if timestamp is not None:
        # Darwin passed its integer through; Delta takes a timestamp string: epoch milliseconds -> UTC.
        when = datetime.datetime.fromtimestamp(int(timestamp) / 1000, tz=datetime.timezone.utc)
        reader = reader.option("timestampAsOf", when.isoformat(sep=" "))  # with its +00:00: any session zone
    elif delta_table_version is not None:
        reader = reader.option("versionAsOf", int(delta_table_version))
    try:
        return reader.load(path)
    except Exception as e:
        raise SdkException(f"error reading data from offline feature store at {path}: {_delta_hint(e)}",
                           ErrorCode.OFS_OFFLINE_READ) from e


def _java_message(e: Exception) -> str:
    text = str(e)
    # The first line of a Java exception says what happened; py4j adds the whole trace after it.
    match = re.search(r"(dev\.ofs\.spark\.OfsException|IllegalArgumentException): ([^\n]*)", text)
    return match.group(2) if match else text.strip().splitlines()[0] if text.strip() else repr(e)


def _delta_hint(e: Exception) -> str:
    text = str(e)
    if "DATA_SOURCE_NOT_FOUND" in text or "Failed to find data source: delta" in text:
        return ("the session cannot read or write Delta tables: add delta-spark "
                "(pip install delta-spark; delta.configure_spark_with_delta_pip(builder))")
    return text.strip().splitlines()[0] if text.strip() else repr(e)
