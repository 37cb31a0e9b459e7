"""Metadata backups to an S3-compatible endpoint (issue 17, item 7): `ofs backup --to s3://BUCKET/PREFIX`
keeps the newest N objects there, `ofs restore --from s3://...` (a prefix: its newest backup; a key: that
one) gives a byte-identical catalog, `ofs admin`/`standalone` with metadata.backup_dir = s3://... writes
one on POST /v1/admin/backup, and S3's failures (a missing bucket, an endpoint that cannot be reached, no
credentials) are clear errors.

The S3 server is moto's: OFS_TEST_S3_ENDPOINT when set (`make test-s3`), else scripts/services/s3.sh
started here on a free port and wiped afterwards (its first start installs moto from PyPI). Without one
the tests are skipped, unless OFS_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import BINARY
from e2e_support import REPO_ROOT, assert_error, assert_ok, free_port, parse_metrics, uniq
from test_metadata_backup import build_catalog, dumps, metadata_of, ofs

S3_SCRIPT = REPO_ROOT / "scripts" / "services" / "s3.sh"
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "ofs-test", "AWS_SECRET_ACCESS_KEY": "ofs-test-secret/+="}

pytestmark = pytest.mark.timeout_s(180)


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3 endpoint (moto) for this module, with credentials in the environment of every ofs started."""
    if BINARY is None:
        pytest.skip("no ofs binary")
    given = os.environ.get("OFS_TEST_S3_ENDPOINT")
    if given:  # a server someone else started and stops (`make test-s3`)
        yield from with_credentials(given)
        return
    env = {**os.environ, "OFS_S3_PORT": str(free_port())}
    try:
        started = subprocess.run([str(S3_SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        started = None
    if started is None or started.returncode != 0:
        reason = ("no S3 server: scripts/services/s3.sh start failed (moto not installable here?): " +
                  (started.stderr.strip()[-600:] if started else "timed out"))
        if os.environ.get("OFS_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield from with_credentials(started.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run([str(S3_SCRIPT), "wipe"], env=env, capture_output=True, text=True, timeout=120)


def with_credentials(endpoint: str):
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def s3_request(endpoint: str, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """A plain request to moto (which checks no signature)."""
    request = urllib.request.Request(endpoint + path, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def make_bucket(endpoint: str) -> str:
    bucket = uniq("ofs-backups").lower().replace("_", "-")[:63]
    status, body = s3_request(endpoint, "PUT", f"/{bucket}")
    assert status == 200, body
    return bucket


def keys(endpoint: str, bucket: str, prefix: str) -> list[str]:
    status, body = s3_request(endpoint, "GET", f"/{bucket}?list-type=2&prefix={urllib.parse.quote(prefix)}")
    assert status == 200, body
    return sorted(k.text for k in ElementTree.fromstring(body).iter(f"{S3_NS}Key"))


def backup(metadata: str, to: str, endpoint: str, *extra: str) -> subprocess.CompletedProcess:
    return ofs("backup", "--metadata", metadata, "--to", to, "--s3-endpoint", endpoint, *extra)


def test_backups_to_s3_keep_the_newest_and_restore_byte_identical(ofs_factory, tmp_path, s3_endpoint):
    bucket = make_bucket(s3_endpoint)
    # Objects beside and below the prefix are not backups: never counted, never removed.
    for other in ("team/ofs/notes.txt", "team/ofs/old/ofs-metadata-20200101T000000.000Z.json"):
        assert s3_request(s3_endpoint, "PUT", f"/{bucket}/{other}", b"{}")[0] == 200
    source = ofs_factory()
    build_catalog(source)
    original = dumps(source)

    written = []
    for _ in range(3):
        done = backup(metadata_of(source), f"s3://{bucket}/team/ofs", s3_endpoint, "--keep", "2")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"s3://{bucket}/team/ofs/ofs-metadata-"), done.stdout
        written.append(done.stdout.split()[0])
        time.sleep(0.01)  # names carry milliseconds
    backups = [k for k in keys(s3_endpoint, bucket, "team/ofs/") if k.count("/") == 2 and k.endswith(".json")]
    assert [f"s3://{bucket}/{k}" for k in backups] == written[1:], (backups, written)
    assert "team/ofs/notes.txt" in keys(s3_endpoint, bucket, "team/ofs/")
    assert "team/ofs/old/ofs-metadata-20200101T000000.000Z.json" in keys(s3_endpoint, bucket, "team/ofs/old/")

    # A prefix: its newest backup. The endpoint from the environment, as the server's setting.
    newest_target = f"sqlite:{tmp_path}/newest/metadata.sqlite"
    restored = subprocess.run([str(BINARY), "restore", "--metadata", newest_target, "--from",
                               f"s3://{bucket}/team/ofs/"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "OFS_METADATA_BACKUP_S3_ENDPOINT": s3_endpoint})
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.strip().endswith(f"from {written[-1]}"), restored.stdout
    assert dumps(ofs_factory(extra_args=["--metadata", newest_target])) == original

    # A key: that backup.
    given_target = f"sqlite:{tmp_path}/given/metadata.sqlite"
    restored = ofs("restore", "--metadata", given_target, "--from", written[1], "--s3-endpoint", s3_endpoint)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.strip().endswith(f"from {written[1]}"), restored.stdout
    assert dumps(ofs_factory(extra_args=["--metadata", given_target])) == original


def test_the_admin_process_backs_up_to_s3_on_demand(ofs_factory, tmp_path, s3_endpoint):
    bucket = make_bucket(s3_endpoint)
    srv = ofs_factory(extra_args=["--metadata-backup-dir", f"s3://{bucket}/scheduled",
                                  "--metadata-backup-s3-endpoint", s3_endpoint,
                                  "--metadata-backup-interval-s", "0"])
    build_catalog(srv)
    original = dumps(srv)
    answer = assert_ok(srv.admin.post("/v1/admin/backup", {}))
    assert answer["path"].startswith(f"s3://{bucket}/scheduled/ofs-metadata-") and answer["bytes"] > 0, answer
    assert keys(s3_endpoint, bucket, "scheduled/") == [answer["path"].split("/", 3)[3]]
    samples, _ = parse_metrics(srv.admin.get("/metrics").text)
    assert any(name == "ofs_metadata_backups_total" and labels.get("result") == "ok" and v == 1
               for name, labels, v in samples), samples
    target = f"sqlite:{tmp_path}/r/metadata.sqlite"
    restored = ofs("restore", "--metadata", target, "--from", answer["path"], "--s3-endpoint", s3_endpoint)
    assert restored.returncode == 0, restored.stderr
    assert dumps(ofs_factory(extra_args=["--metadata", target])) == original


def test_s3_failures_are_clear_errors(ofs_factory, tmp_path, s3_endpoint):
    metadata = f"sqlite:{tmp_path}/m/metadata.sqlite"
    missing = backup(metadata, "s3://no-such-bucket-ofs/p", s3_endpoint)
    assert missing.returncode == 1, missing
    assert "NoSuchBucket" in missing.stderr and "s3://no-such-bucket-ofs/p/ofs-metadata-" in missing.stderr, \
        missing.stderr

    started = time.monotonic()
    unreachable = backup(metadata, "s3://bucket-ofs/p", f"http://127.0.0.1:{free_port()}", "--s3-timeout-ms", "2000")
    assert unreachable.returncode == 1 and "PutObject s3://bucket-ofs/p/" in unreachable.stderr, unreachable.stderr
    assert time.monotonic() - started < 20

    bucket = make_bucket(s3_endpoint)
    empty = ofs("restore", "--metadata", metadata, "--from", f"s3://{bucket}/nothing", "--s3-endpoint", s3_endpoint)
    assert empty.returncode == 1 and "no backup" in empty.stderr, empty.stderr
    no_key = ofs("restore", "--metadata", metadata, "--from", f"s3://{bucket}/x/ofs-metadata-none.json",
                 "--s3-endpoint", s3_endpoint)
    assert no_key.returncode == 1 and "NoSuchKey" in no_key.stderr, no_key.stderr
    bad_url = backup(metadata, "s3://Not_A_Bucket/p", s3_endpoint)
    assert bad_url.returncode == 1 and "not a bucket name" in bad_url.stderr, bad_url.stderr

    no_credentials = subprocess.run(
        [str(BINARY), "backup", "--metadata", metadata, "--to", f"s3://{bucket}/p", "--s3-endpoint", s3_endpoint],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
    assert no_credentials.returncode == 1 and "AWS_ACCESS_KEY_ID" in no_credentials.stderr, no_credentials.stderr
    assert CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in missing.stderr + unreachable.stderr

    # The admin process: a missing bucket is 503 STORE-UNAVAILABLE naming it, counted as failed.
    srv = ofs_factory(extra_args=["--metadata-backup-dir", "s3://no-such-bucket-ofs/p",
                                  "--metadata-backup-s3-endpoint", s3_endpoint, "--metadata-backup-interval-s", "0"])
    error = assert_error(srv.admin.post("/v1/admin/backup", {}), 503, "STORE-UNAVAILABLE")
    assert "NoSuchBucket" in error["message"] + error["cause"], error
    samples, _ = parse_metrics(srv.admin.get("/metrics").text)
    assert any(name == "ofs_metadata_backups_total" and labels.get("result") == "failed" and v == 1
               for name, labels, v in samples), samples
