"""Fixtures of the darwin_fs test suite.

- ``ofs``: one real ``ofs standalone`` for the whole session (started from the built binary, own data
  directory, kernel-picked ports); tests that use it are skipped with the reason when the binary is
  missing (``OFS_BINARY``, default build/release/apps/ofs/ofs from the repository root);
- ``ofs_factory``: dedicated servers with extra flags (stopped when the test ends);
- ``darwin_env``: points the Darwin-compatible functions at ``ofs`` through the environment;
- ``client`` / ``names``: a FeatureStoreClient on ``ofs``; unique names;
- every test runs under a time limit (``OFS_SDK_TEST_TIMEOUT``, default 120 s).
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ofs_server import OfsServer, find_binary, missing_binary_reason  # noqa: E402

BINARY = find_binary()
TEST_TIMEOUT_S = float(os.environ.get("OFS_SDK_TEST_TIMEOUT", "120"))
OWNER = "sdk.tests@example.com"
_SERVER_FIXTURES = {"ofs", "ofs_factory", "darwin_env", "client"}


def pytest_report_header(config: Any) -> str:
    return f"ofs binary: {BINARY if BINARY else 'NOT FOUND - tests that need a server are skipped'}"


def pytest_collection_modifyitems(config: Any, items: List[Any]) -> None:
    if BINARY is not None:
        return
    skip = pytest.mark.skip(reason=missing_binary_reason())
    for item in items:
        if _SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _time_limit(request: Any) -> Iterator[None]:
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        pytest.fail(f"test exceeded its time limit of {TEST_TIMEOUT_S:.0f}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, TEST_TIMEOUT_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def ofs(tmp_path_factory: Any) -> Iterator[OfsServer]:
    if BINARY is None:
        pytest.skip(missing_binary_reason())
    server = OfsServer(BINARY, tmp_path_factory.mktemp("ofs-shared")).start()
    yield server
    code = server.stop()
    assert code in (0, None), f"ofs exited with {code}:\n{server.log_tail()}"


@pytest.fixture
def ofs_factory(tmp_path: Path) -> Iterator[Callable[..., OfsServer]]:
    """factory(*extra_args) -> a started OfsServer, stopped at the end of the test."""
    if BINARY is None:
        pytest.skip(missing_binary_reason())
    started: List[OfsServer] = []
    binary = BINARY

    def factory(*extra_args: str) -> OfsServer:
        server = OfsServer(binary, tmp_path / f"ofs-{len(started)}", extra_args).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def darwin_env(ofs: OfsServer, monkeypatch: Any) -> OfsServer:
    """The Darwin functions read the environment on every call: point it at the shared server."""
    for name in ("OFS_URL", "OFS_ADMIN_URL", "OFS_TOKEN", "sdk.python.environment", "SDK_PYTHON_ENVIRONMENT",
                 "ofs.server.host", "ofs.admin.host", "OFS_SERVER_HOST", "OFS_ADMIN_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OFS_URL", ofs.url)
    monkeypatch.setenv("OFS_ADMIN_URL", ofs.admin_url)
    return ofs


@pytest.fixture
def client(ofs: OfsServer) -> Iterator[Any]:
    from darwin_fs import FeatureStoreClient

    with FeatureStoreClient(ofs.url, ofs.admin_url) as c:
        yield c


_counter = itertools.count(1)


@pytest.fixture
def names() -> Callable[[str], str]:
    """names("user") -> "user_0007": unique identifiers for the session."""
    return lambda prefix: f"{prefix}_{next(_counter):04d}"


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released; nothing is started on it)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
