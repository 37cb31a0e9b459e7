"""The modern client's operations, written once as generators (sans I/O).

Each operation is a generator that yields :class:`HttpCall` objects, receives each call's ``data`` (or
has the call's :class:`SdkException` thrown into it), and returns its typed result. ``run_sync`` and
``run_async`` drive them with a transport, so FeatureStoreClient and AsyncFeatureStoreClient share every
line of behaviour: chunking, shrinking chunks the server found too big, schema lookups, conversions.
"""

from __future__ import annotations

from typing import (Any, Awaitable, Callable, Dict, Generator, Iterator, List, Mapping, Optional, Protocol, Sequence,
                    Tuple, TypeVar)

from darwin_fs import _api
from darwin_fs._http.call import ADMIN, SERVING, HttpCall
from darwin_fs._plans import ReadPlan, WritePlan, keys_to_rows, rows_from_mappings
from darwin_fs.constant.constants import DataType
from darwin_fs.exception import ErrorCode, SdkException
from darwin_fs.model.create_entity_request import CreateEntityRequest
from darwin_fs.model.create_feature_group_request import CreateFeatureGroupRequest
from darwin_fs.model.create_feature_group_response import CreateFeatureGroupResponse
from darwin_fs.model.entity import Entity
from darwin_fs.model.entity_metadata import EntityMetadata
from darwin_fs.model.feature_group import FeatureGroup
from darwin_fs.model.feature_group_metadata import FeatureGroupMetadata
from darwin_fs.model.feature_group_schema import FeatureGroupSchema
from darwin_fs.model.tenant_config import TenantConfig
from darwin_fs.progress import ProgressArg, progress_callback
from darwin_fs.results import ReadResult, WriteResult

T = TypeVar("T")
Operation = Generator[HttpCall, Any, T]


def run_sync(operation: Operation[T], execute: Callable[[HttpCall], Any]) -> T:
    """Drives ``operation`` with a blocking ``execute(call) -> data``."""
    try:
        call = next(operation)
        while True:
            try:
                data = execute(call)
            except SdkException as e:
                call = operation.throw(e)
                continue
            call = operation.send(data)
    except StopIteration as stop:
        result: T = stop.value
        return result


async def run_async(operation: Operation[T], execute: Callable[[HttpCall], Awaitable[Any]]) -> T:
    """Drives ``operation`` with a coroutine ``execute(call) -> data``."""
    try:
        call = next(operation)
        while True:
            try:
                data = await execute(call)
            except SdkException as e:
                call = operation.throw(e)
                continue
            call = operation.send(data)
    except StopIteration as stop:
        result: T = stop.value
        return result


# ------------------------------------------------------------------------------------------------------
# metadata
# ------------------------------------------------------------------------------------------------------

def health() -> Operation[Dict[str, str]]:
    statuses = {}
    for service in (SERVING, ADMIN):
        answer = yield _api.v1_health(service)
        statuses[service] = str(answer.get("status")) if isinstance(answer, dict) else str(answer)
    return statuses


def create_entity(entity: Entity, owner: str, tags: Optional[Sequence[str]], description: str) -> Operation[Entity]:
    request = CreateEntityRequest(entity, owner, list(tags or []), description)
    data = yield _api.v1_create_entity(request)
    return _api.parse_entity(data).entity


def get_entity(name: str) -> Operation[EntityMetadata]:
    return _api.parse_entity_metadata((yield _api.v1_get_entity(name)))


def set_entity_state(name: str, state: Any) -> Operation[EntityMetadata]:
    return _api.parse_entity_metadata((yield _api.v1_set_entity_state(name, state)))


def create_feature_group(group: FeatureGroup, owner: str, tags: Optional[Sequence[str]], description: str,
                         tenant: Optional[TenantConfig], upgrade: bool) -> Operation[CreateFeatureGroupResponse]:
    request = CreateFeatureGroupRequest(group, owner, list(tags or []), description, tenant)
    return _api.parse_create_feature_group((yield _api.v1_create_feature_group(request, upgrade)))


def get_feature_group(name: str, version: Optional[str]) -> Operation[FeatureGroupMetadata]:
    return _api.parse_feature_group_metadata((yield _api.v1_get_feature_group(name, version)))


def list_versions(name: str) -> Operation[List[FeatureGroupMetadata]]:
    return _api.parse_versions((yield _api.v1_list_versions(name)))


def latest_version(name: str) -> Operation[str]:
    data = yield _api.v1_list_versions(name)
    latest = data.get("latestVersion") if isinstance(data, dict) else None
    if not isinstance(latest, str):
        raise SdkException(f"feature group {name}: the versions answer has no latestVersion", ErrorCode.INVALID_RESPONSE)
    return latest


def set_feature_group_state(name: str, state: Any, version: Optional[str]) -> Operation[FeatureGroupMetadata]:
    return _api.parse_feature_group_metadata((yield _api.v1_set_feature_group_state(name, state, version)))


def get_schema(name: str, version: Optional[str]) -> Operation[FeatureGroupSchema]:
    return _api.parse_schema((yield _api.v1_get_schema(name, version)))


# ------------------------------------------------------------------------------------------------------
# reads and writes
# ------------------------------------------------------------------------------------------------------

A = TypeVar("A")
A_contra = TypeVar("A_contra", contravariant=True)


class _ChunkPlan(Protocol[A_contra]):
    """What :func:`_send_in_chunks` needs of a WritePlan or ReadPlan (``A_contra``: the answer type)."""

    def chunks(self) -> Iterator[Tuple[int, Sequence[Sequence[Any]]]]: ...

    def body(self, items: Sequence[Sequence[Any]]) -> Dict[str, Any]: ...

    def shrink(self, error: SdkException, size: int) -> Optional[int]: ...

    def record(self, start: int, items: Sequence[Sequence[Any]], answer: A_contra) -> None: ...


def _send_in_chunks(plan: _ChunkPlan[A], call: Callable[[Dict[str, Any]], HttpCall],
                    parse: Callable[[Any], A]) -> Generator[HttpCall, Any, None]:
    """Sends the plan's chunks one after the other; a chunk the server finds too big (the plan's
    ``shrink`` says by how much) is split and its parts sent instead."""

    def send(start: int, items: Sequence[Sequence[Any]]) -> Generator[HttpCall, Any, None]:
        try:
            data = yield call(plan.body(items))
        except SdkException as e:
            smaller = plan.shrink(e, len(items))
            if smaller is None:
                raise
            for offset in range(0, len(items), smaller):
                yield from send(start + offset, items[offset:offset + smaller])
            return
        plan.record(start, items, parse(data))

    for start, items in plan.chunks():
        yield from send(start, items)


def write_rows(group: str, names: List[str], rows: Sequence[Sequence[Any]], *, version: Optional[str],
               chunk_size: Optional[int], errors: str, progress: ProgressArg, run_id: Optional[str],
               replicate: Optional[bool]) -> Operation[WriteResult]:
    plan = WritePlan(group, version, names, rows, chunk_size=chunk_size, errors=errors,
                     progress=progress_callback(progress, f"writing {group}"), run_id=run_id)
    yield from _send_in_chunks(plan, lambda body: _api.v1_write(body, replicate), _api.parse_write)
    return plan.finish()


def write_features(group: str, rows: Sequence[Mapping[str, Any]], **options: Any) -> Operation[WriteResult]:
    names, values = rows_from_mappings(rows, f"write_features({group!r})")
    return (yield from write_rows(group, names, values, **options))


def write_features_df(group: str, df: Any, *, version: Optional[str], **options: Any) -> Operation[WriteResult]:
    from darwin_fs.dataframe import frame_to_rows

    schema = yield from get_schema(group, version)
    names, rows = frame_to_rows(df, schema, group)
    # Pin the version the frame was validated against, so an upgrade in between cannot change it.
    return (yield from write_rows(group, names, rows, version=schema.version, **options))


def read_features(group: str, keys: Sequence[Any], columns: Sequence[str], *, key_names: Optional[Sequence[str]],
                  version: Optional[str], chunk_size: Optional[int]) -> Operation[ReadResult]:
    names, rows = keys_to_rows(keys, key_names, f"read_features({group!r})")
    if names is None:
        names = list((yield from get_schema(group, version)).primary_keys)
    plan = ReadPlan(group, version, names, rows, list(columns), chunk_size=chunk_size)
    yield from _send_in_chunks(plan, lambda body: _api.v1_read(body, False), _api.parse_read)
    return plan.result()


def read_features_df(group: str, keys_df: Any, columns: Optional[Sequence[str]], *, version: Optional[str],
                     how: str, chunk_size: Optional[int]) -> Operation[Any]:
    from darwin_fs.dataframe import check_how, frame_from_read, keys_from_frame

    check_how(how)
    schema = yield from get_schema(group, version)
    names, keys = keys_from_frame(keys_df, schema, group)
    key_set = {k.lower() for k in schema.primary_keys}
    wanted = list(columns) if columns is not None else [c.name for c in schema.schema if c.name.lower() not in key_set]
    plan = ReadPlan(group, schema.version, names, keys, wanted, chunk_size=chunk_size)
    exact = any((c := schema.column(w)) is not None and c.type is DataType.DECIMAL for w in wanted)
    yield from _send_in_chunks(plan, lambda body: _api.v1_read(body, exact), _api.parse_read)
    return frame_from_read(keys_df, names, wanted, schema, plan.found, how)


def read_partition(group: str, partition_key: Mapping[str, Any], columns: Sequence[str], *, version: Optional[str],
                   page_size: Optional[int]) -> Operation[List[Dict[str, Any]]]:
    if not isinstance(partition_key, Mapping) or len(partition_key) != 1:
        raise SdkException("read_partition: partition_key must be a mapping of the partition-key column to its value",
                           ErrorCode.VALIDATION)
    (name, value), = partition_key.items()
    body: Dict[str, Any] = {"featureGroupName": group, "featureColumns": list(columns),
                            "partitionKey": {"names": [name], "values": [value]}}
    if version is not None:
        body["featureGroupVersion"] = version
    if page_size is not None:
        body["limit"] = int(page_size)
    rows: List[Dict[str, Any]] = []
    while True:
        data = yield _api.v1_partition_read(body)
        if not isinstance(data, dict) or not isinstance(data.get("features"), list):
            raise SdkException(f"read_partition({group!r}): the answer has no 'features' list", ErrorCode.INVALID_RESPONSE)
        rows.extend(dict(zip(columns, row)) for row in data["features"])
        token = data.get("nextPageToken")
        if not token:
            return rows
        body["pageToken"] = token


