"""Fixtures of the OFS black-box end-to-end suite. See README.md in this directory.

- the whole suite is skipped (with the reason) when no `ofs` binary is found;
- `server`: one `ofs standalone` for the session (fresh data dir, free ports), `.serving` / `.admin` clients;
- `ofs_factory`: start dedicated servers (own data dir or a reused one, extra flags, a config file);
  they are stopped when the test ends;
- every server is checked at teardown: a crash signal, an unexpected exit or a sanitizer report in its
  stderr fails the run;
- every test runs under a time limit (OFS_E2E_TEST_TIMEOUT, default 120 s; marker `timeout_s(n)`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_support import (FLEET, METADATA_URL, STORE_URL, Launcher, Ofs, find_binary, missing_binary_reason,  # noqa: E402
                         uniq as _uniq)

E2E_DIR = Path(__file__).resolve().parent
BINARY = find_binary()
TEST_TIMEOUT_S = float(os.environ.get("OFS_E2E_TEST_TIMEOUT", "120"))


def pytest_configure(config):
    if FLEET and not (STORE_URL and METADATA_URL):
        raise pytest.UsageError("OFS_E2E_FLEET=1 needs OFS_E2E_STORE and OFS_E2E_METADATA: the engines the "
                                "fleet's nodes share")
    config.addinivalue_line("markers", "slow: takes seconds on purpose (TTL expiry, restarts, timeouts)")
    config.addinivalue_line("markers", "timeout_s(seconds): time limit of one e2e test")
    config.addinivalue_line("markers", "embedded_store: exercises the embedded RocksDB and SQLite stores "
                            "themselves (skipped when OFS_E2E_STORE or OFS_E2E_METADATA names another engine)")


# Tests skipped by a substring of their id, with the reason. Features the contract names that arrive with a
# later issue go here too; today only the fleet's: its serve nodes have no Kafka, so write-async answers
# 503 there by design (test_kafka.py covers write-async through Kafka, the embedded suite through the
# embedded queue).
SKIPPED_BY_ID = []
if FLEET:
    SKIPPED_BY_ID += [(fragment, "the fleet runs without Kafka: 503 by design") for fragment in (
        "test_write_async_reaches_store", "test_writes_need_writer_role[v1-write_async]",
        "test_cell[write-async-writer-all]", "test_cell[write-async-writer-in]")]


# The longest files first, so that with pytest-xdist (`-n N --dist loadscope`, the Makefile) they start at once
# and the short ones fill the other workers around them; serially the order changes nothing.
LONGEST_FIRST = ("test_kafka.py", "test_tenant_scope.py", "test_serving_read_write.py")


def _longest_first(item):
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config, items):
    items.sort(key=_longest_first)  # stable: each file's own order is kept
    for item in items:
        if (STORE_URL or METADATA_URL) and item.get_closest_marker("embedded_store"):
            item.add_marker(pytest.mark.skip(
                reason=f"embedded stores only; this run uses {STORE_URL or 'rocksdb'} and {METADATA_URL or 'sqlite'}"))
        for fragment, reason in SKIPPED_BY_ID:
            if fragment in item.nodeid:
                item.add_marker(pytest.mark.skip(reason=reason))
    if BINARY is not None:
        return
    skip = pytest.mark.skip(reason=missing_binary_reason())
    for item in items:
        try:
            inside = E2E_DIR == Path(item.path).resolve().parent or E2E_DIR in Path(item.path).resolve().parents
        except (OSError, AttributeError):
            inside = False
        if inside:
            item.add_marker(skip)


def pytest_report_header(config):
    return (f"ofs e2e binary: {BINARY if BINARY else 'NOT FOUND - e2e tests will be skipped'}; "
            f"store: {STORE_URL or 'embedded'}, metadata: {METADATA_URL or 'embedded'}"
            f"{'; shared servers are fleets (1 admin, 2 serve)' if FLEET else ''}")


# ----------------------------------------------------------------------------------------------
# time limit
# ----------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _e2e_time_limit(request):
    marker = request.node.get_closest_marker("timeout_s")
    limit = float(marker.args[0]) if marker else TEST_TIMEOUT_S
    if (limit <= 0 or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def on_alarm(signum, frame):
        pytest.fail(f"e2e test exceeded its time limit of {limit:.0f} s", pytrace=True)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ----------------------------------------------------------------------------------------------
# servers
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def ofs_binary() -> Path:
    if BINARY is None:
        pytest.skip(missing_binary_reason())
    return BINARY


@pytest.fixture(scope="session")
def ofs_launcher(ofs_binary, tmp_path_factory):
    launcher = Launcher(ofs_binary, tmp_path_factory.mktemp("ofs-e2e"))
    yield launcher
    problems = launcher.shutdown_all()
    if problems:
        pytest.fail("ofs server problems:\n" + "\n\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def server(ofs_launcher):
    """The shared server: `ofs standalone` on a fresh data dir (with OFS_E2E_FLEET=1, a Fleet: e2e_support).
    Attributes: serving, admin (Client), serving_port, admin_port, data_dir, proc."""
    srv = ofs_launcher.start(name="shared", fleet=FLEET)
    yield srv
    problems = ofs_launcher.stop(srv)
    if problems:
        pytest.fail("shared ofs server problems:\n" + "\n\n".join(problems), pytrace=False)


@pytest.fixture
def ofs_factory(ofs_launcher):
    """factory(extra_args=(), data_dir=None, config_text=None, start=True, name=None, role="standalone")
    -> OfsServer (role: another role of the binary, e.g. "consume").

    Servers started here are stopped (SIGTERM, SIGKILL after 5 s) when the test ends and checked for
    crashes. Use srv.kill() / srv.start() / srv.restart(kill=True) for restart scenarios."""
    started = []

    def factory(extra_args=(), data_dir=None, config_text=None, start=True, name=None, role="standalone"):
        srv = ofs_launcher.create(extra_args, data_dir, config_text, name, role=role)
        started.append(srv)
        if start:
            srv.start()
        return srv

    yield factory
    problems = []
    for srv in started:
        problems.extend(ofs_launcher.stop(srv))
    if problems:
        pytest.fail("ofs server problems:\n" + "\n\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def module_server(ofs_launcher, request):
    """A server per test module, configured by the module-level `SERVER_ARGS` / `SERVER_CONFIG`."""
    args = getattr(request.module, "SERVER_ARGS", ())
    config = getattr(request.module, "SERVER_CONFIG", None)
    srv = ofs_launcher.start(args, config_text=config, name=request.module.__name__.rsplit(".", 1)[-1],
                             fleet=FLEET)
    yield srv
    problems = ofs_launcher.stop(srv)
    if problems:
        pytest.fail("ofs server problems:\n" + "\n\n".join(problems), pytrace=False)


# ----------------------------------------------------------------------------------------------
# conveniences
# ----------------------------------------------------------------------------------------------

@pytest.fixture
def uniq():
    """uniq("user") -> "user_00042" (unique for the session)."""
    return _uniq


@pytest.fixture
def v1(server) -> Ofs:
    return Ofs(server, "v1")


@pytest.fixture
def darwin(server) -> Ofs:
    return Ofs(server, "darwin")


@pytest.fixture(params=("v1", "darwin"))
def ofs(server, request) -> Ofs:
    """The API on each face in turn: v1 paths, then Darwin-compatible paths."""
    return Ofs(server, request.param)
