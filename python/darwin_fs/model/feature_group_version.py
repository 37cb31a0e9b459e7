"""``FeatureGroupVersion``: the latest version of a feature group."""

from __future__ import annotations

from dataclasses import dataclass

from darwin_fs.model._serde import JsonModel


@dataclass
class FeatureGroupVersion(JsonModel):
    """Wire form ``{"name", "latestVersion", "updatedAt"}`` (epoch ms)."""

    name: str
    latest_version: str
    updated_at: int = 0
