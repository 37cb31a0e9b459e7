"""``WriteFeaturesRequest``: a synchronous write to one feature group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from darwin_fs.model._serde import JsonModel
from darwin_fs.model.write_features import WriteFeatures


@dataclass
class WriteFeaturesRequest(JsonModel):
    """Wire form ``{"featureGroupName", "features", "featureGroupVersion"?, "runId"?}``. Writes are
    upserts of the supplied columns; no version = the latest."""

    feature_group_name: str
    features: WriteFeatures
    feature_group_version: Optional[str] = None
    run_id: Optional[str] = None
