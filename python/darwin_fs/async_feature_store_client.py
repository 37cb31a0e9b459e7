"""AsyncFeatureStoreClient: FeatureStoreClient on asyncio (aiohttp; needs the ``async`` extra)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, TypeVar, Union

from darwin_fs import _operations as ops
from darwin_fs._client_options import client_options
from darwin_fs._http.async_transport import AsyncTransport
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

if TYPE_CHECKING:
    import aiohttp


class AsyncFeatureStoreClient:
    """The asynchronous twin of :class:`~darwin_fs.FeatureStoreClient`: the same methods and arguments, as
    coroutines. Use ``async with AsyncFeatureStoreClient(...) as client:`` (or ``await client.close()``).

    ``session``: an ``aiohttp.ClientSession`` to use (left open by ``close()``); by default the client
    creates its own pooled session on first use. Chunks of one write are sent one after the other, so a
    later row always wins over an earlier row with the same key; run several writes concurrently with
    ``asyncio.gather`` for throughput.
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
        session: Optional["aiohttp.ClientSession"] = None,
    ) -> None:
        self.options = client_options(
            url, admin_url, token, timeout=timeout, retries=retries, backoff_base=backoff_base,
            backoff_max=backoff_max, pool_size=pool_size, gzip_min_bytes=gzip_min_bytes,
            write_chunk_rows=write_chunk_rows, read_chunk_keys=read_chunk_keys,
        )
        o = self.options
        self._transport = AsyncTransport(o.serving_url, o.admin_url, token=o.token, timeout=o.timeout,
                                         retry=o.retry, pool_size=o.pool_size, gzip_min_bytes=o.gzip_min_bytes,
                                         session=session)

    @property
    def url(self) -> str:
        return self.options.serving_url

    @property
    def admin_url(self) -> str:
        return self.options.admin_url

    async def __aenter__(self) -> "AsyncFeatureStoreClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the session the client created (a caller's session stays open)."""
        await self._transport.close()

    def __repr__(self) -> str:
        return f"AsyncFeatureStoreClient(url={self.url!r}, admin_url={self.admin_url!r})"

    async def _run(self, operation: "ops.Operation[T]") -> T:
        return await ops.run_async(operation, self._transport.execute)

    # -- health ---------------------------------------------------------------------------------------

    async def health(self) -> Dict[str, str]:
        """``{"serving": "UP", "admin": "UP"}``; raises when either API is unreachable or down."""
        return await self._run(ops.health())

    # -- entities -------------------------------------------------------------------------------------

    async def create_entity(self, entity: Entity, owner: str, *, tags: Optional[Sequence[str]] = None,
                      description: str = "") -> Entity:
        """Creates ``entity`` (metadata and table); returns it as stored. ``owner`` is an e-mail address."""
        return await self._run(ops.create_entity(entity, owner, tags, description))

    async def get_entity(self, name: str) -> EntityMetadata:
        """The entity ``name`` with its metadata. Errors: ``ENTITY-NOT-FOUND-EXCEPTION``."""
        return await self._run(ops.get_entity(name))

    async def set_entity_state(self, name: str, state: Union[State, str]) -> EntityMetadata:
        """Sets an entity LIVE or ARCHIVED (refused while live groups use it)."""
        return await self._run(ops.set_entity_state(name, state))

    # -- feature groups -------------------------------------------------------------------------------

    async def create_feature_group(self, group: FeatureGroup, owner: str, *, tags: Optional[Sequence[str]] = None,
                             description: str = "", tenant: Optional[TenantConfig] = None,
                             upgrade: bool = False) -> CreateFeatureGroupResponse:
        """Creates ``group`` (``v1``), or with ``upgrade=True`` its next version. Returns the group as stored
        and the version created."""
        return await self._run(ops.create_feature_group(group, owner, tags, description, tenant, upgrade))

    async def get_feature_group(self, name: str, version: Optional[str] = None) -> FeatureGroupMetadata:
        """One version of a group (default the latest) with its metadata."""
        return await self._run(ops.get_feature_group(name, version))

    async def list_versions(self, name: str) -> List[FeatureGroupMetadata]:
        """Every version of a group, oldest first."""
        return await self._run(ops.list_versions(name))

    async def latest_version(self, name: str) -> str:
        """The latest version of a group (``"v3"``)."""
        return await self._run(ops.latest_version(name))

    async def set_feature_group_state(self, name: str, state: Union[State, str],
                                version: Optional[str] = None) -> FeatureGroupMetadata:
        """Sets a version (default the latest) LIVE or ARCHIVED; returns its metadata."""
        return await self._run(ops.set_feature_group_state(name, state, version))

    async def archive_feature_group(self, name: str, version: Optional[str] = None) -> FeatureGroupMetadata:
        """``set_feature_group_state(name, ARCHIVED, version)``: the version then refuses reads and writes."""
        return await self.set_feature_group_state(name, State.ARCHIVED, version)

    async def get_schema(self, name: str, version: Optional[str] = None) -> FeatureGroupSchema:
        """Every column a version (default the latest) can read and write, from the serving API."""
        return await self._run(ops.get_schema(name, version))

    # -- data -----------------------------------------------------------------------------------------

    async def read_features(self, group: str, keys: Sequence[Any], columns: Sequence[str], *,
                      key_names: Optional[Sequence[str]] = None, version: Optional[str] = None) -> ReadResult:
        """Point reads of any number of keys (sent in chunks under the server's limit).

        ``keys`` are mappings ``{key column: value}``, or sequences of values in ``key_names`` order (default
        the group's primary keys, looked up), or single values for a one-column key. ``columns`` may name
        entity and group columns. Values come back as JSON types (TIMESTAMP as epoch ms, BLOB as base64):
        use :meth:`read_features_df` for typed columns."""
        return await self._run(ops.read_features(group, keys, columns, key_names=key_names, version=version,
                                           chunk_size=self.options.read_chunk_keys))

    async def read_partition(self, group: str, partition_key: Mapping[str, Any], columns: Sequence[str], *,
                       version: Optional[str] = None, page_size: Optional[int] = None) -> List[Dict[str, Any]]:
        """Every row of one partition (``{partition key column: value}``), in clustering order, as dicts of
        the requested columns; follows the server's pages (``page_size`` rows per request)."""
        return await self._run(ops.read_partition(group, partition_key, columns, version=version, page_size=page_size))

    async def write_features(self, group: str, rows: Sequence[Mapping[str, Any]], *, version: Optional[str] = None,
                       chunk_size: Optional[int] = None, errors: str = "raise", progress: ProgressArg = None,
                       run_id: Optional[str] = None, replicate: Optional[bool] = None) -> WriteResult:
        """Writes rows given as ``{column: value}`` mappings (all with the same columns, primary keys
        included). Python values are sent in their wire form (datetime -> epoch ms, bytes -> base64, UUID ->
        text, Decimal exactly). Chunked like :meth:`write_features_df`; same ``errors`` and ``progress``."""
        return await self._run(ops.write_features(group, rows, version=version,
                                            chunk_size=chunk_size or self.options.write_chunk_rows,
                                            errors=errors, progress=progress, run_id=run_id, replicate=replicate))

    async def write_features_df(self, group: str, df: Any, *, version: Optional[str] = None,
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
        return await self._run(ops.write_features_df(group, df, version=version,
                                               chunk_size=chunk_size or self.options.write_chunk_rows,
                                               errors=errors, progress=progress, run_id=run_id,
                                               replicate=replicate))

    async def read_features_df(self, group: str, keys_df: Any, columns: Optional[Sequence[str]] = None, *,
                         version: Optional[str] = None, how: str = "inner") -> Any:
        """Reads the rows of the keys in ``keys_df`` (its primary-key columns; others ignored) into a
        DataFrame: the key columns as given, then ``columns`` (default every non-key column of the
        schema) with one dtype per data type (see :mod:`darwin_fs.dataframe`). ``how="inner"`` keeps found
        keys only, ``"left"`` keeps every key in order with missing values for keys not found. Needs the
        ``pandas`` extra."""
        return await self._run(ops.read_features_df(group, keys_df, columns, version=version, how=how,
                                              chunk_size=self.options.read_chunk_keys))
