"""Retries: 503 answers and connection failures are retried with back-off; 4xx never; creations only
when the connection could not be made. Fault seams: a scripted stub server and a port nobody listens on."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any, List

import pytest

import darwin_fs
from darwin_fs import AsyncFeatureStoreClient, FeatureStoreClient, RetryPolicy, SdkException
from darwin_fs.model import Entity, FeatureColumn
from stub_server import OK_READ, UNAVAILABLE, StubServer

FAST = {"backoff_base": 0.01, "backoff_max": 0.05}
NOT_FOUND = {"error": {"message": "feature group not found", "cause": "g", "code": "FEATURE-GROUP-NOT-FOUND-EXCEPTION"}}


def test_backoff_grows_exponentially_with_jitter_under_a_cap() -> None:
    policy = RetryPolicy(retries=5, backoff_base=0.1, backoff_max=0.3)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.3), (4, 0.3)]:
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays) and max(delays) > ceiling / 2
    with pytest.raises(ValueError):
        RetryPolicy(retries=-1)


def test_503_twice_then_200_succeeds() -> None:
    with StubServer([(503, UNAVAILABLE), (503, UNAVAILABLE), (200, OK_READ)]) as stub:
        with FeatureStoreClient(stub.url, stub.url, retries=3, **FAST) as client:
            result = client.read_features("g", [{"k": 1}], ["f"])
    assert result.rows[0].values == {"f": 2} and len(stub.requests) == 3
    assert stub.requests[0]["body"] == stub.requests[2]["body"]  # the same request, sent again


def test_503_beyond_the_retries_surfaces_the_servers_code() -> None:
    with StubServer([(503, UNAVAILABLE)] * 3) as stub:
        with FeatureStoreClient(stub.url, stub.url, retries=2, **FAST) as client:
            with pytest.raises(SdkException) as e:
                client.write_features("g", [{"k": 1, "f": 2}])
    assert e.value.error_code == "STORE-UNAVAILABLE" and e.value.status == 503 and len(stub.requests) == 3
    assert e.value.request_id == "stub-3"


def test_4xx_is_never_retried() -> None:
    with StubServer([(404, NOT_FOUND), (200, OK_READ)]) as stub:
        with FeatureStoreClient(stub.url, stub.url, retries=3, **FAST) as client:
            with pytest.raises(SdkException) as e:
                client.read_features("g", [{"k": 1}], ["f"])
    assert e.value.error_code == "FEATURE-GROUP-NOT-FOUND-EXCEPTION" and len(stub.requests) == 1


def test_creation_is_not_resent_after_a_503() -> None:
    """A create that answered 503 may have been committed: sending it again could create twice."""
    with StubServer([(503, UNAVAILABLE), (200, {"data": {}})]) as stub:
        with FeatureStoreClient(stub.url, stub.url, retries=3, **FAST) as client:
            with pytest.raises(SdkException):
                client.create_entity(Entity("e", [FeatureColumn("k", "INT")], ["k"]), owner="a@b.com")
    assert len(stub.requests) == 1


def test_answer_without_an_error_envelope() -> None:
    with StubServer([(502, {"not": "an envelope"})]) as stub:
        with FeatureStoreClient(stub.url, stub.url, retries=0) as client:
            with pytest.raises(SdkException) as e:
                client.get_schema("g")
    assert e.value.error_code == "INVALID-RESPONSE-EXCEPTION" and "502" in e.value.message


def test_darwin_functions_retry_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("darwin_fs._http.sync_transport.RetryPolicy", lambda: RetryPolicy(retries=3, **FAST))
    monkeypatch.setattr(darwin_fs.client, "_transport", None)
    with StubServer([(503, UNAVAILABLE), (200, {"data": {"version": {"name": "g", "latestVersion": "v4",
                                                                       "updatedAt": 1}}})]) as stub:
        monkeypatch.setenv("OFS_ADMIN_URL", stub.url)
        assert darwin_fs.get_latest_feature_group_version("g").latest_version == "v4"
    assert [r["path"] for r in stub.requests] == ["/feature-group/version?name=g"] * 2


def test_async_503_twice_then_200() -> None:
    pytest.importorskip("aiohttp")
    with StubServer([(503, UNAVAILABLE), (503, UNAVAILABLE), (200, OK_READ)]) as stub:
        async def scenario() -> Any:
            async with AsyncFeatureStoreClient(stub.url, stub.url, retries=3, **FAST) as client:
                return await client.read_features("g", [{"k": 1}], ["f"])

        result = asyncio.run(scenario())
    assert result.rows[0].values == {"f": 2} and len(stub.requests) == 3


def test_connection_refused_is_retried_then_reported(unused_port: int) -> None:
    url = f"http://127.0.0.1:{unused_port}"
    with FeatureStoreClient(url, url, retries=2, **FAST) as client:
        with pytest.raises(SdkException) as e:
            client.get_schema("g")
    assert e.value.error_code == "CONNECTION-EXCEPTION" and "3 attempts" in e.value.message


def test_async_connection_refused_is_reported(unused_port: int) -> None:
    pytest.importorskip("aiohttp")
    url = f"http://127.0.0.1:{unused_port}"

    async def scenario() -> None:
        async with AsyncFeatureStoreClient(url, url, retries=1, **FAST) as client:
            await client.get_schema("g")

    with pytest.raises(SdkException) as e:
        asyncio.run(scenario())
    assert e.value.error_code == "CONNECTION-EXCEPTION" and "2 attempts" in e.value.message


def test_a_server_that_comes_up_during_the_retries_is_reached() -> None:
    """Connection refused first; the server starts listening on that port while the client backs off."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    served: List[bytes] = []

    def serve_later() -> None:
        time.sleep(0.3)
        with socket.socket() as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", port))
            listener.listen(1)
            listener.settimeout(10)
            conn, _ = listener.accept()
            with conn:
                served.append(conn.recv(65536))
                body = b'{"data":{"schema":[],"primaryKeys":["k"],"version":"v1"}}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    thread = threading.Thread(target=serve_later, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    with FeatureStoreClient(url, url, retries=8, backoff_base=0.1, backoff_max=0.2) as client:
        schema = client.get_schema("g")
    thread.join(timeout=10)
    assert schema.version == "v1" and served and served[0].startswith(b"GET /v1/feature-group/g/schema")
