"""``ReadFeaturesResponse``: the answer of a point read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List

from darwin_fs.model._serde import JsonModel
from darwin_fs.model.successful_key import SuccessfulKey


@dataclass
class ReadFeaturesResponse(JsonModel):
    """Wire form ``{"featureGroupName", "featureGroupVersion", "successfulKeys", "failedKeys"}``.
    ``feature_group_version`` is the resolved version; a key is failed when it does not convert to the key
    types, when no row exists, or when every requested non-key column is null."""

    feature_group_name: str
    feature_group_version: str
    successful_keys: List[SuccessfulKey]
    failed_keys: List[List[Any]]
