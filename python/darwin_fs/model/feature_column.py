"""``FeatureColumn``: one named, typed column of an entity or a feature group."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List

from darwin_fs.constant.constants import DataType
from darwin_fs.model._serde import JsonModel


@dataclass
class FeatureColumn(JsonModel):
    """Wire form ``{"name", "type", "description", "tags"}``. ``type`` also accepts the type's name as a
    string (``"BIGINT"``). Names are identifiers ``[A-Za-z_][A-Za-z0-9_]{0,63}`` without ``__``."""

    name: str
    type: DataType
    description: str = ""
    tags: List[str] = field(default_factory=list)
