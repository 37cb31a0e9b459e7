"""The I/O-free halves of chunked reads and writes, shared by the sync and async clients.

A plan cuts the input into chunks (under the server's per-request limits, shrinking when the server
says a chunk was too big), builds each chunk's request body, and merges the answers into a typed result.
The clients only send the bodies.
"""

from __future__ import annotations

import decimal
import json
import math
import re
import time
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from darwin_fs.exception import ErrorCode, SdkException
from darwin_fs.model.read_features_response import ReadFeaturesResponse
from darwin_fs.model.write_features_response import WriteFeaturesResponse
from darwin_fs.progress import ProgressCallback
from darwin_fs.results import FailedRow, FoundRow, ReadResult, WriteProgress, WriteResult

DEFAULT_WRITE_CHUNK_ROWS = 10_000
"""The server's default ``serving.max_rows_per_write`` (docs/configuration.md)."""
DEFAULT_READ_CHUNK_KEYS = 10_000
"""The server's default ``serving.max_keys_per_read``."""

_LIMIT = re.compile(r"too many (?:rows|keys) in one (?:write|read) \(limit (\d+)\)")
_ROW_ERROR = re.compile(r"^row (\d+): (.*)$", re.DOTALL)
ERRORS_POLICIES = ("raise", "collect")


def smaller_chunk(error: SdkException, size: int) -> Optional[int]:
    """The chunk size to retry with after ``error`` answered a chunk of ``size`` rows or keys, or
    ``None`` when the error is not about size: the server's stated limit, or half on PAYLOAD-TOO-LARGE."""
    match = _LIMIT.search(error.message or "")
    if match and 0 < int(match.group(1)) < size:
        return int(match.group(1))
    if error.error_code == "PAYLOAD-TOO-LARGE" and size > 1:
        return (size + 1) // 2
    return None


def _normalized_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        return value
    if isinstance(value, int):
        return value
    if math.isfinite(value) and value == int(value):
        return int(value)
    return float(value)


def canonical(values: Sequence[Any]) -> str:
    """A row's or key's identity for matching what was sent with the server's echo of it: JSON text
    with numbers normalised (``100``, ``100.0`` and ``Decimal("1E+2")`` match; fractions compare as
    doubles), so it does not depend on how the answer's numbers were parsed."""
    return json.dumps([_normalized_number(v) for v in values], default=str)


def _chunks(total: int, size_of: Any) -> Iterator[Tuple[int, int]]:
    start = 0
    while start < total:
        end = min(total, start + size_of())
        yield start, end
        start = end


class WritePlan:
    """A write of ``rows`` (values in ``names`` order) to one group, in chunks of ``chunk_size`` rows.

    ``errors="raise"`` raises ``WRITE-ROWS-FAILED-EXCEPTION`` after the first chunk with refused rows
    (earlier chunks and that chunk's good rows are written; later chunks are not sent);
    ``errors="collect"`` writes everything and lists refused rows in the result."""

    def __init__(
        self,
        group: str,
        version: Optional[str],
        names: List[str],
        rows: Sequence[Sequence[Any]],
        *,
        chunk_size: Optional[int] = None,
        errors: str = "raise",
        progress: Optional[ProgressCallback] = None,
        run_id: Optional[str] = None,
    ) -> None:
        if errors not in ERRORS_POLICIES:
            raise SdkException(f"errors must be one of {ERRORS_POLICIES}, got {errors!r}", ErrorCode.VALIDATION)
        size = DEFAULT_WRITE_CHUNK_ROWS if chunk_size is None else int(chunk_size)
        if size < 1:
            raise SdkException(f"chunk_size must be >= 1, got {chunk_size}", ErrorCode.VALIDATION)
        self.group = group
        self.version = version
        self.names = names
        self.rows = rows
        self.chunk_size = size
        self.errors = errors
        self.progress = progress
        self.run_id = run_id
        self.started = time.monotonic()
        self.result = WriteResult(group, version, list(names), len(rows))
        self._rows_done = 0

    def chunks(self) -> Iterator[Tuple[int, Sequence[Sequence[Any]]]]:
        """(start index, rows) of each chunk; a size reduced by :meth:`shrink` applies to later chunks."""
        for start, end in _chunks(len(self.rows), lambda: self.chunk_size):
            yield start, self.rows[start:end]

    def body(self, rows: Sequence[Sequence[Any]]) -> Dict[str, Any]:
        body: Dict[str, Any] = {"featureGroupName": self.group,
                                "features": {"names": self.names, "values": list(rows)}}
        if self.version is not None:
            body["featureGroupVersion"] = self.version
        if self.run_id is not None:
            body["runId"] = self.run_id
        return body

    def shrink(self, error: SdkException, size: int) -> Optional[int]:
        """After ``error`` answered a chunk of ``size`` rows: the size to split it into (also used for the
        chunks after it), or ``None`` to give up with ``error``."""
        smaller = smaller_chunk(error, size)
        if smaller is not None:
            self.chunk_size = min(self.chunk_size, smaller)
        return smaller

    def record(self, start: int, rows: Sequence[Sequence[Any]], answer: WriteFeaturesResponse) -> None:
        """Merges one chunk's answer; reports progress; raises per the ``errors`` policy."""
        result = self.result
        result.chunks += 1
        result.feature_group_version = answer.feature_group_version
        result.rows_written += len(answer.successful_rows)
        failed = self._failed_rows(start, rows, answer)
        result.failed_rows.extend(failed)
        self._rows_done += len(rows)
        result.elapsed_s = time.monotonic() - self.started
        if self.progress is not None:
            self.progress(WriteProgress(self._rows_done, result.rows_total, result.chunks, result.elapsed_s))
        if failed and self.errors == "raise":
            first = failed[0]
            where = f"row {first.index}" if first.index is not None else "a row"
            raise SdkException(
                f"feature group {self.group}: the server refused {len(failed)} of {len(rows)} rows of the chunk "
                f"starting at row {start}; first: {where}: {first.error or 'no reason given'} (values "
                f"{first.values!r}). The other rows of this chunk and all earlier chunks are written; later "
                f"chunks were not sent. Pass errors='collect' to write everything and inspect failed_rows.",
                ErrorCode.ROWS_FAILED,
                details=result,
            )

    def finish(self) -> WriteResult:
        self.result.elapsed_s = time.monotonic() - self.started
        return self.result

    @staticmethod
    def _failed_rows(start: int, rows: Sequence[Sequence[Any]], answer: WriteFeaturesResponse) -> List[FailedRow]:
        if not answer.failed_rows:
            return []
        reasons: List[Optional[str]] = list(answer.failed_row_errors or [])
        reasons += [None] * (len(answer.failed_rows) - len(reasons))
        sent = [canonical(r) for r in rows]
        cursor = 0
        out = []
        for values, reason in zip(answer.failed_rows, reasons):
            index: Optional[int] = None
            message = reason
            match = _ROW_ERROR.match(reason or "")
            if match and int(match.group(1)) < len(rows):
                index = int(match.group(1))
                message = match.group(2)
            else:  # no (usable) reason: find the row by its echo; failed rows come in request order
                text = canonical(values)
                for i in range(cursor, len(sent)):
                    if sent[i] == text:
                        index = i
                        cursor = i + 1
                        break
            out.append(FailedRow(None if index is None else start + index, list(values), message))
        return out


class ReadPlan:
    """Point reads of ``keys`` (values in ``key_names`` order) from one group, in chunks of keys."""

    def __init__(
        self,
        group: str,
        version: Optional[str],
        key_names: List[str],
        keys: Sequence[Sequence[Any]],
        columns: List[str],
        *,
        chunk_size: Optional[int] = None,
    ) -> None:
        size = DEFAULT_READ_CHUNK_KEYS if chunk_size is None else int(chunk_size)
        if size < 1:
            raise SdkException(f"chunk_size must be >= 1, got {chunk_size}", ErrorCode.VALIDATION)
        self.group = group
        self.version = version
        self.key_names = key_names
        self.keys = keys
        self.columns = columns
        self.chunk_size = size
        self.found: List[Optional[List[Any]]] = [None] * len(keys)
        self.resolved_version: Optional[str] = version

    def chunks(self) -> Iterator[Tuple[int, Sequence[Sequence[Any]]]]:
        for start, end in _chunks(len(self.keys), lambda: self.chunk_size):
            yield start, self.keys[start:end]

    def body(self, keys: Sequence[Sequence[Any]]) -> Dict[str, Any]:
        body: Dict[str, Any] = {"featureGroupName": self.group, "featureColumns": self.columns,
                                "primaryKeys": {"names": self.key_names, "values": [list(k) for k in keys]}}
        if self.version is not None:
            body["featureGroupVersion"] = self.version
        return body

    def shrink(self, error: SdkException, size: int) -> Optional[int]:
        smaller = smaller_chunk(error, size)
        if smaller is not None:
            self.chunk_size = min(self.chunk_size, smaller)
        return smaller

    def record(self, start: int, keys: Sequence[Sequence[Any]], answer: ReadFeaturesResponse) -> None:
        """Places each found key's values at its position(s) in the input."""
        self.resolved_version = answer.feature_group_version
        positions: Dict[str, List[int]] = {}
        for i, key in enumerate(keys):
            positions.setdefault(canonical(key), []).append(start + i)
        for found in answer.successful_keys:
            for position in positions.get(canonical(found.key), []):
                self.found[position] = list(found.features)

    def result(self) -> ReadResult:
        result = ReadResult(self.group, self.resolved_version, list(self.key_names), list(self.columns))
        for key, values in zip(self.keys, self.found):
            if values is None:
                result.missing_keys.append(tuple(key))
            else:
                result.rows.append(FoundRow(tuple(key), dict(zip(self.columns, values))))
        return result


def rows_from_mappings(rows: Sequence[Any], what: str) -> Tuple[List[str], List[List[Any]]]:
    """(names, values) from rows given as mappings of column -> value; every row must have the same
    columns (the error names the first row that differs and how)."""
    if not rows:
        return [], []
    first = rows[0]
    if not isinstance(first, Mapping):
        raise SdkException(f"{what}: rows must be mappings of column name to value, got {type(first).__name__}",
                           ErrorCode.VALIDATION)
    names = [str(k) for k in first.keys()]
    expected = set(names)
    values = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise SdkException(f"{what}: row {index} is a {type(row).__name__}, not a mapping", ErrorCode.VALIDATION,
                               details={"row": index})
        if len(row) != len(names) or set(row.keys()) != expected:
            extra = sorted(set(map(str, row.keys())) - expected)
            lacking = sorted(expected - set(map(str, row.keys())))
            raise SdkException(
                f"{what}: row {index} has other columns than row 0 (missing: {lacking or 'none'}, extra: "
                f"{extra or 'none'}); every row of one write must have the same columns",
                ErrorCode.VALIDATION, details={"row": index, "missing": lacking, "extra": extra},
            )
        values.append([row[name] for name in names])
    return names, values


def keys_to_rows(keys: Sequence[Any], key_names: Optional[Sequence[str]], what: str) -> Tuple[Optional[List[str]], List[List[Any]]]:
    """(key names, key rows) from keys given as mappings (names taken from them), as sequences in
    ``key_names`` order, or as scalars for a single key column. Names may stay ``None`` (the caller then
    uses the schema's primary keys)."""
    if not keys:
        return (list(key_names) if key_names is not None else None), []
    if isinstance(keys[0], Mapping):
        names = list(key_names) if key_names is not None else [str(k) for k in keys[0].keys()]
        rows = []
        for index, key in enumerate(keys):
            try:
                rows.append([key[name] for name in names])
            except (KeyError, TypeError):
                raise SdkException(f"{what}: key {index} ({key!r}) lacks some of the key columns {names}",
                                   ErrorCode.VALIDATION, details={"row": index}) from None
        return names, rows
    rows = [list(k) if isinstance(k, (list, tuple)) else [k] for k in keys]
    return (list(key_names) if key_names is not None else None), rows
