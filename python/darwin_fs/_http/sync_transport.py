"""Sending HttpCalls with ``requests``: one pooled Session, retries with back-off, errors as SdkException."""

from __future__ import annotations

import gzip
import logging
import threading
import time
from typing import Any, Dict, Optional, Tuple, Union

import requests
from requests.adapters import HTTPAdapter

from darwin_fs._version import __version__
from darwin_fs._http import json_codec
from darwin_fs._http.call import ADMIN, HttpCall
from darwin_fs._http.answers import decode_success, error_from_answer
from darwin_fs._http.retry import RetryPolicy
from darwin_fs.exception import ErrorCode, SdkException

log = logging.getLogger("darwin_fs")

Timeout = Union[float, Tuple[float, float]]
USER_AGENT = f"darwin_fs/{__version__} (OFS Python SDK)"


def common_headers(token: Optional[str]) -> Dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def encode_body(call: HttpCall, gzip_min_bytes: Optional[int]) -> Tuple[Optional[bytes], Dict[str, str]]:
    """The body bytes and the headers that describe them (JSON; gzip when large enough)."""
    if call.body is None:
        return None, {}
    try:
        body = json_codec.dumps(call.body)
    except (TypeError, ValueError) as e:
        raise SdkException(f"{call.what}: the request cannot be encoded as JSON: {e}", ErrorCode.VALIDATION) from e
    headers = {"Content-Type": "application/json"}
    if gzip_min_bytes is not None and len(body) >= gzip_min_bytes:
        body = gzip.compress(body, compresslevel=1)
        headers["Content-Encoding"] = "gzip"
    return body, headers


def _connect_failed(exc: BaseException) -> bool:
    """True when the request certainly never reached the server (safe to resend any call)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if name in ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError"):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
            continue
        args = getattr(current, "args", ())
        nested = args[0] if args and isinstance(args[0], BaseException) else None
        current = nested or current.__cause__ or current.__context__
    return False


class SyncTransport:
    """Thread-safe sender of HttpCalls to one serving URL and one admin URL.

    Connections are pooled per host (``pool_size`` kept open). A call is attempted up to
    ``1 + retry.retries`` times: again after a connection error or timeout (idempotent calls; others only
    when the connection could not be established) and after an answer whose status the policy retries
    (idempotent calls only). ``execute`` returns the answer's ``data`` member or raises SdkException.
    """

    def __init__(
        self,
        serving_url: str,
        admin_url: str,
        *,
        token: Optional[str] = None,
        timeout: Timeout = 30.0,
        retry: Optional[RetryPolicy] = None,
        pool_size: int = 10,
        gzip_min_bytes: Optional[int] = None,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.serving_url = serving_url
        self.admin_url = admin_url
        self.token = token
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.gzip_min_bytes = gzip_min_bytes
        self._owns_session = session is None
        self._session = session or requests.Session()
        if self._owns_session:
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
            self._session.mount("http://", adapter)
            self._session.mount("https://", adapter)
        self._lock = threading.Lock()
        self._closed = False

    def base_url(self, service: str) -> str:
        return self.admin_url if service == ADMIN else self.serving_url

    def close(self) -> None:
        """Closes the pooled connections (only those of a session this transport created)."""
        with self._lock:
            if not self._closed and self._owns_session:
                self._session.close()
            self._closed = True

    def execute(self, call: HttpCall) -> Any:
        """Sends ``call`` (with retries) and returns the ``data`` payload of its 200 answer."""
        body, body_headers = encode_body(call, self.gzip_min_bytes)
        headers = {**common_headers(self.token), **body_headers, **call.headers}
        url = self.base_url(call.service) + call.path
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._session.request(
                    call.method, url, params=call.query(), data=body, headers=headers, timeout=self.timeout
                )
            except requests.exceptions.RequestException as e:
                retriable = call.idempotent or _connect_failed(e)
                if retriable and attempt <= self.retry.retries:
                    self._wait(call, attempt, f"{type(e).__name__}: {e}")
                    continue
                raise self._transport_error(call, url, e, attempt) from e
            status = response.status_code
            request_id = response.headers.get("X-Request-Id")
            if status == 200:
                return decode_success(call, response.content, request_id)
            if call.idempotent and self.retry.retries_status(status) and attempt <= self.retry.retries:
                self._wait(call, attempt, f"HTTP {status}")
                continue
            raise error_from_answer(status, response.content, request_id, call.what)

    def _wait(self, call: HttpCall, attempt: int, why: str) -> None:
        delay = self.retry.delay(attempt)
        log.info("darwin_fs: %s: %s; retry %d/%d in %.2fs", call.what, why, attempt, self.retry.retries, delay)
        time.sleep(delay)

    @staticmethod
    def _transport_error(call: HttpCall, url: str, exc: BaseException, attempts: int) -> SdkException:
        tries = f" after {attempts} attempt{'s' if attempts > 1 else ''}"
        if isinstance(exc, requests.exceptions.Timeout):
            return SdkException(f"{call.what}: {call.method} {url} timed out{tries}: {exc}", ErrorCode.TIMEOUT)
        return SdkException(f"{call.what}: cannot reach {url}{tries}: {exc}", ErrorCode.CONNECTION)
