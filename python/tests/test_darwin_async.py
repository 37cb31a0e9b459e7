"""The Darwin async functions on a caller's aiohttp.ClientSession, errors included."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Coroutine, TypeVar

import pytest

aiohttp = pytest.importorskip("aiohttp")

from builders import entity_request, group_request  # noqa: E402
from darwin_fs import read_features_async, write_features_async  # noqa: E402
from darwin_fs.client import create_entity, create_feature_group, update_feature_group_state  # noqa: E402
from darwin_fs.constant.constants import DataType, State  # noqa: E402
from darwin_fs.exception import SdkException  # noqa: E402
from darwin_fs.model.primary_keys import PrimaryKeys  # noqa: E402
from darwin_fs.model.read_features_request import ReadFeaturesRequest  # noqa: E402
from darwin_fs.model.read_features_response import ReadFeaturesResponse  # noqa: E402
from darwin_fs.model.write_features import WriteFeatures  # noqa: E402
from darwin_fs.model.write_features_request import WriteFeaturesRequest  # noqa: E402
from darwin_fs.model.write_features_response import WriteFeaturesResponse  # noqa: E402

pytestmark = pytest.mark.usefixtures("darwin_env")
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def _group(names: Callable[[str], str]) -> str:
    entity, group = names("user"), names("activity")
    create_entity(entity_request(entity))
    create_feature_group(group_request(group, entity, [("clicks", DataType.INT), ("ctr", DataType.DOUBLE)]))
    return group


def test_async_write_then_read_on_one_session(names: Callable[[str], str]) -> None:
    group = _group(names)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            written = await write_features_async(session, WriteFeaturesRequest(
                feature_group_name=group, features=WriteFeatures(names=["user_id", "clicks", "ctr"],
                                                                 values=[[1, 3, 0.5], [2, 4, 0.75]])))
            assert isinstance(written, WriteFeaturesResponse) and len(written.successful_rows) == 2
            read = await read_features_async(session, ReadFeaturesRequest(
                feature_group_name=group, feature_columns=["clicks", "ctr"],
                primary_keys=PrimaryKeys(names=["user_id"], values=[[2], [1], [9]]), feature_group_version="v1"))
            assert isinstance(read, ReadFeaturesResponse)
            assert [(k.key, k.features) for k in read.successful_keys] == [([2], [4, 0.75]), ([1], [3, 0.5])]
            assert read.failed_keys == [[9]]
            assert not session.closed  # the caller's session stays open

    run(scenario())


def test_async_functions_surface_the_servers_error_codes(names: Callable[[str], str]) -> None:
    group = _group(names)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(SdkException) as unknown_group:
                await read_features_async(session, ReadFeaturesRequest(
                    feature_group_name="no_such_group_async", feature_columns=["a"],
                    primary_keys=PrimaryKeys(names=["k"], values=[[1]])))
            assert unknown_group.value.error_code == "OFS-V2-ADMIN-SERVICE-EXCEPTION"
            with pytest.raises(SdkException) as bad_column:
                await write_features_async(session, WriteFeaturesRequest(
                    feature_group_name=group, features=WriteFeatures(names=["user_id", "nope"], values=[[1, 2]])))
            assert bad_column.value.error_code == "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION"
            assert "nope" in bad_column.value.message and bad_column.value.status == 400
            update_feature_group_state(State.ARCHIVED, group)
            with pytest.raises(SdkException) as archived:
                await read_features_async(session, ReadFeaturesRequest(
                    feature_group_name=group, feature_columns=["clicks"],
                    primary_keys=PrimaryKeys(names=["user_id"], values=[[1]])))
            assert archived.value.error_code == "FEATURE-GROUP-STATE-EXCEPTION"

    run(scenario())


def test_async_functions_take_the_session_as_client(names: Callable[[str], str]) -> None:
    """Darwin's keyword names: read_features_async(client, request), write_features_async(client, request)."""
    group = _group(names)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            await write_features_async(client=session, request=WriteFeaturesRequest(
                feature_group_name=group, features=WriteFeatures(names=["user_id", "clicks"], values=[[5, 6]])))
            read = await read_features_async(client=session, request=ReadFeaturesRequest(
                feature_group_name=group, feature_columns=["clicks"],
                primary_keys=PrimaryKeys(names=["user_id"], values=[[5]])))
            assert read.successful_keys[0].features == [6]
            with pytest.raises(TypeError):
                await read_features_async(client_session=session, request=read)  # type: ignore[call-arg]

    run(scenario())


def test_async_without_a_session_uses_a_temporary_one(names: Callable[[str], str]) -> None:
    group = _group(names)
    written = run(write_features_async(None, {"featureGroupName": group,
                                              "features": {"names": ["user_id", "clicks"], "values": [[7, 1]]}}))
    assert written.successful_rows == [[7, 1]]
