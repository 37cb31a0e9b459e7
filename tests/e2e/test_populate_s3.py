"""Delta tables on an S3-compatible server (moto, as in test_metadata_backup_s3.py) load through `ofs populate
--table s3://...` and through a load job whose worker holds the credentials (populate.storage_options); an
endpoint that cannot be reached fails the job after its retries, with the reason.
"""
from __future__ import annotations

import pytest

from e2e_support import Ofs, assert_ok, free_port, make_entity, make_group, read_data, store_args, uniq, wait_until
from test_metadata_backup_s3 import CREDENTIALS, make_bucket, s3_endpoint  # noqa: F401 (a fixture)
from test_populate import BINARY

deltalake = pytest.importorskip("deltalake", reason="deltalake (delta-rs) is installed by scripts/bootstrap")
pa = pytest.importorskip("pyarrow")

pytestmark = pytest.mark.timeout_s(180)


def options_of(endpoint: str) -> dict[str, str]:
    """object_store's keys, as OFS takes them (and delta-rs too)."""
    return {"aws_endpoint": endpoint, "aws_allow_http": "true", "aws_region": "us-east-1",
            "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}


def write_s3_table(endpoint: str, bucket: str, name: str, ids) -> str:
    uri = f"s3://{bucket}/{name}"
    options = {**options_of(endpoint), "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}
    deltalake.write_deltalake(uri, pa.table({"id": pa.array(list(ids), pa.int64()),
                                             "score": pa.array([i * 2.0 for i in ids])}), storage_options=options)
    return uri


def group_of(srv) -> str:
    ofs = Ofs(srv)
    ent = make_entity(ofs, uniq("s3_ent"), features=(("id", "BIGINT"),), keys=("id",))
    return make_group(ofs, ent, uniq("s3_fg"), features=(("score", "DOUBLE"),))


def scores(srv, group: str, ids) -> dict:
    data = read_data(Ofs(srv), group, ["score"], ["id"], [[i] for i in ids])
    return {k["key"][0]: k["features"][0] for k in data["successfulKeys"]}


def test_a_table_on_s3_loads_from_the_command_line_and_as_a_job(ofs_factory, s3_endpoint, tmp_path):
    import subprocess
    bucket = make_bucket(s3_endpoint)
    uri = write_s3_table(s3_endpoint, bucket, "features/users", range(500))
    storage = ";".join(f"{k}={v}" for k, v in options_of(s3_endpoint).items())
    srv = ofs_factory(extra_args=["--populate-storage-options", storage])
    grp = group_of(srv)

    # A job: the worker has the credentials; the job names only the table.
    created = assert_ok(srv.admin.post("/v1/load", {"tablePath": uri, "featureGroupName": grp}))
    done = wait_until(lambda: (lambda j: j if j["state"] in ("SUCCEEDED", "FAILED") else None)(
        assert_ok(srv.admin.get(f"/v1/load/{created['id']}"))), 120, interval=0.2, what="the S3 load job")
    assert (done["state"], done["rowsLoaded"]) == ("SUCCEEDED", 500), done
    assert scores(srv, grp, [0, 499]) == {0: 0.0, 499: 998.0}

    # The command line, with the options as flags.
    second = group_of(srv)
    srv.stop()
    cmd = [str(BINARY), "populate", "--data-dir", str(srv.data_dir), *store_args(srv.data_dir), "--no-progress",
           "--table", uri, "--feature-group", second]
    for key, value in options_of(s3_endpoint).items():
        cmd += ["--storage-option", f"{key}={value}"]
    loaded = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0 and "500 rows loaded, 0 failed" in loaded.stderr, loaded.stderr
    srv.start()
    assert scores(srv, second, [1, 250]) == {1: 2.0, 250: 500.0}


def test_an_unreachable_endpoint_fails_the_job_after_its_retries_with_the_reason(ofs_factory):
    dead = f"http://127.0.0.1:{free_port()}"
    storage = ";".join(f"{k}={v}" for k, v in options_of(dead).items())
    srv = ofs_factory(extra_args=["--populate-storage-options", storage, "--populate-max-attempts", "2"])
    grp = group_of(srv)
    created = assert_ok(srv.admin.post("/v1/load", {"tablePath": "s3://nowhere/table", "featureGroupName": grp}))
    done = wait_until(lambda: (lambda j: j if j["state"] in ("SUCCEEDED", "FAILED") else None)(
        assert_ok(srv.admin.get(f"/v1/load/{created['id']}"))), 150, interval=0.2, what="the job to fail")
    assert done["state"] == "FAILED", done
    assert "planning failed 2 attempts" in done["error"] and "Delta table s3://nowhere/table" in done["error"], done
