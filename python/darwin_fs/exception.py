"""Exceptions of the SDK.

Every public function and method of ``darwin_fs`` raises :class:`SdkException` (and nothing else) when it
fails. ``error_code`` is the server's ``error.code`` when the server answered with an error (for example
``FEATURE-GROUP-NOT-FOUND-EXCEPTION``), else one of the client-side codes in :class:`ErrorCode`.
``message`` is the server's ``error.message`` (or the client's explanation), ``cause`` the server's
``error.cause``.

:class:`ApiException` and :class:`SparkWriterException` keep the names of Darwin's SDK 2.x so that code
importing them still imports; the public functions convert both into :class:`SdkException`.
"""

from __future__ import annotations

from typing import Any, Optional


class ErrorCode:
    """Codes of failures detected on the client side (server codes are passed through unchanged)."""

    CONNECTION = "CONNECTION-EXCEPTION"
    """The server could not be reached (after the configured retries)."""
    TIMEOUT = "TIMEOUT-EXCEPTION"
    """The server did not answer within the timeout (after the configured retries)."""
    INVALID_RESPONSE = "INVALID-RESPONSE-EXCEPTION"
    """The server answered something that is not the documented envelope."""
    VALIDATION = "VALIDATION-EXCEPTION"
    """The caller's input cannot be sent: a missing column, a value of the wrong type, ... (names them)."""
    ROWS_FAILED = "WRITE-ROWS-FAILED-EXCEPTION"
    """A write answered 200 but refused some rows (``errors="raise"`` in the modern client)."""
    MODEL_DECODE = "MODEL-DECODE-EXCEPTION"
    """``Model.from_dict`` got a dictionary that lacks a required field or has a value of the wrong kind."""
    DEPENDENCY = "DEPENDENCY_EXCEPTION"
    """An optional dependency (aiohttp, pandas, pyspark) is not installed. Darwin's spelling."""
    SPARK_NOT_SUPPORTED = "SPARK-NOT-SUPPORTED-EXCEPTION"
    """Kept for code that caught it: the Spark functions raised it before OFS had its Spark DataSource."""
    JAR_NOT_FOUND = "JAR_NOT_FOUND_EXCEPTION"
    """The Spark session lacks OFS's jar (darwin-ofs-v2-spark-*.jar). Darwin's spelling."""
    OFS_ONLINE_WRITE = "OFS_ONLINE_WRITE_EXCEPTION"
    """``write_features`` could not write the DataFrame through ``format("ofs")``. Darwin's spelling."""
    OFS_OFFLINE_WRITE = "OFS_OFFLINE_WRITE_EXCEPTION"
    """``write_features`` could not write the group's offline Delta table. Darwin's spelling."""
    OFS_OFFLINE_READ = "OFS_OFFLINE_READ_EXCEPTION"
    """``read_offline_features`` found no table, or could not read it. Darwin's spelling."""
    UNKNOWN = "UNKNOWN_EXCEPTION"
    """An unexpected failure inside the SDK. Darwin's spelling."""


class SdkException(Exception):
    """The one exception type the SDK raises.

    Attributes:
        message: what went wrong (the server's ``error.message`` when it answered an error).
        error_code: the server's ``error.code``, or an :class:`ErrorCode` value.
        cause: the server's ``error.cause`` (``None`` for client-side errors).
        status: the HTTP status of the answer (``None`` when there was none).
        request_id: the server's ``X-Request-Id`` of the failed request, to find it in the server's log.
        details: structured context of client-side errors (column, row, ...), or ``None``.
    """

    def __init__(
        self,
        message: str,
        error_code: Optional[str] = None,
        *,
        cause: Optional[str] = None,
        status: Optional[int] = None,
        request_id: Optional[str] = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.cause = cause
        self.status = status
        self.request_id = request_id
        self.details = details

    def __str__(self) -> str:
        text = self.message
        if self.cause and self.cause != self.message:
            text += f" (cause: {self.cause})"
        if self.error_code is not None:
            text = f"[SDK_ERROR {self.error_code}] {text}"
        if self.status is not None:
            text += f" [HTTP {self.status}"
            text += f", request id {self.request_id}]" if self.request_id else "]"
        return text

    def __reduce__(self) -> Any:  # keeps keyword-only attributes through pickling (multiprocessing)
        return (_rebuild_sdk_exception, (type(self), self.message, self.error_code, self.__dict__))


def _rebuild_sdk_exception(cls: Any, message: str, error_code: Optional[str], state: Any) -> SdkException:
    exc: SdkException = cls(message, error_code)
    exc.__dict__.update(state)
    return exc


class _DarwinError(Exception):
    """Darwin's legacy error shape: ``message`` and an optional ``error_code``, printed with a prefix."""

    _prefix = "ERROR"

    def __init__(self, message: str, error_code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code

    def __str__(self) -> str:
        if self.error_code is not None:
            return f"[{self._prefix} {self.error_code}] {self.message}"
        return self.message


class ApiException(_DarwinError):
    """Darwin's error of one HTTP call (kept for imports; public functions raise SdkException instead)."""

    _prefix = "API_ERROR"


class SparkWriterException(_DarwinError):
    """Darwin's error of the Spark writer (kept for imports; the Spark functions are not available yet)."""

    _prefix = "SPARK_ERROR"
