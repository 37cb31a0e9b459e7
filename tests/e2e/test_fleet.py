"""A fleet (issue 17): one `ofs admin` and two `ofs serve` over MariaDB and Cassandra, started by
scripts/cluster.sh. A metadata change made on the admin node is served by both serve nodes within one
catalog refresh; a serve node killed with SIGKILL leaves the other answering and catches up when it comes
back; with MariaDB stopped the serve nodes keep serving from their catalog (UP, with a warning) while the
admin node answers 503 OFS-V2-METASTORE-UNAVAILABLE-EXCEPTION, and both recover once it is back.

Needs MariaDB (OFS_TEST_MYSQL_URL) and Cassandra (OFS_TEST_CASSANDRA) running, as `make test-cassandra`
starts them; skipped without them unless OFS_REQUIRE_SERVICES=1 (CI). The test stops and restarts that
MariaDB, and leaves it running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import BINARY
from e2e_support import (Client, Ofs, assert_error, assert_ok, entity_body, free_port, group_body,
                         make_entity, make_group, read_one, uniq)

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "scripts/cluster.sh"
MARIADB = REPO / "scripts/services/mariadb.sh"
REFRESH_MS = 200

pytestmark = [pytest.mark.slow, pytest.mark.timeout_s(420)]


def required(name: str) -> str:
    value = os.environ.get(name, "")
    if value:
        return value
    if os.environ.get("OFS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"OFS_REQUIRE_SERVICES=1 but {name} is not set")
    pytest.skip(f"{name} is not set (make test-cassandra starts MariaDB and Cassandra)")


class Node:
    """What Ofs needs of a server: an admin client and a serving client."""

    def __init__(self, admin: Client, serving: Client):
        self.admin = admin
        self.serving = serving


class Fleet:
    def __init__(self, tmp: Path, refresh_ms: int = REFRESH_MS):
        mysql = urlsplit(required("OFS_TEST_MYSQL_URL"))
        cassandra = required("OFS_TEST_CASSANDRA")
        self.mariadb_port = str(mysql.port)
        self.admin_port = free_port()
        self.serve_ports = [free_port(), free_port()]
        # Names of this run's own (a database or keyspace of an earlier run may still be there).
        self.database = f"fleet_{os.getpid()}_{uniq('db').lower()}"
        self.env = dict(
            os.environ,
            OFS_CLUSTER_DIR=str(tmp / "cluster"),
            OFS_CLUSTER_ADMIN_PORT=str(self.admin_port),
            OFS_CLUSTER_SERVE_PORTS=" ".join(map(str, self.serve_ports)),
            OFS_CLUSTER_KEYSPACE=f"fleet_{os.getpid()}_{uniq('ks').lower()}",
            OFS_CLUSTER_ARGS=f"--catalog-refresh-ms {refresh_ms} --suspended-timeout-ms 4000",
            OFS_CLUSTER_KEEP_SERVICES="1",
            OFS_MARIADB_PORT=self.mariadb_port,
            OFS_MARIADB_DATABASE=self.database,
            OFS_CASSANDRA_PORT=cassandra.rsplit(":", 1)[1],
            OFS_BINARY=str(BINARY),
        )
        self.dir = tmp / "cluster"

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([str(CLUSTER), *args], env=self.env, capture_output=True, text=True, timeout=300)
        if check:
            assert done.returncode == 0, f"cluster.sh {args}: {done.stdout[-2000:]} {done.stderr[-3000:]}"
        return done.stdout

    def up(self) -> dict[str, list[str]]:
        lines = [line.split(" ", 1) for line in self.run("up").strip().splitlines()]
        found: dict[str, list[str]] = {}
        for name, url in lines:
            found.setdefault(name, []).append(url)
        return found

    def mariadb(self, *command: str) -> None:
        done = subprocess.run([str(MARIADB), *command], env=self.env, capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 3), done.stderr

    def pid(self, name: str) -> int:
        return int((self.dir / f"{name}.pid").read_text())

    def ofs(self, serve_index: int) -> Ofs:
        admin = Client("127.0.0.1", self.admin_port)
        return Ofs(Node(admin, Client("127.0.0.1", self.serve_ports[serve_index])), "v1")


@pytest.fixture(params=[REFRESH_MS])
def fleet(tmp_path, request):
    """A fleet whose serve nodes poll the catalog every `request.param` ms (indirect parametrization)."""
    if BINARY is None:
        pytest.skip("no ofs binary")
    fleet = Fleet(tmp_path, request.param)
    try:
        yield fleet
    finally:
        fleet.mariadb("start")  # whatever happened: MariaDB serves the rest of the run
        fleet.run("wipe", check=False)
        fleet.mariadb("sql", f"DROP DATABASE IF EXISTS {fleet.database}")


def eventually(check, seconds: float, interval: float = 0.02):
    """Polls `check` until it returns a truthy value; returns (value, seconds it took)."""
    start = time.monotonic()
    while True:
        value = check()
        if value or time.monotonic() - start > seconds:
            return value, time.monotonic() - start
        time.sleep(interval)


def fleet_with_a_group(fleet: Fleet) -> tuple[Ofs, str, str]:
    """Starts the fleet, creates an entity and a group on the admin node, and writes row i through serve
    node i once each node knows the group. -> (the admin face, entity, group)"""
    fleet.up()
    admin = fleet.ofs(0)
    ent = make_entity(admin)
    grp = make_group(admin, ent)
    for i in range(2):
        node = fleet.ofs(i)
        assert eventually(lambda: node.write(grp, ["id", "score"], [[i, 1.0]]).status == 200, 10)[0]
    return admin, ent, grp


def test_cluster_up_prints_one_line_per_process_and_status_says_running(fleet):
    lines = fleet.up()
    assert lines["mariadb"][0].startswith("mysql://"), lines
    assert len(lines["admin"]) == 1 and len(lines["serve"]) == 2, lines
    assert lines["admin"] == [f"http://127.0.0.1:{fleet.admin_port}"]
    assert lines["serve"] == [f"http://127.0.0.1:{p}" for p in fleet.serve_ports]
    # `up` again is a no-op; status lists every process running.
    assert fleet.up() == lines
    status = fleet.run("status")
    assert status.count(" running") == 5, status  # mariadb, cassandra, admin, 2 x serve
    # The admin node serves the admin API only, a serve node the serving API only.
    admin = Client("127.0.0.1", fleet.admin_port)
    serve = Client("127.0.0.1", fleet.serve_ports[0])
    assert admin.get("/health").body["role"] == "admin"
    assert serve.get("/health").body["role"] == "serve"
    assert serve.post("/v1/entity", body={}).status == 404


def test_a_change_on_the_admin_node_reaches_both_serve_nodes_within_a_refresh(fleet, record_property):
    fleet.up()
    admin = fleet.ofs(0)
    ent = make_entity(admin)
    grp = make_group(admin, ent)
    created = time.monotonic()
    delays = []
    for i in range(2):
        node = fleet.ofs(i)
        ok, _ = eventually(lambda: node.write(grp, ["id", "score", "label"], [[i, 0.5, "x"]]).status == 200, 10)
        assert ok, node.write(grp, ["id", "score", "label"], [[i, 0.5, "x"]]).describe()
        delays.append(time.monotonic() - created)
    # Written on one node, read on the other: the values live in the shared cluster.
    assert read_one(fleet.ofs(1), grp, ["score", "label"], ["id"], [0]) == [0.5, "x"]
    assert read_one(fleet.ofs(0), grp, ["score", "label"], ["id"], [1]) == [0.5, "x"]
    record_property("propagation_seconds", max(delays))
    print(f"\npropagation to the serve nodes (catalog.refresh_ms {REFRESH_MS}): {[round(d, 3) for d in delays]} s")
    assert max(delays) < REFRESH_MS / 1000 + 2.0, delays

    # Archived on the admin node: refused by both serve nodes within a refresh.
    assert_ok(admin.set_group_state(grp, "ARCHIVED"))
    archived = time.monotonic()
    for i in range(2):
        node = fleet.ofs(i)
        refused, took = eventually(
            lambda: node.write(grp, ["id", "score"], [[9, 1.0]]).status != 200, REFRESH_MS / 1000 + 2.0)
        assert refused, f"serve node {i} still writes an archived group after {took:.2f}s"
    record_property("archive_propagation_seconds", time.monotonic() - archived)
    print(f"archive refused on both serve nodes after {time.monotonic() - archived:.3f} s")
    assert_error(fleet.ofs(0).write(grp, ["id", "score"], [[9, 1.0]]), (400, 409, 422), None)


def test_a_killed_serve_node_leaves_the_other_answering_and_catches_up(fleet):
    admin, ent, grp = fleet_with_a_group(fleet)

    victim = f"serve-{fleet.serve_ports[1]}"
    os.kill(fleet.pid(victim), signal.SIGKILL)
    survivor = fleet.ofs(0)
    for i in range(50):  # the other node keeps answering every request
        assert_ok(survivor.write(grp, ["id", "score"], [[100 + i, float(i)]]))
        assert read_one(survivor, grp, ["score"], ["id"], [100 + i]) == [float(i)]
    grp2 = make_group(admin, ent)  # a change while the node is down

    lines = fleet.up()  # restarts what is not running: the killed node
    assert len(lines["serve"]) == 2
    back = fleet.ofs(1)
    assert read_one(back, grp, ["score"], ["id"], [149]) == [49.0]
    assert eventually(lambda: back.write(grp2, ["id", "score"], [[1, 2.0]]).status == 200, 10)[0]


def test_with_mariadb_down_serve_nodes_serve_from_their_catalog_and_the_admin_answers_503(fleet):
    admin, ent, grp = fleet_with_a_group(fleet)

    fleet.mariadb("stop")
    try:
        for i in range(2):
            node = fleet.ofs(i)
            assert_ok(node.write(grp, ["id", "score"], [[10 + i, 3.0]]))
            assert read_one(node, grp, ["score"], ["id"], [10 + i]) == [3.0]
            health, _ = eventually(
                lambda: (lambda h: h if "warnings" in h.body else None)(node.serving.get("/health")), 10)
            assert health and health.status == 200 and health.body["status"] == "UP", health and health.describe()
            assert health.body["catalog"]["stale"] is True, health.describe()
        assert_error(admin.create_entity(entity_body(uniq("down"))), 503, "OFS-V2-METASTORE-UNAVAILABLE-EXCEPTION")
    finally:
        fleet.mariadb("start")

    # Both recover without a restart: the admin node changes metadata again, the serve nodes follow.
    grp2 = uniq("fg")
    created, _ = eventually(lambda: admin.create_group(group_body(grp2, ent)).status == 200, 20, interval=0.2)
    assert created
    for i in range(2):
        node = fleet.ofs(i)
        assert eventually(lambda: node.write(grp2, ["id", "score"], [[5, 5.0]]).status == 200, 10)[0]
        health, _ = eventually(lambda: (lambda h: h if "warnings" not in h.body else None)(node.serving.get("/health")),
                               10)
        assert health and health.body["catalog"]["stale"] is False


@pytest.mark.parametrize("fleet", [600_000], indirect=True)  # no poll during the test: only requests check
def test_read_your_writes_a_new_group_at_once_and_a_change_with_the_admin_catalog_version(fleet):
    fleet.up()
    admin = fleet.ofs(0)
    ent = make_entity(admin)
    grp = make_group(admin, ent)
    # Named at once on both serve nodes, whose catalogs lack it: each request waits for a check of MariaDB and
    # then writes; the client retries nothing.
    for i in range(2):
        assert_ok(fleet.ofs(i).write(grp, ["id", "score"], [[i, 1.0]]))
        assert read_one(fleet.ofs(1 - i), grp, ["score"], ["id"], [i]) == [1.0]
    # A group unknown to the metadata store too is still answered as unknown, after the check.
    assert_error(fleet.ofs(0).write(uniq("nope"), ["id", "score"], [[1, 1.0]]), 404,
                 "FEATURE-GROUP-NOT-FOUND-EXCEPTION")

    archived = admin.set_group_state(grp, "ARCHIVED")
    assert_ok(archived)
    version = archived.headers["x-ofs-catalog-version"]
    assert int(version) > 0
    # Without the header, a serve node answers from its catalog, which no poll has refreshed since...
    assert_ok(fleet.ofs(0).write(grp, ["id", "score"], [[7, 1.0]]))
    # ...with the admin answer's version, both refuse the archived group at once.
    for i in range(2):
        refused = fleet.ofs(i).write(grp, ["id", "score"], [[8, 1.0]], headers={"X-OFS-Min-Catalog-Version": version})
        assert_error(refused, (400, 409, 422), None)
    # A version no admin answered: 503 after the check, naming both versions; a malformed one: 400.
    beyond = fleet.ofs(1).read(grp, ["score"], ["id"], [[1]],
                               headers={"X-OFS-Min-Catalog-Version": str(int(version) + 1000)})
    assert_error(beyond, 503, "OFS-V2-METASTORE-UNAVAILABLE-EXCEPTION")
    assert str(int(version) + 1000) in beyond.text
    assert fleet.ofs(1).read(grp, ["score"], ["id"], [[1]], headers={"X-OFS-Min-Catalog-Version": "x1"}).status == 400

    metrics = Client("127.0.0.1", fleet.serve_ports[0]).get("/metrics").text
    assert 'ofs_catalog_request_waits_total{reason="unknown_group"}' in metrics
    waits = {line.split(" ")[0]: float(line.split(" ")[1]) for line in metrics.splitlines()
             if line.startswith("ofs_catalog_request_waits_total")}
    assert waits['ofs_catalog_request_waits_total{reason="unknown_group"}'] >= 2, waits
    assert waits['ofs_catalog_request_waits_total{reason="min_version"}'] >= 1, waits
