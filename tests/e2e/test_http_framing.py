"""Strict HTTP/1.1 framing (RFC 9112) on the real binary: requests a proxy in front of OFS could frame
differently than OFS (request smuggling) are refused with 400, 501 or 505 and the connection is closed,
so the request hidden behind each is never answered (src/http/README.md, "Strict framing")."""

import socket

import pytest

from e2e_support import raw_exchange, read_http_response, status_of_raw

HIDDEN = b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n"

CASES = [
    ("space_before_colon", b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
    ("obs_fold", b"GET /health HTTP/1.1\r\nHost: t\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n", 400),
    ("version_9_9", b"GET /health HTTP/9.9\r\nHost: t\r\n\r\n", 505),
    ("version_2_0", b"GET /health HTTP/2.0\r\nHost: t\r\n\r\n", 505),
    ("te_gzip_chunked", b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    ("te_chunked_gzip", b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    ("te_and_length",
     b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("two_lengths", b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", 400),
    ("chunk_data_no_crlf",
     b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY0\r\n\r\n", 400),
    ("bare_lf", b"GET /health HTTP/1.1\nHost: t\n\n", 400),
]


@pytest.mark.parametrize("payload,status", [(p, s) for _, p, s in CASES], ids=[c[0] for c in CASES])
def test_smuggling_shapes_are_refused_and_the_connection_closed(server, payload, status):
    data = raw_exchange(server.serving_port, payload + HIDDEN, half_close=True)
    assert status_of_raw(data) == status, data[:400]
    assert b"Connection: close" in data
    assert data.count(b"HTTP/1.1 ") == 1, f"the request behind it was answered: {data[:800]!r}"
    assert server.serving.get("/health").status == 200


def test_chunked_body_with_extensions_and_trailers_is_served(server):
    payload = (b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"2;ext=1\r\n{}\r\n0\r\nX-Trailer: v\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.serving_port), timeout=5) as s:
        s.sendall(payload)
        data = read_http_response(s, 5)
    # /health answers GET only; the request was framed and routed (405), not refused as malformed (400).
    assert status_of_raw(data) == 405, data[:400]
