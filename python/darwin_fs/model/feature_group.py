"""``FeatureGroup``: a versioned set of feature columns attached to one entity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from darwin_fs.constant.constants import FeatureGroupType
from darwin_fs.model._serde import JsonModel
from darwin_fs.model.feature_column import FeatureColumn


@dataclass
class FeatureGroup(JsonModel):
    """Wire form ``{"featureGroupName", "entityName", "features", "featureGroupType", "versionEnabled"}``.

    ``features`` are the group's own columns (never the entity's). ``version_enabled=False`` groups cannot
    be upgraded to a new version."""

    feature_group_name: str
    entity_name: str
    features: List[FeatureColumn]
    feature_group_type: Optional[FeatureGroupType] = FeatureGroupType.ONLINE
    version_enabled: Optional[bool] = True
