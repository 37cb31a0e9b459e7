"""`ofs import-darwin` (issue 17, item 4): a Darwin admin's catalog registered in OFS as metadata only.

There is no Darwin server here: a stand-in admin (a Python HTTP server on loopback) serves dumps recorded
from OFS's own Darwin-path responses (darwin_catalog/record.py says how they were made). The import runs
the real binary against it; an `ofs standalone` over the imported metadata store then publishes the same
catalog and serves the groups. tests/e2e/test_cassandra_darwin_keyspace.py does the same over a Darwin
keyspace in Cassandra written by plain CQL.
"""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import threading
import zlib
from pathlib import Path

import pytest

from conftest import BINARY
from e2e_support import METADATA_URL, STORE_URL, Ofs, assert_ok, read_one, store_args

CATALOG = Path(__file__).resolve().parent / "darwin_catalog"
DUMP_PATHS = {
    "/entity/all": "entity-all.json",
    "/feature-group/all": "feature-group-all.json",
    "/feature-group/version/all": "feature-group-version-all.json",
}

pytestmark = pytest.mark.timeout_s(120)


class StandInAdmin:
    """Serves {path: (status, body bytes)} on 127.0.0.1 and records the requests it got."""

    def __init__(self, replies: dict[str, tuple[int, bytes]]):
        self.replies = replies
        self.requests: list[tuple[str, dict]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                owner.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, body = owner.replies.get(self.path, (404, b'{"error": "no such path"}'))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def recorded() -> dict[str, tuple[int, bytes]]:
    return {path: (200, (CATALOG / file).read_bytes()) for path, file in DUMP_PATHS.items()}


def recorded_document(path: str) -> dict:
    """The JSON document inside a recorded dump (base64 of raw deflate)."""
    data = json.loads((CATALOG / DUMP_PATHS[path]).read_bytes())["data"]
    return json.loads(zlib.decompress(base64.b64decode(data), -15))


def metadata_url_for(data_dir: Path) -> str:
    """The metadata store a server over `data_dir` uses (the run's OFS_E2E_METADATA, else its SQLite file)."""
    args = store_args(data_dir)
    if "--metadata" in args:
        return args[args.index("--metadata") + 1]
    return f"sqlite:{data_dir}/metadata.sqlite"


def import_darwin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BINARY), "import-darwin", *args], capture_output=True, text=True, timeout=60)


def without_times(items: list[dict]) -> list[dict]:
    return [{k: v for k, v in item.items() if k not in ("createdAt", "updatedAt")} for item in items]


def test_a_recorded_darwin_catalog_is_imported_and_served(ofs_factory, tmp_path):
    if BINARY is None:
        pytest.skip("no ofs binary")
    srv = ofs_factory(start=False)
    metadata = metadata_url_for(srv.data_dir)
    with StandInAdmin(recorded()) as admin:
        dry = import_darwin("--admin-url", admin.url + "/", "--metadata", metadata, "--dry-run")
        assert dry.returncode == 0, dry.stdout + dry.stderr
        assert "entities: 2 would be registered" in dry.stdout, dry.stdout

        done = import_darwin("--admin-url", admin.url, "--metadata", metadata)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "read 2 entities and 3 feature group versions" in done.stdout, done.stdout
        assert "entities: 2 registered, 0 already present" in done.stdout, done.stdout
        assert "feature group versions: 3 registered, 0 already present" in done.stdout, done.stdout

        again = import_darwin("--admin-url", admin.url, "--metadata", metadata)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "entities: 0 registered, 2 already present" in again.stdout, again.stdout
        assert "feature group versions: 0 registered, 3 already present" in again.stdout, again.stdout
        # Each dump asked once per run, on Darwin's paths, in Darwin's default (compressed) encoding.
        assert sorted(path for path, _ in admin.requests) == sorted(list(DUMP_PATHS) * 3)

    srv.start()
    # OFS publishes what Darwin published (its own times aside).
    for path, key in (("/entity/all", "entities"), ("/feature-group/all", "featureGroups"),
                      ("/feature-group/version/all", "versions")):
        served = json.loads(assert_ok(srv.admin.get(path, headers={"compressed-response": "false"})))
        assert without_times(served[key]) == without_times(recorded_document(path)[key]), path

    darwin = Ofs(srv, "darwin")
    clicks = assert_ok(darwin.admin.get("/feature-group/schema", query={"name": "clicks"}))
    assert clicks["version"] == "v2" and [c["name"] for c in clicks["schema"]][-1] == "best", clicks
    legacy = darwin.group_meta("legacy", "v1")
    assert assert_ok(legacy)["state"] == "ARCHIVED"
    if not STORE_URL:
        # The embedded store needs no table of its own: the imported groups are writable and readable.
        for face in ("v1", "darwin"):
            ofs = Ofs(srv, face)
            assert_ok(ofs.write("clicks", ["userId", "eventDay", "total", "best"], [[7, "2026-01-01", 3, 9]]))
            assert read_one(ofs, "clicks", ["total", "best"], ["userId", "eventDay"], [7, "2026-01-01"]) == [3, 9]


def test_import_errors_name_the_setting_and_change_nothing(tmp_path):
    if BINARY is None:
        pytest.skip("no ofs binary")
    metadata = f"sqlite:{tmp_path}/metadata.sqlite"
    # Nothing listens: one line naming --admin-url and the reason, exit 1.
    with StandInAdmin({}) as admin:
        url = admin.url
    down = import_darwin("--admin-url", url, "--metadata", metadata, "--timeout-ms", "2000")
    assert down.returncode == 1, down.stdout + down.stderr
    assert down.stderr.startswith("ofs import-darwin: --admin-url: GET " + url + "/entity/all failed"), down.stderr

    replies = recorded()
    replies["/feature-group/all"] = (500, b'{"error": {"code": "ADMIN-SERVICE-EXCEPTION"}}')
    with StandInAdmin(replies) as admin:
        failed = import_darwin("--admin-url", admin.url, "--metadata", metadata)
    assert failed.returncode == 1
    assert "/feature-group/all answered 500" in failed.stderr and "ADMIN-SERVICE-EXCEPTION" in failed.stderr

    replies = recorded()
    replies["/entity/all"] = (200, b'{"data": "not base64 of anything"}')
    with StandInAdmin(replies) as admin:
        garbled = import_darwin("--admin-url", admin.url, "--metadata", metadata)
    assert garbled.returncode == 1
    assert "the entity dump" in garbled.stderr and "neither JSON nor base64" in garbled.stderr, garbled.stderr

    replies = recorded()
    replies["/entity/all"] = (200, json.dumps({"data": json.dumps({"entities": [{"name": "x"}]})}).encode())
    with StandInAdmin(replies) as admin:
        bad_item = import_darwin("--admin-url", admin.url, "--metadata", metadata)
    assert bad_item.returncode == 1
    assert "entities[0]" in bad_item.stderr, bad_item.stderr

    bad_flag = import_darwin("--admin-url", "http://127.0.0.1:1", "--metadata", "postgres://x")
    assert bad_flag.returncode == 2 and "--metadata" in bad_flag.stderr, bad_flag.stderr
    # None of the failed runs created anything.
    assert not (tmp_path / "metadata.sqlite").exists()


def test_items_left_out_are_listed_and_the_rest_imported(tmp_path):
    if BINARY is None:
        pytest.skip("no ofs binary")
    metadata = f"sqlite:{tmp_path}/metadata.sqlite"
    replies = recorded()
    groups = recorded_document("/feature-group/all")
    clicks_v2 = next(g for g in groups["featureGroups"] if g["name"] == "clicks" and g["version"] == "v2")
    gap = json.loads(json.dumps(clicks_v2))
    gap["version"] = "v4"  # v3 is missing
    groups["featureGroups"].append(gap)
    replies["/feature-group/all"] = (200, json.dumps({"data": json.dumps(groups)}).encode())
    with StandInAdmin(replies) as admin:
        partial = import_darwin("--admin-url", admin.url, "--metadata", metadata)
    assert partial.returncode == 3, partial.stdout + partial.stderr
    assert "feature group versions: 3 registered" in partial.stdout, partial.stdout
    assert "not imported: feature group 'clicks' v4" in partial.stdout, partial.stdout
