"""The Darwin-compatible functions (Darwin's SDK 2.x ``darwin_fs.client``, re-exported by ``darwin_fs``).

Code written for Darwin's SDK runs unchanged: the same names, arguments (keyword names included) and
models, the same Darwin-compatible HTTP paths and answers, and :class:`~darwin_fs.exception.SdkException`
carrying the server's ``error.code`` and ``error.message`` from every function (async ones included).
Where Darwin's ``create_entity`` / ``create_feature_group`` returned ``None`` these return what the server
answered (the created entity, ...), which old code ignores. Darwin printed a YAML summary after a
creation; this SDK logs it on the ``darwin_fs`` logger (INFO). The module also exposes the names Darwin's
``darwin_fs.client`` imported (the request/response models, ``DataType``, ``FeatureGroupType``, ``State``,
the exceptions), so ``from darwin_fs.client import *`` / ``from darwin_fs import *`` give what they gave.

Where the server is: see :mod:`darwin_fs.config` (``OFS_URL``, ``OFS_ADMIN_URL``, ``OFS_TOKEN``, or
``sdk.python.environment`` + ``ofs.server.host`` / ``ofs.admin.host``), read on every call. Calls share
one pooled connection set and retry connection failures and 503 answers (see :class:`RetryPolicy`).
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Type, TypeVar, Union

from darwin_fs import _api
from darwin_fs._http.async_transport import AsyncTransport
from darwin_fs._http.sync_transport import SyncTransport
from darwin_fs.config import Settings, resolve_settings
from darwin_fs.constant.constants import DataType, FeatureGroupType, State
from darwin_fs.exception import ApiException, ErrorCode, SdkException, SparkWriterException
from darwin_fs.model._serde import JsonModel
from darwin_fs.model.create_entity_request import CreateEntityRequest
from darwin_fs.model.create_feature_group_request import CreateFeatureGroupRequest
from darwin_fs.model.create_feature_group_response import CreateFeatureGroupResponse
from darwin_fs.model.entity import Entity
from darwin_fs.model.entity_metadata import EntityMetadata
from darwin_fs.model.feature_group import FeatureGroup
from darwin_fs.model.feature_group_metadata import FeatureGroupMetadata
from darwin_fs.model.feature_group_schema import FeatureGroupSchema
from darwin_fs.model.feature_group_version import FeatureGroupVersion
from darwin_fs.model.read_features_request import ReadFeaturesRequest
from darwin_fs.model.read_features_response import ReadFeaturesResponse
from darwin_fs.model.write_features_request import WriteFeaturesRequest
from darwin_fs.model.write_features_response import WriteFeaturesResponse

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger("darwin_fs")

T = TypeVar("T")
M = TypeVar("M", bound=JsonModel)
F = TypeVar("F", bound=Callable[..., Any])

# ------------------------------------------------------------------------------------------------------
# plumbing
# ------------------------------------------------------------------------------------------------------

_lock = threading.Lock()
_transport: Optional[SyncTransport] = None
_transport_settings: Optional[Settings] = None


def _default_transport() -> SyncTransport:
    """The shared transport for the current settings (rebuilt when the environment changed)."""
    global _transport, _transport_settings
    settings = resolve_settings()
    with _lock:
        if _transport is None or settings != _transport_settings:
            if _transport is not None:
                _transport.close()
            _transport = SyncTransport(settings.serving_url, settings.admin_url, token=settings.token)
            _transport_settings = settings
        return _transport


def _as_sdk_exception(e: BaseException, what: str) -> SdkException:
    if isinstance(e, SdkException):
        return e
    if isinstance(e, (ApiException, SparkWriterException)):
        return SdkException(e.message, e.error_code)
    return SdkException(f"unknown exception {what}\n\t{type(e).__name__}: {e}", ErrorCode.UNKNOWN)


def _sdk_errors(what: str) -> Callable[[F], F]:
    """Decorator: whatever escapes the function is an SdkException (unexpected ones wrapped). A call that
    does not fit the signature stays a TypeError, as calling Darwin's function that way was."""

    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            signature.bind(*args, **kwargs)
            try:
                return fn(*args, **kwargs)
            except Exception as e:
                raise _as_sdk_exception(e, what) from e

        return sync_wrapper  # type: ignore[return-value]

    return wrap


def _sdk_errors_async(what: str) -> Callable[[F], F]:
    """Decorator of coroutine functions: as :func:`_sdk_errors`."""

    def wrap(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            signature.bind(*args, **kwargs)
            try:
                return await fn(*args, **kwargs)
            except Exception as e:
                raise _as_sdk_exception(e, what) from e

        return async_wrapper  # type: ignore[return-value]

    return wrap


def _model(value: Union[M, Mapping[str, Any]], cls: Type[M], argument: str) -> M:
    """The request model; a plain dict in wire form is accepted and converted."""
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return cls.from_dict(value)
    raise SdkException(f"{argument} must be a {cls.__name__}, got {type(value).__name__}", ErrorCode.VALIDATION)


# ------------------------------------------------------------------------------------------------------
# admin
# ------------------------------------------------------------------------------------------------------

@_sdk_errors("creating entity")
def create_entity(request: Union[CreateEntityRequest, Mapping[str, Any]]) -> Entity:
    """Creates an entity (its metadata and its table). Returns the entity as stored.
    Errors: ``ENTITY-ALREADY-EXISTS-EXCEPTION``, ``ENTITY-SCHEMA-VALIDATION-EXCEPTION``, ..."""
    req = _model(request, CreateEntityRequest, "request")
    created = _api.parse_entity(_default_transport().execute(_api.darwin_create_entity(req))).entity
    log.info("darwin_fs: created entity %s: %s", created.table_name, created.to_dict())
    return created


@_sdk_errors("creating feature-group")
def create_feature_group(
    request: Union[CreateFeatureGroupRequest, Mapping[str, Any]], upgrade: Optional[bool] = None
) -> CreateFeatureGroupResponse:
    """Creates a feature group (version ``v1``); with ``upgrade=True`` creates the next version of an
    existing one. Returns the group as stored and the version created.
    Errors: ``FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION`` (exists, no upgrade),
    ``VERSIONING-DISABLED-EXCEPTION``, ``ENTITY-NOT-FOUND-EXCEPTION``, ..."""
    req = _model(request, CreateFeatureGroupRequest, "request")
    created = _api.parse_create_feature_group(
        _default_transport().execute(_api.darwin_create_feature_group(req, upgrade))
    )
    action = "upgraded" if upgrade else "created"
    log.info("darwin_fs: %s feature group %s version %s: %s", action,
             created.feature_group.feature_group_name, created.version, created.feature_group.to_dict())
    return created


@_sdk_errors("fetching entity")
def get_entity(name: str) -> Entity:
    """The entity called ``name``. Errors: ``ENTITY-NOT-FOUND-EXCEPTION``."""
    return get_entity_metadata(name).entity


@_sdk_errors("fetching entity metadata")
def get_entity_metadata(name: str) -> EntityMetadata:
    """The entity called ``name`` with its metadata (owner, state, times, ...)."""
    return _api.parse_darwin_entity_metadata(_default_transport().execute(_api.darwin_get_entity_metadata(name)))


@_sdk_errors("fetching feature-group")
def get_feature_group(name: str, version: Optional[str] = None) -> FeatureGroup:
    """The feature group ``name`` at ``version`` (``"v2"``; default the latest).
    Errors: ``FEATURE-GROUP-NOT-FOUND-EXCEPTION``, ``FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION``."""
    return get_feature_group_metadata(name, version).feature_group


@_sdk_errors("fetching feature-group metadata")
def get_feature_group_metadata(name: str, version: Optional[str] = None) -> FeatureGroupMetadata:
    """The feature group ``name`` at ``version`` (default the latest) with its metadata."""
    return _api.parse_darwin_feature_group_metadata(
        _default_transport().execute(_api.darwin_get_feature_group_metadata(name, version))
    )


@_sdk_errors("updating feature-group state")
def update_feature_group_state(state: Union[State, str], name: str, version: Optional[str] = None) -> None:
    """Sets the state (LIVE or ARCHIVED) of ``version`` of the group (no version = the latest).
    ARCHIVED versions refuse reads, writes and schema calls. Returns ``None``, as Darwin's did (the
    Darwin path answers the request body); :func:`get_feature_group_metadata` reads the new state."""
    _default_transport().execute(_api.darwin_update_feature_group_state(state, name, version))
    which = f"version {version}" if version else "the latest version"
    log.info("darwin_fs: state of %s of feature group %s set to %s", which, name, _api.state_value(state))


@_sdk_errors("fetching latest feature-group version")
def get_latest_feature_group_version(name: str) -> FeatureGroupVersion:
    """The latest version of the group: ``FeatureGroupVersion(name, latest_version, updated_at)``."""
    return _api.parse_latest_version(_default_transport().execute(_api.darwin_get_latest_version(name)))


@_sdk_errors("fetching feature-group schema")
def get_feature_group_schema(name: str, version: Optional[str] = None) -> FeatureGroupSchema:
    """Every column of the group's ``version`` (default the latest): entity columns, then group columns,
    with the primary keys and the resolved version. Errors: ``FEATURE-GROUP-STATE-EXCEPTION`` (archived)."""
    return _api.parse_schema(_default_transport().execute(_api.darwin_get_schema(name, version)))


# ------------------------------------------------------------------------------------------------------
# serving
# ------------------------------------------------------------------------------------------------------

@_sdk_errors("reading features from feature-group")
def read_features(request: Union[ReadFeaturesRequest, Mapping[str, Any]]) -> ReadFeaturesResponse:
    """Point reads of one feature group. Unknown keys come back in ``failed_keys``. Errors:
    ``FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION`` (unknown column, wrong key names, ragged keys),
    ``OFS-V2-ADMIN-SERVICE-EXCEPTION`` (unknown group, as Darwin answered), ``FEATURE-GROUP-STATE-EXCEPTION``."""
    req = _model(request, ReadFeaturesRequest, "request")
    return _api.parse_read(_default_transport().execute(_api.darwin_read_features(req)))


@_sdk_errors("writing features to feature-group")
def write_features_sync(request: Union[WriteFeaturesRequest, Mapping[str, Any]]) -> WriteFeaturesResponse:
    """Synchronous write (upsert of the given columns); rows are durable when it returns. Rows whose
    values do not convert are in ``failed_rows`` (reasons in ``failed_row_errors``); the call still
    succeeds. Errors: ``FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION`` (unknown column, missing key column)."""
    req = _model(request, WriteFeaturesRequest, "request")
    return _api.parse_write(_default_transport().execute(_api.darwin_write_features(req)))


async def _execute_on_session(session: Optional["aiohttp.ClientSession"], call: Any) -> Any:
    settings = resolve_settings()
    transport = AsyncTransport(settings.serving_url, settings.admin_url, token=settings.token, session=session)
    try:
        return await transport.execute(call)
    finally:
        await transport.close()  # closes only a session it created itself


@_sdk_errors_async("writing features to feature-group")
async def write_features_async(
    client: Optional["aiohttp.ClientSession"], request: Union[WriteFeaturesRequest, Mapping[str, Any]]
) -> WriteFeaturesResponse:
    """:func:`write_features_sync` on the caller's ``aiohttp.ClientSession`` ``client`` (left open), as
    Darwin's ``write_features_async(client, request)``. Needs the ``async`` extra. ``client=None`` (an
    OFS addition) uses a temporary session."""
    req = _model(request, WriteFeaturesRequest, "request")
    return _api.parse_write(await _execute_on_session(client, _api.darwin_write_features(req)))


@_sdk_errors_async("reading features from feature-group")
async def read_features_async(
    client: Optional["aiohttp.ClientSession"], request: Union[ReadFeaturesRequest, Mapping[str, Any]]
) -> ReadFeaturesResponse:
    """:func:`read_features` on the caller's ``aiohttp.ClientSession`` ``client`` (left open), as Darwin's
    ``read_features_async(client, request)``. Needs the ``async`` extra. ``client=None`` (an OFS addition)
    uses a temporary session."""
    req = _model(request, ReadFeaturesRequest, "request")
    return _api.parse_read(await _execute_on_session(client, _api.darwin_read_features(req)))


# ------------------------------------------------------------------------------------------------------
# Spark (darwin_fs._spark: the DataSource `ofs` and Delta tables)
# ------------------------------------------------------------------------------------------------------


@_sdk_errors("writing features to feature-group")
def write_features(
    df: Any, feature_group_name: str, feature_group_version: Optional[str] = None, mode: str = "overwrite"
) -> str:
    """Writes a Spark DataFrame into a feature group, as Darwin's ``write_features``: online through OFS's
    DataSource ``format("ofs")`` (rows checked against the group's schema first; batched HTTP writes, or
    v2 messages to Kafka when ``OFS_KAFKA_HOST`` is set) when the group is ONLINE, and into the group's
    offline Delta table ``<base>/<name>/<version>/`` with ``mode`` when an offline base path is configured
    (``DARWIN_OFS_V2_OFFLINE_STORE_BASE_S3_PATH``). The run is recorded (``/feature-group/run-data``).
    Returns the run id (Darwin returned ``None``). Needs pyspark and, for online groups, OFS's jar in the
    session (``JAR_NOT_FOUND_EXCEPTION``)."""
    from darwin_fs import _spark
    from darwin_fs.optional_dependencies import require

    require("pyspark")
    schema = get_feature_group_schema(feature_group_name, feature_group_version)
    version = schema.version
    online = schema.feature_group_type in (None, FeatureGroupType.ONLINE)
    base = _spark.offline_base()
    if not online and base is None:
        raise SdkException(
            f"feature group {feature_group_name} is OFFLINE and no offline store is configured "
            f"(set {_spark.OFFLINE_BASE_VARIABLES[0]})",
            ErrorCode.OFS_OFFLINE_WRITE,
        )
    run_id = _spark.create_run_id()
    if online:
        _spark.check_jar(df.sparkSession)
        _spark.write_online(df, feature_group_name, version, run_id)  # records its own run
    if base is not None:
        _spark.write_offline(df, _spark.darwin_offline_path(base, feature_group_name, version), mode)
    if not online:
        body = {"name": feature_group_name, "version": version, "runId": run_id, "timeTaken": 0,
                "count": df.count(), "sampleData": [], "errorMessage": "", "status": "SUCCESS"}
        _default_transport().execute(_api.darwin_add_run(body))
    return run_id


@_sdk_errors("reading offline features")
def read_offline_features(
    spark: Any,
    feature_group_name: str,
    feature_group_version: Optional[str] = None,
    delta_table_version: Optional[int] = None,
    timestamp: Optional[int] = None,
) -> Any:
    """The group's offline features as a Spark DataFrame, read from its Delta table: Darwin's
    ``<base>/<name>/<version>/`` when ``DARWIN_OFS_V2_OFFLINE_STORE_BASE_S3_PATH`` is set, else the table the
    group's newest successful load job loaded. ``delta_table_version`` (a Delta version) or ``timestamp``
    (epoch milliseconds), at most one, reads an older snapshot. Needs pyspark and delta-spark in the session."""
    from darwin_fs import _spark
    from darwin_fs.optional_dependencies import require

    require("pyspark")
    if delta_table_version is not None and timestamp is not None:
        raise SdkException(
            "error reading data to offline feature store: at most one of 'delta-table-version' or 'timestamp' "
            "can be specified",
            ErrorCode.OFS_OFFLINE_READ,
        )
    version = get_feature_group_schema(feature_group_name, feature_group_version).version
    base = _spark.offline_base()
    if base is not None:
        path = _spark.darwin_offline_path(base, feature_group_name, version)
    else:
        jobs = _default_transport().execute(_api.v1_list_loads(feature_group_name, version, "SUCCEEDED", 1))
        found = _spark.loaded_table_path(jobs if isinstance(jobs, list) else [])
        if found is None:
            raise SdkException(
                f"feature group {feature_group_name} version {version} has no offline table: no load job "
                f"loaded one and {_spark.OFFLINE_BASE_VARIABLES[0]} is not set",
                ErrorCode.OFS_OFFLINE_READ,
            )
        path = found
    return _spark.read_delta(spark, path, delta_table_version, timestamp)


__all__ = [
    # the functions
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
    # the names Darwin's darwin_fs.client imported (and so exported through ``import *``)
    "ApiException",
    "CreateEntityRequest",
    "CreateFeatureGroupRequest",
    "DataType",
    "Entity",
    "FeatureGroup",
    "FeatureGroupSchema",
    "FeatureGroupType",
    "FeatureGroupVersion",
    "ReadFeaturesRequest",
    "ReadFeaturesResponse",
    "SdkException",
    "SparkWriterException",
    "State",
    "WriteFeaturesRequest",
    "WriteFeaturesResponse",
]

