"""Enumerations of the API (Darwin's names and values).

Each is a ``str`` enum, so a member compares equal to its wire value (``DataType.INT == "INT"``) and
serialises to it.
"""

from __future__ import annotations

from enum import Enum


class DataType(str, Enum):
    """The 15 value types of a feature column: the CQL type of the same name (API.md section 2)."""

    TEXT = "TEXT"
    ASCII = "ASCII"
    VARCHAR = "VARCHAR"
    BLOB = "BLOB"
    BOOLEAN = "BOOLEAN"
    DECIMAL = "DECIMAL"
    DOUBLE = "DOUBLE"
    FLOAT = "FLOAT"
    INT = "INT"
    BIGINT = "BIGINT"
    TIMESTAMP = "TIMESTAMP"
    TIMEUUID = "TIMEUUID"
    UUID = "UUID"
    INET = "INET"
    VARINT = "VARINT"

    def __str__(self) -> str:
        return self.value


class FeatureGroupType(str, Enum):
    """Where a feature group's values live: the online store (served) or offline only."""

    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"

    def __str__(self) -> str:
        return self.value


class State(str, Enum):
    """Lifecycle state of an entity or feature-group version. ARCHIVED groups refuse reads and writes."""

    LIVE = "LIVE"
    ARCHIVED = "ARCHIVED"

    def __str__(self) -> str:
        return self.value
