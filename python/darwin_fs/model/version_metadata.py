"""``VersionMetadata``: the answer of ``GET /feature-group/version``."""

from __future__ import annotations

from dataclasses import dataclass

from darwin_fs.model._serde import JsonModel
from darwin_fs.model.feature_group_version import FeatureGroupVersion


@dataclass
class VersionMetadata(JsonModel):
    """Wire form ``{"version": FeatureGroupVersion}``."""

    version: FeatureGroupVersion
