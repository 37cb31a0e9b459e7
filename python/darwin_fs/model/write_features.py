"""``WriteFeatures``: the rows of a write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List

from darwin_fs.model._serde import JsonModel


@dataclass
class WriteFeatures(JsonModel):
    """Wire form ``{"names", "values"}``: ``names`` are entity and group columns (every primary-key column
    included); each row of ``values`` holds one row's values in ``names`` order."""

    names: List[str]
    values: List[List[Any]]
