"""Metadata backups (issue 17, item 7): `ofs backup` writes a consistent copy of the metadata store to a
directory (keeping the newest N), `ofs restore` rebuilds an empty store from one, on either engine, and
the restored store's catalog dumps are byte-identical to the original's.

SQLite <-> MariaDB both ways runs when a MariaDB is there (OFS_TEST_MYSQL_URL, as `make test-mariadb`
starts one); the store a run's servers use otherwise (OFS_E2E_METADATA) -> SQLite always.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import BINARY
from e2e_support import (Ofs, assert_error, assert_ok, make_basic, make_group, parse_metrics, store_args,
                         uniq, wait_until, write_ok)

MYSQL_URL = os.environ.get("OFS_TEST_MYSQL_URL", "")
DUMPS = ("/v1/catalog", "/entity/all", "/feature-group/all", "/feature-group/version/all")

pytestmark = pytest.mark.timeout_s(120)


def ofs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=60)


def dumps(srv) -> dict[str, bytes]:
    out = {}
    for path in DUMPS:
        r = srv.admin.get(path, headers={"compressed-response": "false"})
        assert r.status == 200, r.describe()
        out[path] = r.raw
    return out


def metadata_of(srv) -> str:
    args = srv.extra_args + store_args(srv.data_dir)
    return args[args.index("--metadata") + 1] if "--metadata" in args else f"sqlite:{srv.data_dir}/metadata.sqlite"


def mysql_database_url(name: str) -> str:
    base, _, _ = MYSQL_URL.rpartition("/")
    return f"{base}/{name}"


def build_catalog(srv) -> None:
    v1 = Ofs(srv, "v1")
    ent, grp = make_basic(v1, tags=["t1"], description="backed up")
    make_group(v1, ent, name=grp, upgrade=True, features=(("score", "DOUBLE"), ("extra", "BIGINT")))
    assert_ok(v1.set_group_state(grp, "ARCHIVED", version="v1"))
    assert_ok(v1.set_tenant(grp, {"read": "default-tenant", "write": "other", "consume": "default-tenant"}))
    write_ok(v1, grp, ["id", "score"], [[1, 0.5]])
    assert_ok(srv.admin.post(f"/v1/feature-group/{grp}/runs", {"runId": "run-1", "count": 1, "status": "SUCCESS",
                                                                 "sampleData": [{"id": 1}]}))


def restore_and_compare(ofs_factory, tmp_path, source, original, target_metadata):
    backups = tmp_path / "backups"
    done = ofs("backup", "--metadata", metadata_of(source), "--to", str(backups), "--keep", "2")
    assert done.returncode == 0, done.stderr
    target = ofs_factory(start=False, extra_args=["--metadata", target_metadata])
    restored = ofs("restore", "--metadata", target_metadata, "--from", str(backups))
    assert restored.returncode == 0, restored.stderr
    target.start()
    assert dumps(target) == original
    # A restored store is not empty: a second restore is refused and changes nothing.
    again = ofs("restore", "--metadata", target_metadata, "--from", str(backups))
    assert again.returncode == 1 and "not empty" in again.stderr, again.stderr
    return target


def test_backup_then_restore_gives_a_byte_identical_catalog(ofs_factory, tmp_path):
    if BINARY is None:
        pytest.skip("no ofs binary")
    source = ofs_factory()
    build_catalog(source)
    original = dumps(source)
    assert json.loads(original["/v1/catalog"])["data"]["featureGroups"], "an empty catalog proves nothing"

    # --keep: the newest N stay.
    backups = tmp_path / "keep"
    for _ in range(3):
        assert ofs("backup", "--metadata", metadata_of(source), "--to", str(backups), "--keep", "2").returncode == 0
    kept = sorted(p.name for p in backups.iterdir())
    assert len(kept) == 2 and all(p.startswith("ofs-metadata-") and p.endswith(".json") for p in kept), kept

    restore_and_compare(ofs_factory, tmp_path / "sqlite", source, original,
                        f"sqlite:{tmp_path}/restored/metadata.sqlite")


def test_backups_move_between_sqlite_and_mariadb(ofs_factory, tmp_path):
    if BINARY is None:
        pytest.skip("no ofs binary")
    if not MYSQL_URL:
        if os.environ.get("OFS_REQUIRE_SERVICES") == "1":
            pytest.fail("OFS_REQUIRE_SERVICES=1 but OFS_TEST_MYSQL_URL is not set")
        pytest.skip("no MariaDB: set OFS_TEST_MYSQL_URL (scripts/services/mariadb.sh start)")
    source = ofs_factory()
    build_catalog(source)
    original = dumps(source)
    database = f"restored_{os.getpid()}_{uniq('db')}".lower()
    drop_database(database)
    try:
        on_mariadb = restore_and_compare(ofs_factory, tmp_path / "to_mariadb", source, original,
                                         mysql_database_url(database))
        # And back: MariaDB -> SQLite.
        restore_and_compare(ofs_factory, tmp_path / "to_sqlite", on_mariadb, original,
                            f"sqlite:{tmp_path}/back/metadata.sqlite")
        on_mariadb.stop()
    finally:
        drop_database(database)


def drop_database(database: str) -> None:
    url = urlsplit(MYSQL_URL)
    done = subprocess.run(["mariadb", "--protocol=TCP", "-h", url.hostname, "-P", str(url.port), "-u",
                           url.username, f"-p{url.password}", "-e", f"DROP DATABASE IF EXISTS {database}"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    if BINARY is None:
        pytest.skip("no ofs binary")
    bad = tmp_path / "ofs-metadata-20260101T000000.000Z.json"
    bad.write_text('{"format": "something else"}')
    metadata = f"sqlite:{tmp_path}/m.sqlite"
    done = ofs("restore", "--metadata", metadata, "--from", str(bad))
    assert done.returncode == 1 and "not an OFS metadata backup" in done.stderr, done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    none = ofs("restore", "--metadata", metadata, "--from", str(empty))
    assert none.returncode == 1 and "no backup" in none.stderr, none.stderr
    missing = ofs("backup", "--metadata", "mysql://u:p@127.0.0.1:1/x", "--to", str(tmp_path / "b"))
    assert missing.returncode == 1 and "--metadata" in missing.stderr, missing.stderr


def test_the_admin_process_backs_up_on_a_schedule_and_on_demand(ofs_factory, tmp_path):
    backups = tmp_path / "scheduled"
    srv = ofs_factory(extra_args=["--metadata-backup-dir", str(backups), "--metadata-backup-interval-s", "1",
                                  "--metadata-backup-keep", "2"])
    build_catalog(srv)
    original = dumps(srv)
    answer = assert_ok(srv.admin.post("/v1/admin/backup", {}))
    assert Path(answer["path"]).parent == backups and answer["bytes"] > 0, answer
    # The schedule writes more; only the newest two stay.
    wait_until(lambda: _backups_total(srv) >= 3, timeout=10, what="three backups")
    kept = sorted(p.name for p in backups.iterdir() if not p.name.endswith(".tmp"))
    assert len(kept) == 2, kept
    restored = ofs("restore", "--metadata", f"sqlite:{tmp_path}/r/metadata.sqlite", "--from", str(backups))
    assert restored.returncode == 0, restored.stderr
    target = ofs_factory(extra_args=["--metadata", f"sqlite:{tmp_path}/r/metadata.sqlite"])
    assert dumps(target) == original


def _backups_total(srv) -> float:
    samples, _ = parse_metrics(srv.admin.get("/metrics").text)
    return sum(v for name, labels, v in samples
               if name == "ofs_metadata_backups_total" and labels.get("result") == "ok")


def test_on_demand_backup_without_a_directory_is_a_request_error(server):
    assert_error(server.admin.post("/v1/admin/backup", {}), 400, "INVALID_REQUEST")
