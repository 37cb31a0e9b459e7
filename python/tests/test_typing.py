"""The package passes ``mypy --strict`` (configured in pyproject.toml) and ships py.typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]


def test_package_ships_py_typed() -> None:
    assert (PYTHON_DIR / "darwin_fs" / "py.typed").is_file()


def test_mypy_strict() -> None:
    pytest.importorskip("mypy")
    cache = PYTHON_DIR / ".mypy_cache"
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), "darwin_fs"],
                          cwd=PYTHON_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout
