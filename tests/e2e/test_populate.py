"""`ofs populate --table`: Delta tables written by an independent writer (delta-rs, PyPI `deltalake`) load
into a feature group (docs/ingestion.md, "Bulk loads from Delta tables").

The oracle for values is the serving API itself: the same rows written through POST write into a twin
group read back identically, type by type. Each test stops its server before loading (the embedded
stores belong to one process) and starts it again to read.
"""
from __future__ import annotations

import datetime
import decimal
import subprocess
import uuid

import pytest

from e2e_support import (ALL_TYPES, Ofs, assert_ok, b64, find_binary, make_entity, make_group, read_data,
                         store_args, uniq)

deltalake = pytest.importorskip("deltalake", reason="deltalake (delta-rs) is installed by scripts/bootstrap")
pa = pytest.importorskip("pyarrow")

BINARY = find_binary()
ROWS = 300


def populate(srv, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    cmd = [str(BINARY), "populate", "--data-dir", str(srv.data_dir), *store_args(srv.data_dir), "--no-progress",
           *srv.extra_args, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def arrow_types() -> dict[str, pa.DataType]:
    """The Arrow (Delta) type each OFS type is loaded from in these tests."""
    return {
        "TEXT": pa.string(), "ASCII": pa.string(), "VARCHAR": pa.string(), "BLOB": pa.binary(),
        "BOOLEAN": pa.bool_(), "DECIMAL": pa.decimal128(12, 3), "DOUBLE": pa.float64(), "FLOAT": pa.float32(),
        "INT": pa.int32(), "BIGINT": pa.int64(), "TIMESTAMP": pa.timestamp("us", tz="UTC"),
        "TIMEUUID": pa.string(), "UUID": pa.string(), "INET": pa.string(), "VARINT": pa.int64(),
    }


def row_values(i: int) -> dict:
    """Python values of row i for the Delta table, and their JSON form for the serving API's write."""
    ts = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=1000 * i + 7)
    u = uuid.UUID(int=(i * 7919) << 64 | 0x4000_8000_0000_0000 | i)
    tu = uuid.UUID(f"{i:08x}-e89b-11d3-a456-426614174000")  # a version-1 UUID
    dec = decimal.Decimal(i * 1001) / 1000
    delta = {
        "TEXT": f"text {i} é", "ASCII": f"ascii {i}", "VARCHAR": f"v{i}", "BLOB": bytes([i % 256, 0, 255]),
        "BOOLEAN": i % 2 == 0, "DECIMAL": dec, "DOUBLE": i / 8, "FLOAT": i / 4, "INT": i - 50,
        "BIGINT": i * 10**12, "TIMESTAMP": ts, "TIMEUUID": str(tu), "UUID": str(u), "INET": f"10.0.{i // 256}.{i % 256}",
        "VARINT": -(i ** 3),
    }
    json_form = dict(delta)
    json_form.update({"BLOB": b64(delta["BLOB"]), "DECIMAL": str(dec),
                      "TIMESTAMP": int(ts.timestamp() * 1000)})
    return {"delta": delta, "json": json_form}


def col(t: str) -> str:
    return f"f_{t.lower()}"


def types_table(rows: range) -> pa.Table:
    types = arrow_types()
    arrays = {"id": pa.array(list(rows), pa.int64())}
    for t in ALL_TYPES:
        arrays[col(t)] = pa.array([row_values(i)["delta"][t] for i in rows], types[t])
    return pa.table(arrays)


def every_type_groups(srv, prefix: str) -> tuple[str, str]:
    """An entity (id BIGINT key) with two groups of a column of every type: the one a test loads, and its
    twin, which the serving API writes (write_twin): what the loaded one must read back as."""
    ofs = Ofs(srv)
    ent = make_entity(ofs, uniq(f"{prefix}_ent"), features=(("id", "BIGINT"),), keys=("id",))
    features = [(col(t), t) for t in ALL_TYPES]
    return (make_group(ofs, ent, uniq(f"{prefix}_fg"), features=features),
            make_group(ofs, ent, uniq(f"{prefix}_twin"), features=features))


def write_twin(srv, twin: str, rows) -> None:
    """Rows `rows` written to `twin` through the serving API, from their JSON form."""
    assert_ok(Ofs(srv).write(twin, ["id"] + [col(t) for t in ALL_TYPES],
                             [[i] + [row_values(i)["json"][t] for t in ALL_TYPES] for i in rows]))


@pytest.fixture
def types_server(ofs_factory):
    srv = ofs_factory()
    return (srv, *every_type_groups(srv, "pop"))


def read_all(srv, group: str, ids) -> dict:
    data = read_data(Ofs(srv), group, ["id"] + [col(t) for t in ALL_TYPES], ["id"], [[i] for i in ids])
    return {tuple(k["key"]): k["features"] for k in data.get("successfulKeys", [])}


def test_every_type_loads_as_the_serving_api_writes_it(types_server, tmp_path):
    srv, loaded, twin = types_server
    rows = range(ROWS)
    write_twin(srv, twin, rows)
    table = tmp_path / "types"
    deltalake.write_deltalake(str(table), types_table(rows))
    srv.stop()

    done = populate(srv, "--table", str(table), "--feature-group", loaded, "--run-id", "types-run")
    assert done.returncode == 0, done.stderr
    assert f"{ROWS} rows loaded, 0 failed" in done.stderr, done.stderr

    srv.start()
    got, want = read_all(srv, loaded, rows), read_all(srv, twin, rows)
    assert len(got) == ROWS
    diffs = [(k, t, g, w) for k in want for t, g, w in zip(["id"] + list(ALL_TYPES), got.get(k, []), want[k]) if g != w]
    assert not diffs, diffs[:10]
    runs = assert_ok(Ofs(srv).on("darwin").get_runs(loaded))
    assert any(r.get("runId") == "types-run" and r.get("count") == ROWS and r.get("status") == "SUCCESS"
               for r in runs), runs


def test_versions_checkpoints_and_deletes_load_what_the_table_holds(ofs_factory, tmp_path):
    srv = ofs_factory()
    ofs = Ofs(srv)
    ent = make_entity(ofs, uniq("pop_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("pop_fg"), features=(("score", "DOUBLE"), ("label", "TEXT")))
    table = str(tmp_path / "versions")
    batch = lambda ids: pa.table({"id": pa.array(ids, pa.int64()), "score": pa.array([i * 1.5 for i in ids]),
                                   "label": pa.array([f"l{i}" for i in ids])})
    deltalake.write_deltalake(table, batch(list(range(0, 100))))               # version 0
    deltalake.write_deltalake(table, batch(list(range(100, 200))), mode="append")  # version 1
    dt = deltalake.DeltaTable(table)
    dt.delete("id >= 150")                                                     # version 2: rows 150..199 gone
    dt = deltalake.DeltaTable(table)
    dt.create_checkpoint()
    deltalake.write_deltalake(table, batch(list(range(200, 250))), mode="append")  # version 3, after the checkpoint
    srv.stop()

    # Up to version 1 only: rows 0..199.
    done = populate(srv, "--table", table, "--feature-group", grp, "--to-version", "1")
    assert done.returncode == 0, done.stderr
    assert "200 rows loaded, 0 failed" in done.stderr, done.stderr
    # Version 3 from version 2: only the file appended after the delete (rows 200..249).
    done = populate(srv, "--table", table, "--feature-group", grp, "--from-version", "2", "--to-version", "3")
    assert done.returncode == 0, done.stderr
    assert "50 rows loaded, 0 failed" in done.stderr, done.stderr
    # The latest version, whole: the checkpoint and the delete resolved by the kernel (150 + 50 rows).
    done = populate(srv, "--table", table, "--feature-group", grp)
    assert done.returncode == 0, done.stderr
    assert "200 rows loaded, 0 failed" in done.stderr, done.stderr

    srv.start()
    data = read_data(Ofs(srv), grp, ["id", "score", "label"], ["id"], [[i] for i in (0, 149, 150, 199, 200, 249)])
    found = {k["key"][0]: k["features"] for k in data["successfulKeys"]}
    assert found[0] == [0, 0.0, "l0"] and found[249] == [249, 373.5, "l249"]
    # 150..199 were loaded by the first (version 1) load: deleting rows from the table deletes nothing online.
    assert set(found) == {0, 149, 150, 199, 200, 249}


def test_a_table_that_does_not_match_the_group_fails_before_any_row(ofs_factory, tmp_path):
    srv = ofs_factory()
    ofs = Ofs(srv)
    ent = make_entity(ofs, uniq("pop_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("pop_fg"), features=(("score", "INT"),))
    table = str(tmp_path / "mismatch")
    deltalake.write_deltalake(table, pa.table({"id": pa.array([1, 2], pa.int64()), "score": pa.array(["a", "b"]),
                                               "extra": pa.array([1, 2])}))
    missing_key = str(tmp_path / "nokey")
    deltalake.write_deltalake(missing_key, pa.table({"score": pa.array([1, 2], pa.int32())}))
    srv.stop()

    done = populate(srv, "--table", table, "--feature-group", grp)
    assert done.returncode == 1, done.stderr
    assert "column score has Arrow type \"u\", which does not convert to INT" in done.stderr, done.stderr
    assert "column extra of the table is not a column of feature group" in done.stderr, done.stderr
    done = populate(srv, "--table", missing_key, "--feature-group", grp)
    assert done.returncode == 1 and "key column id is not among the columns loaded" in done.stderr, done.stderr
    # Two columns into one feature is refused too.
    done = populate(srv, "--table", table, "--feature-group", grp, "--column", "id=id", "--column", "extra=score",
                    "--column", "score=score")
    assert done.returncode == 1 and "both feed score" in done.stderr, done.stderr
    # A mapping chooses the columns: "extra" -> score loads.
    done = populate(srv, "--table", table, "--feature-group", grp, "--column", "id=id", "--column", "extra=score")
    assert done.returncode == 0, done.stderr
    done = populate(srv, "--table", str(tmp_path / "absent"), "--feature-group", grp)
    assert done.returncode == 1 and "Delta table" in done.stderr, done.stderr
    done = populate(srv, "--table", table, "--feature-group", uniq("no_such_group"))
    assert done.returncode == 1 and "not found" in done.stderr, done.stderr

    srv.start()
    data = read_data(Ofs(srv), grp, ["score"], ["id"], [[1], [2]])
    assert sorted(k["features"] for k in data["successfulKeys"]) == [[1], [2]]


def test_rows_that_do_not_convert_fail_alone_with_a_reason(ofs_factory, tmp_path):
    srv = ofs_factory()
    ofs = Ofs(srv)
    ent = make_entity(ofs, uniq("pop_ent"), features=(("id", "BIGINT"),), keys=("id",))
    grp = make_group(ofs, ent, uniq("pop_fg"), features=(("cnt", "INT"), ("addr", "INET")))
    table = str(tmp_path / "bad_rows")
    deltalake.write_deltalake(table, pa.table({
        "id": pa.array([1, 2, None, 4, 5], pa.int64()),
        "cnt": pa.array([1, 2**40, 3, None, 5], pa.int64()),
        "addr": pa.array(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "not an address"]),
    }))
    srv.stop()

    done = populate(srv, "--table", table, "--feature-group", grp)
    assert done.returncode == 3, done.stderr
    assert "2 rows loaded, 3 failed" in done.stderr, done.stderr
    assert "column cnt: out of INT range (int32)" in done.stderr, done.stderr
    assert "column id: a key column is null" in done.stderr, done.stderr
    assert "column addr:" in done.stderr, done.stderr

    srv.start()
    data = read_data(Ofs(srv), grp, ["cnt", "addr"], ["id"], [[1], [2], [4], [5]])
    found = {k["key"][0]: k["features"] for k in data["successfulKeys"]}
    # Row 4's null cnt leaves that cell unwritten; rows 2 and 5 failed whole.
    assert found.get(1) == [1, "10.0.0.1"] and found.get(4) == [None, "10.0.0.4"], data
    assert 2 not in found or found[2] == [None, None]
    assert 5 not in found or found[5] == [None, None]
