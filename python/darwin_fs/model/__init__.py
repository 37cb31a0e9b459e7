"""The request and response models, one module each (Darwin's module paths), re-exported here.

Every model is a dataclass constructible with snake_case keyword arguments and converted to and from the
camelCase wire form by ``to_dict()`` / ``from_dict()`` (see ``darwin_fs.model._serde``)."""

from darwin_fs.model.create_entity_request import CreateEntityRequest
from darwin_fs.model.create_entity_response import CreateEntityResponse
from darwin_fs.model.create_feature_group_request import CreateFeatureGroupRequest
from darwin_fs.model.create_feature_group_response import CreateFeatureGroupResponse
from darwin_fs.model.data_response import DataResponse
from darwin_fs.model.entity import Entity
from darwin_fs.model.entity_metadata import EntityMetadata
from darwin_fs.model.error_response import ApiError, ErrorResponse
from darwin_fs.model.feature_column import FeatureColumn
from darwin_fs.model.feature_group import FeatureGroup
from darwin_fs.model.feature_group_metadata import FeatureGroupMetadata
from darwin_fs.model.feature_group_schema import FeatureGroupSchema
from darwin_fs.model.feature_group_version import FeatureGroupVersion
from darwin_fs.model.metadata_response import MetadataResponse
from darwin_fs.model.primary_keys import PrimaryKeys
from darwin_fs.model.read_features_request import ReadFeaturesRequest
from darwin_fs.model.read_features_response import ReadFeaturesResponse
from darwin_fs.model.successful_key import SuccessfulKey
from darwin_fs.model.tenant_config import TenantConfig
from darwin_fs.model.version_metadata import VersionMetadata
from darwin_fs.model.write_features import WriteFeatures
from darwin_fs.model.write_features_request import WriteFeaturesRequest
from darwin_fs.model.write_features_response import WriteFeaturesResponse

__all__ = [
    "ApiError",
    "CreateEntityRequest",
    "CreateEntityResponse",
    "CreateFeatureGroupRequest",
    "CreateFeatureGroupResponse",
    "DataResponse",
    "Entity",
    "EntityMetadata",
    "ErrorResponse",
    "FeatureColumn",
    "FeatureGroup",
    "FeatureGroupMetadata",
    "FeatureGroupSchema",
    "FeatureGroupVersion",
    "MetadataResponse",
    "PrimaryKeys",
    "ReadFeaturesRequest",
    "ReadFeaturesResponse",
    "SuccessfulKey",
    "TenantConfig",
    "VersionMetadata",
    "WriteFeatures",
    "WriteFeaturesRequest",
    "WriteFeaturesResponse",
]
