"""Durability across restarts and crashes, and behaviour under concurrency.

API.md sections covered: 3 ("a successful row is durable when the response is sent"), 5 (writes acknowledged
to a client survive a crash of the process; last-write-wins upserts), 2 (metadata: versions, states, tenants,
TTL survive restarts), 4 (concurrent metadata changes: one winner for a name, distinct versions).
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from e2e_support import (
    DEFAULT_TENANT, Ofs, ServerStartError, assert_error, assert_ok, entity_body, found_map, group_body,
    make_basic, make_entity, make_group, read_data, read_one, uniq, write_ok,
)

pytestmark = pytest.mark.slow


# ------------------------------------------------------------------------------------------------
# restarts
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kill", [True, False], ids=["sigkill", "sigterm"])
def test_data_and_metadata_survive_restart(ofs_factory, kill):
    srv = ofs_factory()
    ofs = Ofs(srv, "v1")
    ent = make_entity(ofs, features=[("id", "BIGINT"), ("region", "TEXT")], keys=["id"], tags=["durable"])
    grp = make_group(ofs, ent, features=[("x", "INT"), ("s", "TEXT")])
    write_ok(ofs, grp, ["id", "region", "x", "s"], [[i, f"r{i}", i, f"s{i}"] for i in range(100)])
    make_group(ofs, ent, grp, features=[("x", "INT"), ("y", "DOUBLE")], upgrade=True)
    write_ok(ofs, grp, ["id", "y"], [[1, 1.5]])
    archived = make_group(ofs, ent)
    assert_ok(ofs.set_group_state(archived, "ARCHIVED"))
    run = {"runId": "run-durable", "timeTaken": 5, "count": 100, "sampleData": [], "errorMessage": "",
           "status": "SUCCESS"}
    assert_ok(ofs.post_run(grp, run))
    meta_before = assert_ok(ofs.group_meta(grp))

    srv.restart(kill=kill)

    assert assert_ok(ofs.entity_meta(ent))["tags"] == ["durable"]
    meta_after = assert_ok(ofs.group_meta(grp))
    assert meta_after["version"] == "v2"
    assert meta_after == meta_before
    assert assert_ok(ofs.group_meta(archived))["state"] == "ARCHIVED"
    d = read_data(ofs, grp, ["region", "x", "s"], ["id"], [[i] for i in range(100)], version="v1")
    assert found_map(d) == {(i,): [f"r{i}", i, f"s{i}"] for i in range(100)}
    assert read_one(ofs, grp, ["y"], ["id"], [1]) == [1.5]
    assert [r["runId"] for r in assert_ok(ofs.get_runs(grp))] == ["run-durable"]
    # and the restarted server keeps working: new versions continue the sequence
    assert assert_ok(ofs.create_group(group_body(grp, ent), upgrade=True))["version"] == "v3"


def test_every_acknowledged_write_survives_sigkill(ofs_factory):
    """Many small writes from several threads, then SIGKILL without warning: every row that was answered
    200 is there after the restart."""
    srv = ofs_factory()
    ofs = Ofs(srv, "v1")
    ent, grp = make_basic(ofs)
    acked = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(tid):
        i = 0
        while not stop.is_set() and i < 2000:
            key = tid * 100_000 + i
            try:
                r = ofs.write(grp, ["id", "label"], [[key, f"t{tid}-{i}"]])
            except Exception:  # noqa: BLE001 - the server died under us (reset, refused, bad status line)
                return
            if r.status == 200 and r.body["data"]["failedRows"] == []:
                with lock:
                    acked[key] = f"t{tid}-{i}"
            i += 1

    threads = [threading.Thread(target=writer, args=(t,), daemon=True) for t in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    srv.kill()
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) > 10, "too few writes were acknowledged to make the test meaningful"
    srv.start()
    keys = sorted(acked)
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        d = read_data(ofs, grp, ["label"], ["id"], [[k] for k in chunk])
        got = found_map(d)
        missing = [k for k in chunk if got.get((k,)) != [acked[k]]]
        assert not missing, f"{len(missing)} acknowledged rows lost after SIGKILL, e.g. {missing[:5]}"


def test_upsert_across_restart_keeps_old_columns(ofs_factory):
    srv = ofs_factory()
    ofs = Ofs(srv, "v1")
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "region", "score", "label"], [[1, "eu", 0.5, "before"]])
    srv.restart(kill=True)
    write_ok(ofs, grp, ["id", "label"], [[1, "after"]])
    srv.restart(kill=True)
    assert read_one(ofs, grp, ["region", "score", "label"], ["id"], [1]) == ["eu", 0.5, "after"]


def test_metadata_changes_survive_restart(ofs_factory):
    srv = ofs_factory()
    ofs = Ofs(srv, "v1")
    ent, grp = make_basic(ofs)
    other_ent = make_entity(ofs)
    assert_ok(ofs.set_entity_state(other_ent, "ARCHIVED"))
    tenants = {"read": DEFAULT_TENANT, "write": DEFAULT_TENANT, "consume": uniq("tc")}
    r = ofs.set_tenant(grp, tenants)
    tenant_ok = r.status == 200
    srv.restart(kill=True)
    assert assert_ok(ofs.entity_meta(other_ent))["state"] == "ARCHIVED"
    if tenant_ok:
        assert assert_ok(ofs.group_meta(grp))["tenant"] == tenants
    assert_error(ofs.create_entity(entity_body(ent)), 400, "ENTITY-ALREADY-EXISTS-EXCEPTION")


def test_ttl_change_survives_restart(ofs_factory):
    srv = ofs_factory()
    ofs = Ofs(srv, "v1")
    ent, grp = make_basic(ofs)
    assert_ok(ofs.set_ttl(grp, 1))
    srv.restart(kill=True)
    write_ok(ofs, grp, ["id", "label"], [[1, "short"]])
    time.sleep(2.2)
    assert read_one(ofs, grp, ["label"], ["id"], [1]) is None


def test_second_server_on_same_data_dir_refused(ofs_factory):
    first = ofs_factory()
    ofs = Ofs(first, "v1")
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label"], [[1, "mine"]])
    second = ofs_factory(data_dir=first.data_dir, start=False)
    second.spawn()
    try:
        second.wait_healthy(timeout=10)
        healthy = True
    except ServerStartError:
        healthy = False
    if healthy:
        second.stop()
        pytest.fail("a second ofs started on a data directory that is in use")
    rc = second.proc.wait(timeout=10)
    run = second._runs[-1]
    run["returncode"] = rc
    assert rc != 0, "the second server exited 0 without serving"
    assert rc > 0, f"the refused second server died from signal {-rc} instead of exiting"
    run["ended_by"] = "expected-refusal"  # a clean non-zero exit is exactly what we wanted
    # the first one is unharmed
    assert read_one(ofs, grp, ["label"], ["id"], [1]) == ["mine"]


# ------------------------------------------------------------------------------------------------
# concurrency (on the shared server)
# ------------------------------------------------------------------------------------------------

def test_concurrent_writers_one_key(server):
    ofs = Ofs(server, "v1")
    ent, grp = make_basic(ofs)
    written = set()
    lock = threading.Lock()

    def writer(tid):
        errors = []
        for i in range(60):
            label, cnt = f"t{tid}-{i}", tid * 1000 + i
            r = ofs.write(grp, ["id", "label", "cnt"], [[7, label, cnt]])
            if r.status != 200 or r.body["data"]["failedRows"]:
                errors.append(r.describe())
            with lock:
                written.add((label, cnt))
        return errors

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(writer, range(8)))
    errors = [e for errs in results for e in errs]
    assert not errors, errors[:3]
    label, cnt = read_one(ofs, grp, ["label", "cnt"], ["id"], [7])
    assert label in {w[0] for w in written}
    assert cnt in {w[1] for w in written}


def test_concurrent_writers_distinct_keys_and_readers(server):
    ofs = Ofs(server, "v1")
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label"], [[-1, "stable"]])
    stop = threading.Event()
    reader_errors = []

    def reader():
        while not stop.is_set():
            r = ofs.read(grp, ["label"], ["id"], [[-1]])
            if r.status != 200 or found_map(r.body["data"]) != {(-1,): ["stable"]}:
                reader_errors.append(r.describe())
                return

    def writer(tid):
        for i in range(50):
            rows = [[tid * 10_000 + i * 10 + j, f"{tid}/{i}/{j}"] for j in range(10)]
            r = ofs.write(grp, ["id", "label"], rows)
            assert r.status == 200 and r.body["data"]["failedRows"] == [], r.describe()

    readers = [threading.Thread(target=reader, daemon=True) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(writer, range(6)))
    finally:
        stop.set()
        for t in readers:
            t.join(30)
    assert not reader_errors, reader_errors[:2]
    keys = [[tid * 10_000 + i * 10 + j] for tid in range(6) for i in range(50) for j in range(10)]
    d = read_data(ofs, grp, ["label"], ["id"], keys)
    assert d["failedKeys"] == []
    assert len(d["successfulKeys"]) == 3000
    for sk in d["successfulKeys"]:
        k = sk["key"][0]
        assert sk["features"] == [f"{k // 10_000}/{(k % 10_000) // 10}/{k % 10}"]


def test_concurrent_entity_creation_one_winner(server):
    ofs = Ofs(server, "v1")
    name = uniq("race_ent")
    barrier = threading.Barrier(8)

    def create(_):
        barrier.wait(10)
        return ofs.create_entity(entity_body(name))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(8)))
    winners = [r for r in results if r.status == 200]
    assert len(winners) == 1, [r.describe() for r in results]
    for r in results:
        if r.status != 200:
            assert_error(r, 400, "ENTITY-ALREADY-EXISTS-EXCEPTION")


def test_concurrent_upgrades_get_distinct_versions(server):
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    barrier = threading.Barrier(6)

    def upgrade(_):
        barrier.wait(10)
        return ofs.create_group(group_body(grp, ent), upgrade=True)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(upgrade, range(6)))
    versions = [assert_ok(r)["version"] for r in results]
    assert sorted(versions, key=lambda v: int(v[1:])) == [f"v{i}" for i in range(2, 8)]
    assert assert_ok(ofs.group_meta(grp))["version"] == "v7"


def test_writes_during_metadata_churn(server):
    """Reads and writes keep working while other threads create entities and groups (catalog republish)."""
    ofs = Ofs(server, "v1")
    ent, grp = make_basic(ofs)
    stop = threading.Event()
    errors = []

    def churn():
        rng = random.Random(5)
        while not stop.is_set():
            e = make_entity(ofs)
            make_group(ofs, e, features=[(f"c{rng.randrange(1000)}", "INT")])

    t = threading.Thread(target=churn, daemon=True)
    t.start()
    try:
        for i in range(200):
            r = ofs.write(grp, ["id", "cnt"], [[i, i]])
            if r.status != 200 or r.body["data"]["failedRows"]:
                errors.append(r.describe())
            r = ofs.read(grp, ["cnt"], ["id"], [[i]])
            if r.status != 200 or found_map(r.body["data"]) != {(i,): [i]}:
                errors.append(r.describe())
    finally:
        stop.set()
        t.join(30)
    assert not errors, errors[:3]
