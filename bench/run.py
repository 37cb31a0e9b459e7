#!/usr/bin/env python3
"""OFS end-to-end benchmark harness (bench/README.md; what and why: shared/design/PERFORMANCE.md).

Drives `ofs standalone` pinned to one core with bench/ofs_loadgen pinned to another, side by side with
the references measured in the same run on the same machine: the wire limit (bench/ofs_wire_server under
the same load generator), Redis GET (redis-server + redis-benchmark), the storage limit
(bench/ofs_storage_limit: RocksStore::MultiGet in a tight loop on the same data) and, for S5, a Kafka broker's
own consume rate (bench/ofs_kafka_ingest: librdkafka alone on the same records). Prints one table of
figures, ratios and targets and writes it, with the machine description, to docs/benchmarks.md (the part
below the `<!-- history -->` marker is kept as it is: the lead edits it by hand).

    python3 bench/run.py                 # = make bench: 1M entities, 3 runs of 10 s per figure
    python3 bench/run.py --quick         # = make bench-quick: 100k entities, under a minute
    python3 bench/run.py --scaling       # = make bench-scaling: S1/S2/memory at 100k and 1M x 10/100 features
    python3 bench/run.py --smoke         # = ctest bench_smoke: 1k entities, seconds, output checked
    python3 bench/run.py --only s5 [--quick]
                                         # S5 (Kafka ingestion) alone, to <work-dir>/benchmarks.md
    python3 bench/run.py --check FILE    # only check that a written benchmarks.md parses
    python3 bench/run.py --store cassandra [--quick|--smoke]
                                         # = make bench-cassandra: OFS over Cassandra beside the driver's
                                         #   own loop on the same statements (docs/benchmarks-cassandra.md)

Python 3 standard library only. Every process it starts is killed on exit (normal, error, SIGINT/SIGTERM,
time limit); everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import select
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HISTORY_MARKER = "<!-- history -->"
SECTION_MARKERS = {
    "main": ("<!-- bench:main:start -->", "<!-- bench:main:end -->"),
    "scaling": ("<!-- bench:scaling:start -->", "<!-- bench:scaling:end -->"),
    "cassandra": ("<!-- bench:cassandra:start -->", "<!-- bench:cassandra:end -->"),
}
# Rows every main table must have (the smoke check and --check look for them).
REQUIRED_ROWS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "memory", "wire limit", "storage limit"]
S5_REQUIRED_ROWS = ["S5"]  # --only s5
S6_REQUIRED_ROWS = ["S6"]  # --only s6

# Targets (PERFORMANCE.md "Goals").
TARGET_S1_VS_WIRE = 0.7
TARGET_S1_P99_US = 1000.0
TARGET_S2_ROWS = 300_000.0
TARGET_S2_P99_US = 3000.0
TARGET_S4_ROWS = 200_000.0
TARGET_S5_ROWS = 200_000.0
TARGET_S5_VS_BROKER = 0.5
TARGET_S6_ROWS = 1_000_000.0
TARGET_S6_VS_WRITE = 0.5
# The S6 table's generator (bench/README.md, "S6"): a new version writes a new cached table.
S6_TABLE_VERSION = 1
KAFKA_SCRIPT = REPO / "scripts" / "services" / "kafka.sh"
# S5's diagnostic runs (not the product; bench/README.md, "S5"): the bench wrapper that makes each batch
# durable with one WAL sync instead of one per store write, and librdkafka prefetch thresholds above what
# the consumer takes in a second (librdkafka 2.0 backs a partition's fetching off for a second once its
# local queue passes them, and the consumer then drains the queue and waits).
S5_PREFETCH = "queued.min.messages=1000000,queued.max.messages.kbytes=262144"
# Both became the product (commit 7e1d8cd: RowBatch::Write syncs once per batch; the consumer prefetches
# 1M records / 128 MiB), so no diagnostic runs by default; the tool keeps --group-sync and --rdkafka for the
# next experiment.
S5_DIAGNOSTICS: list = []


class BenchError(Exception):
    """A step that failed; the message says which and why."""


class TimeLimit(Exception):
    pass


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# processes: every child in its own session, killed by process group id on exit
# ----------------------------------------------------------------------------------------------

class Processes:
    def __init__(self) -> None:
        self.live: list[subprocess.Popen] = []

    def start(self, cmd: list[str], log_path: Path | None = None, stdout=None) -> subprocess.Popen:
        out = open(log_path, "ab") if log_path else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout if stdout else out,
                                    stderr=out, start_new_session=True)
        finally:
            if log_path:
                out.close()
        self.live.append(proc)
        return proc

    def run(self, cmd: list[str], timeout: float, log_path: Path | None = None) -> tuple[int, str]:
        """Runs to completion (killed at the timeout); returns (exit code, stdout)."""
        err = open(log_path, "ab") if log_path else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                    start_new_session=True)
        finally:
            if log_path:
                err.close()
        self.live.append(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(proc, sig=signal.SIGKILL)
            raise BenchError(f"timed out after {timeout:.0f} s: {shlex.join(cmd)}")
        finally:
            if proc in self.live and proc.poll() is not None:
                self.live.remove(proc)
        return proc.returncode, out.decode(errors="replace")

    def stop(self, proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 20.0) -> float:
        """Signals the child's process group and waits; SIGKILL after `timeout`. Returns seconds taken."""
        start = time.monotonic()
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        if proc in self.live:
            self.live.remove(proc)
        return time.monotonic() - start

    def stop_all(self) -> None:
        for proc in list(self.live):
            try:
                self.stop(proc, timeout=5.0)
            except Exception:  # noqa: BLE001 - best effort at exit
                pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_request(port: int, method: str, path: str, body: bytes | None = None,
                 timeout: float = 5.0) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def tool_result(what: str, rc: int, out: str) -> dict:
    """The JSON line a bench tool prints last ({"ok": true, ...}); BenchError when it failed or printed none."""
    line = out.strip().splitlines()[-1] if out.strip() else ""
    try:
        result = json.loads(line)
    except json.JSONDecodeError:
        raise BenchError(f"{what} printed no JSON (exit {rc}): {out[-400:]!r}")
    if rc != 0 or not result.get("ok"):
        raise BenchError(f"{what}: {result.get('error', 'exit ' + str(rc))}")
    return result


def median_spread(values: list[float]) -> tuple[float, float]:
    """Median and spread ((max - min) / median, as a fraction)."""
    values = [v for v in values if v is not None]
    if not values:
        return 0.0, 0.0
    med = statistics.median(values)
    spread = (max(values) - min(values)) / med if med > 0 else 0.0
    return med, spread


# ----------------------------------------------------------------------------------------------
# configuration
# ----------------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="100k entities, short runs, under a minute")
    mode.add_argument("--smoke", action="store_true",
                      help="1k entities, fractions of a second per figure, output to the work dir, checked")
    mode.add_argument("--scaling", action="store_true", help="S1/S2/memory over --scaling-entities x features")
    mode.add_argument("--check", metavar="FILE", help="only check that FILE (a benchmarks.md) parses")
    p.add_argument("--store", choices=("rocksdb", "cassandra"), default="rocksdb",
                   help="the online store behind ofs: rocksdb (embedded, the default) or cassandra (a local "
                        "Apache Cassandra started through scripts/services/cassandra.sh, measured beside the "
                        "CQL driver's own loop: bench/README.md, \"Cassandra\")")
    p.add_argument("--entities", type=int, help="main entity rows (default 1,000,000; cassandra: 100,000)")
    p.add_argument("--features", type=int, default=10, help="features per group (10 or 100)")
    p.add_argument("--duration", type=float, help="seconds per closed-loop run and open-loop run (default 10)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up before each run (default 2)")
    p.add_argument("--runs", type=int, help="closed-loop runs per figure (default 3)")
    p.add_argument("--connections", type=int, help="client connections (default 64)")
    p.add_argument("--zipf", type=float, help="exponent of an extra Zipf-keyed S1 run (0 = none; default 0.99)")
    p.add_argument("--scaling-entities", default="100000,1000000", help="comma-separated entity counts")
    p.add_argument("--scaling-features", default="10,100", help="comma-separated feature counts")
    p.add_argument("--scaling-max-cells", type=float, default=1e8,
                   help="skip (and list as not run) points with more entities x features than this; "
                        "10M x 100 features is ~30 GB of rows and hours of loading on a small VM")
    p.add_argument("--no-redis", action="store_true", help="skip the Redis reference")
    p.add_argument("--rt", action="store_true",
                   help="run servers and load generators under SCHED_FIFO (chrt -f 10): on a shared machine, "
                        "other processes then cannot delay them; needs root or CAP_SYS_NICE")
    p.add_argument("--no-build", action="store_true", help="use the binaries as they are (no cmake)")
    p.add_argument("--preset", default="release", help="CMake preset to build (default release)")
    p.add_argument("--build-dir", type=Path, help="build directory (default build/<preset>)")
    p.add_argument("--ofs", type=Path, help="ofs binary")
    p.add_argument("--loadgen", type=Path, help="ofs_loadgen binary")
    p.add_argument("--wire-server", type=Path, help="ofs_wire_server binary")
    p.add_argument("--storage-limit", type=Path, help="ofs_storage_limit binary")
    p.add_argument("--work-dir", type=Path, help="data and logs (default build/bench, smoke: a temp dir)")
    p.add_argument("--output", type=Path, help="markdown file to write (default docs/benchmarks.md; "
                                                "quick: <work-dir>/benchmarks.md; smoke: in the work dir)")
    p.add_argument("--time-limit", type=float, help="seconds for the whole run before it is stopped")
    p.add_argument("--jobs", type=int, default=2, help="build parallelism (default 2)")
    p.add_argument("--only", choices=("s5", "s6"),
                   help="run only this scenario (s5: Kafka ingestion, s6: a Delta table's bulk load, with their "
                        "references); the report goes to <work-dir>/benchmarks.md unless --output says otherwise")
    p.add_argument("--services-dir", type=Path,
                   help="OFS_SERVICES_DIR of the Kafka broker (S5) and of Cassandra (--store cassandra) the harness "
                        "starts (default $OFS_SERVICES_DIR or build/bench/services)")
    k = p.add_argument_group("S5: Kafka ingestion (bench/README.md, \"S5\")")
    k.add_argument("--kafka-ingest", type=Path, help="ofs_kafka_ingest binary")
    k.add_argument("--no-kafka", action="store_true", help="skip S5")
    k.add_argument("--kafka", metavar="HOST:PORT",
                   help="use this running broker (neither started nor stopped; its CPU not measured). --smoke "
                        "takes it from OFS_TEST_KAFKA and skips S5 when that is unset")
    k.add_argument("--kafka-port", type=int, default=int(os.environ.get("OFS_BENCH_KAFKA_PORT", "19392")),
                   help="port of the broker the harness starts (default $OFS_BENCH_KAFKA_PORT or 19392; its "
                        "controller listens on the next one)")
    k.add_argument("--kafka-cpus", default="client",
                   help="CPUs of the broker the harness starts: 'client' (the load generator's CPU, away from the "
                        "consumer's; default), 'all', or a taskset list")
    k.add_argument("--kafka-jvm-opts", default="-XX:TieredStopAtLevel=4",
                   help="JVM options appended to kafka.sh's (default: C2 on, as a production broker; the script's "
                        "default is C1 only, for fast test starts)")
    k.add_argument("--s5-records", type=int,
                   help="records produced and consumed per S5 run (default 2,000,000; quick 200,000; smoke 5,000)")
    k.add_argument("--s5-batches", default="10000,50000",
                   help="ingest.max_batch values: the first gets --runs runs beside the reference, the others one "
                        "run each (default 10000,50000)")
    d = p.add_argument_group("S6: bulk load of a Delta table (bench/README.md, \"S6\")")
    d.add_argument("--delta-load", type=Path, help="ofs_delta_load binary")
    d.add_argument("--no-delta", action="store_true", help="skip S6")
    d.add_argument("--s6-rows", type=int,
                   help="rows of the Delta table (default 10,000,000; quick 1,000,000; smoke 20,000), written once "
                        "with delta-rs and kept in build/bench/s6-tables (smoke: in the work dir)")
    c = p.add_argument_group("--store cassandra")
    c.add_argument("--cql-reference", type=Path,
                   help="ofs_cql_reference binary (default: <cargo target dir of the build>/release/)")
    c.add_argument("--cassandra", metavar="HOST:PORT",
                   help="use this running Cassandra (neither started nor stopped; its CPU is not measured)")
    c.add_argument("--cassandra-from-env", action="store_true",
                   help="--cassandra from OFS_TEST_CASSANDRA; unset: exit 77 (skipped), or 1 under "
                        "OFS_REQUIRE_SERVICES=1 (ctest bench_cassandra_smoke)")
    c.add_argument("--cassandra-port", type=int,
                   default=int(os.environ.get("OFS_CASSANDRA_PORT", "19542")),
                   help="CQL port of the Cassandra the harness starts (default $OFS_CASSANDRA_PORT or 19542)")
    c.add_argument("--cassandra-storage-port", type=int,
                   default=int(os.environ.get("OFS_CASSANDRA_STORAGE_PORT", "17542")),
                   help="its inter-node port (default $OFS_CASSANDRA_STORAGE_PORT or 17542)")
    c.add_argument("--cassandra-cpus", default="client",
                   help="CPUs of the Cassandra the harness starts: 'client' (the load generator's CPU, so the "
                        "serving CPU is OFS's or the driver's alone; default), 'all', or a taskset list")
    c.add_argument("--cassandra-jvm-opts", default="-XX:TieredStopAtLevel=4",
                   help="JVM options appended to the service script's (default: C2 on, as a production JVM; "
                        "the script's default is C1 only, for fast test starts)")
    c.add_argument("--keyspace", help="keyspace of the run (default bench_<mode>; dropped first)")
    c.add_argument("--batch-connections", type=int,
                   help="connections (= requests in flight) for S2 and S4, each request 100 statements "
                        "(default 4; S1 and S3 use --connections)")
    c.add_argument("--store-options", default="",
                   help="query options appended to the store URL, e.g. read_consistency=ONE (the reference "
                        "is given the same URL)")
    c.add_argument("--engine-warmup", type=float,
                   help="seconds at most of driver-only point reads after the load: at least a third of it, then "
                        "until two runs in a row agree within 5%%; a fresh JVM compiles its hot paths for a minute "
                        "or more (default 180; quick 30; smoke 0)")
    c.add_argument("--driver-threads", type=int, default=2,
                   help="the CQL driver's worker threads in the reference (CassandraStoreOptions::driver_threads, "
                        "default 2)")
    a = p.parse_args(argv)
    if a.store == "cassandra" and a.scaling:
        p.error("--scaling is RocksDB-only")

    if a.store == "cassandra":
        # Cassandra loads and serves far slower than RocksDB on this machine kind (a 2-vCPU VM): 100k
        # entities load in about a minute.
        if a.smoke:
            defaults = dict(entities=500, duration=0.3, warmup=0.2, runs=1, connections=8, zipf=0.0,
                            time_limit=170, batch_connections=2, engine_warmup=0.0)
        elif a.quick:
            defaults = dict(entities=20_000, duration=2.0, warmup=1.0, runs=3, connections=64, zipf=0.0,
                            time_limit=600, batch_connections=4, engine_warmup=30.0)
        else:
            defaults = dict(entities=100_000, duration=10.0, warmup=2.0, runs=3, connections=64, zipf=0.0,
                            time_limit=3600, batch_connections=4, engine_warmup=180.0)
    elif a.smoke:
        defaults = dict(entities=1000, duration=0.3, warmup=0.1, runs=1, connections=8, zipf=0.0, time_limit=100,
                        s5_records=5000, s6_rows=20_000)
    elif a.quick:
        defaults = dict(entities=100_000, duration=1.0, warmup=0.3, runs=3, connections=64, zipf=0.0,
                        time_limit=300, s5_records=200_000, s6_rows=1_000_000)
    elif a.scaling:
        defaults = dict(entities=0, duration=5.0, warmup=1.0, runs=3, connections=64, zipf=0.0, time_limit=14400)
    else:
        defaults = dict(entities=1_000_000, duration=10.0, warmup=2.0, runs=3, connections=64, zipf=0.99,
                        time_limit=3600, s5_records=2_000_000, s6_rows=10_000_000)
    for key, value in defaults.items():
        if getattr(a, key) is None:
            setattr(a, key, value)
    if a.s5_records is None:
        a.s5_records = 0
    if a.s6_rows is None:
        a.s6_rows = 0
    if a.only and (a.scaling or a.store == "cassandra"):
        p.error("--only runs against the embedded store, not with --scaling or --store cassandra")
    a.build_dir = a.build_dir or REPO / "build" / a.preset
    mode = "smoke" if a.smoke else "quick" if a.quick else "scaling" if a.scaling else "full"
    if a.only:
        mode += "-" + a.only
    if a.work_dir is None:
        if a.smoke:
            a.work_dir = Path(tempfile.mkdtemp(prefix="ofs-bench-smoke-"))
        else:
            a.work_dir = REPO / "build" / "bench" / (("cassandra-" if a.store == "cassandra" else "") + mode)
    if a.output is None:
        name = "benchmarks-cassandra.md" if a.store == "cassandra" else "benchmarks.md"
        a.output = a.work_dir / name if (a.smoke or a.quick or a.only) else REPO / "docs" / name
    a.services_dir = a.services_dir or Path(os.environ.get("OFS_SERVICES_DIR") or REPO / "build" / "bench" /
                                            "services")
    if a.smoke and not a.kafka:
        a.kafka = os.environ.get("OFS_TEST_KAFKA") or None
    if a.store == "cassandra":
        a.keyspace = a.keyspace or f"bench_{mode}"
        a.cql_reference = a.cql_reference or cargo_target_dir(a.build_dir) / "release" / "ofs_cql_reference"
    a.ofs = a.ofs or a.build_dir / "apps" / "ofs" / "ofs"
    a.loadgen = a.loadgen or a.build_dir / "bench" / "ofs_loadgen"
    a.wire_server = a.wire_server or a.build_dir / "bench" / "ofs_wire_server"
    a.storage_limit = a.storage_limit or a.build_dir / "bench" / "ofs_storage_limit"
    a.kafka_ingest = a.kafka_ingest or a.build_dir / "bench" / "ofs_kafka_ingest"
    a.delta_load = a.delta_load or a.build_dir / "bench" / "ofs_delta_load"
    return a


# ----------------------------------------------------------------------------------------------
# the harness
# ----------------------------------------------------------------------------------------------

class Harness:
    def __init__(self, args: argparse.Namespace, procs: Processes) -> None:
        self.a = args
        self.procs = procs
        self.work = args.work_dir
        self.logs = self.work / "logs"
        self.server: subprocess.Popen | None = None
        self.port = 0
        self.admin_port = 0
        self.data_dir = self.work / "data"
        cpus = sorted(os.sched_getaffinity(0))
        self.pinned = len(cpus) >= 2 and shutil.which("taskset") is not None
        self.server_cpu = cpus[0]
        self.client_cpu = cpus[1] if len(cpus) >= 2 else cpus[0]
        self.results: dict = {"scenarios": {}, "references": {}, "failures": [], "notes": []}
        self.schema: dict = {}
        self.store_url = ""  # --store for ofs standalone; "" = its embedded RocksDB
        self.server_extra: list[str] = []  # more flags of ofs standalone (S5: --kafka)
        self.started_kafka = False
        self.kafka_address = ""
        self.kafka_pid: int | None = None
        self.kafka_cpus: list[int] = []

    # -- helpers ---------------------------------------------------------------------------------

    def pin(self, cpu: int) -> list[str]:
        prefix = ["chrt", "-f", "10"] if self.a.rt else []
        return prefix + (["taskset", "-c", str(cpu)] if self.pinned else [])

    def fail(self, what: str, why: str) -> None:
        log(f"FAILED {what}: {why}")
        self.results["failures"].append(f"{what}: {why}")

    def loadgen(self, port: int, mode: str, kind: str | None = None, timeout: float | None = None,
                **kw) -> dict:
        cmd = self.pin(self.client_cpu) + [str(self.a.loadgen), "--mode", mode, "--port", str(port),
                                           "--entities", str(self.entities), "--features", str(self.features)]
        if kind:
            cmd += ["--kind", kind]
        for key, value in kw.items():
            cmd += ["--" + key.replace("_", "-"), str(value)]
        if timeout is None:
            timeout = self.a.warmup + self.a.duration + 60
        rc, out = self.procs.run(cmd, timeout=timeout, log_path=self.logs / "loadgen.log")
        return tool_result(f"loadgen {mode} {kind or ''}", rc, out)

    # -- server ----------------------------------------------------------------------------------

    def start_server(self, timeout: float = 120.0) -> float:
        """Starts ofs on free ports; returns seconds until /health answered 200."""
        for attempt in range(3):
            self.port, self.admin_port = free_port(), free_port()
            while self.admin_port == self.port:
                self.admin_port = free_port()
            cmd = self.pin(self.server_cpu) + [
                str(self.a.ofs), "standalone", "--data-dir", str(self.data_dir), "--port", str(self.port),
                "--admin-port", str(self.admin_port), "--threads", "1", "--log-level", "warn"]
            if self.store_url:
                cmd += ["--store", self.store_url]
            cmd += self.server_extra
            start = time.monotonic()
            self.server = self.procs.start(cmd, log_path=self.logs / "ofs.log")
            deadline = start + timeout
            while time.monotonic() < deadline:
                if self.server.poll() is not None:
                    break
                try:
                    status, _, _ = http_request(self.port, "GET", "/health", timeout=1.0)
                    if status == 200:
                        return time.monotonic() - start
                except OSError:
                    pass
                time.sleep(0.005)
            code = self.server.poll()
            self.procs.stop(self.server)
            self.server = None
            if code is None:
                raise BenchError(f"ofs did not become healthy within {timeout:.0f} s (see {self.logs}/ofs.log)")
            log(f"ofs exited with {code} at start (attempt {attempt + 1}); retrying on other ports")
        raise BenchError(f"ofs would not start (see {self.logs}/ofs.log)")

    def stop_server(self) -> float:
        if self.server is None:
            return 0.0
        taken = self.procs.stop(self.server, sig=signal.SIGTERM, timeout=60.0)
        code = self.server.returncode
        self.server = None
        if code not in (0, -signal.SIGTERM):
            self.results["notes"].append(f"ofs exited with status {code} on SIGTERM")
        return taken

    def server_memory(self) -> dict:
        fields = {}
        with open(f"/proc/{self.server.pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0]) * 1024
        return fields

    def settle(self, proc: subprocess.Popen | None, limit: float = 60.0) -> None:
        """Waits (up to `limit` s) until the process uses < 3% of a core over 0.5 s: background flushes and
        compactions after a load would otherwise run during the next measurement."""
        if proc is None or proc.poll() is not None:
            return
        tick = os.sysconf("SC_CLK_TCK")

        def cpu() -> float:
            with open(f"/proc/{proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

        deadline = time.monotonic() + limit
        last = cpu()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = cpu()
            if now - last < 0.015:
                return
            last = now
        self.results["notes"].append(f"server still busy {limit:.0f} s after a load step (measured anyway)")

    def first_read_ok(self) -> bool:
        body = json.dumps({"featureGroupName": "bench_fg", "featureColumns": ["f0"],
                           "primaryKeys": {"names": ["id"], "values": [[0]]}}).encode()
        try:
            status, _, data = http_request(self.port, "POST", "/v1/feature-group/read", body, timeout=2.0)
        except OSError:
            return False
        return status == 200 and b'"successfulKeys":[{' in data

    # -- dataset ---------------------------------------------------------------------------------

    def create_schema(self, with_partitions: bool) -> None:
        rc, out = self.procs.run([str(self.a.loadgen), "--mode", "schema", "--entities", str(self.entities),
                                  "--features", str(self.features)], timeout=30)
        if rc != 0:
            raise BenchError(f"loadgen --mode schema failed ({rc})")
        self.schema = json.loads(out)
        steps = [("entity", "/v1/entity"), ("group", "/v1/feature-group")]
        if with_partitions:
            steps += [("part_entity", "/v1/entity"), ("part_group", "/v1/feature-group")]
        for key, path in steps:
            status, _, data = http_request(self.admin_port, "POST", path, json.dumps(self.schema[key]).encode())
            if status != 200:
                raise BenchError(f"admin POST {path} ({key}): {status} {data[:300]!r}")

    def load(self, with_partitions: bool) -> dict:
        out = {}
        datasets = ["main", "part"] if with_partitions else ["main"]
        for dataset in datasets:
            rows = self.schema["rows"]["main" if dataset == "main" else "part_rows"]
            log(f"loading {rows:,} {dataset} rows")
            r = self.loadgen(self.port, "load", dataset=dataset, connections=4,
                             batch=max(1, min(1000, 100_000 // max(self.features, 1))),
                             timeout=max(600, rows / 1000))
            out[dataset] = r
        log("warming the server: every main key once")
        self.loadgen(self.port, "sweep", connections=4, batch=100, timeout=max(600, self.entities / 2000))
        self.settle(self.server)
        return out

    # -- scenarios -------------------------------------------------------------------------------

    def closed_run(self, port: int, kind: str, i: int, **kw) -> dict:
        r = self.loadgen(port, "closed", kind, connections=self.a.connections, duration=self.a.duration,
                         warmup=self.a.warmup, seed=1000 + i, **kw)
        if r["not_found"]:
            self.results["notes"].append(f"{kind}: {r['not_found']} responses had unknown keys")
        return r

    @staticmethod
    def summarize(runs: list[dict]) -> dict:
        rps, rps_spread = median_spread([r["rps"] for r in runs])
        rows, rows_spread = median_spread([r["rows_per_s"] for r in runs])
        return {"runs": runs, "rps": rps, "rps_spread": rps_spread, "rows_per_s": rows,
                "rows_spread": rows_spread, "first_response": runs[0]["first_response"]}

    def closed_runs(self, port: int, kind: str, **kw) -> dict:
        return self.summarize([self.closed_run(port, kind, i, **kw) for i in range(self.a.runs)])

    def open_run(self, port: int, kind: str, rate: float, **kw) -> dict:
        rate = max(rate, 1.0)
        return self.loadgen(port, "open", kind, connections=self.a.connections, duration=self.a.duration,
                            warmup=self.a.warmup, rate=f"{rate:.1f}", drain=max(2.0, self.a.duration), **kw)

    def scenario(self, name: str, port: int, kind: str, **kw) -> dict | None:
        log(f"{name}: {self.a.runs} closed-loop run(s) of {self.a.duration:g} s ({kind})")
        try:
            closed = self.closed_runs(port, kind, **kw)
            log(f"{name}: max {closed['rps']:,.0f} req/s, {closed['rows_per_s']:,.0f} rows/s; open loop at 50%")
            opened = self.open_run(port, kind, closed["rps"] * 0.5, **kw)
            lat = opened["latency_us"]
            log(f"{name}: p50 {lat['p50']:.0f} µs, p99 {lat['p99']:.0f} µs, p999 {lat['p999']:.0f} µs")
            result = {"closed": closed, "open": opened}
        except BenchError as e:
            self.fail(name, str(e))
            return None
        return result

    def redis_reference(self, value_bytes: int) -> dict | None:
        server_bin, bench_bin, cli_bin = (shutil.which(x) for x in ("redis-server", "redis-benchmark", "redis-cli"))
        if self.a.no_redis:
            return None
        if not (server_bin and bench_bin and cli_bin):
            msg = "redis-server/redis-benchmark/redis-cli not installed (scripts/bootstrap installs them)"
            if self.a.smoke:
                self.results["notes"].append("Redis reference skipped: " + msg)
                return None
            self.fail("Redis reference", msg)
            return None
        port = free_port()
        redis_dir = self.work / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        proc = self.procs.start(self.pin(self.server_cpu) + [
            server_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", str(redis_dir), "--protected-mode", "yes"],
            log_path=self.logs / "redis.log")
        try:
            cli = [cli_bin, "-h", "127.0.0.1", "-p", str(port)]
            deadline = time.monotonic() + 20
            while True:
                rc, out = self.procs.run(cli + ["PING"], timeout=5)
                if out.strip() == "PONG":
                    break
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise BenchError("redis-server did not answer PING")
                time.sleep(0.05)
            script = ("local v = string.rep('x', tonumber(ARGV[3])) "
                      "for i = tonumber(ARGV[1]), tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1 do "
                      "redis.call('SET', string.format('key:%012d', i), v) end return tonumber(ARGV[2])")
            chunk = 100_000
            for first in range(0, self.entities, chunk):
                n = min(chunk, self.entities - first)
                rc, out = self.procs.run(cli + ["EVAL", script, "0", str(first), str(n), str(value_bytes)],
                                         timeout=300)
                if rc != 0 or out.strip() != str(n):
                    raise BenchError(f"populating Redis failed: {out[:200]!r}")
            rc, out = self.procs.run(cli + ["DBSIZE"], timeout=10)
            if out.strip() != str(self.entities):
                raise BenchError(f"Redis holds {out.strip()} keys, expected {self.entities}")

            def bench(requests: int) -> dict:
                cmd = self.pin(self.client_cpu) + [bench_bin, "-h", "127.0.0.1", "-p", str(port),
                                                   "-c", str(self.a.connections), "-n", str(requests),
                                                   "-r", str(self.entities), "-t", "get", "--csv"]
                rc, out = self.procs.run(cmd, timeout=max(60, requests / 5000), log_path=self.logs / "redis.log")
                for line in out.splitlines():
                    cells = [c.strip('"') for c in line.split(",")]
                    if cells and cells[0] == "GET":
                        return {"rps": float(cells[1]), "p50_ms": float(cells[4]), "p99_ms": float(cells[6])}
                raise BenchError(f"redis-benchmark printed no GET line (exit {rc}): {out[-300:]!r}")

            log("Redis GET reference: calibrating")
            calib = bench(max(2000, int(20_000 * min(1.0, self.a.duration))))
            requests = max(2000, int(calib["rps"] * self.a.duration))
            runs = [bench(requests) for _ in range(self.a.runs)]
            rps, spread = median_spread([r["rps"] for r in runs])
            p99, _ = median_spread([r["p99_ms"] for r in runs])
            rc, out = self.procs.run(cli + ["INFO", "stats"], timeout=10)
            misses = re.search(r"keyspace_misses:(\d+)", out)
            if misses and int(misses.group(1)) > 0:
                self.results["notes"].append(f"Redis: {misses.group(1)} GET misses (expected none)")
            log(f"Redis GET: {rps:,.0f} req/s")
            return {"rps": rps, "spread": spread, "p99_ms_closed_loop": p99, "runs": runs,
                    "value_bytes": value_bytes, "requests_per_run": requests}
        except BenchError as e:
            self.fail("Redis reference", str(e))
            return None
        finally:
            self.procs.stop(proc)

    def storage_limit(self, extra: list[str], timeout: float) -> dict:
        cmd = self.pin(self.server_cpu) + [str(self.a.storage_limit), "--data-dir", str(self.data_dir),
                                           "--entities", str(self.entities)] + extra
        rc, out = self.procs.run(cmd, timeout=timeout, log_path=self.logs / "storage_limit.log")
        try:
            result = json.loads(out.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            raise BenchError(f"ofs_storage_limit printed no JSON (exit {rc}): {out[-300:]!r}")
        if rc != 0 or not result.get("ok"):
            why = result.get("error") or f"exit {rc}, {result.get('missing')} keys missing"
            raise BenchError(f"ofs_storage_limit: {why}")
        return result

    def storage_reference(self) -> dict | None:
        log(f"storage limit: {self.a.runs} x (Get, MultiGet 100) of {self.a.duration:g} s")
        try:
            # Every run sweeps: each is a new process, and without the sweep its row cache starts empty
            # (the reference is the store as the warmed-up server uses it).
            runs = [self.storage_limit(["--duration", str(self.a.duration), "--seed", str(7 + i)],
                                       timeout=self.entities / 5000 + 4 * self.a.duration + 120)
                    for i in range(self.a.runs)]
        except BenchError as e:
            self.fail("storage limit", str(e))
            return None
        get, get_spread = median_spread([r["get"]["keys_per_s"] for r in runs])
        multi, multi_spread = median_spread([r["multiget"]["keys_per_s"] for r in runs])
        log(f"storage limit: Get {get:,.0f} keys/s, MultiGet(100) {multi:,.0f} keys/s")
        return {"get_keys_per_s": get, "get_spread": get_spread, "multiget_keys_per_s": multi,
                "multiget_spread": multi_spread, "runs": runs}

    def compaction(self) -> dict | None:
        log("full compaction (server stopped) for on-disk bytes")
        try:
            return self.storage_limit(["--compact"], timeout=max(600, self.entities / 1000))
        except BenchError as e:
            self.fail("on-disk size", str(e))
            return None

    def s1_and_wire(self) -> tuple[dict | None, dict | None]:
        """S1 and the wire limit, their closed-loop runs interleaved (S1, wire, S1, wire, ...) so that both
        see the same machine noise: their ratio is the headline target. The wire server answers with the
        head and body sizes of OFS's own S1 response (from the first S1 run)."""
        n = self.a.runs
        log(f"S1 and wire limit: {n} interleaved closed-loop run(s) of {self.a.duration:g} s each")
        try:
            s1_runs = [self.closed_run(self.port, "read", 0)]
        except BenchError as e:
            self.fail("S1", str(e))
            return None, None
        body = s1_runs[0]["first_response"]["body_bytes"]
        head = s1_runs[0]["first_response"]["header_bytes"]
        proc = self.procs.start(self.pin(self.server_cpu) + [
            str(self.a.wire_server), "--port", "0", "--response-bytes", str(body), "--header-bytes", str(head)],
            log_path=self.logs / "wire.log", stdout=subprocess.PIPE)
        s1 = wire = None
        try:
            line = proc.stdout.readline().decode()
            m = re.match(r"listening on (\d+)", line)
            wire_port = int(m.group(1)) if m else 0
            wire_runs: list[dict] = []
            wire_error = None if m else f"ofs_wire_server did not start: {line!r}"
            if wire_error:
                self.fail("wire limit", wire_error)
            for i in range(n):
                if i > 0:
                    s1_runs.append(self.closed_run(self.port, "read", i))
                if wire_error is None:
                    try:
                        wire_runs.append(self.closed_run(wire_port, "wire", i))
                    except BenchError as e:
                        wire_error = str(e)
                        self.fail("wire limit", wire_error)
            closed = self.summarize(s1_runs)
            log(f"S1: max {closed['rps']:,.0f} req/s; open loop at 50%")
            s1 = {"closed": closed, "open": self.open_run(self.port, "read", closed["rps"] * 0.5)}
            lat = s1["open"]["latency_us"]
            log(f"S1: p50 {lat['p50']:.0f} µs, p99 {lat['p99']:.0f} µs, p999 {lat['p999']:.0f} µs")
            if wire_runs and wire_error is None:
                # S1 run i and wire run i ran back to back: their ratio cancels most of the machine's
                # drift across the whole run, so the range of these ratios is the run-to-run answer to
                # "is S1 >= 0.7x the wire limit?".
                pairs = [s["rps"] / w["rps"] for s, w in zip(s1_runs, wire_runs) if w["rps"]]
                wire = {"closed": self.summarize(wire_runs), "response_body_bytes": body,
                        "response_header_bytes": head, "s1_pair_ratios": pairs}
                log(f"wire limit: max {wire['closed']['rps']:,.0f} req/s; open loop at 50%")
                try:
                    wire["open"] = self.open_run(wire_port, "wire", wire["closed"]["rps"] * 0.5)
                except BenchError as e:
                    self.fail("wire limit", str(e))
                    wire = None
        except BenchError as e:  # an S1 run (wire failures are caught above)
            self.fail("S1", str(e))
            s1 = None
        finally:
            self.procs.stop(proc)
            if proc.stdout:
                proc.stdout.close()
        return s1, wire

    def cold_start(self) -> dict:
        health, first_read, shutdown = [], [], []
        for i in range(max(2, self.a.runs)):
            shutdown.append(self.stop_server())
            start = time.monotonic()
            health.append(self.start_server())
            deadline = time.monotonic() + 60
            while not self.first_read_ok():
                if time.monotonic() > deadline:
                    raise BenchError("no successful read within 60 s of start")
                time.sleep(0.002)
            first_read.append(time.monotonic() - start)
        # The first restart after the load replays the WAL (and flushes it); later ones open table files only.
        later_h, later_h_spread = median_spread(health[1:]) if len(health) > 1 else (None, None)
        later_r, later_r_spread = median_spread(first_read[1:]) if len(first_read) > 1 else (None, None)
        log(f"S7: first restart healthy after {health[0]:.3f} s, first read after {first_read[0]:.3f} s"
            + (f"; later restarts {later_r:.3f} s" if later_r is not None else ""))
        return {"health_s": health[0], "first_read_s": first_read[0], "later_health_s": later_h,
                "later_health_spread": later_h_spread, "later_first_read_s": later_r,
                "later_first_read_spread": later_r_spread, "shutdown_s": statistics.median(shutdown),
                "runs": {"health": health, "first_read": first_read, "shutdown": shutdown}}

    # -- S5: Kafka ingestion ---------------------------------------------------------------------

    def kafka_env(self) -> dict:
        env = dict(os.environ)
        env.update(OFS_SERVICES_DIR=str(self.a.services_dir), OFS_KAFKA_PORT=str(self.a.kafka_port),
                   OFS_KAFKA_CONTROLLER_PORT=str(self.a.kafka_port + 1))
        return env

    def kafka_service(self, command: str, prefix: list[str] | None = None, env: dict | None = None,
                      timeout: float = 240.0) -> tuple[int, str]:
        proc = subprocess.run((prefix or []) + [str(KAFKA_SCRIPT), command], env=env or self.kafka_env(),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        with open(self.logs / "kafka-service.log", "a") as f:
            f.write(f"$ kafka.sh {command} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}\n")
        return proc.returncode, proc.stdout

    def start_kafka(self) -> None:
        """Kafka 4 KRaft through scripts/services/kafka.sh, fresh data, pinned to --kafka-cpus (the client CPU:
        the consumer's core is its own)."""
        rc, out = self.kafka_service("status")
        if rc == 0:
            raise BenchError(f"a Kafka already runs in {self.a.services_dir} on port {self.a.kafka_port} "
                             f"({out.strip()}): stop it (OFS_SERVICES_DIR={self.a.services_dir} "
                             f"OFS_KAFKA_PORT={self.a.kafka_port} {KAFKA_SCRIPT} stop), or pass --kafka")
        spec = self.a.kafka_cpus
        self.kafka_cpus = ([self.client_cpu] if self.pinned else []) if spec == "client" else \
            [] if spec == "all" else cpu_list(spec)
        env = self.kafka_env()
        jvm = self.a.kafka_jvm_opts.split()
        prefix: list[str] = []
        if self.kafka_cpus:
            prefix = ["taskset", "-c", ",".join(map(str, self.kafka_cpus))]  # the JVM inherits it
            jvm.append(f"-XX:ActiveProcessorCount={len(self.kafka_cpus)}")
        env["OFS_KAFKA_JVM_OPTS"] = " ".join(jvm)
        log(f"starting Kafka (fresh data in {self.a.services_dir}/kafka-{self.a.kafka_port}, CPUs "
            f"{','.join(map(str, self.kafka_cpus)) or 'all'})")
        self.kafka_service("wipe")
        started = time.monotonic()
        self.started_kafka = True  # from here on, stopped and wiped at the end whatever happens
        rc, out = self.kafka_service("start", prefix=prefix, env=env)
        lines = out.strip().splitlines()
        if rc != 0 or not lines:
            raise BenchError(f"kafka.sh start failed (exit {rc}; see {self.logs}/kafka-service.log)")
        self.kafka_address = lines[-1].strip()
        rc, out = self.kafka_service("status")
        m = re.search(r"\(pid (\d+)\)", out)
        self.kafka_pid = int(m.group(1)) if m else None
        log(f"Kafka at {self.kafka_address} (pid {self.kafka_pid}) after {time.monotonic() - started:.1f} s")

    def stop_kafka(self) -> None:
        if getattr(self, "started_kafka", False):
            log("stopping and wiping Kafka")
            self.started_kafka = False
            try:
                self.kafka_service("wipe", timeout=120)
            except (OSError, subprocess.TimeoutExpired) as e:
                log(f"kafka.sh wipe failed: {e}")

    def stop_services(self) -> None:
        """Whatever the harness started outside Processes (the broker: kafka.sh daemonizes it)."""
        self.stop_kafka()

    def kafka_tool(self, mode: str, cpu: int | None, timeout: float, **kw) -> dict:
        cmd = (self.pin(cpu) if cpu is not None else []) + [
            str(self.a.kafka_ingest), "--mode", mode, "--bootstrap", self.kafka_address,
            "--records", str(self.a.s5_records), "--entities", str(self.entities), "--features", str(self.features)]
        if self.kafka_pid:
            cmd += ["--watch-pid", str(self.kafka_pid)]
        for key, value in kw.items():
            if value is True:
                cmd.append("--" + key.replace("_", "-"))
            elif value not in (None, False):
                cmd += ["--" + key.replace("_", "-"), str(value)]
        rc, out = self.procs.run(cmd + ["--timeout", str(int(timeout))], timeout=timeout + 60,
                                 log_path=self.logs / "kafka_ingest.log")
        return self.kafka_result(mode, rc, out)

    @staticmethod
    def kafka_result(mode: str, rc: int, out: str) -> dict:
        return tool_result(f"ofs_kafka_ingest {mode}", rc, out)

    def s5_timeout(self) -> float:
        """Seconds one S5 step may take: N records at 10k/s at least (a loaded machine), 60 s at least."""
        return max(60.0, self.a.s5_records / 10_000)

    def run_s5(self) -> dict | None:
        """S5 (bench/README.md): a broker, N records preloaded, then the broker's own consume rate and OFS's
        consumer in interleaved pairs, the other batch sizes, the one-sync-per-batch diagnostic, producer and
        consumer at once, and write-async on `ofs standalone --kafka`."""
        a = self.a
        if a.no_kafka:
            self.results["notes"].append("S5 skipped (--no-kafka)")
            return {"skipped": "--no-kafka"}
        if a.smoke and not a.kafka:
            self.results["notes"].append("S5 skipped: no broker (the smoke run uses OFS_TEST_KAFKA=HOST:PORT when "
                                         "set; make bench-quick starts one)")
            return {"skipped": "no broker (OFS_TEST_KAFKA unset)"}
        if not Path(a.kafka_ingest).exists():
            self.fail("S5", f"{a.kafka_ingest} not found (build ofs_kafka_ingest)")
            return None
        out: dict = {"records": a.s5_records, "entities": self.entities, "pinned": self.pinned,
                     "consumer_cpu": self.server_cpu, "external": bool(a.kafka)}
        self.kafka_pid = None
        self.kafka_cpus = []
        s5_dir = self.work / "s5"
        shutil.rmtree(s5_dir, ignore_errors=True)
        s5_dir.mkdir(parents=True)
        saved_programs = (a.kafka_ingest, a.ofs)
        # Topics and groups of their own: a shared broker (--kafka, OFS_TEST_KAFKA) keeps other tests' topics.
        tag = f"{os.getpid()}_{int(time.time()) % 100000}"
        try:
            # Copies of the two programs S5 runs: every run then measures the same build, even when build/ is
            # rebuilt meanwhile (a binary being relinked cannot be executed).
            for attr in ("kafka_ingest", "ofs"):
                copy = s5_dir / f"bin-{Path(getattr(a, attr)).name}"
                try:
                    shutil.copy2(getattr(a, attr), copy)
                except OSError as e:
                    raise BenchError(f"cannot copy {getattr(a, attr)}: {e}")
                setattr(a, attr, copy)
            if a.kafka:
                self.kafka_address = a.kafka
                log(f"S5: using the running broker at {a.kafka} (not started or stopped; its CPU not measured)")
            else:
                self.start_kafka()
            out["broker_cpus"] = self.kafka_cpus
            n = a.s5_records
            timeout = self.s5_timeout()
            topic = f"s5_{tag}"
            log(f"S5: producing {n:,} records to {topic} (one core, the broker on "
                f"{','.join(map(str, self.kafka_cpus)) or 'any CPU'})")
            out["produce"] = self.kafka_tool("produce", self.server_cpu, timeout, topic=topic)
            log(f"S5: produced {out['produce']['records_per_s']:,.0f} records/s "
                f"({out['produce']['value_bytes'] / n:.0f} B values)")
            batches = [int(x) for x in a.s5_batches.split(",") if x.strip()] or [10_000]
            # Reference reads first, not counted, until two in a row agree within 10% (at most 5): a fresh
            # broker's first reads of the topic were up to 2x slower than later ones (its JIT compiling the
            # fetch path, the log segments' first reads).
            warm: list[float] = []
            while len(warm) < 5 and not (len(warm) >= 2 and abs(warm[-1] - warm[-2]) <= 0.1 * max(warm[-2:])):
                warm.append(self.kafka_tool("reference", self.server_cpu, timeout, topic=topic)["records_per_s"])
            out["warmup"] = warm
            log(f"S5: warm-up reads {', '.join(f'{x:,.0f}' for x in warm)} records/s (not counted)")
            refs, ofs_runs = [], []
            for i in range(a.runs):
                # Pairs whose order alternates, so that a broker still warming up favours neither side.
                for side in (("ref", "ofs") if i % 2 == 0 else ("ofs", "ref")):
                    if side == "ref":
                        refs.append(self.kafka_tool("reference", self.server_cpu, timeout, topic=topic))
                    else:
                        ofs_runs.append(self.kafka_tool("ofs", self.server_cpu, timeout, topic=topic,
                                                        max_batch=batches[0], work_dir=s5_dir / "ofs"))
                log(f"S5 run {i + 1}: broker consume {refs[-1]['records_per_s']:,.0f} records/s, OFS "
                    f"{ofs_runs[-1]['rows_per_s']:,.0f} rows/s (max_batch {batches[0]:,}, "
                    f"{ofs_runs[-1]['rows_per_store_write']:.0f} rows per store write)")
            out["reference"] = self.summarize_kafka(refs, "records_per_s")
            out["ofs"] = self.summarize_kafka(ofs_runs, "rows_per_s")
            out["ofs"]["max_batch"] = batches[0]
            out["pairs"] = [o["rows_per_s"] / r["records_per_s"] for o, r in zip(ofs_runs, refs)
                            if r["records_per_s"]]
            out["batches"] = []
            for batch in batches[1:]:
                r = self.kafka_tool("ofs", self.server_cpu, timeout, topic=topic, max_batch=batch,
                                    work_dir=s5_dir / "ofs")
                log(f"S5: max_batch {batch:,}: {r['rows_per_s']:,.0f} rows/s")
                out["batches"].append(r)
            # Not the product (bench/README.md, S5 step 5): what two changes would buy, alone and together.
            out["diagnostics"] = []
            for name, extra in S5_DIAGNOSTICS:
                r = self.kafka_tool("ofs", self.server_cpu, timeout, topic=topic, max_batch=batches[0],
                                    work_dir=s5_dir / "ofs", **extra)
                r["diagnostic"] = name
                log(f"S5 diagnostic, {name}: {r['rows_per_s']:,.0f} rows/s")
                out["diagnostics"].append(r)
            shutil.rmtree(s5_dir / "ofs", ignore_errors=True)
            out["live"] = self.s5_live(f"s5_live_{tag}", s5_dir / "live", batches[0], timeout)
            out["write_async"] = self.s5_write_async(f"s5_async_{tag}", s5_dir / "standalone")
        except BenchError as e:
            self.fail("S5", str(e))
            out["error"] = str(e)
        finally:
            self.stop_kafka()
            a.kafka_ingest, a.ofs = saved_programs
            shutil.rmtree(s5_dir, ignore_errors=True)
        return out

    @staticmethod
    def summarize_kafka(runs: list[dict], field: str) -> dict:
        med, spread = median_spread([r[field] for r in runs])
        return {"runs": runs, "rate": med, "spread": spread,
                "median_run": min(runs, key=lambda r: abs(r[field] - med))}

    def s5_live(self, topic: str, work_dir: Path, batch: int, timeout: float) -> dict | None:
        """Producer and consumer at once: the consumer (OFS, the server CPU) joins an empty topic, then the
        producer (the client CPU, beside the broker) starts; first produce -> last row written."""
        log(f"S5: producer and consumer at once ({self.a.s5_records:,} records to {topic})")
        cmd = self.pin(self.server_cpu) + [
            str(self.a.kafka_ingest), "--mode", "ofs", "--live", "--bootstrap", self.kafka_address, "--topic", topic,
            "--records", str(self.a.s5_records), "--entities", str(self.entities), "--features",
            str(self.features), "--max-batch", str(batch), "--work-dir", str(work_dir),
            "--timeout", str(int(timeout))]
        if self.kafka_pid:
            cmd += ["--watch-pid", str(self.kafka_pid)]
        consumer = self.procs.start(cmd, log_path=self.logs / "kafka_ingest.log", stdout=subprocess.PIPE)
        try:
            ready = False
            deadline = time.monotonic() + 60
            buffered = b""
            while time.monotonic() < deadline and not ready:
                r, _, _ = select.select([consumer.stdout], [], [], 0.5)
                if r:
                    chunk = os.read(consumer.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    buffered += chunk
                    ready = b'"ready":true' in buffered
                elif consumer.poll() is not None:
                    break
            if not ready:
                raise BenchError(f"the live consumer never became ready: {buffered.decode(errors='replace')[-300:]!r}")
            produce = self.kafka_tool("produce", self.client_cpu, timeout, topic=topic)
            try:
                rest, _ = consumer.communicate(timeout=timeout + 30)
            except subprocess.TimeoutExpired:
                raise BenchError("the live consumer did not finish in time")
            text = (buffered + rest).decode(errors="replace")
            result = self.kafka_result("ofs --live", consumer.returncode, text)
        finally:
            self.procs.stop(consumer)
            if consumer.stdout:
                consumer.stdout.close()
            shutil.rmtree(work_dir, ignore_errors=True)
        seconds = (result["t_last_commit_ns"] - produce["t_first_produce_ns"]) / 1e9
        out = {"produce": produce, "consumer": result, "seconds": seconds,
               "rows_per_s": self.a.s5_records / seconds if seconds > 0 else 0.0,
               "lag_after_last_ack_s": (result["t_last_commit_ns"] - produce["t_last_ack_ns"]) / 1e9}
        log(f"S5 end to end: {out['rows_per_s']:,.0f} rows/s (producer {produce['records_per_s']:,.0f} records/s; "
            f"last row written {out['lag_after_last_ack_s']:.2f} s after the last acknowledgement)")
        return out

    def ingest_counters(self) -> tuple[float, float, float]:
        """(records Kafka acknowledged to the producer, rows the consumer wrote, records it dead-lettered) from
        the server's /metrics. The producer also carries the dead letters (another test's records on a
        shared broker's `default` topic)."""
        status, _, body = http_request(self.port, "GET", "/metrics", timeout=5.0)
        if status != 200:
            raise BenchError(f"GET /metrics: {status}")
        produced = written = dead = 0.0
        for line in body.decode(errors="replace").splitlines():
            if line.startswith("ofs_kafka_produced_records_total "):
                produced = float(line.split()[-1])
            elif line.startswith('ofs_ingest_records_total{result="written"}'):
                written = float(line.split()[-1])
            elif line.startswith('ofs_ingest_records_total{result="dead_lettered"}'):
                dead = float(line.split()[-1])
        return produced, written, dead

    def wait_caught_up(self, since: tuple[float, float, float], limit: float) -> float | None:
        """Waits until the in-process consumer has written every record produced since `since` (counters as
        ingest_counters returns them); seconds waited, None if not within `limit`."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            produced, written, dead = self.ingest_counters()
            if written - since[1] >= (produced - since[0]) - (dead - since[2]):
                return time.monotonic() - start
            time.sleep(0.05)
        return None

    def s5_write_async(self, topic: str, data_dir: Path) -> dict | None:
        """POST /v1/feature-group/write-async (S4's 100-row bodies) on `ofs standalone --kafka`, pinned to the
        server CPU, its closed-loop runs interleaved with synchronous writes of the same bodies on the same
        server (the S4 path). The in-process consumer shares the server's core: after each async run the
        harness waits for it to catch up, which gives the rate at which those rows became readable."""
        a = self.a
        saved = (self.data_dir, self.server_extra)
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.server_extra = ["--kafka", self.kafka_address, "--kafka-consumer-group", f"{topic}-standalone"]
        duration, warmup = (a.duration, a.warmup) if a.smoke or a.quick else (min(a.duration, 5.0), 1.0)
        out: dict = {"duration_s": duration, "topic": topic}
        try:
            log(f"S5 write-async: ofs standalone --kafka, {a.runs} x (write-async, sync write) of {duration:g} s")
            self.start_server()
            schema = self.schema or json.loads(self.procs.run(
                [str(a.loadgen), "--mode", "schema", "--entities", str(self.entities), "--features",
                 str(self.features)], timeout=30)[1])
            group = json.loads(json.dumps(schema["group"]))
            group["tenant"] = {"consume": topic}  # a topic of its own (a shared broker's "default" is not ours)
            for path, body in (("/v1/entity", schema["entity"]), ("/v1/feature-group", group)):
                status, _, data = http_request(self.admin_port, "POST", path, json.dumps(body).encode())
                if status != 200:
                    raise BenchError(f"admin POST {path}: {status} {data[:300]!r}")
            self.settle(self.server)
            async_runs, sync_runs, readable = [], [], []
            for i in range(a.runs):
                for kind in (("write100async", "write100") if i % 2 == 0 else ("write100", "write100async")):
                    before = self.ingest_counters()
                    t0 = time.monotonic()
                    r = self.loadgen(self.port, "closed", kind, connections=a.connections, duration=duration,
                                     warmup=warmup, seed=5000 + i, watch_pids=str(self.server.pid))
                    if kind == "write100async":
                        waited = self.wait_caught_up(before, max(60.0, 10 * duration))
                        after = self.ingest_counters()
                        if waited is None:
                            self.results["notes"].append("S5 write-async: the in-process consumer did not catch up "
                                                         "within the wait (rows readable not measured)")
                        else:
                            readable.append((after[1] - before[1]) / (time.monotonic() - t0))
                        r["caught_up_after_s"] = waited
                        async_runs.append(r)
                    else:
                        sync_runs.append(r)
                    self.settle(self.server, limit=30)
                log(f"S5 write-async run {i + 1}: {async_runs[-1]['rows_per_s']:,.0f} rows/s acknowledged, "
                    f"sync writes {sync_runs[-1]['rows_per_s']:,.0f} rows/s")
            out["async"] = self.summarize(async_runs)
            out["sync"] = self.summarize(sync_runs)
            out["pairs"] = [x["rows_per_s"] / y["rows_per_s"] for x, y in zip(async_runs, sync_runs) if y["rows_per_s"]]
            out["readable_rows_per_s"], out["readable_spread"] = median_spread(readable) if readable else (None, None)
        except BenchError as e:
            self.fail("S5 write-async", str(e))
            return None
        finally:
            self.stop_server()
            self.data_dir, self.server_extra = saved
        return out

    # -- the whole run ---------------------------------------------------------------------------

    def prepare(self, entities: int, features: int) -> None:
        self.entities, self.features = entities, features
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.logs.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True)

    def run_main(self) -> dict:
        a, res = self.a, self.results
        self.prepare(a.entities, a.features)
        res["parameters"] = {"entities": a.entities, "features": a.features, "duration_s": a.duration,
                             "warmup_s": a.warmup, "runs": a.runs, "connections": a.connections,
                             "zipf": a.zipf, "pinned": self.pinned, "rt": a.rt, "server_cpu": self.server_cpu,
                             "client_cpu": self.client_cpu, "only": a.only, "s5_records": a.s5_records,
                             "s6_rows": a.s6_rows}
        sc = res["scenarios"]
        if a.only == "s5":
            sc["S5"] = self.run_s5()
            return res
        if a.only == "s6":
            sc["S6"] = self.run_s6()
            return res
        log(f"starting ofs ({a.entities:,} entities, {a.features} features, data in {self.data_dir})")
        self.start_server()
        empty = self.server_memory()
        self.create_schema(with_partitions=True)
        res["dataset"] = self.schema["rows"]
        res["load"] = self.load(with_partitions=True)

        sc["S1"], res["references"]["wire"] = self.s1_and_wire()
        if a.zipf > 0:
            log(f"S1 with Zipf({a.zipf}) keys")
            try:
                sc["S1 zipf"] = {"closed": self.closed_runs(self.port, "read", zipf=a.zipf), "zipf": a.zipf}
            except BenchError as e:
                self.fail("S1 zipf", str(e))
        sc["S2"] = self.scenario("S2", self.port, "read100")
        sc["S3"] = self.scenario("S3", self.port, "partition")
        mem = self.server_memory()
        sc["memory"] = {"rss_bytes": mem.get("VmRSS", 0), "hwm_bytes": mem.get("VmHWM", 0),
                        "rss_empty_bytes": empty.get("VmRSS", 0),
                        "stored_rows": self.schema["rows"]["main"] + self.schema["rows"]["part_rows"]}
        try:
            sc["S7"] = self.cold_start()
        except BenchError as e:
            self.fail("S7", str(e))
        self.stop_server()

        res["references"]["storage"] = self.storage_reference()

        self.start_server()
        self.settle(self.server)
        sc["S4"] = self.scenario("S4", self.port, "write100")
        self.stop_server()

        disk = self.compaction()
        if disk:
            sc["memory"]["disk"] = disk
            sc["memory"]["stored_rows"] = disk["stored_rows"]

        sc["S5"] = self.run_s5()
        sc["S6"] = self.run_s6()

        s1 = sc.get("S1")
        value_bytes = s1["closed"]["first_response"]["body_bytes"] if s1 else 300
        res["references"]["redis"] = self.redis_reference(value_bytes)
        return res

    # -- S6: bulk load of a Delta table -----------------------------------------------------------

    def s6_table(self, rows: int) -> Path:
        """The S6 table (bench/README.md, "S6"): `rows` rows of bench_fg's shape (id, f0..f9 of dataset.h's
        types) in data files of at most 1,000,000 rows, written by delta-rs (PyPI deltalake) once and kept."""
        path = (self.work / "s6-table" if self.a.smoke else
                REPO / "build" / "bench" / "s6-tables" / f"v{S6_TABLE_VERSION}-{rows}")
        if (path / "_delta_log").is_dir() and (path / "COMPLETE").exists():
            return path
        try:
            import numpy as np
            import pyarrow as pa
            from deltalake import write_deltalake
        except ImportError as e:
            raise BenchError(f"S6 needs deltalake and pyarrow (scripts/bootstrap installs them): {e}")
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        log(f"S6: writing a {rows:,}-row Delta table with delta-rs into {path}")
        rng = np.random.default_rng(6)
        alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)
        texts = pa.array([bytes(alphabet[rng.integers(0, 62, size=int(rng.integers(16, 33)))]).decode()
                          for _ in range(100_000)])
        per_file = 1_000_000
        for first in range(0, rows, per_file):
            n = min(per_file, rows - first)
            # dataset.h's types and ranges: INT, BIGINT (within 2^53), DOUBLE [0, 1000), FLOAT [0, 100), TEXT of
            # 16-32 characters, BOOLEAN, DOUBLE, FLOAT, TEXT, BIGINT.
            columns = {
                "id": pa.array(np.arange(first, first + n, dtype=np.int64)),
                "f0": pa.array(rng.integers(-2**31, 2**31, size=n, dtype=np.int64).astype(np.int32)),
                "f1": pa.array(rng.integers(0, 2**53, size=n, dtype=np.int64)),
                "f2": pa.array(rng.random(n) * 1000),
                "f3": pa.array((rng.random(n) * 100).astype(np.float32)),
                "f4": texts.take(pa.array(rng.integers(0, len(texts), size=n))),
                "f5": pa.array(rng.random(n) < 0.5),
                "f6": pa.array(rng.random(n) * 1000),
                "f7": pa.array((rng.random(n) * 100).astype(np.float32)),
                "f8": texts.take(pa.array(rng.integers(0, len(texts), size=n))),
                "f9": pa.array(rng.integers(0, 2**53, size=n, dtype=np.int64)),
            }
            write_deltalake(str(path), pa.table(columns), mode="append")
        (path / "COMPLETE").write_text(f"{rows}\n")
        return path

    def delta_tool(self, mode: str, table: Path, work_dir: Path, timeout: float) -> dict:
        cmd = self.pin(self.server_cpu) + [str(self.a.delta_load), "--mode", mode, "--table", str(table),
                                           "--work-dir", str(work_dir)]
        rc, out = self.procs.run(cmd, timeout=timeout, log_path=self.logs / "delta_load.log")
        return tool_result(f"ofs_delta_load {mode}", rc, out)

    def run_s6(self) -> dict | None:
        """S6 (bench/README.md): the table read by the kernel alone, the storage write limit, and OFS's load
        worker, in rounds whose order rotates, each pinned to the server's CPU."""
        a = self.a
        if a.no_delta:
            self.results["notes"].append("S6 skipped (--no-delta)")
            return {"skipped": "--no-delta"}
        if not Path(a.delta_load).exists():
            self.fail("S6", f"{a.delta_load} not found (build ofs_delta_load)")
            return None
        out: dict = {"rows": a.s6_rows, "cpu": self.server_cpu, "pinned": self.pinned}
        s6_dir = self.work / "s6"
        shutil.rmtree(s6_dir, ignore_errors=True)
        s6_dir.mkdir(parents=True)
        saved = a.delta_load
        try:
            copy = s6_dir / "bin-ofs_delta_load"  # the same build for every run, even if build/ is relinked
            shutil.copy2(a.delta_load, copy)
            a.delta_load = copy
            table = self.s6_table(a.s6_rows)
            timeout = max(120.0, a.s6_rows / 50_000)
            warm = self.delta_tool("kernel", table, s6_dir / "work", timeout)  # the page cache, not counted
            log(f"S6: warm-up read {warm['rows_per_s']:,.0f} rows/s (not counted)")
            runs: dict[str, list[dict]] = {"kernel": [], "write": [], "ofs": []}
            order = ["kernel", "write", "ofs"]
            for i in range(a.runs):
                for mode in order[i % 3:] + order[:i % 3]:
                    runs[mode].append(self.delta_tool(mode, table, s6_dir / "work", timeout))
                log(f"S6 run {i + 1}: kernel {runs['kernel'][-1]['rows_per_s']:,.0f}, write limit "
                    f"{runs['write'][-1]['rows_per_s']:,.0f}, OFS {runs['ofs'][-1]['rows_per_s']:,.0f} rows/s")
            for mode, results in runs.items():
                med, spread = median_spread([r["rows_per_s"] for r in results])
                out[mode] = {"runs": results, "rate": med, "spread": spread}
            out["files"] = runs["ofs"][-1].get("files")
            out["pairs"] = [o["rows_per_s"] / w["rows_per_s"] for o, w in zip(runs["ofs"], runs["write"])
                            if w["rows_per_s"]]
        except (BenchError, OSError) as e:
            self.fail("S6", str(e))
            out["error"] = str(e)
        finally:
            a.delta_load = saved
            shutil.rmtree(s6_dir, ignore_errors=True)
        return out

    def run_scaling(self) -> dict:
        a = self.a
        rows = []
        ents = [int(x) for x in a.scaling_entities.split(",") if x.strip()]
        feats = [int(x) for x in a.scaling_features.split(",") if x.strip()]
        for features in feats:
            for entities in ents:
                if entities * features > a.scaling_max_cells:
                    log(f"scaling point {entities:,} x {features} skipped (--scaling-max-cells)")
                    rows.append({"entities": entities, "features": features,
                                 "skipped": f"not run: {entities * features:,.0f} cells > --scaling-max-cells "
                                            f"{a.scaling_max_cells:,.0f}"})
                    continue
                log(f"scaling point: {entities:,} entities x {features} features")
                self.prepare(entities, features)
                point = {"entities": entities, "features": features}
                try:
                    self.start_server()
                    self.create_schema(with_partitions=False)
                    load = self.load(with_partitions=False)
                    point["load_rows_per_s"] = load["main"]["rows_per_s"]
                    s1 = self.closed_runs(self.port, "read")
                    s2 = self.closed_runs(self.port, "read100")
                    point.update(s1_rps=s1["rps"], s1_spread=s1["rps_spread"], s2_rows=s2["rows_per_s"],
                                 s2_spread=s2["rows_spread"])
                    point["rss_bytes"] = self.server_memory().get("VmRSS", 0)
                    self.stop_server()
                    disk = self.storage_limit(["--compact"], timeout=max(600, entities / 1000))
                    point["sst_bytes"] = disk["sst_bytes"]
                    point["stored_rows"] = disk["stored_rows"]
                except BenchError as e:
                    self.fail(f"scaling {entities}x{features}", str(e))
                    point["error"] = str(e)
                finally:
                    self.stop_server()
                rows.append(point)
        self.results["scaling"] = rows
        self.results["parameters"] = {"duration_s": a.duration, "warmup_s": a.warmup, "runs": a.runs,
                                      "connections": a.connections, "pinned": self.pinned, "rt": a.rt}
        return self.results


# ----------------------------------------------------------------------------------------------
# --store cassandra: OFS over CassandraStore beside the CQL driver's own loop (bench/README.md)
# ----------------------------------------------------------------------------------------------

SERVICE_SCRIPT = REPO / "scripts" / "services" / "cassandra.sh"
# ServingLimits::max_partition_rows: the page of a partition read that names no limit (S3's), which
# the store turns into CQL pages of at most 5000 rows.
SERVER_PARTITION_PAGE = 100_000
TARGET_VS_DRIVER = 0.8  # PERFORMANCE.md: S1/S2/S4 >= 0.8x the driver's own loop, one serving core
CASSANDRA_REQUIRED_ROWS = ["S1", "S2", "S3", "S4", "memory", "load"]


def cargo_target_dir(build_dir: Path) -> Path:
    """The cargo target directory native/cql's CMake uses (OFS_CARGO_TARGET_DIR in the build's cache)."""
    cache = Path(build_dir) / "CMakeCache.txt"
    if cache.exists():
        m = re.search(r"^OFS_CARGO_TARGET_DIR:\w+=(.*)$", cache.read_text(errors="replace"), re.M)
        if m and m.group(1).strip():
            return Path(m.group(1).strip())
    return Path(build_dir) / "cargo"


def cpu_list(spec: str) -> list[int]:
    """A taskset list ("1", "0-1", "0,2") as CPU numbers."""
    cpus: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            lo, hi = part.split("-", 1)
            cpus += range(int(lo), int(hi) + 1)
        elif part.strip():
            cpus.append(int(part))
    return cpus


class CassandraHarness(Harness):
    """S1-S4 through `ofs standalone --store cassandra://...` and, interleaved run by run, the same
    scenarios from ofs_cql_reference (the driver alone, on the store's statements and settings, pinned
    to the serving CPU as ofs is)."""

    def __init__(self, args: argparse.Namespace, procs: Processes) -> None:
        super().__init__(args, procs)
        self.address = args.cassandra or ""
        self.cassandra_pid: int | None = None
        self.started_cassandra = False
        self.cassandra_cpus: list[int] = []
        self.url = ""

    # -- Cassandra -------------------------------------------------------------------------------

    def service_env(self) -> dict:
        env = dict(os.environ)
        env.update(OFS_SERVICES_DIR=str(self.a.services_dir), OFS_CASSANDRA_PORT=str(self.a.cassandra_port),
                   OFS_CASSANDRA_STORAGE_PORT=str(self.a.cassandra_storage_port), OFS_CASSANDRA_NODE="1")
        return env

    def service(self, command: str, prefix: list[str] | None = None, env: dict | None = None,
                timeout: float = 240.0) -> tuple[int, str]:
        proc = subprocess.run((prefix or []) + [str(SERVICE_SCRIPT), command], env=env or self.service_env(),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        with open(self.logs / "cassandra-service.log", "a") as f:
            f.write(f"$ cassandra.sh {command} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}\n")
        return proc.returncode, proc.stdout

    def start_cassandra(self) -> None:
        if self.address:
            log(f"using the running Cassandra at {self.address} (not started or stopped by the harness)")
            return
        rc, out = self.service("status")
        if rc == 0:
            raise BenchError(f"a Cassandra already runs in {self.a.services_dir} ({out.strip()}): stop it "
                             f"(OFS_SERVICES_DIR={self.a.services_dir} {SERVICE_SCRIPT} stop) or pass --cassandra")
        spec = self.a.cassandra_cpus
        if spec == "client":
            self.cassandra_cpus = [self.client_cpu] if self.pinned else []
        elif spec == "all":
            self.cassandra_cpus = []
        else:
            self.cassandra_cpus = cpu_list(spec)
        env = self.service_env()
        jvm = self.a.cassandra_jvm_opts.split()
        prefix: list[str] = []
        if self.cassandra_cpus:
            # The JVM inherits the pinning; it sizes its pools for the CPUs it may use.
            prefix = ["taskset", "-c", ",".join(map(str, self.cassandra_cpus))]
            jvm.append(f"-XX:ActiveProcessorCount={len(self.cassandra_cpus)}")
        env["OFS_CASSANDRA_JVM_OPTS"] = " ".join(jvm)
        log(f"starting Cassandra (fresh data in {self.a.services_dir}/cassandra-1, port {self.a.cassandra_port}, "
            f"CPUs {','.join(map(str, self.cassandra_cpus)) or 'all'})")
        self.service("wipe")
        started = time.monotonic()
        self.started_cassandra = True  # from here on, stopped at the end whatever happens
        rc, out = self.service("start", prefix=prefix, env=env)
        lines = out.strip().splitlines()
        if rc != 0 or not lines:
            raise BenchError(f"cassandra.sh start failed (exit {rc}; see {self.logs}/cassandra-service.log)")
        self.address = lines[-1].strip()
        rc, out = self.service("status")
        m = re.search(r"\(pid (\d+)\)", out)
        self.cassandra_pid = int(m.group(1)) if m else None
        self.results["cassandra_start_s"] = time.monotonic() - started
        log(f"Cassandra at {self.address} (pid {self.cassandra_pid}) after {time.monotonic() - started:.1f} s")

    def stop_cassandra(self) -> None:
        if self.started_cassandra:
            log("stopping Cassandra")
            try:
                self.service("stop", timeout=120)
            except (OSError, subprocess.TimeoutExpired) as e:
                log(f"cassandra.sh stop failed: {e}")
            self.started_cassandra = False

    def cql(self, *statements: str) -> None:
        cmd = [str(self.a.cql_reference), "--url", self.url]
        for st in statements:
            cmd += ["--exec", st]
        rc, out = self.procs.run(cmd, timeout=60, log_path=self.logs / "reference.log")
        if rc != 0:
            raise BenchError(f"CQL {statements}: {out.strip()[-300:]}")

    # -- the reference ---------------------------------------------------------------------------

    def reference(self, kind: str, table: str, entities: int, stride: int, connections: int, seed: int,
                  rate: float | None = None) -> dict:
        cmd = self.pin(self.server_cpu) + [
            str(self.a.cql_reference), "--url", self.url, "--table", table, "--kind", kind,
            "--entities", str(entities), "--key-stride", str(stride), "--concurrency", str(connections),
            "--duration", str(self.a.duration), "--warmup", str(self.a.warmup), "--seed", str(seed),
            "--limit", str(SERVER_PARTITION_PAGE), "--worker-threads", str(self.a.driver_threads)]
        if self.cassandra_pid:
            cmd += ["--watch-pids", str(self.cassandra_pid)]
        if rate is not None:
            cmd += ["--rate", f"{max(rate, 1.0):.1f}", "--drain", str(max(2.0, self.a.duration))]
        rc, out = self.procs.run(cmd, timeout=self.a.warmup + 2 * self.a.duration + 90,
                                 log_path=self.logs / "reference.log")
        return tool_result(f"ofs_cql_reference {kind}", rc, out)

    # -- scenarios -------------------------------------------------------------------------------

    def watch(self) -> str:
        return ",".join(str(p) for p in (self.server.pid, self.cassandra_pid) if p)

    @staticmethod
    def cpu_figures(runs: list[dict], own: str | None, cassandra_pid: int | None, duration: float) -> dict:
        """Median CPU µs per request and busy fraction over the window: of the serving process (`own`:
        a watched pid, or None for the reference's own cpu_s) and of Cassandra."""
        def per(key_fn):
            us, busy = [], []
            for r in runs:
                cpu = key_fn(r)
                if cpu is None or cpu < 0 or not r.get("requests"):
                    continue
                us.append(cpu * 1e6 / r["requests"])
                busy.append(cpu / duration)
            return (statistics.median(us), statistics.median(busy)) if us else (None, None)

        serving = per(lambda r: r.get("cpu_s") if own is None else r.get("watched_cpu_s", {}).get(own))
        engine = per(lambda r: r.get("watched_cpu_s", {}).get(str(cassandra_pid)) if cassandra_pid else None)
        return {"serving_us": serving[0], "serving_busy": serving[1], "cassandra_us": engine[0],
                "cassandra_busy": engine[1]}

    @staticmethod
    def summary(runs: list[dict]) -> dict:
        rps, rps_spread = median_spread([r["rps"] for r in runs])
        rows, rows_spread = median_spread([r["rows_per_s"] for r in runs])
        return {"runs": runs, "rps": rps, "rps_spread": rps_spread, "rows_per_s": rows, "rows_spread": rows_spread}

    def pair(self, name: str, kind: str, table: str, entities: int, stride: int, connections: int) -> dict | None:
        """OFS and the reference, closed-loop runs interleaved in pairs whose order alternates (OFS then
        driver, driver then OFS, ...), then an open-loop run of each at 50% of its own median max."""
        n = self.a.runs
        log(f"{name}: {n} interleaved closed-loop run(s) of {self.a.duration:g} s, OFS and the driver "
            f"({kind}, {connections} in flight)")
        ofs_runs: list[dict] = []
        ref_runs: list[dict] = []
        out: dict = {"kind": kind, "connections": connections}
        try:
            for i in range(n):
                # The order alternates (OFS first, then the driver first, ...), so that an engine still
                # getting faster (or slower) favours neither side across the pairs.
                for side in (("ofs", "ref") if i % 2 == 0 else ("ref", "ofs")):
                    if side == "ofs":
                        r = self.loadgen(self.port, "closed", kind, connections=connections,
                                         duration=self.a.duration, warmup=self.a.warmup, seed=1000 + i,
                                         watch_pids=self.watch())
                        if r["not_found"]:
                            self.results["notes"].append(f"{name}: {r['not_found']} OFS responses had unknown keys")
                        ofs_runs.append(r)
                    else:
                        ref = self.reference(kind, table, entities, stride, connections, seed=2000 + i)
                        if ref["not_found"]:
                            self.results["notes"].append(f"{name}: {ref['not_found']} driver requests missed keys")
                        ref_runs.append(ref)
                r, ref = ofs_runs[-1], ref_runs[-1]
                log(f"{name} run {i + 1}: OFS {r['rps']:,.0f} req/s ({r['rows_per_s']:,.0f} rows/s), "
                    f"driver {ref['rps']:,.0f} req/s ({ref['rows_per_s']:,.0f} rows/s)")
            ofs = self.summary(ofs_runs)
            ref = self.summary(ref_runs)
            ofs["cpu"] = self.cpu_figures(ofs_runs, str(self.server.pid), self.cassandra_pid, self.a.duration)
            ref["cpu"] = self.cpu_figures(ref_runs, None, self.cassandra_pid, self.a.duration)
            out["pairs"] = [o["rows_per_s"] / d["rows_per_s"] for o, d in zip(ofs_runs, ref_runs) if d["rows_per_s"]]
            log(f"{name}: open loop at 50% of each max")
            ofs["open"] = self.loadgen(self.port, "open", kind, connections=connections, duration=self.a.duration,
                                       warmup=self.a.warmup, rate=f"{max(ofs['rps'] * 0.5, 1.0):.1f}",
                                       drain=max(2.0, self.a.duration))
            ref["open"] = self.reference(kind, table, entities, stride, connections, seed=3000, rate=ref["rps"] * 0.5)
            lo, lr = ofs["open"]["latency_us"], ref["open"]["latency_us"]
            log(f"{name}: p99 at 50% OFS {lo['p99']:,.0f} µs, driver {lr['p99']:,.0f} µs")
            out["ofs"], out["ref"] = ofs, ref
        except BenchError as e:
            self.fail(name, str(e))
            return None
        return out

    # -- the whole run ---------------------------------------------------------------------------

    def run_cassandra(self) -> dict:
        a, res = self.a, self.results
        self.prepare(a.entities, a.features)
        self.start_cassandra()
        options = "?" + a.store_options.lstrip("?&") if a.store_options else ""
        self.url = f"cassandra://{self.address}/{a.keyspace}{options}"
        self.store_url = self.url
        res["parameters"] = {"entities": a.entities, "features": a.features, "duration_s": a.duration,
                             "warmup_s": a.warmup, "runs": a.runs, "connections": a.connections,
                             "batch_connections": a.batch_connections, "pinned": self.pinned, "rt": a.rt,
                             "server_cpu": self.server_cpu, "client_cpu": self.client_cpu,
                             "cassandra_cpus": self.cassandra_cpus, "external": bool(a.cassandra),
                             "jvm_opts": a.cassandra_jvm_opts if not a.cassandra else "",
                             "url": self.url, "driver_threads": a.driver_threads}
        self.cql(f'DROP KEYSPACE IF EXISTS "{a.keyspace}"')
        sc = res["scenarios"]
        try:
            log(f"starting ofs over {self.url} ({a.entities:,} entities, {a.features} features)")
            self.start_server()
            empty = self.server_memory()
            self.create_schema(with_partitions=True)
            res["dataset"] = self.schema["rows"]
            try:
                res["load"] = self.load(with_partitions=True)
            except BenchError as e:
                # A node just started compiles its hot paths while the first writes arrive, and a write
                # past the store's 1 s request timeout is a 503. The load is no measured figure and its
                # upserts are idempotent: once more, said in the notes.
                self.results["notes"].append(f"the first load failed and was repeated: {e}")
                log(f"load failed ({e}); loading again")
                res["load"] = self.load(with_partitions=True)
            if self.cassandra_pid:
                self.settle_cassandra()
            self.warm_engine()
            big = self.schema["rows"]["big_partitions"]
            sc["S1"] = self.pair("S1", "read", "bench_user", a.entities, 1, a.connections)
            sc["S2"] = self.pair("S2", "read100", "bench_user", a.entities, 1, a.batch_connections)
            sc["S3"] = self.pair("S3", "partition", "bench_part", big, 100, a.connections)
            mem = self.server_memory()
            sc["memory"] = {"rss_bytes": mem.get("VmRSS", 0), "hwm_bytes": mem.get("VmHWM", 0),
                            "rss_empty_bytes": empty.get("VmRSS", 0)}
            if self.cassandra_pid:
                self.settle_cassandra()
            sc["S4"] = self.pair("S4", "write100", "bench_user", a.entities, 1, a.batch_connections)
        finally:
            self.stop_server()
            if a.cassandra:  # someone else's instance: leave nothing behind
                try:
                    self.cql(f'DROP KEYSPACE IF EXISTS "{a.keyspace}"')
                except BenchError as e:
                    log(f"could not drop keyspace {a.keyspace}: {e}")
            self.stop_cassandra()
        return res

    def warm_engine(self) -> None:
        """Driver-only point reads in runs of `step` s, for at least a third of --engine-warmup and then
        until two runs in a row agree within 5% (at most --engine-warmup s): a fresh JVM keeps compiling
        its hot paths for a minute or more after the load, and the first scenario would otherwise measure
        that (the driver's S1 runs rose 6.2k -> 9.2k -> 11.7k req/s with 15 s of warm-up)."""
        limit = self.a.engine_warmup
        if limit <= 0:
            return
        step = min(10.0, max(1.0, limit / 6))
        log(f"warming Cassandra: driver point reads in {step:g} s runs, at least {limit / 3:g} s, then until two "
            f"agree within 5% (at most {limit:g} s)")
        start, rates = time.monotonic(), []
        saved = (self.a.duration, self.a.warmup)
        self.a.duration, self.a.warmup = step, 0.0
        try:
            while time.monotonic() - start < limit:
                r = self.reference("read", "bench_user", self.a.entities, 1, self.a.connections, seed=4000 + len(rates))
                rates.append(r["rps"])
                if (time.monotonic() - start >= limit / 3 and len(rates) >= 2 and
                        abs(rates[-1] - rates[-2]) <= 0.05 * max(rates[-1], rates[-2])):
                    break
        except BenchError as e:
            self.results["notes"].append(f"engine warm-up stopped early: {e}")
        finally:
            self.a.duration, self.a.warmup = saved
        stable = len(rates) >= 2 and abs(rates[-1] - rates[-2]) <= 0.05 * max(rates[-1], rates[-2])
        self.results["engine_warmup"] = {"rates": rates, "seconds": time.monotonic() - start, "stable": stable}
        log(f"Cassandra warm-up: {', '.join(f'{x:,.0f}' for x in rates)} req/s"
            + ("" if stable else " (not stable within the limit)"))
        if not stable:
            self.results["notes"].append(f"the engine warm-up ended after {limit:g} s without two driver runs "
                                         f"within 5% ({', '.join(f'{x:,.0f}' for x in rates)} req/s)")

    def settle_cassandra(self, limit: float = 60.0) -> None:
        """Waits until Cassandra uses < 10% of a core over 0.5 s (flushes and compactions after a load)."""
        tick = os.sysconf("SC_CLK_TCK")

        def cpu() -> float:
            with open(f"/proc/{self.cassandra_pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick

        deadline = time.monotonic() + limit
        last = cpu()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = cpu()
            if now - last < 0.05:
                return
            last = now
        self.results["notes"].append(f"Cassandra still busy {limit:.0f} s after a load step (measured anyway)")


# ----------------------------------------------------------------------------------------------
# the report
# ----------------------------------------------------------------------------------------------

def fmt_num(v: float | None, unit: str = "") -> str:
    if v is None:
        return "n/a"
    if v >= 100:
        s = f"{v:,.0f}"
    elif v >= 10:
        s = f"{v:.1f}"
    else:
        s = f"{v:.3g}"
    return s + (f" {unit}" if unit else "")


def fmt_spread(s: float | None) -> str:
    return "—" if s is None else f"±{s * 50:.0f}%"  # half the range, relative to the median


def fmt_ratio(a: float | None, b: float | None) -> tuple[str, float | None]:
    if not a or not b:
        return "n/a", None
    r = a / b
    return f"{r:.2f}x", r


def met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**not met**")


def machine_description(a: argparse.Namespace) -> list[tuple[str, str]]:
    """The machine, build and command of a run (with --store cassandra: Cassandra's and the driver's
    versions instead of RocksDB's and Redis's)."""
    def sh(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    model = ""
    for line in sh(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kb = int(line.split()[1])
    except OSError:
        pass
    compiler, flags, build_type = "", "", ""
    cache = Path(a.build_dir) / "CMakeCache.txt"
    if cache.exists():
        text = cache.read_text(errors="replace")
        m = re.search(r"^CMAKE_CXX_COMPILER:\w+=(.*)$", text, re.M)
        if m:
            compiler = sh([m.group(1), "--version"]).splitlines()[0] if sh([m.group(1), "--version"]) else m.group(1)
        m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", text, re.M)
        build_type = m.group(1) if m else ""
        m = re.search(r"^CMAKE_CXX_FLAGS_RELWITHDEBINFO:\w+=(.*)$", text, re.M)
        flags = m.group(1) if m and build_type == "RelWithDebInfo" else ""
    commit = sh(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = sh(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
    rocks = sh(["dpkg-query", "-W", "-f=${Version}", "librocksdb-dev"])
    redis = sh(["redis-server", "--version"]) if shutil.which("redis-server") else ""
    redis_v = re.search(r"v=(\S+)", redis)
    command = os.environ.get("OFS_BENCH_COMMAND", "")
    argv_cmd = "python3 " + shlex.join([os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:])
    return [
        ("CPU", f"{model or platform.processor()} — {os.cpu_count()} logical CPUs "
                f"(allowed: {','.join(map(str, sorted(os.sched_getaffinity(0))))})"),
        ("memory", f"{mem_kb / 1024 / 1024:.1f} GiB"),
        ("kernel", platform.release()),
        ("compiler", compiler or "unknown"),
        ("build", f"preset `{a.preset}` ({build_type} {flags})".strip()),
        (("Cassandra / driver", cassandra_versions()) if a.store == "cassandra" else
         ("RocksDB / Redis", f"librocksdb-dev {rocks or '?'} / redis {redis_v.group(1) if redis_v else 'absent'}")),
        ("load average", load_average()),
        ("commit", f"{commit}{' (with uncommitted changes)' if dirty else ''}"),
        ("date", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("command", f"`{command}` (`{argv_cmd}`)" if command else f"`{argv_cmd}`"),
    ]


def build_main_tables(res: dict) -> tuple[list[list[str]], list[list[str]]]:
    sc, refs = res["scenarios"], res["references"]
    wire, redis, storage = refs.get("wire"), refs.get("redis"), refs.get("storage")
    rows: list[list[str]] = []

    def lat(s: dict | None) -> str:
        if not s:
            return "n/a"
        l = s["open"]["latency_us"]
        return f"{fmt_num(l['p50'])} / {fmt_num(l['p99'])} / {fmt_num(l['p999'])} µs"

    def open_note(s: dict | None) -> str:
        if not s:
            return ""
        o = s["open"]
        return f"at {fmt_num(o['target_rps'])} req/s (achieved {fmt_num(o['achieved_rps'])})"

    s1 = sc.get("S1")
    s1_rps = s1["closed"]["rps"] if s1 else None
    wire_rps = wire["closed"]["rps"] if wire else None
    ratio_s, ratio = fmt_ratio(s1_rps, wire_rps)
    pairs = wire.get("s1_pair_ratios", []) if wire else []
    if len(pairs) > 1:
        ratio_s += f" (pairs {min(pairs):.2f}-{max(pairs):.2f}x)"
    rows.append(["S1 single-key read", "max req/s (1 core)", fmt_num(s1_rps),
                 fmt_spread(s1["closed"]["rps_spread"]) if s1 else "—",
                 f"wire limit {fmt_num(wire_rps)} req/s", ratio_s, f">= {TARGET_S1_VS_WIRE}x wire",
                 met(None if ratio is None else ratio >= TARGET_S1_VS_WIRE)])
    rs, _ = fmt_ratio(s1_rps, redis["rps"] if redis else None)
    rows.append(["S1 single-key read", "max req/s vs Redis GET", fmt_num(s1_rps), "—",
                 f"Redis GET {fmt_num(redis['rps']) if redis else 'n/a'} req/s", rs, "—", "—"])
    gs, _ = fmt_ratio(s1_rps, storage["get_keys_per_s"] if storage else None)
    rows.append(["S1 single-key read", "max req/s vs storage Get", fmt_num(s1_rps), "—",
                 f"RocksStore Get {fmt_num(storage['get_keys_per_s']) if storage else 'n/a'} keys/s", gs, "—", "—"])
    p99 = s1["open"]["latency_us"]["p99"] if s1 else None
    wire_p99 = wire["open"]["latency_us"]["p99"] if wire else None
    rows.append(["S1 single-key read", "p50 / p99 / p999 at 50% " + open_note(s1), lat(s1), "—",
                 f"wire limit p99 {fmt_num(wire_p99)} µs", fmt_ratio(p99, wire_p99)[0], "p99 <= 1 ms",
                 met(None if p99 is None else p99 <= TARGET_S1_P99_US)])
    z = sc.get("S1 zipf")
    if z:
        zs, _ = fmt_ratio(z["closed"]["rps"], s1_rps)
        rows.append([f"S1 Zipf({z['zipf']}) keys", "max req/s", fmt_num(z["closed"]["rps"]),
                     fmt_spread(z["closed"]["rps_spread"]), f"S1 uniform {fmt_num(s1_rps)} req/s", zs, "—", "—"])

    s2 = sc.get("S2")
    s2_rows = s2["closed"]["rows_per_s"] if s2 else None
    ms, _ = fmt_ratio(s2_rows, storage["multiget_keys_per_s"] if storage else None)
    rows.append(["S2 100-key read", "rows/s at max", fmt_num(s2_rows),
                 fmt_spread(s2["closed"]["rows_spread"]) if s2 else "—",
                 f"RocksStore MultiGet(100) {fmt_num(storage['multiget_keys_per_s']) if storage else 'n/a'} keys/s",
                 ms, f">= {TARGET_S2_ROWS / 1000:.0f}k rows/s",
                 met(None if s2_rows is None else s2_rows >= TARGET_S2_ROWS)])
    p99 = s2["open"]["latency_us"]["p99"] if s2 else None
    rows.append(["S2 100-key read", "p50 / p99 / p999 at 50% " + open_note(s2), lat(s2), "—", "—", "—",
                 "p99 <= 3 ms", met(None if p99 is None else p99 <= TARGET_S2_P99_US)])

    s3 = sc.get("S3")
    s3_rows = s3["closed"]["rows_per_s"] if s3 else None
    rows.append(["S3 partition read (100 rows)", "rows/s at max", fmt_num(s3_rows),
                 fmt_spread(s3["closed"]["rows_spread"]) if s3 else "—",
                 f"S2 {fmt_num(s2_rows)} rows/s", fmt_ratio(s3_rows, s2_rows)[0], "—", "—"])
    rows.append(["S3 partition read (100 rows)", "p50 / p99 / p999 at 50% " + open_note(s3), lat(s3), "—", "—",
                 "—", "—", "—"])

    s4 = sc.get("S4")
    s4_rows = s4["closed"]["rows_per_s"] if s4 else None
    rows.append(["S4 durable write (100 rows)", "rows/s at max", fmt_num(s4_rows),
                 fmt_spread(s4["closed"]["rows_spread"]) if s4 else "—", "—", "—",
                 f">= {TARGET_S4_ROWS / 1000:.0f}k rows/s",
                 met(None if s4_rows is None else s4_rows >= TARGET_S4_ROWS)])
    rows.append(["S4 durable write (100 rows)", "p50 / p99 / p999 at 50% " + open_note(s4), lat(s4), "—", "—",
                 "—", "—", "—"])
    s5_rows, s5_refs = build_s5_rows(res)
    rows += s5_rows
    s6_rows, s6_refs = build_s6_rows(res)
    rows += s6_rows

    s7 = sc.get("S7")
    stored = sc.get("memory", {}).get("stored_rows", 0)
    rows.append(["S7 cold start", f"s to first read, first restart after the load ({fmt_num(stored)} rows; "
                 "may replay the WAL)", fmt_num(s7["first_read_s"]) if s7 else "n/a", "—",
                 f"/health 200 after {fmt_num(s7['health_s'])} s" if s7 else "—", "—", "—", "—"])
    later = s7.get("later_first_read_s") if s7 else None
    rows.append(["S7 cold start", "s to first read, later restarts (table files only)",
                 fmt_num(later) if later is not None else "n/a",
                 fmt_spread(s7["later_first_read_spread"]) if later is not None else "—",
                 f"/health 200 after {fmt_num(s7['later_health_s'])} s" if later is not None else "—",
                 "—", "—", "—"])

    mem = sc.get("memory")
    if mem:
        rss = mem["rss_bytes"]
        rows.append(["memory", "server RSS after reads (MiB)", fmt_num(rss / 2**20), "—",
                     f"empty server {fmt_num(mem['rss_empty_bytes'] / 2**20)} MiB", "—", "—", "—"])
        rows.append(["memory", "RSS bytes per stored row", fmt_num(rss / stored if stored else None), "—",
                     f"{fmt_num(stored)} rows", "—", "—", "—"])
        disk = mem.get("disk")
        rows.append(["memory", "on-disk bytes per row after compaction (SST)",
                     fmt_num(disk["sst_bytes"] / disk["stored_rows"]) if disk and disk["stored_rows"] else "n/a",
                     "—", f"{fmt_num(disk['sst_bytes'] / 2**20) if disk else 'n/a'} MiB of SST", "—", "—", "—"])
    else:
        rows.append(["memory", "server RSS after reads (MiB)", "n/a", "—", "—", "—", "—", "—"])

    load = res.get("load", {}).get("main")
    if load:
        rows.append(["load (API, 1000-row writes)", "rows/s", fmt_num(load["rows_per_s"])] + ["—"] * 5)

    refs_rows: list[list[str]] = []
    if wire:
        refs_rows.append(["wire limit (raw epoll + simdjson)", "max req/s", fmt_num(wire["closed"]["rps"]),
                          fmt_spread(wire["closed"]["rps_spread"]),
                          f"{wire['response_header_bytes']} + {wire['response_body_bytes']} B responses"])
        refs_rows.append(["wire limit (raw epoll + simdjson)", "p50 / p99 / p999 at 50% " + open_note(wire),
                          lat(wire), "—", "—"])
    else:
        refs_rows.append(["wire limit (raw epoll + simdjson)", "max req/s", "n/a", "—", "failed"])
    if redis:
        refs_rows.append(["Redis GET (redis-benchmark)", "req/s", fmt_num(redis["rps"]), fmt_spread(redis["spread"]),
                          f"{redis['value_bytes']} B values, closed-loop p99 {redis['p99_ms_closed_loop']:.2f} ms"])
    else:
        refs_rows.append(["Redis GET (redis-benchmark)", "req/s", "n/a", "—", "skipped or failed"])
    if storage:
        refs_rows.append(["storage limit (RocksStore, 1 thread)", "Get keys/s", fmt_num(storage["get_keys_per_s"]),
                          fmt_spread(storage["get_spread"]), "MultiGet with 1 key"])
        refs_rows.append(["storage limit (RocksStore, 1 thread)", "MultiGet(100) keys/s",
                          fmt_num(storage["multiget_keys_per_s"]), fmt_spread(storage["multiget_spread"]), ""])
    else:
        refs_rows.append(["storage limit (RocksStore, 1 thread)", "Get keys/s", "n/a", "—", "failed"])
    refs_rows += s5_refs + s6_refs
    return rows, refs_rows


def build_s6_rows(res: dict) -> tuple[list[list[str]], list[list[str]]]:
    """The S6 rows of the main table and its references (the storage write limit, the kernel's read)."""
    s6 = res["scenarios"].get("S6")
    title = "S6 Delta bulk load (1 worker, 1 core)"
    goals = f">= {TARGET_S6_VS_WRITE}x storage write limit"
    if not s6 or "ofs" not in s6:
        why = ("skipped: " + s6["skipped"]) if s6 and "skipped" in s6 else "n/a"
        return ([[title, "rows/s, Delta table to readable", why, "—", "—", "—", goals, "n/a"]],
                [["storage write limit (RocksStore.Write, 1 core)", "rows/s", why, "—", "—"],
                 ["Delta kernel read (delta-kernel-rs, 1 core)", "rows/s", why, "—", "—"]])
    n = s6["rows"]
    ofs, write, kernel = s6["ofs"], s6["write"], s6["kernel"]
    ratio_s, ratio = fmt_ratio(ofs["rate"], write["rate"])
    pairs = s6.get("pairs", [])
    if len(pairs) > 1:
        ratio_s += f" (pairs {min(pairs):.2f}-{max(pairs):.2f}x)"
    kernel_s, _ = fmt_ratio(ofs["rate"], kernel["rate"])
    rows = [[title, f"rows/s, a {n:,}-row table ({s6.get('files', '?')} data files, 10 features) to readable",
             fmt_num(ofs["rate"]), fmt_spread(ofs["spread"]),
             f"storage write limit {fmt_num(write['rate'])} rows/s", ratio_s, goals,
             met(None if ratio is None else ratio >= TARGET_S6_VS_WRITE)],
            [title, "rows/s (the same runs)", fmt_num(ofs["rate"]), fmt_spread(ofs["spread"]), "—", "—",
             f">= {TARGET_S6_ROWS / 1e6:.0f}M rows/s", met(ofs["rate"] >= TARGET_S6_ROWS)],
            [title, "rows/s beside the kernel's own read of the table (the same runs)", fmt_num(ofs["rate"]),
             fmt_spread(ofs["spread"]), f"kernel read {fmt_num(kernel['rate'])} rows/s", kernel_s, "—", "—"]]
    refs = [["storage write limit (RocksStore.Write, 1 core)", "rows/s", fmt_num(write["rate"]),
             fmt_spread(write["spread"]), "the load's own store writes replayed: the same rows, batches and "
             "syncs, captured from the product's conversion first (bench/delta_load.cc)"],
            ["Delta kernel read (delta-kernel-rs, 1 core)", "rows/s", fmt_num(kernel["rate"]),
             fmt_spread(kernel["spread"]), "every data file into Arrow batches, nothing converted"]]
    return rows, refs


def build_s5_rows(res: dict) -> tuple[list[list[str]], list[list[str]]]:
    """The S5 rows of the main table and its references (the broker's consume rate, the producer's rate)."""
    s5 = res["scenarios"].get("S5")
    s4 = res["scenarios"].get("S4")
    title = "S5 Kafka ingestion (1 consumer core)"
    goals = f">= {TARGET_S5_VS_BROKER}x broker consume"
    if not s5 or "ofs" not in s5:
        why = ("skipped: " + s5["skipped"]) if s5 and "skipped" in s5 else "n/a"
        return ([[title, "rows/s, preloaded records to readable", why, "—", "—", "—", goals, "n/a"]],
                [["Kafka broker consume (librdkafka, 1 core)", "records/s", why, "—", "—"]])
    n = s5["records"]
    ofs, ref = s5["ofs"], s5["reference"]
    med = ofs["median_run"]
    ratio_s, ratio = fmt_ratio(ofs["rate"], ref["rate"])
    pairs = s5.get("pairs", [])
    if len(pairs) > 1:
        ratio_s += f" (pairs {min(pairs):.2f}-{max(pairs):.2f}x)"
    rows = [[title, f"rows/s, {n:,} preloaded records to readable (ingest.max_batch {ofs['max_batch']:,})",
             fmt_num(ofs["rate"]), fmt_spread(ofs["spread"]),
             f"broker consume (librdkafka alone) {fmt_num(ref['rate'])} records/s", ratio_s, goals,
             met(None if ratio is None else ratio >= TARGET_S5_VS_BROKER)],
            [title, "rows/s (the same runs)", fmt_num(ofs["rate"]), fmt_spread(ofs["spread"]), "—", "—",
             f">= {TARGET_S5_ROWS / 1000:.0f}k rows/s", met(ofs["rate"] >= TARGET_S5_ROWS)]]
    for r in s5.get("batches", []):
        rs, _ = fmt_ratio(r["rows_per_s"], ofs["rate"])
        rows.append([title, f"rows/s with ingest.max_batch {r['max_batch']:,} (1 run)", fmt_num(r["rows_per_s"]),
                     "—", f"max_batch {ofs['max_batch']:,}: {fmt_num(ofs['rate'])} rows/s", rs, "—", "—"])
    for g in s5.get("diagnostics", []):
        rs, _ = fmt_ratio(g["rows_per_s"], ofs["rate"])
        rb, _ = fmt_ratio(g["rows_per_s"], ref["rate"])
        busy = g["cpu_s"] / g["seconds"] if g["seconds"] else 0.0
        rows.append([title, f"rows/s, diagnostic (not the product): {g['diagnostic']} (1 run; its core "
                     f"{busy * 100:.0f}% busy)", fmt_num(g["rows_per_s"]), "—",
                     f"as shipped {fmt_num(ofs['rate'])} rows/s", f"{rs} ({rb} of the broker's)", "—", "—"])
    b = med["breakdown_s"]
    per = 1e6 / n
    busy = med["cpu_s"] / med["seconds"] if med["seconds"] else 0.0
    rows.append([title, "consumer's time per row: poll / decode and the rest / store write / commit / waiting "
                 "for records (median run)",
                 f"{b['poll'] * per:.2f} / {b['decode_and_rest'] * per:.2f} / {b['store_write'] * per:.2f} / "
                 f"{b['commit'] * per:.2f} / {b.get('empty_rounds', 0.0) * per:.2f} µs", "—",
                 f"{med['store_writes']:,} store writes of {med['rows_per_store_write']:.0f} rows (one WAL sync per batch) "
                 f"in {med['batches']:,} batches; its core {busy * 100:.0f}% busy", "—", "—", "—"])
    live = s5.get("live")
    if live:
        rs, _ = fmt_ratio(live["rows_per_s"], live["produce"]["records_per_s"])
        rows.append([title, "rows/s end to end, producer and consumer at once (first produce to last row written)",
                     fmt_num(live["rows_per_s"]), "—",
                     f"its producer {fmt_num(live['produce']['records_per_s'])} records/s; last row "
                     f"{live['lag_after_last_ack_s']:.2f} s after the last ack", rs, "—", "—"])
    wa = s5.get("write_async")
    wa_title = "S5 write-async (100 rows, ofs standalone --kafka)"
    if wa:
        rs, _ = fmt_ratio(wa["async"]["rows_per_s"], wa["sync"]["rows_per_s"])
        pairs = wa.get("pairs", [])
        if len(pairs) > 1:
            rs += f" (pairs {min(pairs):.2f}-{max(pairs):.2f}x)"
        ref_text = f"sync write, same server {fmt_num(wa['sync']['rows_per_s'])} rows/s"
        if s4:
            ref_text += f" (S4 {fmt_num(s4['closed']['rows_per_s'])})"
        rows.append([wa_title, "rows/s at max (202 = every row acknowledged by Kafka)",
                     fmt_num(wa["async"]["rows_per_s"]), fmt_spread(wa["async"]["rows_spread"]), ref_text, rs,
                     "—", "—"])
        if wa.get("readable_rows_per_s"):
            rows.append([wa_title, "rows/s until readable (its in-process consumer, same core, caught up)",
                         fmt_num(wa["readable_rows_per_s"]), fmt_spread(wa["readable_spread"]), "—", "—", "—", "—"])
    elif "write_async" in s5:
        rows.append([wa_title, "rows/s at max", "n/a", "—", "failed", "—", "—", "—"])
    refs = []
    ref_med = ref["median_run"]
    broker_us = (f"; broker CPU {ref_med['watched_cpu_s'] * 1e6 / n:.2f} µs/record"
                 if ref_med.get("watched_cpu_s", -1) >= 0 and not s5.get("external") else "")
    prod = s5["produce"]
    refs.append(["Kafka broker consume (librdkafka alone, 1 core)", "records/s", fmt_num(ref["rate"]),
                 fmt_spread(ref["spread"]),
                 f"{n:,} records of {prod['value_bytes'] / n:.0f} B in {prod['partitions']} partitions, a new group "
                 f"each run; join ({ref_med['join_s']:.2f} s) not counted, as for OFS{broker_us}"])
    cpus = ",".join(map(str, s5.get("broker_cpus") or []))
    where = ("an external broker" if s5.get("external") else f"the broker on CPU {cpus}" if cpus else
             "the broker not pinned")
    refs.append(["Kafka produce (librdkafka: idempotent, acks=all, lz4)", "records/s", fmt_num(prod["records_per_s"]),
                 "—", f"{prod['mb_per_s']:.0f} MB/s of values; producer on CPU {s5['consumer_cpu']}, {where}"])
    return rows, refs


def s5_notes(res: dict) -> list[str]:
    s5 = res["scenarios"].get("S5")
    if not s5 or "ofs" not in s5:
        return []
    cpus = ",".join(map(str, s5.get("broker_cpus") or []))
    notes = [("S5: the consumer (OFS's, or librdkafka's alone for the reference) runs in one process pinned to CPU "
              f"{s5['consumer_cpu']} with its librdkafka threads and RocksDB's flushes and compactions; the broker "
              + (f"runs on CPU {cpus}" if cpus else "is not pinned")
              + (", which on this machine it shares with the load generator (write-async) and with the producer "
                 "(end-to-end run)" if cpus and len(os.sched_getaffinity(0)) <= 2 else "")
              + ". OFS writes into a fresh RocksStore with the server's defaults (sync_writes on) and a catalog "
                "made through the admin routes; every run reads back a sample of rows and compares them with "
                "the records (bench/README.md, \"S5\").")]
    return notes


def md_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(out)


MAIN_HEADER = ["scenario", "figure", "median", "spread", "reference", "ratio", "target", "status"]
REF_HEADER = ["reference", "figure", "median", "spread", "notes"]
SCALING_HEADER = ["entities", "features", "S1 req/s", "S2 rows/s", "S1 cost vs fewer entities",
                  "S2 cost vs fewer entities", "S1 cost vs fewer features", "S2 cost vs fewer features",
                  "RSS MiB", "RSS B/row", "SST B/row", "load rows/s"]


def render_main(res: dict, machine: list[tuple[str, str]], title: str) -> str:
    p = res["parameters"]
    rows, refs = (build_s5_rows(res) if p.get("only") == "s5" else build_s6_rows(res) if p.get("only") == "s6"
                  else build_main_tables(res))
    ds = res.get("dataset", {})
    lines = [f"## {title}", ""]
    lines += [f"- **{k}**: {v}" for k, v in machine]
    pinning = (f"server (and S5's consumer) on CPU {p['server_cpu']}, load generator on CPU {p['client_cpu']}"
               if p["pinned"] else "NOT pinned (fewer than 2 CPUs or no taskset)")
    if p.get("only") == "s5":
        lines += [f"- **parameters**: S5 only: {p.get('s5_records', 0):,} records of group bench_fg ({p['features']} "
                  f"features, keys in [0, {p['entities']:,})); {p['runs']} run(s) per side; write-async closed-loop "
                  f"runs with {p['connections']} connections; " + pinning
                  + ("; SCHED_FIFO (--rt)" if p.get("rt") else ""), ""]
    elif p.get("only") == "s6":
        lines += [f"- **parameters**: S6 only: a {p.get('s6_rows', 0):,}-row Delta table of bench_fg's shape "
                  f"({p['features']} features); {p['runs']} round(s) of kernel read, storage write limit and OFS; "
                  + pinning, ""]
    else:
        lines += [f"- **parameters**: {p['entities']:,} entities x {p['features']} features "
                  f"({ds.get('part_rows', 0):,} more rows in {ds.get('partitions', 0):,} partitions, "
                  f"{ds.get('big_partitions', 0):,} of them with 100 rows); {p['runs']} closed-loop run(s) of "
                  f"{p['duration_s']:g} s after {p['warmup_s']:g} s warm-up, {p['connections']} connections; "
                  f"S5: {p.get('s5_records', 0):,} records per run; S6: a {p.get('s6_rows', 0):,}-row Delta table; "
                  + pinning
                  + ("; SCHED_FIFO (--rt)" if p.get("rt") else ""), ""]
    lines += [md_table(MAIN_HEADER, rows), "", "References, measured in the same run:", "",
              md_table(REF_HEADER, refs), ""]
    lines += ["Median of the closed-loop runs; spread = ±half the range of the runs, relative to the median. "
              "Latency: open loop at 50% of the median max, from each request's intended send time "
              "(no coordinated omission). See bench/README.md for how to read this.", ""]
    if res["failures"]:
        lines += ["**Failures:**", ""] + [f"- {f}" for f in res["failures"]] + [""]
    notes = sorted(set(res["notes"])) + s5_notes(res)
    if notes:
        lines += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


def render_scaling(res: dict, machine: list[tuple[str, str]]) -> str:
    points = [pt for pt in res.get("scaling", []) if "error" not in pt and "skipped" not in pt]
    rows = []

    def cost(base: dict | None, pt: dict, key: str, factor: float) -> tuple[str, bool | None]:
        """base throughput / throughput here, and whether it stays within `factor` (the size ratio)."""
        if base is None or base is pt or not pt.get(key):
            return "—", None
        c = base[key] / pt[key]
        return f"x{c:.2f}", c <= factor

    verdicts: list[bool] = []
    for pt in res.get("scaling", []):
        if "error" in pt or "skipped" in pt:
            rows.append([f"{pt['entities']:,}", str(pt["features"])] + [pt.get("skipped", "failed")] + ["—"] * 9)
            continue
        same_f = [x for x in points if x["features"] == pt["features"]]
        same_e = [x for x in points if x["entities"] == pt["entities"]]
        eb = min(same_f, key=lambda x: x["entities"])
        fb = min(same_e, key=lambda x: x["features"])
        cells = []
        for base, key, factor in ((eb, "s1_rps", pt["entities"] / eb["entities"]),
                                  (eb, "s2_rows", pt["entities"] / eb["entities"]),
                                  (fb, "s1_rps", pt["features"] / fb["features"]),
                                  (fb, "s2_rows", pt["features"] / fb["features"])):
            text, ok = cost(base, pt, key, factor)
            if ok is not None:
                verdicts.append(ok)
                text += "" if ok else " **over**"
            cells.append(text)
        stored = pt.get("stored_rows") or pt["entities"]
        rows.append([f"{pt['entities']:,}", str(pt["features"]),
                     f"{fmt_num(pt['s1_rps'])} {fmt_spread(pt['s1_spread'])}",
                     f"{fmt_num(pt['s2_rows'])} {fmt_spread(pt['s2_spread'])}"] + cells +
                    [fmt_num(pt["rss_bytes"] / 2**20), fmt_num(pt["rss_bytes"] / stored),
                     fmt_num(pt["sst_bytes"] / stored), fmt_num(pt["load_rows_per_s"])])
    p = res["parameters"]
    lines = ["## Scaling (make bench-scaling)", ""]
    lines += [f"- **{k}**: {v}" for k, v in machine]
    lines += [f"- **parameters**: {p['runs']} closed-loop run(s) of {p['duration_s']:g} s, {p['connections']} "
              f"connections; only the main entity is loaded"
              + ("; SCHED_FIFO (--rt)" if p.get("rt") else ""), ""]
    lines += [md_table(SCALING_HEADER, rows), ""]
    lines += ["Cost = throughput of the smaller configuration / throughput here (x1.00: no slower; x10: ten times "
              "slower). Goal (PERFORMANCE.md): 10x entities or 10x features cost at most 10x — "
              + ("met at every point." if verdicts and all(verdicts) else
                 "**not met** where marked." if verdicts else "no pair to compare."),
              "RSS B/row includes the server's fixed footprint (so it falls as rows grow); SST B/row is after a "
              "full compaction.", ""]
    if res["failures"]:
        lines += ["**Failures:**", ""] + [f"- {f}" for f in res["failures"]] + [""]
    return "\n".join(lines)


def cassandra_versions() -> str:
    """Cassandra (the service script's pinned release), the JVM and the CQL driver (Cargo.lock)."""
    pom = REPO / "scripts" / "services" / "cassandra" / "pom.xml"
    m = re.search(r"<cassandra.version>([^<]+)<", pom.read_text()) if pom.exists() else None
    lock = REPO / "native" / "Cargo.lock"
    d = re.search(r'name = "scylla"\nversion = "([^"]+)"', lock.read_text()) if lock.exists() else None
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    try:
        jv = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=20).stderr.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        jv = []
    return (f"Apache Cassandra {m.group(1) if m else '?'} (scripts/services/cassandra.sh, one node), "
            f"{jv[0].strip() if jv else 'java ?'}; driver: crate scylla {d.group(1) if d else '?'} (native/cql)")


def build_cassandra_table(res: dict) -> list[list[str]]:
    sc = res["scenarios"]
    rows: list[list[str]] = []

    def us(v: float | None) -> str:
        return "n/a" if v is None else fmt_num(v)

    def busy(v: float | None) -> str:
        return "" if v is None else f" ({v * 100:.0f}% busy)"

    def lat(o: dict) -> str:
        l = o["latency_us"]
        return f"{fmt_num(l['p50'])} / {fmt_num(l['p99'])} / {fmt_num(l['p999'])} µs"

    def rate(o: dict) -> str:
        return f"at {fmt_num(o['target_rps'])} req/s (achieved {fmt_num(o['achieved_rps'])})"

    specs = [("S1", "S1 single-key read", "req/s", "rps", True),
             ("S2", "S2 100-key read", "rows/s", "rows_per_s", True),
             ("S3", "S3 partition read (100 rows)", "rows/s", "rows_per_s", False),
             ("S4", "S4 write (100 rows, LOCAL_QUORUM)", "rows/s", "rows_per_s", True)]
    for key, title, unit, field, targeted in specs:
        s = sc.get(key)
        if not s:
            rows.append([title, f"max {unit} (1 serving core)", "n/a", "—", "failed", "—",
                         f">= {TARGET_VS_DRIVER}x driver" if targeted else "—", "n/a" if targeted else "—"])
            continue
        o, d = s["ofs"], s["ref"]
        spread_key = "rps_spread" if field == "rps" else "rows_spread"
        ratio_s, ratio = fmt_ratio(o[field], d[field])
        pairs = s.get("pairs", [])
        if len(pairs) > 1:
            ratio_s += f" (pairs {min(pairs):.2f}-{max(pairs):.2f}x)"
        rows.append([title, f"max {unit} (1 serving core, {s['connections']} in flight)", fmt_num(o[field]),
                     fmt_spread(o[spread_key]), f"driver {fmt_num(d[field])} {unit} {fmt_spread(d[spread_key])}",
                     ratio_s, f">= {TARGET_VS_DRIVER}x driver" if targeted else "—",
                     met(None if ratio is None else ratio >= TARGET_VS_DRIVER) if targeted else "—"])
        rows.append([title, "p50 / p99 / p999 at 50% " + rate(o["open"]), lat(o["open"]), "—",
                     f"driver {lat(d['open'])} {rate(d['open'])}",
                     fmt_ratio(o["open"]["latency_us"]["p99"], d["open"]["latency_us"]["p99"])[0] + " (p99)",
                     "—", "—"])
        oc, dc = o["cpu"], d["cpu"]
        cap_s, _ = fmt_ratio(dc["serving_us"], oc["serving_us"])
        rows.append([title, "serving-CPU µs per request", us(oc["serving_us"]) + busy(oc["serving_busy"]), "—",
                     f"driver {us(dc['serving_us'])}{busy(dc['serving_busy'])}",
                     cap_s + " (driver / OFS)" if cap_s != "n/a" else "n/a", "—", "—"])
        rows.append([title, "Cassandra CPU µs per request", us(oc["cassandra_us"]) + busy(oc["cassandra_busy"]),
                     "—", f"driver run {us(dc['cassandra_us'])}{busy(dc['cassandra_busy'])}", "—", "—", "—"])
    mem = sc.get("memory")
    if mem:
        rows.append(["memory", "server RSS after reads (MiB)", fmt_num(mem["rss_bytes"] / 2**20), "—",
                     f"empty server {fmt_num(mem['rss_empty_bytes'] / 2**20)} MiB", "—", "—", "—"])
    else:
        rows.append(["memory", "server RSS after reads (MiB)", "n/a", "—", "—", "—", "—", "—"])
    load = res.get("load", {}).get("main")
    rows.append(["load (API, 1000-row writes, 4 connections)", "rows/s",
                 fmt_num(load["rows_per_s"]) if load else "n/a"] + ["—"] * 5)
    return rows


def cassandra_notes(res: dict) -> list[str]:
    """What limited the scenarios, from this run's own CPU measurements."""
    sc = res["scenarios"]
    ncpu = len(res["parameters"].get("cassandra_cpus") or []) or os.cpu_count() or 1
    limited = []
    for key in ("S1", "S2", "S3", "S4"):
        s = sc.get(key)
        if not s:
            continue
        oc, dc = s["ofs"]["cpu"], s["ref"]["cpu"]
        serving = [c["serving_busy"] for c in (oc, dc) if c["serving_busy"] is not None]
        engine = [c["cassandra_busy"] / ncpu for c in (oc, dc) if c["cassandra_busy"] is not None]
        if serving and max(serving) < 0.6:
            limited.append(f"{key} (serving CPU <= {max(serving) * 100:.0f}% busy"
                           + (f", Cassandra {min(engine) * 100:.0f}-{max(engine) * 100:.0f}%" if engine else "")
                           + ")")
    if not limited:
        return []
    return ["The engine, not the serving core, limited both sides in " + ", ".join(limited) + ": there the "
            "throughput ratio is how much of the engine's capacity OFS passes on, and the serving-CPU ratio "
            "(driver / OFS µs per request, at the same engine-bound rate) is how one serving core compares, "
            "which decides when the engine is a cluster that keeps up."]


def render_cassandra(res: dict, machine: list[tuple[str, str]], title: str) -> str:
    p = res["parameters"]
    ds = res.get("dataset", {})
    cpus = ",".join(map(str, p.get("cassandra_cpus") or [])) or "all"
    lines = [f"## {title}", ""]
    lines += [f"- **{k}**: {v}" for k, v in machine]
    where = ("an external instance (--cassandra; its CPU not measured)" if p.get("external") else
             f"CPU(s) {cpus}, JVM options `{p.get('jvm_opts', '')}`"
             + (f" -XX:ActiveProcessorCount={len(p['cassandra_cpus'])}" if p.get("cassandra_cpus") else ""))
    lines += [f"- **parameters**: {p['entities']:,} entities x {p['features']} features "
              f"({ds.get('part_rows', 0):,} more rows in {ds.get('partitions', 0):,} partitions, "
              f"{ds.get('big_partitions', 0):,} of them with 100 rows); {p['runs']} closed-loop run(s) of "
              f"{p['duration_s']:g} s after {p['warmup_s']:g} s warm-up per side"
              + (f" (Cassandra warmed first: driver point reads "
                 f"{', '.join(fmt_num(x) for x in res['engine_warmup']['rates'])} req/s, "
                 f"{res['engine_warmup']['seconds']:.0f} s)"
                 if res.get("engine_warmup") else "")
              + f"; {p['connections']} requests in "
              f"flight for S1 and S3, {p['batch_connections']} for S2 and S4 (x100 statements each); "
              + (f"ofs (and the driver's loop, in its turn) on CPU {p['server_cpu']}, load generator on CPU "
                 f"{p['client_cpu']}" if p["pinned"] else "NOT pinned (fewer than 2 CPUs or no taskset)")
              + f"; Cassandra on {where}"
              + ("; SCHED_FIFO (--rt)" if p.get("rt") else ""),
              f"- **store**: `ofs standalone --threads 1 --store {p['url']}`; the driver's loop "
              f"(`ofs_cql_reference`) gets the same URL and {p['driver_threads']} driver worker threads", ""]
    lines += [md_table(MAIN_HEADER, build_cassandra_table(res)), ""]
    lines += ["Reference = the same CQL driver (crate scylla) in a tight loop on the statements CassandraStore "
              "runs for the scenario, same consistency levels and driver settings, same tables, pinned to the "
              "serving CPU (bench/README.md, \"Cassandra\"); its closed-loop runs alternate with OFS's, in "
              "pairs whose order alternates (OFS first, then the driver first). Ratio = OFS / driver (pairs: each "
              "OFS run over the driver run beside it). Latency: open loop at 50% "
              "of each side's own median max, from each request's intended send time. CPU µs per request: the "
              "serving process (ofs, or the driver's loop) and Cassandra, over the measured window.", ""]
    if res["failures"]:
        lines += ["**Failures:**", ""] + [f"- {f}" for f in res["failures"]] + [""]
    notes = sorted(set(res["notes"])) + cassandra_notes(res)
    if notes:
        lines += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


def check_cassandra(path: Path) -> list[str]:
    """Problems with a written Cassandra section (empty = it parses and every throughput has a number)."""
    if not path.exists():
        return [f"{path} does not exist"]
    text = path.read_text()
    start, end = SECTION_MARKERS["cassandra"]
    if start not in text or end not in text:
        return [f"{path}: no cassandra section markers"]
    tables = parse_tables(text[text.index(start):text.index(end)])
    table = next((t for t in tables if t and t[0] == MAIN_HEADER), None)
    if table is None:
        return [f"{path}: the Cassandra table is missing"]
    problems = [f"row with {len(r)} cells: {r}" for r in table[1:] if len(r) != len(MAIN_HEADER)]
    names = " ".join(r[0] for r in table[1:])
    problems += [f"no row for {n}" for n in CASSANDRA_REQUIRED_ROWS if n not in names]
    for row in table[1:]:
        if row[1].startswith("max") or row[1].startswith("p50") or row[0] == "load (API, 1000-row writes, 4 connections)":
            if number_of(row[2]) is None:
                problems.append(f"no number for {row[0]} / {row[1]}: {row[2]!r}")
            if row[1].startswith("max") and number_of(row[4].removeprefix("driver ")) is None:
                problems.append(f"no driver figure for {row[0]}: {row[4]!r}")
    if HISTORY_MARKER not in text:
        problems.append("history marker missing")
    return problems


def write_report(path: Path, section: str, body: str) -> None:
    """Replaces one section of the file, keeps the other sections and everything below the history marker."""
    start, end = SECTION_MARKERS[section]
    text = path.read_text() if path.exists() else ""
    if HISTORY_MARKER in text:
        head, tail = text.split(HISTORY_MARKER, 1)
        tail = HISTORY_MARKER + tail
    else:
        head, tail = text, (HISTORY_MARKER + "\n## History\n\nNotes on past runs, edited by hand "
                            "(the harness never changes anything below the marker above).\n")
    if not head.strip() and section == "cassandra":
        head = ("# OFS over Apache Cassandra: benchmarks\n\nWritten by `bench/run.py --store cassandra` "
                "(`make bench-cassandra`); what the figures mean and how to read them: "
                "[bench/README.md](../bench/README.md), \"Cassandra\". The RocksDB figures are in "
                "[benchmarks.md](benchmarks.md). Everything above the history marker is regenerated.\n\n"
                "ScyllaDB, the other engine CassandraStore serves, is not measured: it is in no package registry "
                "this machine can use, so only Apache Cassandra runs here (the store and the reference use "
                "nothing Cassandra-only: plain CQL, the same driver).\n\n")
    elif not head.strip():
        head = ("# OFS benchmarks\n\nWritten by `bench/run.py` (`make bench`, `make bench-scaling`); what the "
                "figures mean and how to read them: [bench/README.md](../bench/README.md). Everything above "
                "the history marker is regenerated.\n\n")
    block = f"{start}\n{body.rstrip()}\n{end}\n"
    if start in head and end in head:
        head = re.sub(re.escape(start) + r".*?" + re.escape(end) + r"\n?", lambda _: block, head, flags=re.S)
    else:
        # main before scaling
        other_start = SECTION_MARKERS["scaling"][0]
        if section == "main" and other_start in head:
            i = head.index(other_start)
            head = head[:i] + block + "\n" + head[i:]
        else:
            head = head.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head.rstrip() + "\n\n" + tail)


def parse_tables(text: str) -> list[list[list[str]]]:
    """Every markdown table in text, as rows of cells (header row included, separator dropped)."""
    tables, cur = [], []
    for line in text.splitlines():
        if line.startswith("|") and line.rstrip().endswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            cur.append(cells)
        elif cur:
            tables.append(cur)
            cur = []
    if cur:
        tables.append(cur)
    return tables


def number_of(cell: str) -> float | None:
    m = re.match(r"^\s*([0-9][0-9,]*\.?[0-9]*(?:e[-+]?\d+)?)", cell)
    return float(m.group(1).replace(",", "")) if m else None


def check_main(path: Path, required: list[str] | None = None) -> list[str]:
    """Problems with a written main section (empty list = it parses and every figure has a number)."""
    problems = []
    if not path.exists():
        return [f"{path} does not exist"]
    text = path.read_text()
    start, end = SECTION_MARKERS["main"]
    if start not in text or end not in text:
        return [f"{path}: no main section markers"]
    section = text[text.index(start):text.index(end)]
    tables = parse_tables(section)
    main = next((t for t in tables if t and t[0] == MAIN_HEADER), None)
    refs = next((t for t in tables if t and t[0] == REF_HEADER), None)
    if main is None or refs is None:
        return [f"{path}: main or reference table missing"]
    for row in main[1:] + refs[1:]:
        if len(row) != len(main[0] if row in main else refs[0]):
            problems.append(f"row with {len(row)} cells: {row}")
    names = " ".join(r[0] for r in main[1:] + refs[1:])
    for needed in REQUIRED_ROWS if required is None else required:
        if needed not in names:
            problems.append(f"no row for {needed}")
    for row in main[1:] + refs[1:]:
        if (row[0].startswith(("Redis", "S5", "Kafka", "S6", "storage write", "Delta kernel"))) and \
                "skipped" in " ".join(row):
            continue
        if number_of(row[2]) is None:
            problems.append(f"no number for {row[0]} / {row[1]}: {row[2]!r}")
    if HISTORY_MARKER not in text:
        problems.append("history marker missing")
    return problems


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------

def load_average() -> str:
    """The 1/5/15-minute load averages now: other processes on a shared machine move every figure."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min, at the end of the run)"
    except OSError:
        return "unknown"


def build(a: argparse.Namespace) -> None:
    if not (Path(a.build_dir) / "build.ninja").exists() and not (Path(a.build_dir) / "Makefile").exists():
        log(f"configuring preset {a.preset}")
        subprocess.run(["cmake", "--preset", a.preset], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    log(f"building ofs and the bench tools in {a.build_dir}")
    tools = (["ofs", "ofs_loadgen", "ofs_cql_reference"] if a.store == "cassandra" else
             ["ofs", "ofs_loadgen", "ofs_wire_server", "ofs_storage_limit", "ofs_kafka_ingest", "ofs_delta_load"])
    subprocess.run(["cmake", "--build", str(a.build_dir), f"-j{a.jobs}", "--target"] + tools, cwd=REPO, check=True)


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    if a.check:
        text = Path(a.check).read_text() if Path(a.check).exists() else ""
        only_s5 = "S5 only" in text and "| S1 " not in text
        only_s6 = "S6 only" in text and "| S1 " not in text
        problems = (check_cassandra(Path(a.check)) if SECTION_MARKERS["cassandra"][0] in text else
                    check_main(Path(a.check), S5_REQUIRED_ROWS if only_s5 else S6_REQUIRED_ROWS if only_s6 else None))
        for p in problems:
            print(f"bench check: {p}", file=sys.stderr)
        print("bench check: ok" if not problems else "bench check: FAILED")
        return 1 if problems else 0

    if a.store == "cassandra" and a.cassandra_from_env:
        a.cassandra = os.environ.get("OFS_TEST_CASSANDRA", "")
        if not a.cassandra:
            if os.environ.get("OFS_REQUIRE_SERVICES") == "1":
                print("bench: OFS_REQUIRE_SERVICES=1 but OFS_TEST_CASSANDRA=HOST:PORT is unset", file=sys.stderr)
                return 1
            print("bench: skipped: OFS_TEST_CASSANDRA=HOST:PORT is unset (scripts/services/cassandra.sh start "
                  "prints it)", file=sys.stderr)
            return 77
        if a.smoke and a.keyspace == "bench_smoke":
            a.keyspace = f"bench_smoke_{os.getpid()}"  # a shared instance: a keyspace of our own

    procs = Processes()

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def on_alarm(signum, frame):
        raise TimeLimit(f"the run exceeded its time limit of {a.time_limit:.0f} s")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, a.time_limit)
    started = time.monotonic()
    rc = 1
    h = None
    try:
        if not a.no_build:
            build(a)
        tools = ((a.ofs, a.loadgen, a.cql_reference) if a.store == "cassandra" else
                 (a.ofs, a.loadgen, a.wire_server, a.storage_limit))
        for tool in tools:
            if not Path(tool).exists():
                raise BenchError(f"{tool} not found (build first, or pass its path)")
        h = CassandraHarness(a, procs) if a.store == "cassandra" else Harness(a, procs)
        if not h.pinned:
            log("warning: not pinning (needs 2 CPUs and taskset): figures are not comparable")
        if a.rt and subprocess.run(["chrt", "-f", "10", "true"], capture_output=True).returncode != 0:
            raise BenchError("--rt: chrt -f 10 is not permitted here (needs root or CAP_SYS_NICE)")
        machine = machine_description(a)
        if a.store == "cassandra":
            res = h.run_cassandra()
            machine = machine_description(a)  # the load average at the end of the run
            title = ("Smoke run (not a measurement)" if a.smoke else
                     "Quick run (make bench-cassandra BENCH_ARGS=--quick; indicative only)" if a.quick else
                     "Latest run (make bench-cassandra)")
            body = render_cassandra(res, machine, title)
            section = "cassandra"
        elif a.scaling:
            res = h.run_scaling()
            body = render_scaling(res, machine)
            section = "scaling"
        else:
            res = h.run_main()
            title = ("Smoke run (not a measurement)" if a.smoke else
                     "Quick run (make bench-quick; indicative only)" if a.quick else "Latest run (make bench)")
            if a.only:
                title = f"{a.only.upper()} only (bench/run.py --only {a.only}" + (" --quick)" if a.quick else ")")
            body = render_main(res, machine, title)
            section = "main"
        res["elapsed_s"] = time.monotonic() - started
        (a.work_dir / "results.json").write_text(json.dumps(res, indent=1, default=str))
        write_report(a.output, section, body)
        print(body)
        log(f"wrote {a.output} and {a.work_dir / 'results.json'} in {res['elapsed_s']:.0f} s")
        rc = 0
        if res["failures"]:
            log(f"{len(res['failures'])} failure(s)")
            rc = 1
        if section in ("main", "cassandra"):
            required = {"s5": S5_REQUIRED_ROWS, "s6": S6_REQUIRED_ROWS}.get(a.only or "")
            problems = (check_main(a.output, required) if section == "main"
                        else check_cassandra(a.output))
            for p in problems:
                log(f"output check: {p}")
            if problems:
                rc = 1
            if a.smoke and res["notes"]:
                for n in res["notes"]:
                    log(f"note: {n}")
                if any("unknown keys" in n or "misses" in n for n in res["notes"]):
                    rc = 1
        return rc
    except (BenchError, TimeLimit, subprocess.CalledProcessError) as e:
        log(f"FAILED: {e}")
        return 1
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
        return 130
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        procs.stop_all()
        if h is not None and hasattr(h, "stop_services"):
            h.stop_services()  # the broker, if a failure or a signal left it running
        temp = a.work_dir.name.startswith("ofs-bench-smoke-") and a.work_dir.parent == Path(tempfile.gettempdir())
        if temp and rc == 0:
            shutil.rmtree(a.work_dir, ignore_errors=True)
        elif temp:
            log(f"kept {a.work_dir} for inspection")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
