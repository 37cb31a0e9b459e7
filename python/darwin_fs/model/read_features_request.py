"""``ReadFeaturesRequest``: point reads of one feature group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from darwin_fs.model._serde import JsonModel
from darwin_fs.model.primary_keys import PrimaryKeys


@dataclass
class ReadFeaturesRequest(JsonModel):
    """Wire form ``{"featureGroupName", "featureColumns", "primaryKeys", "featureGroupVersion"?}``.
    ``feature_columns`` may name entity and group columns; no version = the latest."""

    feature_group_name: str
    feature_columns: List[str]
    primary_keys: PrimaryKeys
    feature_group_version: Optional[str] = None
