#!/usr/bin/env python3
"""Records the Darwin catalog dumps that tests/e2e/test_import_darwin.py imports (`ofs import-darwin`).

There is no Darwin server here, so the dumps are made by OFS's own Darwin-path responses (API.md
section 4, checked against Darwin's source): a fresh `ofs standalone` gets a small catalog through
Darwin's admin paths, then GET /entity/all, /feature-group/all and /feature-group/version/all are saved
as served (Darwin's default encoding: base64 of raw-deflated JSON inside {"data": "..."}).

The catalog matches the table that tests/e2e/test_cassandra_darwin_keyspace.py makes with Darwin's DDL:
entity user_events (userId BIGINT, eventDay TEXT, countryCode TEXT; key userId, eventDay), group clicks
v1 (total INT, ratio DOUBLE, tag TEXT) and v2 (+ best BIGINT), group legacy v1 (archived), and an
archived entity retired with no group.

    python3 tests/e2e/darwin_catalog/record.py [--binary build/release/apps/ofs/ofs]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from e2e_support import (Ofs, OfsServer, assert_ok, entity_body, find_binary,  # noqa: E402
                         group_body)

DUMPS = {
    "entity-all.json": "/entity/all",
    "feature-group-all.json": "/feature-group/all",
    "feature-group-version-all.json": "/feature-group/version/all",
}
OWNER = "features@example.com"


def build_catalog(darwin: Ofs) -> None:
    assert_ok(darwin.register_entity(entity_body(
        "user_events", features=(("userId", "BIGINT"), ("eventDay", "TEXT"), ("countryCode", "TEXT")),
        keys=("userId", "eventDay"), owner=OWNER, tags=["events"], description="one row per user and day")))
    assert_ok(darwin.register_entity(entity_body("retired", features=(("id", "BIGINT"),), keys=("id",),
                                                 owner=OWNER, description="no longer used")))
    assert_ok(darwin.set_entity_state("retired", "ARCHIVED"))
    clicks = (("total", "INT"), ("ratio", "DOUBLE"), ("tag", "TEXT"))
    assert_ok(darwin.register_group(group_body("clicks", "user_events", features=clicks, owner=OWNER,
                                               tags=["engagement"], description="clicks per day")))
    v2 = group_body("clicks", "user_events", features=clicks + (("best", "BIGINT"),), owner=OWNER,
                    tags=["engagement"], description="clicks per day, with the best streak")
    assert_ok(darwin.admin.post("/feature-group/register", v2, headers={"upgrade": "true"}))
    assert_ok(darwin.register_group(group_body("legacy", "user_events", features=(("score", "DOUBLE"),),
                                               owner=OWNER)))
    assert_ok(darwin.set_group_state("legacy", "ARCHIVED", version="v1"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=find_binary())
    args = parser.parse_args()
    if args.binary is None:
        parser.error("no ofs binary: build it (make build) or pass --binary")
    with tempfile.TemporaryDirectory() as home:
        srv = OfsServer(args.binary, Path(home), name="recorder").start()
        try:
            build_catalog(Ofs(srv, "darwin"))
            for file, path in DUMPS.items():
                resp = srv.admin.get(path)
                assert resp.status == 200, resp.describe()
                (HERE / file).write_bytes(resp.raw)
                print(f"wrote {file} ({len(resp.raw)} bytes) from GET {path}")
        finally:
            srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
