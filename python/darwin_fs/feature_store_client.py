"""FeatureStoreClient: the modern, blocking client (``/v1`` paths, pooled, retrying, typed, pandas-aware)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, TypeVar, Union

from darwin_fs import _operations as ops
from darwin_fs._client_options import client_options
from darwin_fs._http.sync_transport import SyncTransport
from darwin_fs.constant.constants import State
from darwin_fs.model.create_feature_group_response import CreateFeatureGroupResponse
from darwin_fs.model.entity import Entity
from darwin_fs.model.entity_metadata import EntityMetadata
from darwin_fs.model.feature_group import FeatureGroup
from darwin_fs.model.feature_group_metadata import FeatureGroupMetadata
from darwin_fs.model.feature_group_schema import FeatureGroupSchema
from darwin_fs.model.tenant_config import TenantConfig
from darwin_fs.progress import ProgressArg
from darwin_fs.results import ReadResult, WriteResult

T = TypeVar("T")


class FeatureStoreClient:
    """A client of one OFS deployment. Thread-safe; use one per process and ``close()`` it (or use it as a
    context manager).

    Args:
        url: serving API (reads, writes, schemas), e.g. ``http://localhost:8080``; scheme optional.
            Default: the environment (``OFS_URL``, ... see :mod:`darwin_fs.config`).
        admin_url: admin API (entities, feature groups), e.g. ``http://localhost:8081``. Default: the
            environment (``OFS_ADMIN_URL``, ...). Only metadata operations use it.
        token: bearer token (default ``OFS_TOKEN``).
        timeout: seconds per HTTP attempt.
        retries: extra attempts after a connection error, a timeout or a 503 answer (exponential back-off
            from ``backoff_base`` up to ``backoff_max`` seconds, with jitter). Writes are idempotent upserts
            and are retried; creating and upgrading are retried only when the connection could not be made.
        pool_size: connections kept open per host.
        write_chunk_rows: rows per write request (default 10,000: the server's default limit; a chunk the
            server finds too big is split automatically).
        read_chunk_keys: keys per read request (default 10,000, likewise).
        gzip_min_bytes: gzip request bodies at least this large (default: never; useful over slow links).

    Every method raises :class:`~darwin_fs.exception.SdkException` on failure, with the server's error
    code (``FEATURE-GROUP-NOT-FOUND-EXCEPTION``, ...) or a client-side one (``VALIDATION-EXCEPTION`` names
    the column and row of a bad value).
    """

    def __init__(
        self,
        url: Optional[str] = None,
        admin_url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff_base: float = 0.1,
        backoff_max: float = 5.0,
        pool_size: int = 10,
        write_chunk_rows: Optional[int] = None,
        read_chunk_keys: Optional[int] = None,
        gzip_min_bytes: Optional[int] = None,
    ) -> None:
        self.options = client_options(
            url, admin_url, token, timeout=timeout, retries=retries, backoff_base=backoff_base,
            backoff_max=backoff_max, pool_size=pool_size, gzip_min_bytes=gzip_min_bytes,
            write_chunk_rows=write_chunk_rows, read_chunk_keys=read_chunk_keys,
        )
        o = self.options
        self._transport = SyncTransport(o.serving_url, o.admin_url, token=o.token, timeout=o.timeout, retry=o.retry,
                                        pool_size=o.pool_size, gzip_min_bytes=o.gzip_min_bytes)

    @property
    def url(self) -> str:
        return self.options.serving_url

    @property
    def admin_url(self) -> str:
        return self.options.admin_url

    def __enter__(self) -> "FeatureStoreClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the pooled connections."""
        self._transport.close()

    def __repr__(self) -> str:
        return f"FeatureStoreClient(url={self.url!r}, admin_url={self.admin_url!r})"

    def _run(self, operation: "ops.Operation[T]") -> T:
        return ops.run_sync(operation, self._transport.execute)

    # -- health ---------------------------------------------------------------------------------------

    def health(self) -> Dict[str, str]:
        """``{"serving": "UP", "admin": "UP"}``; raises when either API is unreachable or down."""
        return self._run(ops.health())

    # -- entities -------------------------------------------------------------------------------------

    def create_entity(self, entity: Entity, owner: str, *, tags: Optional[Sequence[str]] = None,
                      description: str = "") -> Entity:
        """Creates ``entity`` (metadata and table); returns it as stored. ``owner`` is an e-mail address."""
        return self._run(ops.create_entity(entity, owner, tags, description))

    def get_entity(self, name: str) -> EntityMetadata:
        """The entity ``name`` with its metadata. Errors: ``ENTITY-NOT-FOUND-EXCEPTION``."""
        return self._run(ops.get_entity(name))

    def set_entity_state(self, name: str, state: Union[State, str]) -> EntityMetadata:
        """Sets an entity LIVE or ARCHIVED (refused while live groups use it)."""
        return self._run(ops.set_entity_state(name, state))

    # -- feature groups -------------------------------------------------------------------------------

    def create_feature_group(self, group: FeatureGroup, owner: str, *, tags: Optional[Sequence[str]] = None,
                             description: str = "", tenant: Optional[TenantConfig] = None,
                             upgrade: bool = False) -> CreateFeatureGroupResponse:
        """Creates ``group`` (``v1``), or with ``upgrade=True`` its next version. Returns the group as stored
        and the version created."""
        return self._run(ops.create_feature_group(group, owner, tags, description, tenant, upgrade))

    def get_feature_group(self, name: str, version: Optional[str] = None) -> FeatureGroupMetadata:
        """One version of a group (default the latest) with its metadata."""
        return self._run(ops.get_feature_group(name, version))

    def list_versions(self, name: str) -> List[FeatureGroupMetadata]:
        """Every version of a group, oldest first."""
        return self._run(ops.list_versions(name))

    def latest_version(self, name: str) -> str:
        """The latest version of a group (``"v3"``)."""
        return self._run(ops.latest_version(name))

    def set_feature_group_state(self, name: str, state: Union[State, str],
                                version: Optional[str] = None) -> FeatureGroupMetadata:
        """Sets a version (default the latest) LIVE or ARCHIVED; returns its metadata."""
        return self._run(ops.set_feature_group_state(name, state, version))

    def archive_feature_group(self, name: str, version: Optional[str] = None) -> FeatureGroupMetadata:
        """``set_feature_group_state(name, ARCHIVED, version)``: the version then refuses reads and writes."""
        return self.set_feature_group_state(name, State.ARCHIVED, version)

    def get_schema(self, name: str, version: Optional[str] = None) -> FeatureGroupSchema:
        """Every column a version (default the latest) can read and write, from the serving API."""
        return self._run(ops.get_schema(name, version))

    # -- data -----------------------------------------------------------------------------------------

    def read_features(self, group: str, keys: Sequence[Any], columns: Sequence[str], *,
                      key_names: Optional[Sequence[str]] = None, version: Optional[str] = None) -> ReadResult:
        """Point reads of any number of keys (sent in chunks under the server's limit).

        ``keys`` are mappings ``{key column: value}``, or sequences of values in ``key_names`` order (default
        the group's primary keys, looked up), or single values for a one-column key. ``columns`` may name
        entity and group columns. Values come back as JSON types (TIMESTAMP as epoch ms, BLOB as base64):
        use :meth:`read_features_df` for typed columns."""
        return self._run(ops.read_features(group, keys, columns, key_names=key_names, version=version,
                                           chunk_size=self.options.read_chunk_keys))

    def read_partition(self, group: str, partition_key: Mapping[str, Any], columns: Sequence[str], *,
                       version: Optional[str] = None, page_size: Optional[int] = None) -> List[Dict[str, Any]]:
        """Every row of one partition (``{partition key column: value}``), in clustering order, as dicts of
        the requested columns; follows the server's pages (``page_size`` rows per request)."""
        return self._run(ops.read_partition(group, partition_key, columns, version=version, page_size=page_size))

    def write_features(self, group: str, rows: Sequence[Mapping[str, Any]], *, version: Optional[str] = None,
                       chunk_size: Optional[int] = None, errors: str = "raise", progress: ProgressArg = None,
                       run_id: Optional[str] = None, replicate: Optional[bool] = None) -> WriteResult:
        """Writes rows given as ``{column: value}`` mappings (all with the same columns, primary keys
        included). Python values are sent in their wire form (datetime -> epoch ms, bytes -> base64, UUID ->
        text, Decimal exactly). Chunked like :meth:`write_features_df`; same ``errors`` and ``progress``."""
        return self._run(ops.write_features(group, rows, version=version,
                                            chunk_size=chunk_size or self.options.write_chunk_rows,
                                            errors=errors, progress=progress, run_id=run_id, replicate=replicate))

    def write_features_df(self, group: str, df: Any, *, version: Optional[str] = None,
                          chunk_size: Optional[int] = None, errors: str = "raise", progress: ProgressArg = None,
                          run_id: Optional[str] = None, replicate: Optional[bool] = None) -> WriteResult:
        """Writes a pandas DataFrame: one row per frame row, one column per frame column (names are schema
        columns; every primary-key column present). The whole frame is validated against the group's
        schema before anything is sent (errors name the column and the row). Rows go in chunks of
        ``chunk_size`` (default ``write_chunk_rows``); ``progress=True`` prints progress to stderr, a
        callable receives :class:`~darwin_fs.results.WriteProgress` after each chunk.

        ``errors="raise"`` (default) raises ``WRITE-ROWS-FAILED-EXCEPTION`` after the first chunk with rows
        the server refused (its ``details`` is the :class:`WriteResult` so far); ``"collect"`` writes
        everything and lists refused rows in ``WriteResult.failed_rows``. Needs the ``pandas`` extra."""
        return self._run(ops.write_features_df(group, df, version=version,
                                               chunk_size=chunk_size or self.options.write_chunk_rows,
                                               errors=errors, progress=progress, run_id=run_id,
                                               replicate=replicate))

    def read_features_df(self, group: str, keys_df: Any, columns: Optional[Sequence[str]] = None, *,
                         version: Optional[str] = None, how: str = "inner") -> Any:
        """Reads the rows of the keys in ``keys_df`` (its primary-key columns; others ignored) into a
        DataFrame: the key columns as given, then ``columns`` (default every non-key column of the
        schema) with one dtype per data type (see :mod:`darwin_fs.dataframe`). ``how="inner"`` keeps found
        keys only, ``"left"`` keeps every key in order with missing values for keys not found. Needs the
        ``pandas`` extra."""
        return self._run(ops.read_features_df(group, keys_df, columns, version=version, how=how,
                                              chunk_size=self.options.read_chunk_keys))
