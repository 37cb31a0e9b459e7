#!/usr/bin/env python3
"""The Spark path's rows/s (bench/README.md, "Spark"): a DataFrame of bench_fg's shape (id, f0..f9: INT,
BIGINT, DOUBLE, FLOAT, TEXT, BOOLEAN, DOUBLE, FLOAT, TEXT, BIGINT) written with df.write.format("ofs") into
`ofs standalone` (embedded store, batched HTTP writes), in a local Spark (PyPI pyspark) on this machine.

The reference, measured in the same run on the same DataFrame: Spark's own no-op sink
(df.write.format("noop")), i.e. what Spark needs to produce the rows without writing them anywhere. The
ratio says how close the DataSource, the HTTP writes and the store together come to Spark's own rate.

Each measurement is the median of --rounds; a warm-up write (not counted) comes first. The server and
Spark share the machine's cores (the server's serving threads, Spark's local[N] executors).

    python3 bench/spark_write.py                    # 2,000,000 rows, 4 partitions, local[2]
    python3 bench/spark_write.py --rows 200000 --rounds 1
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FEATURES = [("f0", "INT"), ("f1", "BIGINT"), ("f2", "DOUBLE"), ("f3", "FLOAT"), ("f4", "TEXT"), ("f5", "BOOLEAN"),
            ("f6", "DOUBLE"), ("f7", "FLOAT"), ("f8", "TEXT"), ("f9", "BIGINT")]
# Spark SQL for each column (deterministic from id; text of 16 to 32 characters, as dataset.h's).
COLUMNS = [
    "id",
    "cast(id % 2147483647 as int) as f0",
    "id * 7919 as f1",
    "cast(id % 1000 as double) / 3 as f2",
    "cast(id % 100 / 7 as float) as f3",
    "substr(concat('abcdefghijklmnop', cast(id as string), 'qrstuvwxyz0123456789'), 1, 16 + cast(id % 17 as int)) as f4",
    "id % 2 = 0 as f5",
    "cast(id % 997 as double) / 7 as f6",
    "cast(id % 89 / 3 as float) as f7",
    "substr(concat(cast(id as string), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), 1, 16 + cast(id % 13 as int)) as f8",
    "id * 31 as f9",
]


def log(msg: str) -> None:
    print(f"[spark-bench] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body=None, timeout: float = 30) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data, {"Content-Type": "application/json"}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method} {url}: {e.code} {e.read()[:500]!r}") from None


class Server:
    def __init__(self, binary: Path, work: Path):
        self.serving_port, self.admin_port = free_port(), free_port()
        self.log = open(work / "ofs.log", "wb")
        self.proc = subprocess.Popen(
            [str(binary), "standalone", "--data-dir", str(work / "data"), "--port", str(self.serving_port),
             "--admin-port", str(self.admin_port)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                http("GET", f"http://127.0.0.1:{self.admin_port}/health", timeout=1)
                http("GET", f"http://127.0.0.1:{self.serving_port}/health", timeout=1)
                return
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"ofs exited with {self.proc.returncode} (log: {work / 'ofs.log'})")
                time.sleep(0.2)
        raise RuntimeError("ofs did not become healthy in 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=2_000_000)
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--executors", type=int, default=2, help="local[N]: Spark's executor threads")
    p.add_argument("--batch-rows", type=int, default=5000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--binary", default=str(REPO / "build/release/apps/ofs/ofs"))
    p.add_argument("--jar", default=None, help="default: build/spark/spark-4/darwin-ofs-v2-spark-*.jar")
    p.add_argument("--json", default=None, help="also write the results here")
    a = p.parse_args()
    jar = a.jar or next(iter(sorted(glob.glob(str(REPO / "build/spark/spark-4/darwin-ofs-v2-spark-*.jar")))), None)
    if not jar or not Path(a.binary).exists():
        log("needs the release ofs binary (make build) and the Spark jar (make spark-jar)")
        return 2
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    work = Path(tempfile.mkdtemp(prefix="ofs-spark-bench-"))
    server = Server(Path(a.binary), work)
    spark = None
    try:
        admin = f"http://127.0.0.1:{server.admin_port}"
        http("POST", f"{admin}/v1/entity", {"entity": {"tableName": "bench", "features": [{"name": "id", "type": "BIGINT"}],
                                                       "primaryKeys": ["id"]}, "owner": "bench@example.com"})
        http("POST", f"{admin}/v1/feature-group", {
            "featureGroup": {"featureGroupName": "bench_fg", "entityName": "bench",
                             "features": [{"name": n, "type": t} for n, t in FEATURES]},
            "owner": "bench@example.com"})
        spark = (SparkSession.builder.master(f"local[{a.executors}]").appName("ofs-spark-bench")
                 .config("spark.jars", jar).config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                 .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                 .config("spark.driver.memory", "2g").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        df = spark.range(0, a.rows, numPartitions=a.partitions).selectExpr(*COLUMNS)

        def ofs_write(frame, run: str) -> None:
            (frame.write.format("ofs").mode("append").option("feature-group-name", "bench_fg")
             .option("run-id", run).option("batch-rows", str(a.batch_rows))
             .option("ofs.admin.url", admin).option("ofs.serving.url", f"http://127.0.0.1:{server.serving_port}")
             .save())

        def timed(fn) -> float:
            start = time.perf_counter()
            fn()
            return a.rows / (time.perf_counter() - start)

        log("warm-up (not counted)")
        ofs_write(spark.range(0, min(a.rows, 200_000), numPartitions=a.partitions).selectExpr(*COLUMNS), "warm-up")
        df.write.format("noop").mode("overwrite").save()
        ofs_rates, noop_rates = [], []
        for i in range(a.rounds):
            noop_rates.append(timed(lambda: df.write.format("noop").mode("overwrite").save()))
            ofs_rates.append(timed(lambda: ofs_write(df, f"bench-{i}")))
            log(f"round {i + 1}: ofs {ofs_rates[-1]:,.0f} rows/s, noop {noop_rates[-1]:,.0f} rows/s")
        # The rows are there: the last key's values, as Spark computed them.
        last = a.rows - 1
        got = http("POST", f"http://127.0.0.1:{server.serving_port}/v1/feature-group/read",
                   {"featureGroupName": "bench_fg", "featureColumns": ["f1", "f9"],
                    "primaryKeys": {"names": ["id"], "values": [[last]]}})
        assert got["data"]["successfulKeys"][0]["features"] == [last * 7919, last * 31], got
        result = {"rows": a.rows, "partitions": a.partitions, "executors": a.executors, "batch_rows": a.batch_rows,
                  "ofs_rows_per_s": statistics.median(ofs_rates), "noop_rows_per_s": statistics.median(noop_rates),
                  "ofs_rounds": ofs_rates, "noop_rounds": noop_rates, "spark": spark.version}
        result["ratio"] = result["ofs_rows_per_s"] / result["noop_rows_per_s"]
        print(json.dumps(result, indent=2))
        log(f"Spark path: {result['ofs_rows_per_s']:,.0f} rows/s (median of {a.rounds}); Spark's no-op sink on the "
            f"same DataFrame {result['noop_rows_per_s']:,.0f} rows/s; ratio {result['ratio']:.2f}x")
        if a.json:
            Path(a.json).write_text(json.dumps(result, indent=2) + "\n")
        return 0
    except Exception as e:  # said before the JVM goes away: py4j's errors need it to print
        log(f"failed: {str(e)[:3000]}")
        return 1
    finally:
        if spark is not None:
            spark.stop()
            gateway = SparkContext._gateway
            if gateway is not None and getattr(gateway, "proc", None) is not None:
                gateway.shutdown()
                gateway.proc.kill()
                gateway.proc.wait(timeout=30)
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
