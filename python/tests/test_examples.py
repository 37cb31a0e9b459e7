"""The README's runnable example and a script written for Darwin's SDK 2.x run against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ofs_server import OfsServer

PYTHON_DIR = Path(__file__).resolve().parents[1]


def _run(script: Path, env: dict) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60)


def test_quickstart_example_runs_twice(ofs: OfsServer) -> None:
    pytest.importorskip("pandas")
    env = {**os.environ, "OFS_URL": ofs.url, "OFS_ADMIN_URL": ofs.admin_url}
    for _ in range(2):  # the example is safe to run again
        done = _run(PYTHON_DIR / "examples" / "quickstart.py", env)
        assert done.returncode == 0, done.stderr
        assert "wrote 3 rows to qs_activity v1" in done.stdout
        assert "error code: FEATURE-GROUP-NOT-FOUND-EXCEPTION" in done.stdout


def test_darwin_sdk2_script_runs_unchanged(ofs: OfsServer) -> None:
    """Configured the Darwin way: sdk.python.environment=test, ofs.server.host, ofs.admin.host."""
    pytest.importorskip("aiohttp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFS_")}
    env.update({"sdk.python.environment": "test", "ofs.server.host": ofs.url, "ofs.admin.host": ofs.admin_url})
    done = _run(Path(__file__).resolve().parent / "darwin_sdk2_script.py", env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "darwin sdk 2.x script: OK"
