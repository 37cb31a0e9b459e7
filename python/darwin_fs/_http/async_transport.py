"""Sending HttpCalls with aiohttp: the same contract as SyncTransport, on a caller's or own ClientSession."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Optional

from darwin_fs._http.call import ADMIN, HttpCall
from darwin_fs._http.answers import decode_success, error_from_answer
from darwin_fs._http.retry import RetryPolicy
from darwin_fs._http.sync_transport import common_headers, encode_body
from darwin_fs.exception import ErrorCode, SdkException
from darwin_fs.optional_dependencies import require_aiohttp

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger("darwin_fs")


class AsyncTransport:
    """Sender of HttpCalls with aiohttp.

    With ``session`` given, the transport uses it and never closes it (Darwin's async functions pass the
    caller's ``ClientSession``); otherwise it creates its own on first use (a pooled connector limited to
    ``pool_size`` connections) and ``close()`` closes it. Retries as SyncTransport.
    """

    def __init__(
        self,
        serving_url: str,
        admin_url: str,
        *,
        token: Optional[str] = None,
        timeout: float = 30.0,
        retry: Optional[RetryPolicy] = None,
        pool_size: int = 10,
        gzip_min_bytes: Optional[int] = None,
        session: Optional["aiohttp.ClientSession"] = None,
    ) -> None:
        self.serving_url = serving_url
        self.admin_url = admin_url
        self.token = token
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.pool_size = pool_size
        self.gzip_min_bytes = gzip_min_bytes
        self._session = session
        self._owns_session = session is None

    def base_url(self, service: str) -> str:
        return self.admin_url if service == ADMIN else self.serving_url

    def _session_for_call(self) -> "aiohttp.ClientSession":
        aiohttp = require_aiohttp()
        if self._session is None or (self._owns_session and self._session.closed):
            connector = aiohttp.TCPConnector(limit=self.pool_size)
            self._session = aiohttp.ClientSession(connector=connector)
            self._owns_session = True
        return self._session

    async def close(self) -> None:
        """Closes the session this transport created (a caller's session is left open)."""
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()

    async def execute(self, call: HttpCall) -> Any:
        """Sends ``call`` (with retries) and returns the ``data`` payload of its 200 answer."""
        aiohttp = require_aiohttp()
        session = self._session_for_call()
        body, body_headers = encode_body(call, self.gzip_min_bytes)
        headers = {**common_headers(self.token), **body_headers, **call.headers}
        url = self.base_url(call.service) + call.path
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        attempt = 0
        while True:
            attempt += 1
            try:
                async with session.request(
                    call.method, url, params=call.query(), data=body, headers=headers, timeout=timeout
                ) as response:
                    status = response.status
                    content = await response.read()
                    request_id = response.headers.get("X-Request-Id")
            except (aiohttp.ClientError, asyncio.TimeoutError) as e:
                connect_failed = isinstance(e, aiohttp.ClientConnectorError)
                if (call.idempotent or connect_failed) and attempt <= self.retry.retries:
                    await self._wait(call, attempt, f"{type(e).__name__}: {e}")
                    continue
                raise self._transport_error(call, url, e, attempt) from e
            if status == 200:
                return decode_success(call, content, request_id)
            if call.idempotent and self.retry.retries_status(status) and attempt <= self.retry.retries:
                await self._wait(call, attempt, f"HTTP {status}")
                continue
            raise error_from_answer(status, content, request_id, call.what)

    async def _wait(self, call: HttpCall, attempt: int, why: str) -> None:
        delay = self.retry.delay(attempt)
        log.info("darwin_fs: %s: %s; retry %d/%d in %.2fs", call.what, why, attempt, self.retry.retries, delay)
        await asyncio.sleep(delay)

    @staticmethod
    def _transport_error(call: HttpCall, url: str, exc: BaseException, attempts: int) -> SdkException:
        tries = f" after {attempts} attempt{'s' if attempts > 1 else ''}"
        if isinstance(exc, asyncio.TimeoutError):
            return SdkException(f"{call.what}: {call.method} {url} timed out{tries}", ErrorCode.TIMEOUT)
        return SdkException(f"{call.what}: cannot reach {url}{tries}: {exc}", ErrorCode.CONNECTION)
