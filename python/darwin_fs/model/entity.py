"""``Entity``: a table of rows keyed by primary-key columns (entities are not versioned)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from darwin_fs.model._serde import JsonModel
from darwin_fs.model.feature_column import FeatureColumn


@dataclass
class Entity(JsonModel):
    """Wire form ``{"tableName", "features", "primaryKeys", "ttl"}``.

    ``primary_keys`` is a non-empty ordered subset of the feature names: the first is the partition key,
    the rest are clustering columns. ``ttl`` is in seconds, 0 = values never expire."""

    table_name: str
    features: List[FeatureColumn]
    primary_keys: List[str]
    ttl: Optional[int] = 0
