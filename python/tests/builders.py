"""Request builders shared by the tests."""

from __future__ import annotations

from typing import List, Sequence, Tuple

from darwin_fs.constant.constants import DataType
from darwin_fs.model.create_entity_request import CreateEntityRequest
from darwin_fs.model.create_feature_group_request import CreateFeatureGroupRequest
from darwin_fs.model.entity import Entity
from darwin_fs.model.feature_column import FeatureColumn
from darwin_fs.model.feature_group import FeatureGroup

OWNER = "sdk.tests@example.com"
ALL_TYPES: Tuple[DataType, ...] = tuple(DataType)


def entity_request(name: str, keys: Sequence[Tuple[str, DataType]] = (("user_id", DataType.BIGINT),),
                   ttl: int = 0) -> CreateEntityRequest:
    """Darwin-style: every argument by keyword, as Darwin's SDK 2.x users wrote it."""
    return CreateEntityRequest(
        entity=Entity(table_name=name,
                      features=[FeatureColumn(name=k, type=t, description="", tags=[]) for k, t in keys],
                      primary_keys=[k for k, _ in keys], ttl=ttl),
        owner=OWNER, tags=["sdk-test"], description=f"entity {name}")


def group_request(name: str, entity: str, columns: Sequence[Tuple[str, DataType]],
                  version_enabled: bool = True) -> CreateFeatureGroupRequest:
    return CreateFeatureGroupRequest(
        feature_group=FeatureGroup(feature_group_name=name, entity_name=entity,
                                   features=[FeatureColumn(name=c, type=t, description="", tags=[]) for c, t in columns],
                                   version_enabled=version_enabled),
        owner=OWNER, tags=[], description=f"group {name}")


def all_type_columns() -> List[Tuple[str, DataType]]:
    """One column per data type: ``c_text``, ``c_ascii``, ... ``c_varint``."""
    return [(f"c_{t.value.lower()}", t) for t in ALL_TYPES]
