"""``CreateFeatureGroupRequest``: the body of feature-group creation and upgrade."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from darwin_fs.model._serde import JsonModel
from darwin_fs.model.feature_group import FeatureGroup
from darwin_fs.model.tenant_config import TenantConfig


@dataclass
class CreateFeatureGroupRequest(JsonModel):
    """Wire form ``{"featureGroup", "owner", "tags", "description", "tenant"?}``. ``tenant`` (an OFS
    addition, optional) sets the tenants of the created version; an upgrade inherits them when absent."""

    feature_group: FeatureGroup
    owner: str
    tags: List[str] = field(default_factory=list)
    description: str = ""
    tenant: Optional[TenantConfig] = None
