"""The bound on unread output (http.max_buffered_output_bytes, http.write_timeout_ms; docs/api.md
"Limits"): many clients that each ask for a large answer and never read it must not grow the server's
memory without bound, are closed after the write timeout, and a normal client is served afterwards.

The settings come through the environment (OFS_MAX_BUFFERED_OUTPUT_BYTES, OFS_WRITE_TIMEOUT_MS), which a
binary without them ignores: against such a binary the memory assertion fails, as it should.
"""

import json
import os
import select
import socket
import time
from pathlib import Path

import pytest

from e2e_support import Ofs, assert_ok, make_entity, make_group, read_body

MIB = 1 << 20
BUDGET = 24 * MIB
WRITE_TIMEOUT_MS = 1000
CLIENTS = 30
VALUE_BYTES = 1 * MIB  # one TEXT value; a read of KEYS_PER_READ copies of its key answers ~8 MiB
KEYS_PER_READ = 8
# What the server may add to its resident memory while the clients hang: the budget, one answer per
# event-loop thread being queued past it, the handlers' copies of those answers, and allocator slack.
# Without the bound the clients' answers alone take CLIENTS * 8 MiB = 240 MiB.
RSS_GROWTH_LIMIT = 120 * MIB


def vm_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def request_bytes(body: dict) -> bytes:
    payload = json.dumps(body).encode()
    return (b"POST /v1/feature-group/read HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server reset the connection (it does on a write timeout), seen without reading:
    a client that read would no longer be one that does not."""
    poller = select.poll()
    poller.register(sock, select.POLLERR | select.POLLHUP | select.POLLRDHUP)
    return any(events & (select.POLLERR | select.POLLHUP | select.POLLRDHUP) for _, events in poller.poll(0))


# With a remote store the requests are all waiting for the store before any answer exists, so the cap
# cannot hold them back: the bound is then the cap plus the answers of http.max_suspended_requests
# waiting requests per event loop (docs/configuration.md, "Clients that do not read their answers").
@pytest.mark.embedded_store
@pytest.mark.slow
@pytest.mark.timeout_s(90)
def test_unread_output_is_bounded_and_closed_after_the_write_timeout(ofs_factory, monkeypatch):
    monkeypatch.setenv("OFS_MAX_BUFFERED_OUTPUT_BYTES", str(BUDGET))
    monkeypatch.setenv("OFS_WRITE_TIMEOUT_MS", str(WRITE_TIMEOUT_MS))
    # Under AddressSanitizer freed answers wait in its quarantine (256 MiB) and would count as resident;
    # without it they are released as they are in a normal build. Other binaries ignore the variable.
    asan_options = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS", (asan_options + ":" if asan_options else "") + "quarantine_size_mb=0")
    srv = ofs_factory(extra_args=["--threads", "2"])
    ofs = Ofs(srv)
    ent = make_entity(ofs, features=(("id", "BIGINT"),))
    grp = make_group(ofs, ent, features=(("payload", "TEXT"),))
    assert_ok(ofs.write(grp, ["id", "payload"], [[1, "x" * VALUE_BYTES]]))
    read = read_body(grp, ["payload"], ["id"], [[1]] * KEYS_PER_READ)
    # One answer read normally first: what the server needs to serve one is in its baseline.
    answer = assert_ok(ofs.read_raw(read))
    assert len(answer["successfulKeys"]) == KEYS_PER_READ
    baseline = vm_rss(srv.proc.pid)

    hostile = []
    try:
        payload = request_bytes(read)
        for _ in range(CLIENTS):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel takes little of the answer
            s.connect(("127.0.0.1", srv.serving_port))
            s.sendall(payload)
            hostile.append(s)
        started = time.monotonic()
        peak = 0
        open_ = set(range(CLIENTS))
        first_close = None
        deadline = started + 45
        while open_ and time.monotonic() < deadline:
            peak = max(peak, vm_rss(srv.proc.pid))
            for i in list(open_):
                if closed_by_server(hostile[i]):
                    open_.discard(i)
                    if first_close is None:
                        first_close = time.monotonic() - started
            time.sleep(0.05)
        assert peak - baseline < RSS_GROWTH_LIMIT, (
            f"resident memory grew by {(peak - baseline) / MIB:.0f} MiB while {CLIENTS} clients left their "
            f"answers unread (limit {RSS_GROWTH_LIMIT / MIB:.0f} MiB)")
        assert not open_, f"{len(open_)} non-reading clients still open after 45 s"
        assert first_close is not None and first_close >= WRITE_TIMEOUT_MS / 1000 * 0.8, first_close
    finally:
        for s in hostile:
            s.close()

    # A normal client is served afterwards, and the metrics tell what happened.
    answer = assert_ok(ofs.read_raw(read))
    assert len(answer["successfulKeys"]) == KEYS_PER_READ
    metrics = srv.serving.get("/metrics").text
    timeouts = [line for line in metrics.splitlines()
                if line.startswith('ofs_http_write_timeouts_total{server="serving"}')]
    assert timeouts and float(timeouts[0].split()[-1]) >= CLIENTS, timeouts
    held = [line for line in metrics.splitlines()
            if line.startswith('ofs_http_output_held_bytes{server="serving"}')]
    assert held and float(held[0].split()[-1]) == 0, held
