"""``FeatureGroupSchema``: every column a feature-group version can read and write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

from darwin_fs.constant.constants import DataType, FeatureGroupType
from darwin_fs.model._serde import JsonModel
from darwin_fs.model.feature_column import FeatureColumn


@dataclass
class FeatureGroupSchema(JsonModel):
    """Wire form ``{"schema", "primaryKeys", "version", "featureGroupType"}``: ``schema`` lists the
    entity's columns, then the group's (plain names); ``version`` is the resolved version."""

    schema: List[FeatureColumn]
    primary_keys: List[str]
    version: str
    feature_group_type: Optional[FeatureGroupType] = None

    def types(self) -> Dict[str, DataType]:
        """Column name -> type, in schema order."""
        return {c.name: c.type for c in self.schema}

    def column(self, name: str) -> Optional[FeatureColumn]:
        """The column called ``name`` (matched case-insensitively, as the server does), or ``None``."""
        lowered = name.lower()
        for c in self.schema:
            if c.name.lower() == lowered:
                return c
        return None
