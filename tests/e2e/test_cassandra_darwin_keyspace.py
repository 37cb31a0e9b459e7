"""An existing Darwin keyspace is served as it is (issue 16, item 4; API.md section 5).

A keyspace and a table are made with Darwin's own DDL (unquoted, so CQL lower-cases the names), rows go in
with plain CQL INSERTs (no OFS involved: scripts/services/cassandra.sh cql), then the entity and the group
are registered through Darwin's admin paths and the rows are read back through OFS on both API faces.

Needs a Cassandra: OFS_TEST_CASSANDRA=HOST:PORT (`make test` starts one). Without it the test is skipped,
unless OFS_REQUIRE_SERVICES=1 (CI), where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from e2e_support import Ofs, assert_ok, entity_body, found_map, group_body, read_data, uniq

REPO = Path(__file__).resolve().parents[2]
CASSANDRA = os.environ.get("OFS_TEST_CASSANDRA", "")

pytestmark = pytest.mark.timeout_s(240)


def cassandra_address() -> str:
    if CASSANDRA:
        return CASSANDRA
    if os.environ.get("OFS_REQUIRE_SERVICES") == "1":
        pytest.fail("OFS_REQUIRE_SERVICES=1 but OFS_TEST_CASSANDRA is not set")
    pytest.skip("no Cassandra: set OFS_TEST_CASSANDRA=HOST:PORT (scripts/services/cassandra.sh start)")


def cql(address: str, *statements: str) -> str:
    """Runs statements with the project's CQL tool (the DataStax Python driver), not with OFS."""
    host, port = address.rsplit(":", 1)
    env = dict(os.environ, OFS_CASSANDRA_PORT=port)
    done = subprocess.run([str(REPO / "scripts/services/cassandra.sh"), "cql", *statements], env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"cql failed: {done.stderr[-2000:]}"
    assert host == "127.0.0.1", "the CQL tool talks to node 1 (127.0.0.1)"
    return done.stdout


def test_a_darwin_keyspace_written_by_plain_cql_is_read_through_both_faces(ofs_factory):
    address = cassandra_address()
    keyspace = uniq("darwin").lower()
    # Darwin's DDL (API.md section 5): names unquoted, so CQL lower-cases userId, eventDay and countryCode.
    cql(address,
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {{'class': 'SimpleStrategy'}}",
        f"CREATE TABLE {keyspace}.user_events (userId bigint, eventDay text, countryCode text, "
        "clicks__v1__total int, clicks__v1__ratio double, clicks__v1__tag text, "
        "PRIMARY KEY (userId, eventDay))",
        f"INSERT INTO {keyspace}.user_events (userId, eventDay, countryCode, clicks__v1__total, "
        "clicks__v1__ratio, clicks__v1__tag) VALUES (7, '2026-01-02', 'DE', 12, 0.25, 'b')",
        f"INSERT INTO {keyspace}.user_events (userId, eventDay, countryCode, clicks__v1__total, "
        "clicks__v1__ratio, clicks__v1__tag) VALUES (7, '2026-01-01', 'DE', 3, 0.5, 'a')",
        f"INSERT INTO {keyspace}.user_events (userId, eventDay, clicks__v1__total) VALUES (8, '2026-01-01', 1)")

    srv = ofs_factory(extra_args=["--store", f"cassandra://{address}/{keyspace}"])
    darwin = Ofs(srv, "darwin")
    assert_ok(darwin.register_entity(entity_body(
        "user_events", features=(("userId", "BIGINT"), ("eventDay", "TEXT"), ("countryCode", "TEXT")),
        keys=("userId", "eventDay"))))
    assert_ok(darwin.register_group(group_body(
        "clicks", "user_events", features=(("total", "INT"), ("ratio", "DOUBLE"), ("tag", "TEXT")))))

    for face in ("v1", "darwin"):
        ofs = Ofs(srv, face)
        data = read_data(ofs, "clicks", ["total", "ratio", "tag", "countryCode"], ["userId", "eventDay"],
                         [[7, "2026-01-01"], [7, "2026-01-02"], [8, "2026-01-01"], [9, "2026-01-01"]])
        assert found_map(data) == {
            (7, "2026-01-01"): [3, 0.5, "a", "DE"],
            (7, "2026-01-02"): [12, 0.25, "b", "DE"],
            (8, "2026-01-01"): [1, None, None, None],
        }, (face, data)
        assert data["failedKeys"] == [[9, "2026-01-01"]], (face, data)
        rows = assert_ok(ofs.partition("clicks", ["eventDay", "total"], ["userId"], [7]))["features"]
        assert rows == [["2026-01-01", 3], ["2026-01-02", 12]], (face, rows)

    # A write through OFS lands in Darwin's columns, readable by plain CQL.
    assert_ok(Ofs(srv, "v1").write("clicks", ["userId", "eventDay", "total"], [[9, "2026-01-03", 44]]))
    out = cql(address, f"SELECT clicks__v1__total FROM {keyspace}.user_events WHERE userid = 9")
    assert '"clicks__v1__total": 44' in out, out
    cql(address, f"DROP KEYSPACE {keyspace}")


def test_a_darwin_keyspace_is_served_after_importing_darwins_catalog(ofs_factory):
    """The migration path end to end: Darwin's table and rows (plain CQL), Darwin's catalog dumps
    (recorded, served by a stand-in admin), `ofs import-darwin`, then OFS over the keyspace."""
    from test_import_darwin import StandInAdmin, import_darwin, metadata_url_for, recorded

    address = cassandra_address()
    keyspace = uniq("imported").lower()
    cql(address,
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {{'class': 'SimpleStrategy'}}",
        f"CREATE TABLE {keyspace}.user_events (userId bigint, eventDay text, countryCode text, "
        "PRIMARY KEY (userId, eventDay))",
        # Darwin's group create and upgrade: ALTER TABLE ... ADD of each version's columns.
        f"ALTER TABLE {keyspace}.user_events ADD (clicks__v1__total int, clicks__v1__ratio double, "
        "clicks__v1__tag text)",
        f"ALTER TABLE {keyspace}.user_events ADD (clicks__v2__total int, clicks__v2__ratio double, "
        "clicks__v2__tag text, clicks__v2__best bigint)",
        f"ALTER TABLE {keyspace}.user_events ADD (legacy__v1__score double)",
        f"INSERT INTO {keyspace}.user_events (userId, eventDay, countryCode, clicks__v1__total, "
        "clicks__v2__total, clicks__v2__best) VALUES (7, '2026-01-01', 'DE', 3, 4, 99)")

    srv = ofs_factory(extra_args=["--store", f"cassandra://{address}/{keyspace}"], start=False)
    with StandInAdmin(recorded()) as admin:
        done = import_darwin("--admin-url", admin.url, "--metadata", metadata_url_for(srv.data_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    srv.start()
    for face in ("v1", "darwin"):
        ofs = Ofs(srv, face)
        latest = read_data(ofs, "clicks", ["total", "best", "countryCode"], ["userId", "eventDay"],
                           [[7, "2026-01-01"]])
        assert found_map(latest) == {(7, "2026-01-01"): [4, 99, "DE"]}, (face, latest)
        first = read_data(ofs, "clicks", ["total"], ["userId", "eventDay"], [[7, "2026-01-01"]], version="v1")
        assert found_map(first) == {(7, "2026-01-01"): [3]}, (face, first)
    cql(address, f"DROP KEYSPACE {keyspace}")
