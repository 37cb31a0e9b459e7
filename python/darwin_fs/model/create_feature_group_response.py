"""``CreateFeatureGroupResponse``: the answer of feature-group creation and upgrade."""

from __future__ import annotations

from dataclasses import dataclass

from darwin_fs.model._serde import JsonModel
from darwin_fs.model.feature_group import FeatureGroup


@dataclass
class CreateFeatureGroupResponse(JsonModel):
    """Wire form ``{"featureGroup", "version"}``: the group as stored and the version created (``"v2"``)."""

    feature_group: FeatureGroup
    version: str
