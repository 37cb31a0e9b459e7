"""``FeatureGroupMetadata``: one version of a feature group with its catalog metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List

from darwin_fs.constant.constants import FeatureGroupType, State
from darwin_fs.model._serde import JsonModel
from darwin_fs.model.feature_group import FeatureGroup
from darwin_fs.model.tenant_config import TenantConfig


@dataclass
class FeatureGroupMetadata(JsonModel):
    """Wire form ``{"name", "versionEnabled", "version", "featureGroupType", "featureGroup", "owner",
    "state", "tags", "tenant", "description", "createdAt", "updatedAt"}``; times are epoch ms."""

    name: str
    version_enabled: bool
    version: str
    feature_group_type: FeatureGroupType
    feature_group: FeatureGroup
    owner: str
    state: State
    tags: List[str] = field(default_factory=list)
    tenant: TenantConfig = field(default_factory=TenantConfig)
    description: str = ""
    created_at: int = 0
    updated_at: int = 0
