"""Support code for the OFS black-box end-to-end suite (shared/design/API.md is the spec).

Everything here is plain Python (standard library only); pytest fixtures live in conftest.py.

- find_binary()          locate the `ofs` binary (env OFS_BINARY or the build trees)
- OfsServer / Launcher   start `ofs standalone`, wait for /health, stop it, detect crashes/sanitizer reports
- Client / Response      tiny HTTP client on http.client (GET with a body, gzip both ways)
- Ofs                    the API operations on one "face" ("v1", "darwin" = GET reads, "darwin-post")
- builders and asserts   entity/group bodies, assert_ok / assert_error, uniq names, metrics parser
"""

from __future__ import annotations

import base64
import gzip
import http.client
import ipaddress
import itertools
import json
import hashlib
import os
import re
import shlex
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import zlib
from pathlib import Path
from typing import Any, Iterable, Sequence

# VARINT and oversized-number tests parse integers with thousands of digits (Python 3.11 caps int<->str
# conversions at 4300 digits by default).
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)

REPO_ROOT = Path(__file__).resolve().parents[2]
BINARY_CANDIDATES = (
    "build/release/apps/ofs/ofs",
    "build/debug/apps/ofs/ofs",
    "build/asan-ubsan/apps/ofs/ofs",
)

START_TIMEOUT_S = float(os.environ.get("OFS_E2E_START_TIMEOUT", "10"))
STOP_GRACE_S = 5.0
HTTP_TIMEOUT_S = float(os.environ.get("OFS_E2E_HTTP_TIMEOUT", "30"))
EXTRA_SERVER_ARGS = shlex.split(os.environ.get("OFS_E2E_EXTRA_ARGS", ""))
# The online store every server of the run uses (`--store`); "" = the embedded default. "{keyspace}" in it
# is replaced by a keyspace of the server's own data directory (restarts on the same directory find the
# same keyspace), e.g. OFS_E2E_STORE='cassandra://127.0.0.1:9042/{keyspace}'.
STORE_URL = os.environ.get("OFS_E2E_STORE", "")
# The metadata store every server of the run uses (`--metadata`); "" = the embedded SQLite default.
# "{database}" in it is replaced by a database of the server's own data directory, e.g.
# OFS_E2E_METADATA='mysql://ofs:ofs-test@127.0.0.1:13306/{database}' (OFS creates a missing database).
METADATA_URL = os.environ.get("OFS_E2E_METADATA", "")


# OFS_E2E_FLEET=1: the shared server and the per-module servers are fleets (one `ofs admin`, two `ofs serve`
# over OFS_E2E_METADATA and OFS_E2E_STORE, which must name shared engines): admin calls go to the admin node,
# serving calls alternate between the serve nodes. Servers a test starts itself (ofs_factory) stay
# `ofs standalone` on the same engines: they test one process (restarts, flags, its data directory).
FLEET = os.environ.get("OFS_E2E_FLEET") == "1"
# Flags of every fleet node.
FLEET_ARGS = shlex.split(os.environ.get("OFS_E2E_FLEET_ARGS", "--catalog-refresh-ms 250"))


def store_args(data_dir: Path) -> list[str]:
    """The `--store` and `--metadata` flags of a server over `data_dir` (none for the embedded stores); the
    nodes of a fleet pass the fleet's directory, so that they share their engines."""
    digest = hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:12]
    args = []
    if STORE_URL:
        args += ["--store", STORE_URL.replace("{keyspace}", f"e2e_{digest}")]
    if METADATA_URL:
        args += ["--metadata", METADATA_URL.replace("{database}", f"e2e_{digest}")]
    return args

DEFAULT_OWNER = "e2e.tester@example.com"
DEFAULT_TENANT = "default-tenant"

CRASH_SIGNALS = {
    signal.SIGSEGV,
    signal.SIGABRT,
    signal.SIGBUS,
    signal.SIGFPE,
    signal.SIGILL,
    signal.SIGSYS,
    signal.SIGTRAP,
}
SANITIZER_MARKERS = (
    "AddressSanitizer",
    "LeakSanitizer",
    "ThreadSanitizer",
    "MemorySanitizer",
    "UndefinedBehaviorSanitizer",
    "runtime error",
)

ALL_TYPES = (
    "TEXT", "ASCII", "VARCHAR", "BLOB", "BOOLEAN", "DECIMAL", "DOUBLE", "FLOAT",
    "INT", "BIGINT", "TIMESTAMP", "TIMEUUID", "UUID", "INET", "VARINT",
)


# ----------------------------------------------------------------------------------------------
# binary discovery
# ----------------------------------------------------------------------------------------------

def find_binary() -> Path | None:
    """OFS_BINARY if set (relative paths are taken from the repo root), else the first build tree
    binary that exists. None when nothing usable exists."""
    env = os.environ.get("OFS_BINARY")
    if env:
        p = Path(env)
        if not p.is_absolute():
            p = REPO_ROOT / p
        return p if p.is_file() and os.access(p, os.X_OK) else None
    for rel in BINARY_CANDIDATES:
        p = REPO_ROOT / rel
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def missing_binary_reason() -> str:
    env = os.environ.get("OFS_BINARY")
    if env:
        return f"OFS e2e: OFS_BINARY={env!r} does not name an executable file"
    tried = ", ".join(BINARY_CANDIDATES)
    return (f"OFS e2e: no `ofs` binary found (tried {tried} under {REPO_ROOT}); "
            f"build it or set OFS_BINARY")


# ----------------------------------------------------------------------------------------------
# names, time
# ----------------------------------------------------------------------------------------------

_counter = itertools.count(1)
_counter_lock = threading.Lock()


def uniq(prefix: str = "t") -> str:
    """A fresh identifier, e.g. uniq("user") -> "user_00007". Fixed width, so one name is never a
    substring-prefix of another (useful for search)."""
    with _counter_lock:
        n = next(_counter)
    return f"{prefix}_{n:05d}"


def now_ms() -> int:
    return int(time.time() * 1000)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Polls predicate() until it returns a truthy value; returns it. AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last={last!r}")
        time.sleep(interval)


# ----------------------------------------------------------------------------------------------
# HTTP client
# ----------------------------------------------------------------------------------------------

class Response(tuple):
    """(status, headers, body) -- body is parsed JSON when the payload is JSON, else text.

    Extra attributes: status, headers (lower-case keys), body, raw (bytes after gzip decoding),
    text, wire_bytes (as received), method, url, request_body (bytes, for messages)."""

    def __new__(cls, status, headers, body, raw, wire_bytes, method, url, request_body):
        self = super().__new__(cls, (status, headers, body))
        self.status = status
        self.headers = headers
        self.body = body
        self.raw = raw
        self.wire_bytes = wire_bytes
        self.method = method
        self.url = url
        self.request_body = request_body
        return self

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")

    def describe(self, limit: int = 3000) -> str:
        req = self.request_body or b""
        req_s = req[:800].decode("utf-8", errors="replace") if isinstance(req, bytes) else str(req)[:800]
        return (f"{self.method} {self.url} -> HTTP {self.status}\n  request: {req_s}\n"
                f"  response: {self.text[:limit]}")


class Client:
    """One HTTP endpoint. Each call uses a fresh connection (thread-safe, no shared state).
    `token` adds Authorization: Bearer <token>; a header value of None removes a header."""

    def __init__(self, host: str, port: int, token: str | None = None, timeout: float = HTTP_TIMEOUT_S):
        self.host = host
        self.port = port
        self.token = token
        self.timeout = timeout

    def with_token(self, token: str | None) -> "Client":
        return Client(self.host, self.port, token, self.timeout)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(self, method: str, path: str, body: Any = None, headers: dict | None = None,
                query: dict | Sequence | None = None, gzip_body: bool = False,
                timeout: float | None = None) -> Response:
        url = path
        if query:
            items = query.items() if isinstance(query, dict) else query
            items = [(k, v) for k, v in items if v is not None]
            if items:
                url += ("&" if "?" in url else "?") + urllib.parse.urlencode(items, doseq=True)
        hdrs: dict[str, tuple[str, str]] = {}

        def put(name, value):
            if value is None:
                hdrs.pop(name.lower(), None)
            else:
                hdrs[name.lower()] = (name, str(value))

        if self.token:
            put("Authorization", f"Bearer {self.token}")
        data = None
        if body is not None:
            if isinstance(body, (bytes, bytearray)):
                data = bytes(body)
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = json.dumps(body).encode("utf-8")
            put("Content-Type", "application/json")
            if gzip_body:
                data = gzip.compress(data)
                put("Content-Encoding", "gzip")
        for k, v in (headers or {}).items():
            put(k, v)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
        try:
            conn.request(method, url, body=data, headers={n: v for n, v in hdrs.values()})
            resp = conn.getresponse()
            wire = resp.read()
            status = resp.status
            rheaders: dict[str, str] = {}
            for k, v in resp.getheaders():
                k = k.lower()
                rheaders[k] = f"{rheaders[k]}, {v}" if k in rheaders else v
        finally:
            conn.close()
        raw = wire
        if "gzip" in rheaders.get("content-encoding", "").lower():
            raw = gzip.decompress(wire)
        parsed: Any = raw.decode("utf-8", errors="replace")
        stripped = parsed.lstrip()
        if "json" in rheaders.get("content-type", "").lower() or stripped[:1] in ("{", "["):
            try:
                parsed = json.loads(raw)
            except ValueError:
                pass
        return Response(status, rheaders, parsed, raw, wire, method, f"{self.base}{url}", data)

    def get(self, path, body=None, headers=None, query=None, gzip_body=False, **kw) -> Response:
        return self.request("GET", path, body, headers, query, gzip_body, **kw)

    def post(self, path, body=None, headers=None, query=None, gzip_body=False, **kw) -> Response:
        return self.request("POST", path, body, headers, query, gzip_body, **kw)

    def put(self, path, body=None, headers=None, query=None, gzip_body=False, **kw) -> Response:
        return self.request("PUT", path, body, headers, query, gzip_body, **kw)


def raw_exchange(port: int, payload: bytes, timeout: float = 5.0, host: str = "127.0.0.1",
                 half_close: bool = False) -> bytes:
    """Sends raw bytes (then shuts down the write side when half_close), then reads until the server
    closes or `timeout` passes with no data."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(payload)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                chunks.append(c)
        except socket.timeout:
            pass
        return b"".join(chunks)


def read_http_response(sock: socket.socket, timeout: float = 5.0, skip_interim: bool = True) -> bytes:
    """Reads one complete HTTP response (Content-Length or chunked body) from sock; interim 1xx responses
    are skipped when skip_interim. Returns what was read when the peer closes or `timeout` passes."""
    deadline = time.monotonic() + timeout
    buf = b""
    start = 0
    while True:
        head_end = buf.find(b"\r\n\r\n", start)
        if head_end >= 0:
            head = buf[start:head_end].decode("latin-1")
            status = status_of_raw(buf[start:])
            if status is not None and 100 <= status < 200 and skip_interim:
                start = head_end + 4
                continue
            length = None
            chunked = False
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    try:
                        length = int(value.strip())
                    except ValueError:
                        length = None
                if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
            body_start = head_end + 4
            if length is not None and len(buf) - body_start >= length:
                return buf[start: body_start + length]
            if chunked and b"\r\n0\r\n\r\n" in buf[body_start - 2:]:
                return buf[start:]
            if length is None and not chunked and status in (204, 304):
                return buf[start:body_start]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return buf[start:]
        sock.settimeout(min(remaining, 0.5))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return buf[start:]
        if not chunk:
            return buf[start:]
        buf += chunk


def raw_request(port: int, payload: bytes, timeout: float = 5.0, host: str = "127.0.0.1") -> bytes:
    """Sends raw bytes and returns the first complete response (or what arrived before close/timeout).
    A reset while sending counts as an empty answer."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_http_response(s, timeout)


def status_of_raw(data: bytes) -> int | None:
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(m.group(1)) if m else None


# ----------------------------------------------------------------------------------------------
# server process
# ----------------------------------------------------------------------------------------------

class ServerStartError(RuntimeError):
    pass


class OfsServer:
    """One `ofs` process (restartable on the same data directory): `ofs standalone` (a serving and an admin
    port), or one node of a fleet (`role` admin or serve: one port; `.serving` and `.admin` are both its
    client; `engine_dir` names the engines it shares with the other nodes)."""

    def __init__(self, binary: Path, home: Path, extra_args: Sequence[str] = (), data_dir: Path | None = None,
                 config_text: str | None = None, name: str = "ofs", role: str = "standalone",
                 engine_dir: Path | None = None):
        self.role = role
        self.engine_dir = engine_dir
        self.binary = Path(binary)
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.data_dir = Path(data_dir) if data_dir else self.home / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.extra_args = list(extra_args)
        self.config_path: Path | None = None
        if config_text is not None:
            self.config_path = self.home / "ofs.toml"
            self.config_path.write_text(config_text)
        self.proc: subprocess.Popen | None = None
        self.serving_port = 0
        self.admin_port = 0
        self.serving: Client | None = None
        self.admin: Client | None = None
        self._runs: list[dict] = []  # one per process start: stderr path, returncode, how it ended
        self._current: dict | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def command(self) -> list[str]:
        cmd = [str(self.binary), self.role, "--data-dir", str(self.data_dir), "--port", str(self.serving_port)]
        if self.role == "standalone":
            cmd += ["--admin-port", str(self.admin_port)]
        if self.config_path is not None:
            cmd += ["--config", str(self.config_path)]
        # A test that picks its store (test_cassandra_*) or metadata store (test_metadata_backup) keeps it.
        engines = [arg for arg in store_args(self.engine_dir or self.data_dir)]
        for flag in ("--store", "--metadata"):
            if flag in self.extra_args and flag in engines:
                at = engines.index(flag)
                del engines[at:at + 2]
        return cmd + engines + self.extra_args + EXTRA_SERVER_ARGS

    def spawn(self) -> None:
        """Starts the process on fresh free ports without waiting for it."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.serving_port = free_port()
        self.admin_port = free_port() if self.role == "standalone" else 0
        while self.admin_port == self.serving_port:
            self.admin_port = free_port()
        idx = len(self._runs)
        stderr_path = self.home / f"stderr.{idx}.log"
        stdout_path = self.home / f"stdout.{idx}.log"
        run = {"stderr": stderr_path, "stdout": stdout_path, "cmd": self.command(), "returncode": None,
               "ended_by": None}
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            self.proc = subprocess.Popen(run["cmd"], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         cwd=str(self.home), start_new_session=True)
        run["pid"] = self.proc.pid
        self._runs.append(run)
        self._current = run
        self.serving = Client("127.0.0.1", self.serving_port)
        self.admin = Client("127.0.0.1", self.admin_port) if self.admin_port else self.serving

    def wait_healthy(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        pending = {"serving": self.serving, "admin": self.admin}
        if self.role != "standalone":
            pending = {self.role: self.serving}
        while pending:
            rc = self.proc.poll()
            if rc is not None:
                self._current["returncode"] = rc
                self._current["ended_by"] = "self"
                raise ServerStartError(
                    f"ofs exited with code {rc} before becoming healthy\n  cmd: {shlex.join(self._current['cmd'])}"
                    f"\n  stderr tail:\n{self.stderr_tail()}")
            for label, client in list(pending.items()):
                try:
                    r = client.get("/health", timeout=1.0)
                    if r.status == 200:
                        del pending[label]
                except (OSError, http.client.HTTPException):
                    pass
            if not pending:
                return
            if time.monotonic() >= deadline:
                raise ServerStartError(
                    f"ofs did not answer GET /health 200 on {sorted(pending)} within {timeout}s\n"
                    f"  cmd: {shlex.join(self._current['cmd'])}\n  stderr tail:\n{self.stderr_tail()}")
            time.sleep(0.05)

    def start(self, timeout: float = START_TIMEOUT_S, attempts: int = 3) -> "OfsServer":
        last: Exception | None = None
        for _ in range(attempts):
            self.spawn()
            try:
                self.wait_healthy(timeout)
                return self
            except ServerStartError as e:
                last = e
                tail = self.stderr_tail().lower()
                if self.proc.poll() is None:
                    self.stop()
                    raise
                if "address already in use" in tail or "eaddrinuse" in tail:
                    # Lost a port race (free_port() releases the port before ofs binds it; another
                    # worker's process or an outgoing connection may take it first): not a problem of
                    # the server, so problems() leaves this run out. Retry on new ports.
                    self._current["ended_by"] = "lost-port-race"
                    continue
                raise
        raise last  # type: ignore[misc]

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = STOP_GRACE_S) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds. Returns the exit code."""
        if self.proc is None:
            return None
        run = self._current
        rc = self.proc.poll()
        if rc is not None:
            if run["returncode"] is None:
                run["returncode"] = rc
                run["ended_by"] = "self"
            return rc
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=grace)
            run["ended_by"] = "sigterm"
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(timeout=30)
            run["ended_by"] = "sigkill-after-sigterm"
        run["returncode"] = rc
        return rc

    def kill(self) -> int | None:
        """SIGKILL (a simulated crash); the kill itself is not reported as a problem."""
        if self.proc is None:
            return None
        run = self._current
        rc = self.proc.poll()
        if rc is None:
            self.proc.kill()
            rc = self.proc.wait(timeout=30)
            run["ended_by"] = "sigkill"
        elif run["returncode"] is None:
            run["ended_by"] = "self"
        run["returncode"] = rc
        return rc

    def restart(self, kill: bool = False) -> "OfsServer":
        if kill:
            self.kill()
        else:
            self.stop()
        return self.start()

    # -- diagnostics ----------------------------------------------------------------------------

    def stderr_text(self, run: dict | None = None) -> str:
        run = run or self._current
        try:
            return Path(run["stderr"]).read_text(errors="replace")
        except OSError:
            return ""

    def stderr_tail(self, n: int = 40) -> str:
        lines = self.stderr_text().splitlines()[-n:]
        return "\n".join("    " + line for line in lines)

    def problems(self) -> list[str]:
        """Crash signals, unexpected exits and sanitizer reports over every run of this server."""
        out = []
        for run in self._runs:
            rc = run["returncode"]
            where = f"{self.name} pid {run.get('pid')} (stderr: {run['stderr']})"
            if rc is not None and rc < 0 and -rc in CRASH_SIGNALS and run["ended_by"] != "sigkill":
                out.append(f"{where} died from signal {signal.Signals(-rc).name}")
            elif run["ended_by"] == "self" and rc not in (None, 0):
                out.append(f"{where} exited on its own with code {rc}")
            text = self.stderr_text(run)
            for marker in SANITIZER_MARKERS:
                if marker in text:
                    idx = text.index(marker)
                    excerpt = text[max(0, idx - 300): idx + 1500]
                    out.append(f"{where} printed {marker!r}:\n{excerpt}")
                    break
        return out


class VersionTrackingClient(Client):
    """A Client of a fleet's admin node: remembers the highest X-OFS-Catalog-Version answered (the catalog
    version that holds every change made so far)."""

    def __init__(self, host: str, port: int, fleet: "Fleet", token: str | None = None,
                 timeout: float = HTTP_TIMEOUT_S):
        super().__init__(host, port, token, timeout)
        self.fleet = fleet

    def with_token(self, token: str | None) -> "Client":
        return VersionTrackingClient(self.host, self.port, self.fleet, token, self.timeout)

    def request(self, *args, **kw) -> Response:
        resp = super().request(*args, **kw)
        version = resp.headers.get("x-ofs-catalog-version")
        if version is not None:
            self.fleet.saw_catalog_version(int(version))
        return resp


class AlternatingClient(Client):
    """What a load balancer in front of the serve nodes does: each request goes to the next node. Each
    carries X-OFS-Min-Catalog-Version (the fleet's last admin answer), so that a node whose catalog trails
    waits for it (read-your-writes; serving/catalog_gate.h)."""

    def __init__(self, fleet: "Fleet", token: str | None = None, timeout: float = HTTP_TIMEOUT_S,
                 pinned: int | None = None):
        super().__init__("127.0.0.1", 0, token, timeout)
        self.fleet = fleet
        self.pinned = pinned  # always this serve node (one_process)

    def with_token(self, token: str | None) -> "AlternatingClient":
        return AlternatingClient(self.fleet, token, self.timeout, self.pinned)

    def _next(self) -> Client:
        node = self.fleet.serve_nodes[self.pinned] if self.pinned is not None else self.fleet.next_serve_node()
        return Client(node.serving.host, node.serving.port, self.token, self.timeout)

    @property
    def port(self) -> int:
        return self.fleet.serve_nodes[self.pinned or 0].serving_port

    @port.setter
    def port(self, value: int) -> None:  # Client.__init__ sets it; the node is chosen per request
        pass

    def request(self, method: str, path: str, body: Any = None, headers: dict | None = None,
                query: dict | Sequence | None = None, gzip_body: bool = False,
                timeout: float | None = None) -> Response:
        hdrs = dict(headers or {})
        if self.fleet.catalog_version >= 0 and not any(k.lower() == "x-ofs-min-catalog-version" for k in hdrs):
            hdrs["X-OFS-Min-Catalog-Version"] = str(self.fleet.catalog_version)
        return self._next().request(method, path, body, hdrs, query, gzip_body, timeout)


class Fleet:
    """One `ofs admin` and `serve_count` `ofs serve` over shared engines (OFS_E2E_METADATA, OFS_E2E_STORE),
    with the attributes tests use of an OfsServer: `.admin` (the admin node), `.serving` (the serve nodes in
    turn), `.serving_port` / `.admin_port` (serve node 0, the admin node), `.data_dir`."""

    def __init__(self, binary: Path, home: Path, extra_args: Sequence[str] = (), config_text: str | None = None,
                 name: str = "fleet", serve_count: int = 2):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.data_dir = self.home / "engines"  # names the shared database and keyspace (store_args)
        self.data_dir.mkdir(exist_ok=True)
        args = list(FLEET_ARGS) + list(extra_args)

        def node(role: str, label: str) -> OfsServer:
            return OfsServer(binary, self.home / label, args, None, config_text, f"{name}-{label}", role,
                             self.data_dir)

        self.admin_node = node("admin", "admin")
        self.serve_nodes = [node("serve", f"serve{i}") for i in range(serve_count)]
        self.nodes = [self.admin_node] + self.serve_nodes
        self.catalog_version = -1
        self._lock = threading.Lock()
        self._turn = itertools.count()
        self.admin: Client | None = None
        self.serving: AlternatingClient | None = None

    def saw_catalog_version(self, version: int) -> None:
        with self._lock:
            self.catalog_version = max(self.catalog_version, version)

    def next_serve_node(self) -> OfsServer:
        return self.serve_nodes[next(self._turn) % len(self.serve_nodes)]

    @property
    def serving_port(self) -> int:
        return self.serve_nodes[0].serving_port

    @property
    def admin_port(self) -> int:
        return self.admin_node.serving_port

    @property
    def proc(self):
        return self.admin_node.proc

    def start(self, timeout: float = START_TIMEOUT_S, attempts: int = 3) -> "Fleet":
        self.admin_node.start(timeout, attempts)  # first: it creates the database and keyspace
        for serve in self.serve_nodes:
            serve.start(timeout, attempts)
        self.admin = VersionTrackingClient("127.0.0.1", self.admin_node.serving_port, self)
        self.serving = AlternatingClient(self)
        return self

    def running(self) -> bool:
        return all(n.running() for n in self.nodes)

    def stop(self, grace: float = STOP_GRACE_S) -> int | None:
        codes = [n.stop(grace) for n in reversed(self.nodes)]
        return next((c for c in codes if c), codes[-1] if codes else None)

    def kill(self) -> int | None:
        codes = [n.kill() for n in self.nodes]
        return codes[0]

    def restart(self, kill: bool = False) -> "Fleet":
        if kill:
            self.kill()
        else:
            self.stop()
        return self.start()

    def stderr_text(self, run: dict | None = None) -> str:
        return "\n".join(f"--- {n.name}\n{n.stderr_text()}" for n in self.nodes)

    def stderr_tail(self, n: int = 40) -> str:
        return "\n".join(f"  {node.name}:\n{node.stderr_tail(n)}" for node in self.nodes)

    def problems(self) -> list[str]:
        return [p for n in self.nodes for p in n.problems()]


class _OneServeNode:
    """A fleet seen through one serve node (one_process)."""

    def __init__(self, fleet: Fleet, index: int):
        self.admin = fleet.admin
        self.serving = AlternatingClient(fleet, pinned=index)
        self.serving_port = fleet.serve_nodes[index].serving_port
        self.admin_port = fleet.admin_port


def one_process(server):
    """`server` itself, or for a fleet the fleet with every serving call sent to its first serve node: for
    tests of one process's own counters (/metrics), which a fleet spreads over its serve nodes."""
    return _OneServeNode(server, 0) if isinstance(server, Fleet) else server


class Launcher:
    """Starts servers under one base directory and remembers them for the final crash check."""

    def __init__(self, binary: Path, base: Path):
        self.binary = binary
        self.base = Path(base)
        self.servers: list[OfsServer] = []
        self._n = itertools.count(1)

    def create(self, extra_args: Sequence[str] = (), data_dir: Path | None = None,
               config_text: str | None = None, name: str | None = None, fleet: bool = False,
               role: str = "standalone"):
        """An `ofs standalone` (or another `role`, e.g. consume), or with `fleet` a Fleet (no data_dir: each
        node has its own)."""
        n = next(self._n)
        name = name or f"ofs{n}"
        if fleet:
            assert data_dir is None, "a fleet's nodes have data directories of their own"
            srv = Fleet(self.binary, self.base / f"{name}_{n}", extra_args, config_text, name)
        else:
            srv = OfsServer(self.binary, self.base / f"{name}_{n}", extra_args, data_dir, config_text, name, role)
        self.servers.append(srv)
        return srv

    def start(self, extra_args: Sequence[str] = (), data_dir: Path | None = None,
              config_text: str | None = None, name: str | None = None, fleet: bool = False):
        return self.create(extra_args, data_dir, config_text, name, fleet).start()

    def stop(self, srv: OfsServer) -> list[str]:
        """Stops srv and returns its problems (each server's problems are reported once)."""
        srv.stop()
        if getattr(srv, "_reported", False):
            return []
        srv._reported = True
        return srv.problems()

    def shutdown_all(self) -> list[str]:
        problems = []
        for srv in self.servers:
            problems.extend(self.stop(srv))
        return problems


# ----------------------------------------------------------------------------------------------
# request builders
# ----------------------------------------------------------------------------------------------

def col(name: str, type_: str, description: str | None = None, tags: list | None = None) -> dict:
    c = {"name": name, "type": type_}
    if description is not None:
        c["description"] = description
    if tags is not None:
        c["tags"] = tags
    return c


def _cols(features) -> list[dict]:
    return [f if isinstance(f, dict) else col(*f) for f in features]


def entity_body(name: str, features=(("id", "BIGINT"), ("region", "TEXT")), keys=("id",), ttl: int | None = 0,
                owner: str | None = DEFAULT_OWNER, tags: list | None = None, description: str | None = None) -> dict:
    ent = {"tableName": name, "features": _cols(features), "primaryKeys": list(keys)}
    if ttl is not None:
        ent["ttl"] = ttl
    body: dict = {"entity": ent}
    if owner is not None:
        body["owner"] = owner
    if tags is not None:
        body["tags"] = tags
    if description is not None:
        body["description"] = description
    return body


def group_body(name: str, entity: str, features=(("score", "DOUBLE"), ("label", "TEXT"), ("cnt", "INT")),
               version_enabled: bool | None = None, group_type: str | None = None,
               owner: str | None = DEFAULT_OWNER, tags: list | None = None, description: str | None = None) -> dict:
    fg: dict = {"featureGroupName": name, "entityName": entity, "features": _cols(features)}
    if version_enabled is not None:
        fg["versionEnabled"] = version_enabled
    if group_type is not None:
        fg["featureGroupType"] = group_type
    body: dict = {"featureGroup": fg}
    if owner is not None:
        body["owner"] = owner
    if tags is not None:
        body["tags"] = tags
    if description is not None:
        body["description"] = description
    return body


_ABSENT = object()


def read_body(group, columns, key_names, key_rows, version=_ABSENT) -> dict:
    b = {"featureGroupName": group, "featureColumns": list(columns),
         "primaryKeys": {"names": list(key_names), "values": [list(r) for r in key_rows]}}
    if version is not _ABSENT and version is not None:
        b["featureGroupVersion"] = version
    return b


def write_body(group, names, rows, version=None, run_id=None) -> dict:
    b = {"featureGroupName": group, "features": {"names": list(names), "values": [list(r) for r in rows]}}
    if version is not None:
        b["featureGroupVersion"] = version
    if run_id is not None:
        b["runId"] = run_id
    return b


def partition_body(group, columns, names, values, version=None, limit=None, page_token=None) -> dict:
    b = {"featureGroupName": group, "featureColumns": list(columns),
         "partitionKey": {"names": list(names), "values": list(values)}}
    if version is not None:
        b["featureGroupVersion"] = version
    if limit is not None:
        b["limit"] = limit
    if page_token is not None:
        b["pageToken"] = page_token
    return b


# ----------------------------------------------------------------------------------------------
# the API on one face
# ----------------------------------------------------------------------------------------------

FACES = ("v1", "darwin")
READ_FACES = ("v1", "darwin", "darwin-post")

SERVING_PATHS = {
    "v1": {
        "read": ("POST", "/v1/feature-group/read"),
        "multi_read": ("POST", "/v1/feature-group/multi-read"),
        "partition": ("POST", "/v1/feature-group/partition/read"),
        "write": ("POST", "/v1/feature-group/write"),
        "batch_write": ("POST", "/v1/feature-group/batch-write"),
    },
    "darwin": {
        "read": ("GET", "/feature-group/read-features"),
        "multi_read": ("GET", "/feature-group/multi-read-features"),
        "partition": ("GET", "/feature-group/read-partition"),
        "write": ("POST", "/feature-group/write-features-v2"),
        "batch_write": ("POST", "/feature-group/write-features-v1"),
    },
    "darwin-post": {
        "read": ("POST", "/feature-group/read-features"),
        "multi_read": ("POST", "/feature-group/multi-read-features"),
        "partition": ("POST", "/feature-group/read-partition"),
        "write": ("POST", "/feature-group/write-features-v2"),
        "batch_write": ("POST", "/feature-group/write-features-v1"),
    },
}


def q(segment: str) -> str:
    return urllib.parse.quote(str(segment), safe="")


class Ofs:
    """API operations of one face. Clients are looked up on the server at each call, so an Ofs
    stays valid across a server restart (new ports)."""

    def __init__(self, server, face: str = "v1", token: str | None = None):
        assert face in SERVING_PATHS, face
        self.server = server
        self.face = face
        self.token = token

    @property
    def v1(self) -> bool:
        return self.face == "v1"

    @property
    def version_not_found(self) -> str:
        """The code of an unknown version on the admin paths: Darwin answered it as an unknown group."""
        return "FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION" if self.v1 else "FEATURE-GROUP-NOT-FOUND-EXCEPTION"

    @property
    def serving(self) -> Client:
        c = self.server.serving
        return c.with_token(self.token) if self.token else c

    @property
    def admin(self) -> Client:
        c = self.server.admin
        return c.with_token(self.token) if self.token else c

    def on(self, face: str) -> "Ofs":
        return Ofs(self.server, face, self.token)

    # -- admin: entities -------------------------------------------------------------------------

    def create_entity(self, body, headers=None) -> Response:
        return self.admin.post("/v1/entity" if self.v1 else "/entity", body, headers)

    def register_entity(self, body) -> Response:
        return self.admin.post("/entity/register", body)

    def _unwrap_metadata(self, resp: Response) -> Response:
        """Darwin's metadata answers are {"data": {"metadata": ...}} (API.md section 4): the wrapper is
        checked here and removed, so that tests compare payloads across faces (tests/contract pins the
        raw Darwin shapes)."""
        if self.v1 or resp.status != 200:
            return resp
        data = resp.body.get("data") if isinstance(resp.body, dict) else None
        assert isinstance(data, dict) and list(data) == ["metadata"], \
            f"a Darwin metadata answer must be {{'metadata': ...}}\n{resp.describe()}"
        return Response(resp.status, resp.headers, {"data": data["metadata"]}, resp.raw, resp.wire_bytes,
                        resp.method, resp.url, resp.request_body)

    def entity_meta(self, name) -> Response:
        if self.v1:
            return self.admin.get(f"/v1/entity/{q(name)}")
        return self._unwrap_metadata(self.admin.get("/entity/metadata", query={"name": name}))

    def entity_only(self, name) -> Response:
        return self.admin.get("/entity", query={"name": name})

    def set_entity_state(self, name, state) -> Response:
        if self.v1:
            return self.admin.put(f"/v1/entity/{q(name)}/state", {"state": state})
        return self.admin.put("/entity", {"state": state}, query={"name": name})

    # -- admin: feature groups -------------------------------------------------------------------

    def create_group(self, body, upgrade: bool | None = None, headers=None) -> Response:
        h = dict(headers or {})
        if upgrade is not None:
            h["upgrade"] = "true" if upgrade else "false"
        return self.admin.post("/v1/feature-group" if self.v1 else "/feature-group", body, h)

    def register_group(self, body) -> Response:
        return self.admin.post("/feature-group/register", body)

    def group_meta(self, name, version=None) -> Response:
        if self.v1:
            return self.admin.get(f"/v1/feature-group/{q(name)}", query={"version": version})
        return self._unwrap_metadata(self.admin.get("/feature-group/metadata",
                                                    query={"name": name, "version": version}))

    def group_only(self, name, version=None) -> Response:
        return self.admin.get("/feature-group", query={"name": name, "version": version})

    def set_group_state(self, name, state, version=None) -> Response:
        if self.v1:
            return self.admin.put(f"/v1/feature-group/{q(name)}/state", {"state": state},
                                  query={"version": version})
        return self.admin.put("/feature-group", {"state": state}, query={"name": name, "version": version})

    def schema(self, name, version=None, client: Client | None = None) -> Response:
        if self.v1 and client is None:
            return self.admin.get(f"/v1/feature-group/{q(name)}/schema", query={"version": version})
        return (client or self.admin).get("/feature-group/schema", query={"name": name, "version": version})

    def versions(self, name) -> Response:
        if self.v1:
            return self.admin.get(f"/v1/feature-group/{q(name)}/versions")
        return self.admin.get("/feature-group/version", query={"name": name})

    def set_ttl(self, name, ttl, version=None) -> Response:
        body = {"name": name, "ttl": ttl}
        if version is not None:
            body["version"] = version
        if self.v1:
            return self.admin.put(f"/v1/feature-group/{q(name)}/ttl", body)
        return self.admin.put("/feature-group/ttl", body)

    def topic(self, name) -> Response:
        if self.v1:
            return self.admin.get(f"/v1/feature-group/{q(name)}/topic")
        return self.admin.get("/feature-group/topic", query={"name": name})

    def post_run(self, name, run: dict, version=None) -> Response:
        body = dict(run)
        if version is not None:
            body["version"] = version
        if self.v1:
            return self.admin.post(f"/v1/feature-group/{q(name)}/runs", body)
        body["name"] = name
        return self.admin.post("/feature-group/run-data", body)

    def get_runs(self, name, version=None) -> Response:
        if self.v1:
            return self.admin.get(f"/v1/feature-group/{q(name)}/runs", query={"version": version})
        return self.admin.get("/feature-group/run-data", query={"name": name, "version": version})

    def get_tenant(self, name, version=None) -> Response:
        """v1: one version's {"featureGroupName", "version", "tenant"}. Darwin: the latest version's
        {"featureGroupName", "tenantConfig"} (Darwin has no per-version read; `version` is ignored)."""
        if self.v1:
            return self.admin.get("/v1/tenant", query={"name": name, "version": version})
        return self.admin.get("/feature-group/tenant", query={"feature-group-name": name})

    def set_tenant(self, name, tenant: dict, version=None) -> Response:
        """v1: one version (default the latest). Darwin: every version of the group (`version` ignored)."""
        if self.v1:
            body = {"name": name, "tenant": tenant}
            if version is not None:
                body["version"] = version
            return self.admin.post("/v1/tenant", body)
        return self.admin.post("/feature-group/tenant", {"featureGroupName": name, "tenantConfig": tenant})

    # -- serving -----------------------------------------------------------------------------

    def _serve(self, op, body, headers=None, gzip_body=False) -> Response:
        method, path = SERVING_PATHS[self.face][op]
        return self.serving.request(method, path, body, headers, None, gzip_body)

    def read(self, group, columns, key_names, key_rows, version=None, headers=None) -> Response:
        return self._serve("read", read_body(group, columns, key_names, key_rows, version), headers)

    def read_raw(self, body, headers=None, gzip_body=False) -> Response:
        return self._serve("read", body, headers, gzip_body)

    def multi_read(self, batches: list, headers=None) -> Response:
        return self._serve("multi_read", {"batches": batches}, headers)

    def multi_read_raw(self, body) -> Response:
        return self._serve("multi_read", body)

    def partition(self, group, columns, names, values, version=None, limit=None, page_token=None) -> Response:
        return self._serve("partition", partition_body(group, columns, names, values, version, limit, page_token))

    def partition_raw(self, body) -> Response:
        return self._serve("partition", body)

    def write(self, group, names, rows, version=None, run_id=None, headers=None, gzip_body=False) -> Response:
        return self._serve("write", write_body(group, names, rows, version, run_id), headers, gzip_body)

    def write_raw(self, body, headers=None, gzip_body=False) -> Response:
        return self._serve("write", body, headers, gzip_body)

    def batch_write(self, batches: list, headers=None) -> Response:
        return self._serve("batch_write", {"batches": batches}, headers)

    def batch_write_raw(self, body) -> Response:
        return self._serve("batch_write", body)

    def write_async(self, group, names, rows, version=None) -> Response:
        return self.serving.post("/v1/feature-group/write-async", write_body(group, names, rows, version))


# ----------------------------------------------------------------------------------------------
# assertions
# ----------------------------------------------------------------------------------------------

def assert_ok(resp: Response, status: int = 200):
    """Asserts a success envelope and returns its data."""
    assert resp.status == status, f"expected HTTP {status}\n{resp.describe()}"
    assert isinstance(resp.body, dict) and "data" in resp.body, f"no data envelope\n{resp.describe()}"
    assert "error" not in resp.body, resp.describe()
    return resp.body["data"]


def assert_error(resp: Response, status, code: str | None = None, *, codes: Iterable[str] | None = None,
                 message: str | None = None) -> dict:
    """Asserts an error envelope with all of message/cause/code. `status` may be an int or a tuple."""
    statuses = status if isinstance(status, (tuple, list, set)) else (status,)
    assert resp.status in statuses, f"expected HTTP {status}\n{resp.describe()}"
    assert isinstance(resp.body, dict) and isinstance(resp.body.get("error"), dict), \
        f"no error envelope\n{resp.describe()}"
    err = resp.body["error"]
    for k in ("message", "cause", "code"):
        assert k in err, f"error lacks {k!r} (every non-200 answer carries message, cause, code)\n{resp.describe()}"
        assert isinstance(err[k], str), f"error.{k} is not a string\n{resp.describe()}"
    if code is not None:
        assert err["code"] == code, f"expected code {code}, got {err['code']}\n{resp.describe()}"
    if codes is not None:
        codes = set(codes)
        assert err["code"] in codes, f"expected a code in {sorted(codes)}, got {err['code']}\n{resp.describe()}"
    if message is not None:
        assert message.lower() in err["message"].lower(), \
            f"expected message containing {message!r}\n{resp.describe()}"
    return err


def assert_no_nulls(obj, path="$"):
    """API.md 1: fields whose value is null are omitted from responses."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert v is not None, f"{path}.{k} is null (null fields must be omitted)"
            assert_no_nulls(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            assert_no_nulls(v, f"{path}[{i}]")


def all_strings(obj) -> set:
    out = set()
    if isinstance(obj, str):
        out.add(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out |= all_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            out |= all_strings(v)
    return out


def mentions(obj, name: str) -> bool:
    """True when some string value anywhere in obj equals name (case-insensitively)."""
    lname = name.lower()
    return any(s.lower() == lname for s in all_strings(obj))


def item_name(item) -> str | None:
    if not isinstance(item, dict):
        return None
    for k in ("name", "tableName", "featureGroupName"):
        if isinstance(item.get(k), str):
            return item[k]
    for k in ("entity", "featureGroup"):
        if isinstance(item.get(k), dict):
            n = item_name(item[k])
            if n:
                return n
    return None


def names_of(items) -> list:
    return [item_name(i) for i in (items or [])]


def write_ok(ofs: Ofs, group, names, rows, version=None, **kw) -> dict:
    """Writes and asserts every row succeeded."""
    r = ofs.write(group, names, rows, version, **kw)
    data = assert_ok(r)
    assert data.get("failedRows", []) == [], r.describe()
    assert len(data.get("successfulRows", [])) == len(rows), r.describe()
    return data


def read_data(ofs: Ofs, group, columns, key_names, key_rows, version=None) -> dict:
    return assert_ok(ofs.read(group, columns, key_names, key_rows, version))


def found_map(read_payload: dict) -> dict:
    """tuple(key) -> features list for the successful keys of a read response."""
    out = {}
    for sk in read_payload.get("successfulKeys", []):
        out[tuple(json.dumps(k) if isinstance(k, (list, dict)) else k for k in sk["key"])] = sk["features"]
    return out


def read_one(ofs: Ofs, group, columns, key_names, key_row, version=None):
    """Features of one key, or None when the key is in failedKeys."""
    data = read_data(ofs, group, columns, key_names, [key_row], version)
    succ = data.get("successfulKeys", [])
    failed = data.get("failedKeys", [])
    assert len(succ) + len(failed) == 1, f"one key asked, got {data}"
    if succ:
        return succ[0]["features"]
    return None


def make_entity(ofs: Ofs, name: str | None = None, features=(("id", "BIGINT"), ("region", "TEXT")), keys=("id",),
                ttl: int = 0, **kw) -> str:
    name = name or uniq("ent")
    assert_ok(ofs.create_entity(entity_body(name, features, keys, ttl, **kw)))
    return name


def make_group(ofs: Ofs, entity: str, name: str | None = None,
               features=(("score", "DOUBLE"), ("label", "TEXT"), ("cnt", "INT")), upgrade=None, **kw) -> str:
    name = name or uniq("fg")
    data = assert_ok(ofs.create_group(group_body(name, entity, features, **kw), upgrade=upgrade))
    assert "version" in data, data
    return name


def make_basic(ofs: Ofs, **group_kw) -> tuple[str, str]:
    """Entity (id BIGINT key, region TEXT) + group (score DOUBLE, label TEXT, cnt INT). -> (entity, group)"""
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, **group_kw)
    return ent, grp


# ----------------------------------------------------------------------------------------------
# value helpers
# ----------------------------------------------------------------------------------------------

def f32(x) -> float:
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode_dump(s: str, compressed: bool = True):
    """Darwin catalog dump string -> JSON value."""
    if compressed:
        return json.loads(zlib.decompress(base64.b64decode(s), -15))
    return json.loads(s)


def same_inet(a: str, b: str) -> bool:
    """Equal addresses; an IPv4-mapped IPv6 address equals its IPv4 address."""
    def norm(x):
        ip = ipaddress.ip_address(x)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        return ip
    return norm(a) == norm(b)


# ----------------------------------------------------------------------------------------------
# Prometheus text format
# ----------------------------------------------------------------------------------------------

_SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$')
_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def parse_metrics(text: str) -> tuple[list[tuple[str, dict, float]], dict]:
    """-> (samples [(name, labels, value)], types {family: type}). Raises on malformed lines."""
    samples, types = [], {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        m = _SAMPLE_RE.match(line)
        if not m:
            raise ValueError(f"malformed metrics line: {line!r}")
        name, labelstr, value = m.group(1), m.group(2) or "", m.group(3)
        matches = list(_LABEL_RE.finditer(labelstr))
        # every character of the label set must belong to a label pair
        if "".join(lm.group(0) for lm in matches).replace(" ", "") != labelstr.replace(" ", ""):
            raise ValueError(f"malformed labels: {line!r}")
        labels = {lm.group(1): lm.group(2) for lm in matches}
        samples.append((name, labels, float(value)))
    return samples, types


def metric_total(samples, name: str, **label_filter) -> float:
    tot = 0.0
    for n, labels, v in samples:
        if n == name and all(labels.get(k) == val for k, val in label_filter.items()):
            tot += v
    return tot
