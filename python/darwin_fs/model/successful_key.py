"""``SuccessfulKey``: one found key of a read and its values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List

from darwin_fs.model._serde import JsonModel


@dataclass
class SuccessfulKey(JsonModel):
    """Wire form ``{"key", "features"}``: ``key`` echoes the request row, ``features`` holds the values in
    the requested column order (``None`` for a column without a live value)."""

    key: List[Any]
    features: List[Any]
