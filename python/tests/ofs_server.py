"""Starting and stopping a real ``ofs standalone`` for the SDK tests (standard library only).

The server listens on ports the kernel picks (``--port 0 --admin-port 0``), read back from its log line
``ofs standalone serving on 127.0.0.1:P, admin on 127.0.0.1:Q``: no race for a "free" port with other
processes on the machine. Each server has its own data directory and is stopped with SIGTERM (SIGKILL
after a grace period).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import List, Optional, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = "build/release/apps/ofs/ofs"
START_TIMEOUT_S = float(os.environ.get("OFS_SDK_START_TIMEOUT", "15"))
_READY = re.compile(r"serving on [^\s,]+:(\d+), admin on [^\s,]+:(\d+)")


def find_binary() -> Optional[Path]:
    """``OFS_BINARY`` (relative paths from the repository root) or the release build; None if absent."""
    configured = os.environ.get("OFS_BINARY") or DEFAULT_BINARY
    path = Path(configured)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path if path.is_file() and os.access(path, os.X_OK) else None


def missing_binary_reason() -> str:
    configured = os.environ.get("OFS_BINARY") or DEFAULT_BINARY
    return (f"darwin_fs tests need the ofs binary: {configured!r} (from {REPO_ROOT}) is not an executable "
            f"file; build it (make build) or set OFS_BINARY")


class OfsServer:
    """One ``ofs standalone`` process. ``url`` / ``admin_url`` are set once it is healthy."""

    def __init__(self, binary: Path, home: Path, extra_args: Sequence[str] = ()) -> None:
        self.binary = binary
        self.home = home
        self.data_dir = home / "data"
        self.extra_args = list(extra_args)
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.serving_port = 0
        self.admin_port = 0
        self.log_path = home / "ofs.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.serving_port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    def command(self) -> List[str]:
        return [str(self.binary), "standalone", "--data-dir", str(self.data_dir), "--port", "0",
                "--admin-port", "0", "--threads", "1",
                *self.extra_args]

    def start(self) -> "OfsServer":
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=str(self.home), start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ofs exited with code {self.proc.returncode} while starting:\n{self.log_tail()}")
            match = _READY.search(self.log_path.read_text(errors="replace"))
            if match:
                self.serving_port, self.admin_port = int(match.group(1)), int(match.group(2))
                if self._healthy(self.url) and self._healthy(self.admin_url):
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"ofs did not become healthy within {START_TIMEOUT_S}s:\n{self.log_tail()}")

    @staticmethod
    def _healthy(base: str) -> bool:
        try:
            with urllib.request.urlopen(base + "/health", timeout=1.0) as answer:
                return bool(answer.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def stop(self, grace_s: float = 5.0) -> Optional[int]:
        """SIGTERM, SIGKILL after ``grace_s``; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=30)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
