"""``PrimaryKeys``: the keys of a point read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List

from darwin_fs.model._serde import JsonModel


@dataclass
class PrimaryKeys(JsonModel):
    """Wire form ``{"names", "values"}``: ``names`` are all primary-key columns of the entity (any
    order); each row of ``values`` is one key, its values in ``names`` order."""

    names: List[str]
    values: List[List[Any]]
