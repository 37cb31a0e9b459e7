"""Kafka streaming ingestion, black box: POST /v1/feature-group/write-async (records produced to the group's
consume-tenant topic), the in-process consumer of `ofs standalone --kafka` and the `ofs consume` role
(Darwin's v2 and v1 record formats, BLOBs as Darwin's producers send them, dead letters with an `error`
header, write times that never let an older record overwrite a newer value), crash and SIGTERM safety of
the consumer's offsets, a broker restart, a consumer group that rebalances, a broker that cannot be
reached at start, and a load job (a Delta table) produced to its group's registered topic.

The broker: OFS_TEST_KAFKA (HOST:PORT of a running broker, which the tests never stop: the broker-restart
test is skipped then) when set, else scripts/services/kafka.sh started here once for the module, on free
ports and with its own OFS_SERVICES_DIR under pytest's temp directory (its first start there installs the
jars with Maven from ~/.m2: about 5 s), wiped at the end. Without a broker, or without `kcat`, the tests are
skipped unless OFS_REQUIRE_SERVICES=1.

`kcat` is the plain (non-OFS) Kafka client: it produces records as Darwin's writers do (headers, no key or a
key, one partition when the order matters) and reads topics back (-J: JSON with headers).

Isolation: every test has consumer groups and topics (consume tenants) of its own, named with a per-run
suffix. Every fresh consumer group also reads the `default` topic from its beginning (a consumer always
subscribes to it), where other tests' records are unknown groups: counters are compared as deltas taken
once the consumer has caught up, and dead letters are told apart by their keys.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import BINARY
from e2e_support import (DEFAULT_TENANT, REPO_ROOT, Ofs, OfsServer, ServerStartError, assert_error, assert_ok,
                         b64, found_map, free_port, make_entity, make_group, metric_total, parse_metrics,
                         read_body, read_data, uniq, wait_until, write_body, write_ok)

KAFKA_SCRIPT = REPO_ROOT / "scripts" / "services" / "kafka.sh"
RUN = secrets.token_hex(3)  # topic and consumer-group names differ between runs (a shared broker keeps them)
PARTITIONS = 8  # --kafka-topic-partitions' default: the partitions of a topic OFS creates
READ_CHUNK = 10_000  # keys per read request (serving.max_keys_per_read)
ASYNC_PATH = "/v1/feature-group/write-async"
# Every node of these tests: small batches, applied quickly.
INGEST_ARGS = ("--ingest-linger-ms", "5")

pytestmark = pytest.mark.timeout_s(180)


def kafka_name(prefix: str) -> str:
    """A topic / tenant / consumer-group name of this run, e.g. t3_00012_a1b2c3."""
    return f"{uniq(prefix)}_{RUN}"


# ----------------------------------------------------------------------------------------------
# the broker
# ----------------------------------------------------------------------------------------------

class Broker:
    """A Kafka broker: `address` (HOST:PORT); `env` is kafka.sh's environment when this module started it
    (then it can be stopped and started again), None for OFS_TEST_KAFKA's."""

    def __init__(self, address: str, env: dict | None = None):
        self.address = address
        self.env = env

    @property
    def controllable(self) -> bool:
        return self.env is not None

    def script(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(KAFKA_SCRIPT), *args], env=self.env or dict(os.environ), capture_output=True,
                              text=True, timeout=timeout)

    def stop(self) -> None:
        assert self.controllable, "not this module's broker"
        done = self.script("stop", timeout=120)
        assert done.returncode == 0, f"kafka.sh stop: {done.stderr[-2000:]}"

    def start(self) -> None:
        assert self.controllable, "not this module's broker"
        done = self.script("start", timeout=300)
        assert done.returncode == 0, f"kafka.sh start: {done.stderr[-3000:]}"
        assert done.stdout.strip().splitlines()[-1] == self.address, done.stdout

    def committed_offsets(self, group: str, topic: str) -> dict[int, int] | None:
        """partition -> committed offset of `group` on `topic` (Kafka's ConsumerGroupCommand through
        `kafka.sh tool`); None when the tool cannot be run here (someone else's broker, no install)."""
        if not self.controllable:
            return None
        done = self.script("tool", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                           "--bootstrap-server", self.address, "--describe", "--offsets", "--group", group,
                           timeout=120)
        assert done.returncode == 0, f"ConsumerGroupCommand: {done.stdout[-1000:]} {done.stderr[-2000:]}"
        offsets = {}
        for line in done.stdout.splitlines():
            cols = line.split()
            if len(cols) >= 4 and cols[0] == group and cols[1] == topic:
                offsets[int(cols[2])] = int(cols[3]) if cols[3].isdigit() else 0
        return offsets


def _unavailable(reason: str):
    if os.environ.get("OFS_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def kafka(tmp_path_factory):
    """The module's broker (see the module docstring)."""
    if BINARY is None:
        pytest.skip("no ofs binary")
    if shutil.which("kcat") is None:
        _unavailable("kcat is not installed (apt-get install kcat): the Kafka tests produce and read with it")
    given = os.environ.get("OFS_TEST_KAFKA")
    if given:
        yield Broker(given)
        return
    services = tmp_path_factory.mktemp("kafka-services")
    failure = ""
    for _ in range(2):  # a second try on other ports: `start` refuses a port another process took meanwhile
        port = free_port()
        controller = free_port()
        while controller == port:
            controller = free_port()
        env = {**os.environ, "OFS_SERVICES_DIR": str(services), "OFS_KAFKA_PORT": str(port),
               "OFS_KAFKA_CONTROLLER_PORT": str(controller)}
        broker = Broker(f"127.0.0.1:{port}", env)
        try:
            started = broker.script("start")
        except subprocess.TimeoutExpired:
            started = None
        if started is not None and started.returncode == 0:
            broker.address = started.stdout.strip().splitlines()[-1]
            break
        failure = started.stderr.strip()[-1500:] if started is not None else "kafka.sh start timed out"
        broker.script("wipe", timeout=120)
    else:
        _unavailable(f"no Kafka broker: scripts/services/kafka.sh start failed: {failure}")
    try:
        yield broker
    finally:
        broker.script("wipe", timeout=120)


# ----------------------------------------------------------------------------------------------
# kcat: the plain Kafka client
# ----------------------------------------------------------------------------------------------

def kcat_produce(broker: Broker, topic: str, values, headers=(), partition: int | None = None,
                 keys=None, key: str | None = None, timeout: float = 120) -> None:
    """Produces one record per value (str or bytes without a newline), all with `headers` [(name, value)];
    `keys` gives each record its key, `key` one key for all; no key otherwise. Returns once kcat has every
    record acknowledged."""
    cmd = ["kcat", "-P", "-q", "-b", broker.address, "-t", topic]
    if partition is not None:
        cmd += ["-p", str(partition)]
    for name, value in headers:
        cmd += ["-H", f"{name}={value}"]
    lines = [v.encode() if isinstance(v, str) else bytes(v) for v in values]
    assert not any(b"\n" in line for line in lines), "one record per line"
    if keys is not None:
        assert len(keys) == len(lines) and not any("|" in k for k in keys)
        cmd += ["-K", "|"]
        lines = [k.encode() + b"|" + line for k, line in zip(keys, lines)]
    elif key is not None:
        cmd += ["-k", key]
    done = subprocess.run(cmd, input=b"\n".join(lines) + b"\n", capture_output=True, timeout=timeout)
    err = done.stderr.decode(errors="replace")
    assert done.returncode == 0 and "fail" not in err.lower() and "error" not in err.lower(), \
        f"kcat could not produce to {topic}: exit {done.returncode}: {err[-2000:]}"


def kcat_records(broker: Broker, topic: str, timeout: float = 60) -> list[dict] | None:
    """Every record of `topic` (kcat -J: topic, partition, offset, ts, key, payload) with `headers` as a
    list of (name, value); None when the topic cannot be read (it does not exist yet)."""
    done = subprocess.run(["kcat", "-C", "-q", "-b", broker.address, "-t", topic, "-o", "beginning", "-e", "-J"],
                          capture_output=True, timeout=timeout)
    if done.returncode != 0:
        return None
    out = []
    for line in done.stdout.decode(errors="surrogateescape").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        flat = record.get("headers") or []
        record["headers"] = list(zip(flat[0::2], flat[1::2]))
        out.append(record)
    return out


def partition_count(broker: Broker, topic: str) -> int:
    """The partitions of `topic` (kcat -L); 0 when it does not exist."""
    done = subprocess.run(["kcat", "-L", "-q", "-b", broker.address, "-t", topic, "-J"], capture_output=True,
                          timeout=30)
    if done.returncode != 0:
        return 0
    topics = json.loads(done.stdout).get("topics", [])
    return sum(len(t.get("partitions", [])) for t in topics if t.get("topic") == topic and not t.get("error"))


def v2_headers(group: str, version: str | None = None, run_id: str = "run-1") -> list[tuple[str, str]]:
    """The headers of Darwin's Spark writer (sdk-version, run-id, feature-group-name), with
    feature-group-version when given."""
    headers = [("sdk-version", "v2"), ("run-id", run_id), ("feature-group-name", group)]
    if version is not None:
        headers.append(("feature-group-version", version))
    return headers


# ----------------------------------------------------------------------------------------------
# OFS nodes, their health and metrics
# ----------------------------------------------------------------------------------------------

def kafka_node(ofs_factory, broker: Broker, *extra: str, group: str | None = None, data_dir=None) -> OfsServer:
    """`ofs standalone --kafka` in consumer group `group` (default: one of its own), with INGEST_ARGS unless
    `extra` sets them."""
    defaults = [arg for at, arg in enumerate(INGEST_ARGS) if INGEST_ARGS[at - at % 2] not in extra]
    args = ["--kafka", broker.address, "--kafka-consumer-group", group or kafka_name("cg"), *defaults, *extra]
    return ofs_factory(extra_args=args, data_dir=data_dir)


def samples_of(client) -> list:
    r = client.get("/metrics")
    assert r.status == 200, r.describe()
    return parse_metrics(r.text)[0]


def metric(client, name: str, **labels) -> float:
    return metric_total(samples_of(client), name, **labels)


def written(client) -> float:
    return metric(client, "ofs_ingest_records_total", result="written")


def health(client) -> dict:
    r = client.get("/health")
    assert r.status in (200, 503) and isinstance(r.body, dict), r.describe()
    return r.body


def assignment(client) -> list[str]:
    return list(health(client).get("kafka", {}).get("assignment", []))


def topic_partitions(*topics: str, broker: Broker | None = None) -> set[str]:
    """"topic/partition" of every partition of `topics`: PARTITIONS each (the topics OFS creates), or as many
    as the broker says (`default` may predate OFS on OFS_TEST_KAFKA's broker)."""
    out = set()
    for t in topics:
        count = partition_count(broker, t) if broker is not None and t == "default" else PARTITIONS
        out |= {f"{t}/{p}" for p in range(count)}
    return out


def wait_assigned(client, *topics: str, broker: Broker | None = None, timeout: float = 30) -> None:
    """Until the node's consumer holds every partition of `topics` (the tenant topics OFS created:
    PARTITIONS each; `default`: as the broker says, given `broker`)."""
    want = topic_partitions(*topics, broker=broker)
    wait_until(lambda: want <= set(assignment(client)), timeout, 0.1,
               f"the consumer to be assigned {sorted(want)} (has {assignment(client)})")


def handled(client) -> float:
    """Records the node's consumer handled: written or dead-lettered."""
    samples = samples_of(client)
    return (metric_total(samples, "ofs_ingest_records_total", result="written") +
            metric_total(samples, "ofs_ingest_records_total", result="dead_lettered"))


def stable_counters(client, broker: Broker,
                    names=("ofs_ingest_records_total", "ofs_ingest_dead_letters_total")) -> dict:
    """A snapshot of the ingestion counters once a fresh consumer group has handled what the `default` topic
    held (other tests' records: unknown groups here) and the counters stopped moving."""
    held = len(kcat_records(broker, "default") or [])
    wait_until(lambda: handled(client) >= held, 30, 0.1, f"the consumer to handle the {held} records of default")

    def snapshot():
        return {(n, tuple(sorted(labels.items()))): v for n, labels, v in samples_of(client) if n in names}

    previous = snapshot()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.3)
        current = snapshot()
        if current == previous:
            return current
        previous = current
    return previous


def delta(after: dict, before: dict, name: str, **labels) -> float:
    def total(snap):
        return sum(v for (n, lab), v in snap.items()
                   if n == name and all(dict(lab).get(k) == val for k, val in labels.items()))
    return total(after) - total(before)


# ----------------------------------------------------------------------------------------------
# schema and reads
# ----------------------------------------------------------------------------------------------

def consume_from(ofs: Ofs, group: str, topic: str, version: str | None = None) -> None:
    """Makes `topic` the group's consume tenant (its topic is named after the tenant)."""
    assert_ok(ofs.set_tenant(group, {"read": DEFAULT_TENANT, "write": DEFAULT_TENANT, "consume": topic}, version))


def basic_schema(srv, topic: str | None = None) -> tuple[Ofs, str, str]:
    """Entity (id BIGINT key, region TEXT) + group (v BIGINT, label TEXT), consumed from `topic`."""
    ofs = Ofs(srv, "v1")
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=(("v", "BIGINT"), ("label", "TEXT")))
    if topic is not None:
        consume_from(ofs, grp, topic)
    return ofs, ent, grp


def row_json(i: int) -> str:
    """The value of row i as Darwin's v2 writers send it: a flat JSON object of plain column names."""
    return json.dumps({"id": i, "v": i * 7 + 1, "label": f"L{i}"}, separators=(",", ":"))


def expected_row(i: int) -> list:
    return [i * 7 + 1, f"L{i}"]


def read_many(client, group: str, columns, key_name: str, keys, version=None) -> dict:
    """key -> features of every key found, reading at most READ_CHUNK keys per request."""
    found = {}
    keys = list(keys)
    for at in range(0, len(keys), READ_CHUNK):
        chunk = keys[at:at + READ_CHUNK]
        r = client.post("/v1/feature-group/read", read_body(group, columns, [key_name], [[k] for k in chunk], version))
        for item in assert_ok(r).get("successfulKeys", []):
            found[item["key"][0]] = item["features"]
    return found


def wait_rows(client, group: str, expected: dict, timeout: float = 30, columns=("v", "label")) -> None:
    """Until every key of `expected` (key -> features) reads back with those features."""
    state = {"missing": None}

    def complete():
        found = read_many(client, group, columns, "id", expected)
        wrong = {k: (found.get(k), want) for k, want in expected.items() if found.get(k) != want}
        state["missing"] = len(wrong)
        state["sample"] = dict(list(wrong.items())[:5])
        return not wrong

    try:
        wait_until(complete, timeout, 0.2, f"{len(expected)} rows of {group}")
    except AssertionError:
        raise AssertionError(f"{state['missing']} of {len(expected)} rows of {group} missing or wrong after "
                             f"{timeout} s, e.g. (found, expected): {state.get('sample')}") from None


# ----------------------------------------------------------------------------------------------
# 1. write-async
# ----------------------------------------------------------------------------------------------

def test_async_write_is_produced_with_headers_and_becomes_readable(ofs_factory, kafka):
    srv = kafka_node(ofs_factory, kafka)
    ofs = Ofs(srv, "v1")
    ent = make_entity(ofs, features=(("uid", "TEXT"), ("region", "TEXT")), keys=("uid",))
    grp = make_group(ofs, ent, features=(("score", "DOUBLE"), ("label", "TEXT"), ("cnt", "INT"),
                                         ("blob", "BLOB")))
    produced_before = metric(srv.serving, "ofs_kafka_produced_records_total")
    names = ["uid", "score", "label", "cnt", "blob"]
    good = [[f"{grp}-a", 1.5, "first", 1, b64(b"\x00\x01raw")],
            [f"{grp}-b", -2.25, "second", 2, b64(b"string")],
            [f"{grp}-c", 3.0, "third", 2147483647, b64(b"\xff\xfe")]]
    bad = [f"{grp}-bad", "not a number", "never", 4, b64(b"x")]
    run_id = f"run-{RUN}"
    before_us = time.time_ns() // 1000
    r = srv.serving.post(ASYNC_PATH, write_body(grp, names, good[:2] + [bad] + good[2:], run_id=run_id))
    after_us = time.time_ns() // 1000
    assert r.status == 202, r.describe()
    data = r.body["data"]
    assert data["accepted"] == 3, r.describe()
    assert data["featureGroupName"] == grp and data["featureGroupVersion"] == "v1", r.describe()
    assert data["topic"] == "default", r.describe()  # the default tenant's topic
    assert data["failedRows"] == [bad], r.describe()
    assert len(data.get("failedRowErrors", [])) == 1 and "score" in data["failedRowErrors"][0], r.describe()
    assert assert_ok(ofs.topic(grp))["topic"] == "default"
    assert assert_ok(Ofs(srv, "darwin").topic(grp))["topic"] == "default"

    # Readable through the consumer, on the v1 face and on Darwin's.
    expected = {(row[0],): row[1:] for row in good}
    keys = [[row[0]] for row in good] + [[bad[0]]]
    wait_until(lambda: found_map(read_data(ofs, grp, names[1:], ["uid"], keys)) == expected, 15, 0.1,
               "the async rows to be readable")
    darwin = read_data(Ofs(srv, "darwin"), grp, names[1:], ["uid"], keys)
    assert found_map(darwin) == expected, darwin
    assert [bad[0]] in darwin.get("failedKeys", []), darwin

    # The records on the topic: key = the key's bytes, Darwin's v2 headers plus ofs-write-time, the row as
    # a flat JSON object.
    records = [rec for rec in kcat_records(kafka, "default") or [] if ("feature-group-name", grp) in rec["headers"]]
    assert len(records) == 3, records
    by_key = {rec["key"]: rec for rec in records}
    assert set(by_key) == {row[0] for row in good}, records
    for row in good:
        rec = by_key[row[0]]
        headers = dict(rec["headers"])
        assert len(headers) == len(rec["headers"]), f"a header twice: {rec['headers']}"
        assert set(headers) == {"sdk-version", "feature-group-name", "feature-group-version", "run-id",
                                "replicated-writes", "ofs-write-time"}, rec
        assert headers["sdk-version"] == "v2" and headers["feature-group-version"] == "v1", rec
        assert headers["run-id"] == run_id and headers["replicated-writes"] == "true", rec
        write_us = int(headers["ofs-write-time"])
        assert before_us - 1_000_000 <= write_us <= after_us + 1_000_000, (before_us, rec, after_us)
        assert abs(rec["ts"] - write_us // 1000) <= 1, f"record timestamp (ms) is not the write time: {rec}"
        assert json.loads(rec["payload"]) == dict(zip(names, row)), rec
    assert metric(srv.serving, "ofs_kafka_produced_records_total") - produced_before >= 3

    # The request's replicate-write header is the records' replicated-writes.
    r = srv.serving.post(ASYNC_PATH, write_body(grp, names, [[f"{grp}-d", 4.0, "fourth", 4, b64(b"d")]]),
                         headers={"replicate-write": "false"})
    assert r.status == 202 and r.body["data"]["accepted"] == 1, r.describe()
    records = [rec for rec in kcat_records(kafka, "default") or [] if rec["key"] == f"{grp}-d"]
    assert len(records) == 1 and dict(records[0]["headers"])["replicated-writes"] == "false", records

    # A BIGINT key: the record key is the value's bytes as the store keys it (8 bytes, big-endian).
    big = make_entity(ofs)
    big_grp = make_group(ofs, big, features=(("cnt", "INT"),))
    r = srv.serving.post(ASYNC_PATH, write_body(big_grp, ["id", "cnt"], [[7, 70], [300, 3]]))
    assert r.status == 202 and r.body["data"]["accepted"] == 2, r.describe()
    records = [rec for rec in kcat_records(kafka, "default") or [] if ("feature-group-name", big_grp) in rec["headers"]]
    assert sorted(rec["key"].encode("latin-1") for rec in records) == sorted(
        [struct.pack(">q", 7), struct.pack(">q", 300)]), records
    wait_until(lambda: found_map(read_data(ofs, big_grp, ["cnt"], ["id"], [[7], [300]])) == {(7,): [70], (300,): [3]},
               15, 0.1, "the BIGINT-keyed rows to be readable")

    # The row keeps its request's write time: a synchronous write made after the async one wins, even though
    # the consumer applies the async record later.
    handled_before = written(srv.serving)
    r = srv.serving.post(ASYNC_PATH, write_body(big_grp, ["id", "cnt"], [[8, 1]]))
    assert r.status == 202, r.describe()
    write_ok(ofs, big_grp, ["id", "cnt"], [[8, 2]])
    wait_until(lambda: written(srv.serving) >= handled_before + 1, 15, 0.05, "the async record to be applied")
    assert found_map(read_data(ofs, big_grp, ["cnt"], ["id"], [[8]])) == {(8,): [2]}

    # A full-size request (serving.max_rows_per_write rows) to a tenant's topic (not `default`, which every
    # fresh consumer group of the other tests reads): 202 once Kafka has them all, then readable.
    bulk_topic = kafka_name("t1")
    bulk = make_group(ofs, big, features=(("cnt", "INT"),))
    consume_from(ofs, bulk, bulk_topic)
    rows = [[i, i % 1000] for i in range(1000, 11_000)]
    r = srv.serving.post(ASYNC_PATH, write_body(bulk, ["id", "cnt"], rows))
    assert r.status == 202, r.describe(500)
    assert r.body["data"]["accepted"] == len(rows) and r.body["data"]["failedRows"] == [], r.describe(500)
    assert r.body["data"]["topic"] == bulk_topic, r.describe(500)
    wait_rows(srv.serving, bulk, {i: [c] for i, c in rows}, timeout=30, columns=("cnt",))


def test_async_write_with_every_row_rejected_names_the_topic(ofs_factory, kafka):
    srv = kafka_node(ofs_factory, kafka)
    ofs, _, grp = basic_schema(srv, topic=kafka_name("t1"))
    topic = assert_ok(ofs.topic(grp))["topic"]
    r = srv.serving.post(ASYNC_PATH, write_body(grp, ["id", "v"], [[1, "not a number"]]))
    assert r.status == 202, r.describe()
    assert r.body["data"]["accepted"] == 0 and r.body["data"]["failedRows"] == [[1, "not a number"]], r.describe()
    assert r.body["data"]["topic"] == topic, r.describe()


def test_async_write_of_a_row_too_large_for_kafka_is_a_client_error(ofs_factory, kafka):
    srv = kafka_node(ofs_factory, kafka)
    ofs, _, grp = basic_schema(srv, topic=kafka_name("t1"))
    huge = "x" * 1_100_000  # below --max-body-bytes, over ingest.max_record_bytes (900 KiB)
    write_ok(ofs, grp, ["id", "label"], [[1, huge]])  # a synchronous write takes it
    r = srv.serving.post(ASYNC_PATH, write_body(grp, ["id", "label"], [[2, huge], [3, "small"]]))
    # Not "the store is unavailable, retry": retrying can never succeed. Either the request is refused as
    # the client's (4xx), or the row is a failed row and the others are produced.
    if r.status == 202:
        assert r.body["data"]["accepted"] == 1 and r.body["data"]["failedRows"] == [[2, huge]], r.describe(300)
    else:
        assert 400 <= r.status < 500, r.describe(300)


# ----------------------------------------------------------------------------------------------
# 2. Darwin's record formats, produced by a plain client
# ----------------------------------------------------------------------------------------------

def test_darwin_v2_and_v1_records_from_a_plain_producer_are_applied(ofs_factory, kafka):
    dlq = kafka_name("dlq2")
    srv = kafka_node(ofs_factory, kafka, "--kafka-dead-letter-topic", dlq)
    ofs = Ofs(srv, "v1")
    topic = kafka_name("t2")
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=(("label", "TEXT"), ("score", "DOUBLE"), ("payload", "BLOB"),
                                         ("flag", "BOOLEAN")))
    make_group(ofs, ent, grp, features=(("label", "TEXT"), ("score", "DOUBLE"), ("payload", "BLOB"),
                                        ("extra", "INT")), upgrade=True)
    for version in ("v1", "v2"):
        consume_from(ofs, grp, topic, version)
    wait_assigned(srv.serving, topic)

    # Darwin's producers send a BLOB as base64 of its base64 text; the consumer decodes it once, as a write's
    # JSON string: the stored bytes are the base64 text "c3RyaW5n".
    blob = b64(b64(b"string").encode())
    assert blob == "YzNSeWFXNW4="
    # v2 with feature-group-version: that version; no key (Darwin's Spark writer sets none).
    kcat_produce(kafka, topic, [json.dumps({"id": 1, "label": "v2-pinned", "score": 1.5, "payload": blob,
                                            "flag": True})], v2_headers(grp, "v1"))
    # v2 without feature-group-version: the latest version (v2).
    kcat_produce(kafka, topic, [json.dumps({"id": 2, "label": "v2-latest", "score": 2.5, "payload": blob,
                                            "extra": 7})], v2_headers(grp))
    # ... so a column only v1 has is unknown there: a dead letter.
    kcat_produce(kafka, topic, [json.dumps({"id": 4, "flag": False})], v2_headers(grp), key="only-in-v1")
    # v1 (legacy): no sdk-version; Features is a JSON-encoded string; the latest version.
    features = json.dumps({"id": 3, "label": "legacy", "extra": 9, "payload": blob})
    kcat_produce(kafka, topic, [json.dumps({"EntityName": ent, "Entities": "id", "FeatureGroup": grp,
                                            "Features": features})])
    # ... and with an explicit `sdk-version: v1`.
    features = json.dumps({"id": 5, "label": "legacy-explicit"})
    kcat_produce(kafka, topic, [json.dumps({"EntityName": ent, "Entities": "id", "FeatureGroup": grp,
                                            "Features": features})], [("sdk-version", "v1")])

    # The same BLOB string through a synchronous write: the same stored bytes.
    write_ok(ofs, grp, ["id", "payload"], [[100, blob]], version="v1")

    cols_v1 = ["label", "score", "payload", "flag"]
    cols_v2 = ["label", "score", "payload", "extra"]
    wait_until(lambda: found_map(read_data(ofs, grp, cols_v1, ["id"], [[1]], "v1")) ==
               {(1,): ["v2-pinned", 1.5, blob, True]}, 15, 0.1, "the pinned v2 record in v1")
    wait_until(lambda: found_map(read_data(ofs, grp, cols_v2, ["id"], [[2], [3]], "v2")) ==
               {(2,): ["v2-latest", 2.5, blob, 7], (3,): ["legacy", None, blob, 9]}, 15, 0.1,
               "the unversioned v2 and the v1 records in v2")
    wait_until(lambda: found_map(read_data(ofs, grp, ["label"], ["id"], [[5]], "v2")) == {(5,): ["legacy-explicit"]},
               15, 0.1, "the explicit v1 record in v2")
    # Neither went to the other version.
    assert found_map(read_data(ofs, grp, ["label"], ["id"], [[2], [3]], "v1")) == {}
    assert found_map(read_data(ofs, grp, ["label"], ["id"], [[1]], "v2")) == {}
    # BLOB: the read answers base64 of the stored bytes, which are the base64 text the producer encoded.
    assert read_data(ofs, grp, ["payload"], ["id"], [[100]], "v1")["successfulKeys"][0]["features"] == [blob]
    darwin = read_data(Ofs(srv, "darwin"), grp, ["label", "payload"], ["id"], [[2], [3]], "v2")
    assert found_map(darwin) == {(2,): ["v2-latest", blob], (3,): ["legacy", blob]}, darwin

    letters = wait_until(lambda: [r for r in kcat_records(kafka, dlq) or [] if r["key"] == "only-in-v1"], 15, 0.2,
                         "the v1-only column's dead letter")
    assert len(letters) == 1 and "flag" in dict(letters[0]["headers"]).get("error", ""), letters


# ----------------------------------------------------------------------------------------------
# 3. poison records
# ----------------------------------------------------------------------------------------------

def test_poison_records_are_dead_lettered_and_the_partition_keeps_flowing(ofs_factory, kafka):
    dlq = kafka_name("dlq3")
    srv = kafka_node(ofs_factory, kafka, "--kafka-dead-letter-topic", dlq, "--ingest-max-record-bytes", "2048")
    topic = kafka_name("t3")
    ofs, _, grp = basic_schema(srv, topic)
    archived = make_group(ofs, make_entity(ofs), features=(("v", "BIGINT"),))
    consume_from(ofs, archived, topic)
    assert_ok(ofs.set_group_state(archived, "ARCHIVED"))
    wait_assigned(srv.serving, topic)
    before = stable_counters(srv.serving, kafka)

    nonce = f"p{RUN}"
    h = v2_headers(grp)
    # (key, value, headers, reason); all on partition 0, in this order, between two good records.
    poison = [
        ("truncated", '{"id": 2, "label": "cut', h, "malformed"),
        ("json-null", "null", h, "malformed"),
        ("not-an-object", "[1, 2]", h, "malformed"),
        ("sdk-v3", row_json(3), [("sdk-version", "v3"), ("feature-group-name", grp)], "malformed"),
        ("no-group-header", row_json(4), [("sdk-version", "v2"), ("run-id", "r")], "missing_header"),
        ("unknown-group", row_json(5), v2_headers(f"{grp}_nope"), "unknown_group"),
        ("unknown-version", row_json(6), v2_headers(grp, "v9"), "unknown_group"),
        ("unknown-column", '{"id": 7, "nope": 1}', h, "schema"),
        ("duplicate-column", '{"id": 15, "v": 1, "v": 2}', h, "schema"),
        ("v1-features-object", json.dumps({"EntityName": "e", "Entities": "id", "FeatureGroup": grp,
                                           "Features": {"id": 16, "v": 16}}), [], "malformed"),
        ("missing-key", '{"v": 8, "label": "no key"}', h, "schema"),
        ("bad-value", '{"id": 9, "v": "nine"}', h, "bad_value"),
        ("null-value", '{"id": 14, "v": null}', h, "bad_value"),  # Darwin's populator's empty cells
        ("too-large", json.dumps({"id": 10, "label": "x" * 3000}), h, "too_large"),
        ("archived", '{"id": 11, "v": 11}', v2_headers(archived), "archived"),
    ]
    kcat_produce(kafka, topic, [row_json(1)], h, partition=0, key=f"{nonce}-good-1")
    for name, value, headers, _ in poison:
        kcat_produce(kafka, topic, [value], headers, partition=0, key=f"{nonce}-{name}")
    kcat_produce(kafka, topic, [row_json(12)], h, partition=0, key=f"{nonce}-good-2")
    # --ingest-max-record-bytes itself is not too large.
    at_limit = '{"id": 13, "label": "' + "y" * (2048 - len('{"id": 13, "label": ""}')) + '"}'
    assert len(at_limit) == 2048
    kcat_produce(kafka, topic, [at_limit], h, partition=0, key=f"{nonce}-at-limit")

    # The good record after the poison ones is applied, and so is the one before them.
    wait_rows(srv.serving, grp, {12: expected_row(12)}, timeout=15)
    wait_rows(srv.serving, grp, {1: expected_row(1), 13: [None, json.loads(at_limit)["label"]]}, timeout=5)
    assert read_many(srv.serving, grp, ["v"], "id", [*range(2, 12), 14, 15, 16]) == {}, "a poison record was applied"

    # One dead letter per poison record: its key, value and headers, plus `error`.
    def letters():
        got = [r for r in kcat_records(kafka, dlq) or [] if (r["key"] or "").startswith(f"{nonce}-")]
        return got if len(got) >= len(poison) else None

    got = {r["key"]: r for r in wait_until(letters, 15, 0.2, f"{len(poison)} dead letters in {dlq}")}
    assert sorted(got) == sorted(f"{nonce}-{name}" for name, *_ in poison), sorted(got)
    for name, value, headers, reason in poison:
        letter = got[f"{nonce}-{name}"]
        assert letter["payload"] == value, (name, letter)
        assert letter["headers"][:len(headers)] == list(headers), (name, letter)
        extra = letter["headers"][len(headers):]
        assert len(extra) == 1 and extra[0][0] == "error" and extra[0][1].strip(), (name, letter)
    errors = {name: dict(got[f"{nonce}-{name}"]["headers"])["error"] for name, *_ in poison}
    assert "nope" in errors["unknown-column"] and "id" in errors["missing-key"], errors
    assert "feature-group-name" in errors["no-group-header"] and "v3" in errors["sdk-v3"], errors

    after = stable_counters(srv.serving, kafka)
    want = {}
    for *_, reason in poison:
        want[reason] = want.get(reason, 0) + 1
    got_reasons = {reason: delta(after, before, "ofs_ingest_dead_letters_total", reason=reason)
                   for reason in ("malformed", "missing_header", "unknown_group", "archived", "schema", "bad_value",
                                  "too_large")}
    assert got_reasons == {r: float(want.get(r, 0)) for r in got_reasons}, got_reasons
    assert delta(after, before, "ofs_ingest_records_total", result="dead_lettered") == len(poison)
    assert delta(after, before, "ofs_ingest_records_total", result="written") == 3


def stuck_on_dead_letters(ofs_factory, kafka, group: str) -> tuple[OfsServer, str, str, dict]:
    """A node of consumer group `group` whose dead-letter topic cannot exist (an invalid name), started once
    good-poison-good were produced on partition 0 of its group's topic: it takes the three in one batch,
    writes the good rows, cannot deliver the dead letter and keeps the batch. -> (node, feature group,
    topic, the poison record as kcat read it)."""
    # First the same consumer group with a dead-letter topic that works: it creates the topic and commits
    # the end of `default` (other tests' records), so that the three records are all the stuck node polls.
    first = kafka_node(ofs_factory, kafka, "--kafka-dead-letter-topic", kafka_name("dlq"), group=group)
    topic = kafka_name("t3")
    ofs, _, grp = basic_schema(first, topic)
    wait_assigned(first.serving, "default", topic, broker=kafka)
    held = len(kcat_records(kafka, "default") or [])
    wait_until(lambda: handled(first.serving) >= held, 30, 0.1, f"the {held} records of default to be handled")
    assert first.stop(grace=15) == 0
    h = v2_headers(grp)
    kcat_produce(kafka, topic, [row_json(1)], h, partition=0, key="good-1")
    kcat_produce(kafka, topic, ['{"id": 2, "v": "two"}'], h, partition=0, key="poison")
    kcat_produce(kafka, topic, [row_json(3)], h, partition=0, key="good-3")
    poison = [r for r in kcat_records(kafka, topic) if r["key"] == "poison"]
    assert len(poison) == 1 and poison[0]["partition"] == 0, poison
    srv = kafka_node(ofs_factory, kafka, "--kafka-dead-letter-topic", "no/such/topic", "--ingest-linger-ms", "500",
                     group=group, data_dir=first.data_dir)

    def consumer_error():
        for dep in health(srv.serving).get("dependencies", []):
            if dep.get("name") == "consumer" and dep.get("state") == "DOWN":
                return dep.get("error", "")
        return None

    error = wait_until(consumer_error, 30, 0.1, "/health to report the consumer DOWN")
    assert "no/such/topic" in error, error
    return srv, grp, topic, poison[0]


def test_offsets_are_committed_only_once_dead_letters_are_acknowledged(ofs_factory, kafka):
    group = kafka_name("cg3b")
    srv, grp, topic, poison = stuck_on_dead_letters(ofs_factory, kafka, group)
    # The batch's good rows are written; its dead letter is not delivered, so nothing of it is committed.
    wait_rows(srv.serving, grp, {1: expected_row(1), 3: expected_row(3)}, timeout=15)
    wait_until(lambda: srv.stderr_text().count("consumer round failed") >= 3, 15, 0.1, "three failed rounds")
    committed = kafka.committed_offsets(group, topic)
    if committed is not None:
        assert committed.get(0, 0) <= poison["offset"], \
            f"{topic}/0 committed up to {committed.get(0)}, past the undelivered dead letter at {poison['offset']}"
    assert srv.stop(grace=15) == 0

    # Restarted with a dead-letter topic that can exist: the batch again, the dead letter delivered, all
    # committed.
    dlq = kafka_name("dlq3b")
    fixed = kafka_node(ofs_factory, kafka, "--kafka-dead-letter-topic", dlq, group=group, data_dir=srv.data_dir)
    letters = wait_until(lambda: kcat_records(kafka, dlq), 30, 0.2, "the dead letter")
    assert [r["key"] for r in letters] == ["poison"] and letters[0]["payload"] == poison["payload"], letters
    assert dict(letters[0]["headers"]).get("error"), letters
    wait_rows(fixed.serving, grp, {1: expected_row(1), 3: expected_row(3)}, timeout=5)
    if committed is not None:
        wait_until(lambda: kafka.committed_offsets(group, topic).get(0, 0) == 3, 30, 0.5,
                   f"{topic}/0 to be committed past the batch")


def test_undelivered_dead_letters_are_not_counted_at_every_retry(ofs_factory, kafka):
    srv, *_ = stuck_on_dead_letters(ofs_factory, kafka, kafka_name("cg3c"))
    wait_until(lambda: srv.stderr_text().count("consumer round failed") >= 3, 15, 0.1, "three failed rounds")
    samples = samples_of(srv.serving)
    counted = metric_total(samples, "ofs_ingest_dead_letters_total")
    delivered = metric_total(samples, "ofs_ingest_records_total", result="dead_lettered")
    assert counted == delivered, \
        f"ofs_ingest_dead_letters_total = {counted}, ofs_ingest_records_total{{result=dead_lettered}} = {delivered}"


# ----------------------------------------------------------------------------------------------
# 4. a crash mid-stream, replays
# ----------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_kill_mid_batch_loses_nothing_and_replays_never_overwrite_newer_values(ofs_factory, kafka):
    total = 24_000
    group = kafka_name("cg4")
    srv = kafka_node(ofs_factory, kafka, "--ingest-max-batch", "100", group=group)
    topic = kafka_name("t4")
    ofs, _, grp = basic_schema(srv, topic)
    wait_assigned(srv.serving, topic)  # OFS created the topic
    srv.stop()
    ids = list(range(1, total + 1))
    kcat_produce(kafka, topic, [row_json(i) for i in ids], v2_headers(grp), keys=[str(i) for i in ids])

    # SIGKILL while it is consuming: some rows written, not all.
    srv.start()
    killed_at = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        n = written(srv.serving)
        if 0 < n < total:
            srv.kill()
            killed_at = n
            break
        assert n < total, "the consumer applied every row before it could be killed: make the test slower"
        time.sleep(0.005)
    assert killed_at is not None, "the consumer applied nothing within 60 s"

    # Restarted on the same data dir (same consumer group): every row, with its value.
    srv.start()
    expected = {i: expected_row(i) for i in ids}
    wait_rows(srv.serving, grp, expected, timeout=60)

    # A newer synchronous write, then the whole topic replayed (a consumer group that committed nothing):
    # the replayed records are older and change nothing.
    newer = {i: [-i, "sync"] for i in range(1, 51)}
    write_ok(ofs, grp, ["id", "v", "label"], [[i, *row] for i, row in newer.items()])
    srv.stop()
    replay = kafka_node(ofs_factory, kafka, "--ingest-max-batch", "1000", group=kafka_name("cg4b"),
                        data_dir=srv.data_dir)
    wait_until(lambda: written(replay.serving) >= total, 60, 0.2, f"{total} replayed rows")
    expected.update(newer)
    wait_rows(replay.serving, grp, expected, timeout=5)

    # ofs-write-time (microseconds) is the write time, whatever the record's own timestamp: an older one is
    # ignored, a newer one applies. Same partition, so the second one's arrival means the first was handled.
    old_us = time.time_ns() // 1000 - 3_600_000_000
    kcat_produce(kafka, topic, ['{"id": 1, "v": 111, "label": "older"}'],
                 v2_headers(grp) + [("ofs-write-time", str(old_us))], partition=0)
    kcat_produce(kafka, topic, ['{"id": 2, "v": 222, "label": "newer"}'],
                 v2_headers(grp) + [("ofs-write-time", str(time.time_ns() // 1000))], partition=0)
    wait_rows(replay.serving, grp, {2: [222, "newer"]}, timeout=15)
    assert read_many(replay.serving, grp, ["v", "label"], "id", [1]) == {1: [-1, "sync"]}


# ----------------------------------------------------------------------------------------------
# 5. the broker restarts
# ----------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_broker_restart_fails_async_writes_fast_then_resumes(ofs_factory, kafka):
    if not kafka.controllable:
        pytest.skip("OFS_TEST_KAFKA names a broker these tests do not control (they would restart it)")
    srv = kafka_node(ofs_factory, kafka, "--kafka-produce-timeout-ms", "1500")
    topic = kafka_name("t5")
    ofs, _, grp = basic_schema(srv, topic)
    r = srv.serving.post(ASYNC_PATH, write_body(grp, ["id", "v", "label"], [[1, 1, "before"]]))
    assert r.status == 202, r.describe()
    wait_rows(srv.serving, grp, {1: [1, "before"]}, timeout=15)

    kafka.stop()
    try:
        started = time.monotonic()
        r = srv.serving.post(ASYNC_PATH, write_body(grp, ["id", "v", "label"], [[2, 2, "lost"]]))
        took = time.monotonic() - started
        assert_error(r, 503, "STORE-UNAVAILABLE")
        assert took < 3.5, f"write-async took {took:.1f} s to fail with the broker down (produce timeout 1.5 s)"
        wait_until(lambda: any(d.get("name") == "kafka" and d.get("state") == "DOWN"
                               for d in health(srv.serving).get("dependencies", [])), 10, 0.2,
                   "/health to report kafka DOWN")
        # Reads go on.
        assert read_many(srv.serving, grp, ["v", "label"], "id", [1]) == {1: [1, "before"]}
    finally:
        kafka.start()

    def accepted():
        r = srv.serving.post(ASYNC_PATH, write_body(grp, ["id", "v", "label"], [[3, 3, "after"]]))
        if r.status == 202:
            return r
        assert_error(r, 503, "STORE-UNAVAILABLE")
        return None

    r = wait_until(accepted, 45, 0.3, "write-async to succeed again after the broker restart")
    assert r.body["data"]["accepted"] == 1, r.describe()
    # The consumer resumed: the new row arrives; the old one is still there.
    wait_rows(srv.serving, grp, {1: [1, "before"], 3: [3, "after"]}, timeout=30)
    wait_until(lambda: all(d.get("state") == "UP" for d in health(srv.serving).get("dependencies", [])
                           if d.get("name") in ("kafka", "consumer")), 15, 0.2, "kafka and consumer UP")


# ----------------------------------------------------------------------------------------------
# 6. a consumer group
# ----------------------------------------------------------------------------------------------

def check_split(nodes, partitions: set[str]) -> bool:
    """Every node holds partitions, no partition twice, every one of `partitions` held."""
    held = [assignment(n.serving) for n in nodes]
    flat = [p for h in held for p in h]
    return all(held) and len(flat) == len(set(flat)) and set(flat) == partitions


@pytest.mark.slow
def test_consumer_group_shares_partitions_and_rebalances_without_loss(ofs_factory, kafka, tmp_path):
    group = kafka_name("cg6")
    meta = ["--metadata", f"sqlite:{tmp_path / 'shared' / 'metadata.sqlite'}"]
    (tmp_path / "shared").mkdir()
    args = (*meta, "--ingest-max-batch", "200")
    a = kafka_node(ofs_factory, kafka, *args, group=group)
    topic = kafka_name("t6")
    ofs, _, grp = basic_schema(a, topic)
    wait_assigned(a.serving, "default", topic, broker=kafka)
    everything = topic_partitions("default", topic, broker=kafka)  # what the group's members share
    b = kafka_node(ofs_factory, kafka, *args, group=group)  # loads the shared catalog at start
    wait_until(lambda: check_split([a, b], everything), 30, 0.2,
               "two members to split the partitions")
    rebalances_before = sum(metric(n.serving, "ofs_ingest_rebalances_total") for n in (a, b))

    per_phase = 4000
    phases = [list(range(p * per_phase + 1, (p + 1) * per_phase + 1)) for p in range(3)]

    def produce(ids):
        # Small kcat calls, so that records keep arriving while the third member joins.
        for at in range(0, len(ids), 500):
            part = ids[at:at + 500]
            kcat_produce(kafka, topic, [row_json(i) for i in part], v2_headers(grp), keys=[str(i) for i in part])

    produce(phases[0])
    failures = []

    def produce_during_join():
        try:
            produce(phases[1])
        except BaseException as e:  # reported by the test thread
            failures.append(e)

    producer = threading.Thread(target=produce_during_join)
    producer.start()
    try:
        c = kafka_node(ofs_factory, kafka, *args, group=group)
    finally:
        producer.join(timeout=120)
    assert not producer.is_alive() and not failures, failures
    wait_until(lambda: check_split([a, b, c], everything), 30, 0.2,
               "three members to split the partitions")
    assert sum(metric(n.serving, "ofs_ingest_rebalances_total") for n in (a, b)) > rebalances_before
    produce(phases[2])

    # Each member wrote the rows of its partitions to its own store: every key is on one of them at least,
    # and wherever a key is, its value is right (a row applied twice after a rebalance is harmless).
    ids = [i for p in phases for i in p]
    state = {}

    def all_found():
        union = {}
        for node in (a, b, c):
            for k, features in read_many(node.serving, grp, ["v", "label"], "id", ids).items():
                assert features == expected_row(k), f"key {k} on {node.name}: {features}"
                union[k] = features
        state["missing"] = sorted(set(ids) - set(union))
        return not state["missing"]

    try:
        wait_until(all_found, 60, 0.5, "every key on some member")
    except AssertionError:
        raise AssertionError(f"{len(state['missing'])} of {len(ids)} keys on no member, e.g. "
                             f"{state['missing'][:10]}") from None
    assert check_split([a, b, c], everything), [assignment(n.serving) for n in (a, b, c)]

    # A member stopped with SIGTERM leaves the group: the others take its partitions at once (well within
    # the 10 s session timeout that a vanished member would cost), and go on.
    assert c.stop(grace=15) == 0
    left = time.monotonic()
    wait_until(lambda: check_split([a, b], everything), 8, 0.1, "the two members left to take over")
    assert time.monotonic() - left < 8
    more = list(range(ids[-1] + 1, ids[-1] + 2001))
    produce(more)
    wait_until(lambda: set(more) <= set(read_many(a.serving, grp, ["v"], "id", more)) |
               set(read_many(b.serving, grp, ["v"], "id", more)), 30, 0.5, "the rows produced after C left")


# ----------------------------------------------------------------------------------------------
# 7. ofs consume
# ----------------------------------------------------------------------------------------------

def test_ofs_consume_refuses_to_start_without_a_reachable_kafka(tmp_path):
    base = [str(BINARY), "consume", "--data-dir", str(tmp_path / "d"), "--port", str(free_port())]
    done = subprocess.run(base, capture_output=True, text=True, timeout=30)
    assert done.returncode > 0, done
    assert "kafka.bootstrap" in done.stderr, done.stderr
    closed = f"127.0.0.1:{free_port()}"
    done = subprocess.run(base + ["--kafka", closed], capture_output=True, text=True, timeout=30)
    assert done.returncode > 0, done
    assert "kafka.bootstrap" in done.stderr and closed in done.stderr, done.stderr


@pytest.mark.slow
def test_ofs_consume_applies_records_commits_on_sigterm_and_serves_no_api(ofs_factory, kafka,
                                                                        tmp_path):
    (tmp_path / "shared").mkdir()
    meta = ["--metadata", f"sqlite:{tmp_path / 'shared' / 'metadata.sqlite'}"]
    schema_node = ofs_factory(extra_args=meta)  # no Kafka: it only writes the catalog
    topic = kafka_name("t7")
    ofs, _, grp = basic_schema(schema_node, topic)

    group = kafka_name("cg7")
    data_dir = tmp_path / "consumer"
    args = [*meta, "--kafka", kafka.address, "--kafka-consumer-group", group, "--ingest-max-batch", "100",
            *INGEST_ARGS]
    consumer = ofs_factory(args, data_dir=data_dir, role="consume", name="consume")
    wait_assigned(consumer.serving, topic)
    body = health(consumer.serving)
    deps = {d["name"]: d["state"] for d in body["dependencies"]}
    assert deps.get("kafka") == "UP" and deps.get("consumer") == "UP", body
    assert body["kafka"]["bootstrap"] == kafka.address and body["kafka"]["consumerGroup"] == group, body
    # An ingestion process runs without transparent huge pages, a serving one with them (apps/ofs/README.md,
    # "Memory allocator"); /proc/PID/status shows the process's flag (Linux 5.0 and later).
    def thp_enabled(node):
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{node.proc.pid}/status").read_text().splitlines())
        return fields.get("THP_enabled", "").strip()
    if thp_enabled(schema_node):
        assert (thp_enabled(consumer), thp_enabled(schema_node)) == ("0", "1")
    names = {n for n, _, _ in samples_of(consumer.serving)}
    assert {"ofs_ingest_records_total", "ofs_ingest_rebalances_total", "ofs_ingest_consumer_lag",
            "ofs_kafka_produced_records_total"} <= names, sorted(names)
    # Health and metrics only: no serving or admin API.
    read = consumer.serving.post("/v1/feature-group/read", read_body(grp, ["v"], ["id"], [[1]]))
    assert read.status == 404, read.describe()
    assert consumer.serving.post(ASYNC_PATH, write_body(grp, ["id", "v"], [[1, 1]])).status == 404
    assert consumer.serving.post("/v1/entity", {}).status == 404

    # A group created on another node after the consumer started: its records are applied, not dead-lettered
    # as unknown (the consumer checks the shared metadata store on a miss).
    late = make_group(ofs, make_entity(ofs), features=(("v", "BIGINT"), ("label", "TEXT")))
    consume_from(ofs, late, topic)
    kcat_produce(kafka, topic, [row_json(i) for i in (1, 2)], v2_headers(late), partition=1)
    # (Nothing else this consumer reads belongs to a group it knows: `default` holds other tests' records.)
    wait_until(lambda: written(consumer.serving) >= 2, 15, 0.1, "the new group's records to be written")
    late_rows = {1: expected_row(1), 2: expected_row(2)}

    # SIGTERM while it consumes: it exits 0 having committed exactly what it wrote.
    total = 20_000
    ids = list(range(1, total + 1))
    kcat_produce(kafka, topic, [row_json(i) for i in ids], v2_headers(grp), keys=[str(i) for i in ids])
    wait_until(lambda: written(consumer.serving) > 2, 30, 0.005, "the consumer to start writing")
    assert consumer.stop(grace=15) == 0, consumer.stderr_tail()
    committed = kafka.committed_offsets(group, topic)

    reader = ofs_factory(extra_args=meta, data_dir=data_dir)  # the consumer's store, no Kafka
    stored = read_many(reader.serving, grp, ["v", "label"], "id", ids)
    assert all(features == expected_row(k) for k, features in stored.items())
    if committed is not None:  # the late group's 2 records besides
        assert sum(committed.values()) == len(stored) + 2, \
            f"committed {sum(committed.values())} records ({committed}), but {len(stored)} + 2 rows are in the store"
    reader.stop()

    # Started again (same group): the rest, nothing lost.
    consumer.start()
    rest = total - len(stored)
    wait_until(lambda: written(consumer.serving) >= rest, 60, 0.2, f"the consumer to write the {rest} other rows")
    # Caught up: every partition of the topic has a lag gauge, and it is 0; no batch above --ingest-max-batch.
    def lags():
        return {labels["partition"]: v for n, labels, v in samples_of(consumer.serving)
                if n == "ofs_ingest_consumer_lag" and labels.get("topic") == topic}
    wait_until(lambda: len(lags()) == PARTITIONS and not any(lags().values()), 15, 0.2, f"zero lag on {topic}")
    samples = samples_of(consumer.serving)
    batches = metric_total(samples, "ofs_ingest_batch_rows_count")
    assert batches >= rest / 100 and metric_total(samples, "ofs_ingest_batch_rows_bucket", le="100") == batches
    assert metric_total(samples, "ofs_ingest_freshness_seconds_count") >= rest
    assert consumer.stop(grace=15) == 0, consumer.stderr_tail()
    reader = ofs_factory(extra_args=meta, data_dir=data_dir)
    wait_rows(reader.serving, grp, {i: expected_row(i) for i in ids}, timeout=5)
    wait_rows(reader.serving, late, late_rows, timeout=1)


# ----------------------------------------------------------------------------------------------
# Darwin's /consumer/* and /kafka/* admin routes against the broker
# ----------------------------------------------------------------------------------------------

def test_onboarded_topic_is_created_resized_described_and_used_by_producer_and_consumer(ofs_factory, kafka):
    srv = kafka_node(ofs_factory, kafka)
    tenant = kafka_name("tn")
    ofs, _, grp = basic_schema(srv, topic=tenant)  # the group's consume tenant
    wait_assigned(srv.serving, tenant)
    topic = kafka_name("onb")
    body = {"tenantName": tenant, "topicName": topic, "numPartitions": 3}
    r = srv.admin.post("/consumer/onboard", body)
    assert r.status == 200 and r.body == {"data": body}, r.describe()
    assert partition_count(kafka, topic) == 3
    assert_error(srv.admin.post("/consumer/onboard", body), 400, "OFS-V2-KAFKA-ADMIN-EXCEPTION")  # registered
    listed = assert_ok(srv.admin.get("/consumer/metadata/all"))
    assert {"tenantName": tenant, "topicName": topic, "numConsumers": 1} in listed, listed
    # The group's rows now go to the registered topic, and the consumer follows it there.
    assert assert_ok(ofs.topic(grp))["topic"] == topic
    r = srv.serving.post(ASYNC_PATH, write_body(grp, ["id", "v", "label"], [[1, 8, "L1"]]))
    assert r.status == 202 and r.body["data"]["topic"] == topic, r.describe()
    assert any(rec["payload"] == row_json(1) for rec in kcat_records(kafka, topic) or []), "not on the topic"
    wait_rows(srv.serving, grp, {1: expected_row(1)})
    # Partitions: raised in Kafka and recorded; Kafka cannot lower them.
    r = srv.admin.put("/consumer/partitions", {"tenantName": tenant, "numPartitions": 5})
    assert r.status == 200, r.describe()
    wait_until(lambda: partition_count(kafka, topic) == 5, 15, 0.2, "5 partitions")
    assert_error(srv.admin.put("/consumer/partitions", {"tenantName": tenant, "numPartitions": 2}), 400,
                 "OFS-V2-KAFKA-ADMIN-EXCEPTION")
    assert_ok(srv.admin.put("/consumer/count", {"tenantName": tenant, "numConsumers": 5}))
    assert_error(srv.admin.put("/consumer/count", {"tenantName": tenant, "numConsumers": 6}), 400,
                 "OFS-V2-KAFKA-ADMIN-EXCEPTION")
    # /kafka/topic creates once; /kafka/topic-metadata describes every topic, live.
    other = kafka_name("kt")
    assert assert_ok(srv.admin.post("/kafka/topic", {"topicName": other, "numPartitions": 2})) == \
        {"topicName": other, "numPartitions": 2}
    assert_error(srv.admin.post("/kafka/topic", {"topicName": other, "numPartitions": 2}), 400,
                 "OFS-V2-KAFKA-ADMIN-EXCEPTION")
    described = {t["topicName"]: t for t in assert_ok(srv.admin.get("/kafka/topic-metadata"))["kafkaTopicMetadata"]}
    assert described[other]["partitions"] == 2 and described[topic]["partitions"] == 5, described.get(topic)
    assert described[other]["replicationFactor"] == 1
    assert described[other]["retentionMs"] > 0


# ----------------------------------------------------------------------------------------------
# SIGTERM while the health monitor checks Kafka
# ----------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_sigterm_never_crashes_while_the_health_monitor_checks_kafka(ofs_factory, kafka):
    # A health round every 10 ms makes the race (a round during shutdown) likely: about 1 stop in 6 crashed
    # here; 40 stops miss it with a chance of about 1 in 700.
    srv = kafka_node(ofs_factory, kafka, "--health-poll-ms", "10")
    for attempt in range(40):
        if attempt:
            srv.start()
        time.sleep(0.2)
        rc = srv.stop(grace=15)
        assert rc == 0, f"SIGTERM #{attempt + 1} of ofs standalone --kafka: exit {rc}\n{srv.stderr_tail(8)}"


# ----------------------------------------------------------------------------------------------
# 8. a broker that cannot be reached at start
# ----------------------------------------------------------------------------------------------

def test_standalone_refuses_to_start_when_kafka_cannot_be_reached(ofs_factory):
    closed = f"127.0.0.1:{free_port()}"  # nothing listens there
    srv = ofs_factory(extra_args=["--kafka", closed], start=False)
    srv.spawn()
    started = time.monotonic()
    try:
        srv.wait_healthy(timeout=15)
        healthy = True
    except ServerStartError:
        healthy = False
    if healthy:
        srv.stop()
        pytest.fail(f"ofs standalone --kafka {closed} started although nothing listens there")
    rc = srv.proc.wait(timeout=15)
    run = srv._runs[-1]
    run["returncode"] = rc
    run["ended_by"] = "expected-refusal"  # a clean non-zero exit is what we want
    assert rc > 0, f"exit code {rc}"
    assert time.monotonic() - started < 15
    stderr = srv.stderr_text()
    assert "kafka.bootstrap" in stderr and closed in stderr, stderr[-2000:]


def test_a_group_whose_tenant_has_a_registered_topic_is_loaded_through_kafka(ofs_factory, kafka, tmp_path):
    """docs/ingestion.md, "Loads through Kafka": the rows of a Delta table (every type) go to the tenant's
    registered topic as Darwin's populator sent them (v2 headers) with the job's write time, and the
    consumer makes them readable exactly as the serving API's own writes of the same values."""
    pytest.importorskip("deltalake", reason="deltalake (delta-rs) is installed by scripts/bootstrap")
    import deltalake
    from test_load_jobs import wait_for_end
    from test_populate import ALL_TYPES, col, every_type_groups, read_all, types_table, write_twin

    srv = kafka_node(ofs_factory, kafka)
    ofs = Ofs(srv)
    grp, twin = every_type_groups(srv, "kl")
    rows = range(300)
    write_twin(srv, twin, rows)
    tenant, topic = kafka_name("lt"), kafka_name("lt_topic")
    consume_from(ofs, grp, tenant)
    assert_ok(srv.admin.post("/consumer/register", {"tenant_name": tenant, "topic_name": topic,
                                                    "num_partitions": 2, "num_consumers": 1}))
    table = str(tmp_path / "types")
    deltalake.write_deltalake(table, types_table(rows))
    created = assert_ok(srv.admin.post("/v1/load", {"tablePath": table, "featureGroupName": grp, "runId": "via-kafka",
                                                    "timestamp": 1_700_000_000_000}))
    done = wait_for_end(srv, created["id"])
    assert (done["state"], done["sink"], done["rowsLoaded"], done["rowsFailed"]) == ("SUCCEEDED", "kafka", 300, 0), done
    records = kcat_records(kafka, topic)
    assert records is not None and len(records) == 300, records and len(records)
    assert dict(records[0]["headers"]) == {
        "sdk-version": "v2", "feature-group-name": grp, "feature-group-version": "v1", "run-id": "via-kafka",
        "replicated-writes": "false", "ofs-write-time": "1700000000000000"}, records[0]["headers"]
    assert {r["ts"] for r in records} == {1_700_000_000_000}
    assert set(json.loads(records[0]["payload"])) == {"id"} | {col(t) for t in ALL_TYPES}

    want = read_all(srv, twin, rows)
    state = {}

    def same_as_the_twin():
        state["got"] = read_all(srv, grp, rows)
        return state["got"] == want
    try:
        wait_until(same_as_the_twin, 60, interval=0.2, what="the consumer to apply the load's records")
    except AssertionError:
        got = state.get("got", {})
        diffs = [(k, t, g, w) for k in want for t, g, w in zip(["id"] + list(ALL_TYPES), got.get(k, []), want[k])
                 if g != w]
        raise AssertionError(f"{len(got)} of {len(want)} rows read; differences: {diffs[:10]}") from None
    runs = assert_ok(ofs.on("darwin").get_runs(grp))
    assert [(r["runId"], r["count"], r["status"]) for r in runs] == [("via-kafka", 300, "SUCCESS")]

    # "sink": "store" overrides the registration: straight into the store, nothing more on the topic.
    direct = assert_ok(srv.admin.post("/v1/load", {"tablePath": table, "featureGroupName": grp, "sink": "store"}))
    done = wait_for_end(srv, direct["id"])
    assert (done["state"], done["sink"], done["rowsLoaded"]) == ("SUCCEEDED", "store", 300), done
    assert len(kcat_records(kafka, topic) or []) == 300
