"""darwin_fs: the Python SDK of OFS, the online feature store.

Two surfaces:

- **Darwin-compatible functions** (Darwin Feature Store SDK 2.x, unchanged names and models):
  ``create_entity``, ``create_feature_group``, ``get_entity``, ``get_feature_group``,
  ``update_feature_group_state``, ``get_latest_feature_group_version``, ``get_feature_group_schema``,
  ``read_features``, ``write_features_sync``, ``read_features_async``, ``write_features_async``
  (and ``write_features`` / ``read_offline_features`` for Spark, not available yet). Configured by the
  environment: see :mod:`darwin_fs.config`.
- **Modern clients**: :class:`FeatureStoreClient` and :class:`AsyncFeatureStoreClient` (pooled, retrying,
  typed results, pandas in and out, chunked writes with progress).

Every failure is a :class:`SdkException` carrying the server's ``error.code`` and ``error.message``.

As in Darwin's SDK (whose ``__init__`` star-imported ``darwin_fs.client``), the package also exports the
request/response models, enums and exceptions ``darwin_fs.client`` names.
"""

from darwin_fs._http.retry import RetryPolicy
from darwin_fs._version import __version__
from darwin_fs.async_feature_store_client import AsyncFeatureStoreClient
from darwin_fs.client import (
    ApiException,
    CreateEntityRequest,
    CreateFeatureGroupRequest,
    Entity,
    FeatureGroup,
    FeatureGroupSchema,
    FeatureGroupVersion,
    ReadFeaturesRequest,
    ReadFeaturesResponse,
    SparkWriterException,
    WriteFeaturesRequest,
    WriteFeaturesResponse,
    create_entity,
    create_feature_group,
    get_entity,
    get_entity_metadata,
    get_feature_group,
    get_feature_group_metadata,
    get_feature_group_schema,
    get_latest_feature_group_version,
    read_features,
    read_features_async,
    read_offline_features,
    update_feature_group_state,
    write_features,
    write_features_async,
    write_features_sync,
)
from darwin_fs.constant.constants import DataType, FeatureGroupType, State
from darwin_fs.exception import ErrorCode, SdkException
from darwin_fs.feature_store_client import FeatureStoreClient
from darwin_fs.results import FailedRow, FoundRow, ReadResult, WriteProgress, WriteResult

__all__ = [
    "ApiException",
    "AsyncFeatureStoreClient",
    "CreateEntityRequest",
    "CreateFeatureGroupRequest",
    "Entity",
    "FeatureGroup",
    "FeatureGroupSchema",
    "FeatureGroupVersion",
    "ReadFeaturesRequest",
    "ReadFeaturesResponse",
    "SparkWriterException",
    "WriteFeaturesRequest",
    "WriteFeaturesResponse",
    "DataType",
    "ErrorCode",
    "FailedRow",
    "FeatureGroupType",
    "FeatureStoreClient",
    "FoundRow",
    "ReadResult",
    "RetryPolicy",
    "SdkException",
    "State",
    "WriteProgress",
    "WriteResult",
    "__version__",
    "create_entity",
    "create_feature_group",
    "get_entity",
    "get_entity_metadata",
    "get_feature_group",
    "get_feature_group_metadata",
    "get_feature_group_schema",
    "get_latest_feature_group_version",
    "read_features",
    "read_features_async",
    "read_offline_features",
    "update_feature_group_state",
    "write_features",
    "write_features_async",
    "write_features_sync",
]
