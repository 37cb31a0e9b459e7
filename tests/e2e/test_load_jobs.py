"""Load jobs through the admin API (docs/ingestion.md, "Load jobs"): POST /v1/load records a job, the worker
inside `ofs standalone` plans it and loads its data files, GET /v1/load/{id} tells how far it is; a worker
killed mid-load leaves files whose leases run out, and the restarted process finishes them: every row
once in the counts, every value as in the table. Tables are written by delta-rs (PyPI `deltalake`).
"""
from __future__ import annotations

import pytest

from e2e_support import (FLEET, Ofs, OfsServer, assert_error, assert_ok, make_entity, make_group, read_data, uniq,
                         wait_until)

deltalake = pytest.importorskip("deltalake", reason="deltalake (delta-rs) is installed by scripts/bootstrap")
pa = pytest.importorskip("pyarrow")

FILES = 12
ROWS_PER_FILE = 40_000


def write_table(path: str, files: int, rows_per_file: int) -> None:
    for f in range(files):
        ids = list(range(f * rows_per_file, (f + 1) * rows_per_file))
        deltalake.write_deltalake(path, pa.table({"id": pa.array(ids, pa.int64()),
                                                  "score": pa.array([i * 0.5 for i in ids]),
                                                  "label": pa.array([f"l{i % 1000}" for i in ids])}),
                                  mode="append")


def group_of(srv) -> str:
    ofs = Ofs(srv)
    ent = make_entity(ofs, uniq("load_ent"), features=(("id", "BIGINT"),), keys=("id",))
    return make_group(ofs, ent, uniq("load_fg"), features=(("score", "DOUBLE"), ("label", "TEXT")))


def job(srv, job_id: int) -> dict:
    return assert_ok(srv.admin.get(f"/v1/load/{job_id}"))


def wait_for_end(srv, job_id: int, timeout: float = 120) -> dict:
    return wait_until(lambda: (lambda j: j if j["state"] in ("SUCCEEDED", "FAILED") else None)(job(srv, job_id)),
                      timeout, interval=0.2, what=f"load job {job_id} to end")


def test_a_load_job_runs_to_the_end_and_reports_progress(ofs_factory, tmp_path):
    srv = ofs_factory()
    grp = group_of(srv)
    table = str(tmp_path / "table")
    write_table(table, 3, 1000)
    created = assert_ok(srv.admin.post("/v1/load", {"tablePath": table, "featureGroupName": grp, "runId": "job-run"}))
    assert created["state"] == "QUEUED" and created["id"] > 0
    done = wait_for_end(srv, created["id"])
    assert done["state"] == "SUCCEEDED", done
    assert done["rowsLoaded"] == 3000 and done["rowsFailed"] == 0 and done["rowsTotal"] == 3000
    assert done["filesDone"] == done["filesTotal"] == 3
    assert done["tableVersion"] == 2 and done["featureGroupVersion"] == "v1" and done["runId"] == "job-run"
    assert done["sink"] == "store", done  # no topic registered for the group's consume tenant
    assert done["rowsPerSecond"] > 0 and done["finishedAt"] >= done["startedAt"] >= done["createdAt"]
    listed = assert_ok(srv.admin.get("/v1/load"))
    assert listed[0]["id"] == created["id"]
    runs = assert_ok(Ofs(srv).on("darwin").get_runs(grp))
    assert [(r["runId"], r["count"], r["status"]) for r in runs] == [("job-run", 3000, "SUCCESS")]
    data = read_data(Ofs(srv), grp, ["score", "label"], ["id"], [[0], [2999]])
    assert sorted(k["features"] for k in data["successfulKeys"]) == [[0.0, "l0"], [1499.5, "l999"]]

    # Only what was added after version 2.
    write_table(table, 1, 10)
    later = assert_ok(srv.admin.post("/v1/load", {"tablePath": table, "featureGroupName": grp, "fromVersion": 2}))
    done = wait_for_end(srv, later["id"])
    assert (done["state"], done["rowsLoaded"], done["filesTotal"]) == ("SUCCEEDED", 10, 1), done
    # Listings filtered by group, version and state (before the limit).
    other = group_of(srv)
    failed = assert_ok(srv.admin.post("/v1/load", {"tablePath": str(tmp_path / "absent"), "featureGroupName": other}))
    wait_for_end(srv, failed["id"])
    ids = lambda **query: [j["id"] for j in assert_ok(srv.admin.get("/v1/load", query=query))]
    assert ids(featureGroupName=grp) == [later["id"], created["id"]]
    assert ids(featureGroupName=grp, limit="1") == [later["id"]]
    assert ids(featureGroupName=other, state="FAILED") == [failed["id"]]
    assert ids(featureGroupName=other, state="SUCCEEDED") == []
    assert ids(featureGroupName=grp, featureGroupVersion="v2") == []


def test_a_job_that_cannot_run_fails_with_its_reason(ofs_factory, tmp_path):
    srv = ofs_factory()
    grp = group_of(srv)
    missing = assert_ok(srv.admin.post("/v1/load", {"tablePath": str(tmp_path / "absent"), "featureGroupName": grp}))
    done = wait_for_end(srv, missing["id"])
    assert done["state"] == "FAILED" and "Delta table" in done["error"], done
    mismatch = str(tmp_path / "mismatch")
    deltalake.write_deltalake(mismatch, pa.table({"id": pa.array([1], pa.int64()), "score": pa.array(["x"])}))
    bad = assert_ok(srv.admin.post("/v1/load", {"tablePath": mismatch, "featureGroupName": grp}))
    done = wait_for_end(srv, bad["id"])
    assert done["state"] == "FAILED" and "does not convert to DOUBLE" in done["error"], done
    runs = assert_ok(Ofs(srv).on("darwin").get_runs(grp))
    assert {r["status"] for r in runs} == {"FAILED"}

    # Refused at once: no table, an unknown group, a credential in the job, a malformed id.
    assert_error(srv.admin.post("/v1/load", {"featureGroupName": grp}), 400, "INVALID_REQUEST")
    r = srv.admin.post("/v1/load", {"tablePath": mismatch, "featureGroupName": uniq("nope")})
    assert r.status == 404, r.body
    r = srv.admin.post("/v1/load", {"tablePath": mismatch, "featureGroupName": grp,
                                    "storageOptions": {"aws_secret_access_key": "x"}})
    assert r.status == 400 and "credential" in r.text, r.body
    assert srv.admin.get("/v1/load/abc").status == 400
    assert srv.admin.get("/v1/load/999999").status == 404
    r = srv.admin.post("/v1/load", {"tablePath": mismatch, "featureGroupName": grp, "sink": "http"})
    assert r.status == 400 and "invalid sink" in r.text, r.body


def test_a_kafka_job_on_a_worker_without_kafka_fails_saying_so(ofs_factory, tmp_path):
    srv = ofs_factory(extra_args=["--populate-max-attempts", "1"])
    grp = group_of(srv)
    table = str(tmp_path / "table")
    write_table(table, 1, 10)
    created = assert_ok(srv.admin.post("/v1/load", {"tablePath": table, "featureGroupName": grp, "sink": "kafka"}))
    done = wait_for_end(srv, created["id"])
    assert done["state"] == "FAILED" and done["sink"] == "kafka", done
    assert "no Kafka producer" in done["error"] and done["rowsLoaded"] == 0, done


def test_a_worker_killed_mid_load_is_finished_after_restart_with_every_row_once(ofs_factory, tmp_path):
    srv = ofs_factory(extra_args=["--populate-lease-ms", "1000", "--populate-batch-rows", "2048"])
    grp = group_of(srv)
    table = str(tmp_path / "big")
    write_table(table, FILES, ROWS_PER_FILE)
    created = assert_ok(srv.admin.post("/v1/load", {"tablePath": table, "featureGroupName": grp}))
    wait_until(lambda: 0 < job(srv, created["id"])["filesDone"] < FILES, 60, interval=0.01,
               what="the load to be part-way")
    srv.kill()  # kill -9: a file in progress keeps its claim until its lease runs out
    srv.start()
    done = wait_for_end(srv, created["id"], timeout=180)
    assert done["state"] == "SUCCEEDED", done
    assert done["rowsLoaded"] == FILES * ROWS_PER_FILE and done["rowsFailed"] == 0, done
    assert done["filesDone"] == FILES
    probe = [[0], [ROWS_PER_FILE - 1], [FILES * ROWS_PER_FILE // 2], [FILES * ROWS_PER_FILE - 1]]
    data = read_data(Ofs(srv), grp, ["id", "score"], ["id"], probe)
    assert sorted(k["features"] for k in data["successfulKeys"]) == sorted([[i[0], i[0] * 0.5] for i in probe])
    assert not data.get("failedKeys"), data


@pytest.mark.skipif(not FLEET, reason="workers in other processes share the fleet's engines (MariaDB + Cassandra: "
                                      "make test's Cassandra stage); the embedded stores belong to one process")
def test_populate_processes_share_a_job_and_one_killed_mid_load_loses_nothing(ofs_launcher, tmp_path):
    """The issue's kill -9: two `ofs populate` processes run one job over the fleet's engines; one is killed
    mid-load; the other (and the killed one, restarted) finish it with every row counted once."""
    fleet = ofs_launcher.start(name="loadfleet", fleet=True)
    workers = []
    try:
        for i in range(2):
            worker = OfsServer(ofs_launcher.binary, ofs_launcher.base / f"populate{i}_{uniq('w')}",
                               ["--populate-lease-ms", "1000", "--populate-batch-rows", "2048",
                                "--catalog-refresh-ms", "250"], None, None, f"populate{i}", "populate", fleet.data_dir)
            ofs_launcher.servers.append(worker)
            workers.append(worker.start())
        ofs = Ofs(fleet)
        ent = make_entity(ofs, uniq("load_ent"), features=(("id", "BIGINT"),), keys=("id",))
        grp = make_group(ofs, ent, uniq("load_fg"), features=(("score", "DOUBLE"), ("label", "TEXT")))
        table = str(tmp_path / "shared")
        files, per_file = 8, 20_000
        write_table(table, files, per_file)
        created = assert_ok(fleet.admin.post("/v1/load", {"tablePath": table, "featureGroupName": grp}))
        wait_until(lambda: 0 < job(fleet, created["id"])["filesDone"] < files, 120, interval=0.01,
                   what="the load to be part-way")
        workers[0].kill()
        workers[0].start()
        done = wait_for_end(fleet, created["id"], timeout=240)
        assert done["state"] == "SUCCEEDED", done
        assert (done["rowsLoaded"], done["rowsFailed"], done["filesDone"]) == (files * per_file, 0, files), done
        probe = [[0], [per_file], [files * per_file - 1]]
        data = read_data(ofs, grp, ["id", "score"], ["id"], probe)
        assert sorted(k["features"] for k in data["successfulKeys"]) == sorted([[i[0], i[0] * 0.5] for i in probe])
    finally:
        problems = [p for srv in [*workers, fleet] for p in ofs_launcher.stop(srv)]
    assert not problems, problems

