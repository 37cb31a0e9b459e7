"""Typed results of the modern clients (:class:`~darwin_fs.FeatureStoreClient` and its async twin)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple


@dataclass(frozen=True)
class FailedRow:
    """A row the server refused: ``index`` is its position in the caller's input (``None`` if it could
    not be matched), ``values`` the row as sent, ``error`` the server's reason (names the column)."""

    index: Optional[int]
    values: List[Any]
    error: Optional[str]


@dataclass
class WriteResult:
    """Outcome of a (chunked) write.

    Attributes:
        feature_group_name, feature_group_version: the group and the resolved version written.
        columns: the column names written.
        rows_total: rows in the input.
        rows_written: rows the server stored (durable).
        failed_rows: rows the server refused, in input order.
        chunks: requests sent.
        elapsed_s: wall time of the whole write.
    """

    feature_group_name: str
    feature_group_version: Optional[str]
    columns: List[str]
    rows_total: int
    rows_written: int = 0
    failed_rows: List[FailedRow] = field(default_factory=list)
    chunks: int = 0
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every row was written."""
        return not self.failed_rows and self.rows_written == self.rows_total


@dataclass(frozen=True)
class FoundRow:
    """One found key of a read: ``key`` (values in ``ReadResult.key_names`` order) and ``values`` by
    requested column name (``None`` for a column without a live value)."""

    key: Tuple[Any, ...]
    values: Dict[str, Any]


@dataclass
class ReadResult:
    """Outcome of a point read (any number of keys; chunked under the server's per-read limit).

    ``rows`` are the found keys in request order; ``missing_keys`` the keys without a row (or whose
    requested columns are all null, or whose values do not convert to the key types)."""

    feature_group_name: str
    feature_group_version: Optional[str]
    key_names: List[str]
    columns: List[str]
    rows: List[FoundRow] = field(default_factory=list)
    missing_keys: List[Tuple[Any, ...]] = field(default_factory=list)

    def to_dicts(self) -> List[Dict[str, Any]]:
        """One dict per found key: key columns, then the requested columns."""
        return [{**dict(zip(self.key_names, row.key)), **row.values} for row in self.rows]

    def get(self, *key: Any) -> Optional[Dict[str, Any]]:
        """The values of the found key ``key`` (given in ``key_names`` order), or ``None``."""
        wanted = tuple(key)
        for row in self.rows:
            if row.key == wanted:
                return row.values
        return None


@dataclass(frozen=True)
class WriteProgress:
    """Progress of a chunked write, passed to a ``progress`` callback after every chunk."""

    rows_done: int
    rows_total: int
    chunks_done: int
    elapsed_s: float

    @property
    def fraction(self) -> float:
        return 1.0 if self.rows_total == 0 else self.rows_done / self.rows_total
