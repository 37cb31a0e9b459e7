"""Reading answers: the ``data`` of a 200, or an SdkException carrying the server's error code and message."""

from __future__ import annotations

import json
from typing import Any, Optional

from darwin_fs._http import json_codec
from darwin_fs._http.call import HttpCall
from darwin_fs.exception import ErrorCode, SdkException


def error_from_answer(status: int, body: bytes, request_id: Optional[str], what: str) -> SdkException:
    """The server's ``{"error": {"message", "cause", "code"}}`` as an SdkException; an answer without
    that envelope (a proxy's HTML page, ...) becomes ``INVALID-RESPONSE-EXCEPTION`` quoting the body."""
    error: Any = None
    try:
        parsed = json.loads(body) if body else None
        if isinstance(parsed, dict):
            error = parsed.get("error")
    except ValueError:
        error = None
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        message = error.get("message")
        cause = error.get("cause")
        return SdkException(
            str(message) if message is not None else f"{what} failed",
            error["code"],
            cause=str(cause) if cause is not None else None,
            status=status,
            request_id=request_id,
        )
    snippet = body[:300].decode("utf-8", errors="replace")
    return SdkException(
        f"{what} failed: HTTP {status} without an error envelope: {snippet!r}",
        ErrorCode.INVALID_RESPONSE,
        status=status,
        request_id=request_id,
    )


def data_of(payload: Any, what: str, request_id: Optional[str]) -> Any:
    """The ``data`` member of a success envelope (``INVALID-RESPONSE-EXCEPTION`` when absent)."""
    if isinstance(payload, dict) and "data" in payload:
        return payload["data"]
    raise SdkException(
        f"{what}: the answer has no 'data' envelope: {str(payload)[:300]!r}",
        ErrorCode.INVALID_RESPONSE,
        status=200,
        request_id=request_id,
    )


def decode_success(call: HttpCall, content: bytes, request_id: Optional[str]) -> Any:
    """The ``data`` payload of a 200 answer's body (``INVALID-RESPONSE-EXCEPTION`` when it is not JSON)."""
    try:
        payload = json_codec.loads(content, exact_decimals=call.exact_decimals)
    except ValueError as e:
        snippet = content[:300].decode("utf-8", errors="replace")
        raise SdkException(
            f"{call.what}: the answer is not JSON: {snippet!r}", ErrorCode.INVALID_RESPONSE,
            status=200, request_id=request_id,
        ) from e
    return data_of(payload, call.what, request_id) if call.envelope else payload
