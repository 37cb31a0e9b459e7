#!/usr/bin/env python3
"""A load job through Kafka (docs/ingestion.md, "Loads through Kafka"; bench/README.md, "Loads through
Kafka"): a Delta table of bench_fg's shape (id + ten features, written once by delta-rs) loaded by the
worker of `ofs standalone --kafka` into its group's registered topic, and applied by the in-process
consumer. A local broker (scripts/services/kafka.sh, on free ports, in a temporary OFS_SERVICES_DIR, wiped
at the end) on the same machine.

Two figures per round, both from the job's start:
- produced: rows/s until the job SUCCEEDED (every record acknowledged by the broker, acks=all);
- readable: rows/s until the consumer had written every row to the store.
The reference, measured in the same run on the same table: the same job with "sink": "store" (the
worker's direct path). The median of --rounds of each.

    python3 bench/kafka_load.py                    # 1,000,000 rows, 3 rounds
    python3 bench/kafka_load.py --rows 200000 --rounds 1
"""
from __future__ import annotations

import argparse
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
ROWS_PER_FILE = 250_000


def log(msg: str) -> None:
    print(f"[kafka-load] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body=None, timeout: float = 30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data, {"Content-Type": "application/json"}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return raw.decode() if "metrics" in url else json.loads(raw or b"{}")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method} {url}: {e.code} {e.read()[:500]!r}") from None


def write_table(path: Path, rows: int) -> None:
    """bench_fg's shape with deterministic values (text of 16 to 32 characters), files of ROWS_PER_FILE."""
    import deltalake
    import numpy as np
    import pyarrow as pa
    for start in range(0, rows, ROWS_PER_FILE):
        ids = np.arange(start, min(rows, start + ROWS_PER_FILE), dtype=np.int64)
        text = [f"abcdefghijklmnop{i}qrstuvwxyz"[:16 + i % 17] for i in ids.tolist()]
        deltalake.write_deltalake(str(path), pa.table({
            "id": ids, "f0": (ids % 2147483647).astype(np.int32), "f1": ids * 7919, "f2": (ids % 1000) / 3,
            "f3": ((ids % 100) / 7).astype(np.float32), "f4": text, "f5": ids % 2 == 0, "f6": (ids % 997) / 7,
            "f7": ((ids % 89) / 3).astype(np.float32), "f8": text, "f9": ids * 31}), mode="append")


def written_records(serving: str) -> float:
    total = 0.0
    for line in http("GET", f"{serving}/metrics").splitlines():
        if line.startswith("ofs_ingest_records_total{") and 'result="written"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--binary", default=str(REPO / "build/release/apps/ofs/ofs"))
    p.add_argument("--json", default=None, help="also write the results here")
    a = p.parse_args()
    if not Path(a.binary).exists():
        log("needs the release ofs binary (make build)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="ofs-kafka-load-"))
    kafka_env = {**os.environ, "OFS_SERVICES_DIR": str(work / "services"), "OFS_KAFKA_PORT": str(free_port()),
                 "OFS_KAFKA_CONTROLLER_PORT": str(free_port())}
    kafka_sh = str(REPO / "scripts/services/kafka.sh")
    proc = None
    ofs_log = None
    try:
        table = work / "table"
        log(f"writing a {a.rows:,}-row Delta table")
        write_table(table, a.rows)
        started = subprocess.run([kafka_sh, "start"], env=kafka_env, capture_output=True, text=True, timeout=600)
        if started.returncode != 0:
            log(f"kafka.sh start failed: {started.stderr[-2000:]}")
            return 1
        broker = started.stdout.strip().splitlines()[-1]
        serving_port, admin_port = free_port(), free_port()
        ofs_log = open(work / "ofs.log", "wb")
        proc = subprocess.Popen([a.binary, "standalone", "--data-dir", str(work / "data"), "--port", str(serving_port),
                                 "--admin-port", str(admin_port), "--kafka", broker], stdout=ofs_log,
                                stderr=subprocess.STDOUT)
        serving, admin = f"http://127.0.0.1:{serving_port}", f"http://127.0.0.1:{admin_port}"
        deadline = time.time() + 60
        while True:
            try:
                http("GET", f"{admin}/health", timeout=1)
                break
            except Exception:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"ofs did not start (log: {work / 'ofs.log'})")
                time.sleep(0.2)
        http("POST", f"{admin}/v1/entity", {"entity": {"tableName": "bench", "features": [{"name": "id", "type": "BIGINT"}],
                                                       "primaryKeys": ["id"]}, "owner": "bench@example.com"})
        for group in ("bench_fg", "bench_direct"):
            http("POST", f"{admin}/v1/feature-group", {
                "featureGroup": {"featureGroupName": group, "entityName": "bench",
                                 "features": [{"name": n, "type": t} for n, t in FEATURES]},
                "owner": "bench@example.com"})
        http("POST", f"{admin}/v1/tenant", {"name": "bench_fg", "tenant": {
            "read": "default-tenant", "write": "default-tenant", "consume": "bench_load"}})
        http("POST", f"{admin}/consumer/onboard", {"tenantName": "bench_load", "topicName": "bench_load",
                                                   "numPartitions": 8})

        def run(group: str, sink: str, run_id: str) -> tuple[float, float]:
            before = written_records(serving)
            start = time.perf_counter()
            job = http("POST", f"{admin}/v1/load", {"tablePath": str(table), "featureGroupName": group, "sink": sink,
                                                    "runId": run_id})["data"]
            while True:
                state = http("GET", f"{admin}/v1/load/{job['id']}")["data"]
                if state["state"] in ("SUCCEEDED", "FAILED"):
                    break
                time.sleep(0.05)
            produced = time.perf_counter() - start
            if state["state"] != "SUCCEEDED" or state["rowsLoaded"] != a.rows or state["sink"] != sink:
                raise RuntimeError(f"job {job['id']}: {state}")
            if sink == "store":
                return a.rows / produced, a.rows / produced
            while written_records(serving) - before < a.rows:
                if time.perf_counter() - start > 600:
                    raise RuntimeError("the consumer did not apply every record within 600 s")
                time.sleep(0.05)
            return a.rows / produced, a.rows / (time.perf_counter() - start)

        log("warm-up (not counted): a direct load")
        run("bench_direct", "store", "warm-up")
        produced, readable, direct = [], [], []
        for i in range(a.rounds):
            direct.append(run("bench_direct", "store", f"direct-{i}")[0])
            p_rate, r_rate = run("bench_fg", "kafka", f"kafka-{i}")
            produced.append(p_rate)
            readable.append(r_rate)
            log(f"round {i + 1}: produced {p_rate:,.0f} rows/s, readable {r_rate:,.0f} rows/s; "
                f"direct {direct[-1]:,.0f} rows/s")
        last = a.rows - 1
        got = http("POST", f"{serving}/v1/feature-group/read",
                   {"featureGroupName": "bench_fg", "featureColumns": ["f1", "f9"],
                    "primaryKeys": {"names": ["id"], "values": [[last]]}})
        assert got["data"]["successfulKeys"][0]["features"] == [last * 7919, last * 31], got
        result = {"rows": a.rows, "rounds": a.rounds, "produced_rows_per_s": statistics.median(produced),
                  "readable_rows_per_s": statistics.median(readable), "direct_rows_per_s": statistics.median(direct),
                  "produced": produced, "readable": readable, "direct": direct}
        result["readable_ratio"] = result["readable_rows_per_s"] / result["direct_rows_per_s"]
        print(json.dumps(result, indent=2))
        log(f"through Kafka: produced {result['produced_rows_per_s']:,.0f} rows/s, readable "
            f"{result['readable_rows_per_s']:,.0f} rows/s; direct load {result['direct_rows_per_s']:,.0f} rows/s "
            f"(readable/direct {result['readable_ratio']:.2f}x)")
        if a.json:
            Path(a.json).write_text(json.dumps(result, indent=2) + "\n")
        return 0
    except Exception as e:
        log(f"failed: {str(e)[:3000]}")
        return 1
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if ofs_log is not None:
            ofs_log.close()
        subprocess.run([kafka_sh, "wipe"], env=kafka_env, capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
