"""AsyncFeatureStoreClient: the same operations as coroutines, on its own or a caller's session."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import pytest

aiohttp = pytest.importorskip("aiohttp")
pd = pytest.importorskip("pandas")

from darwin_fs import AsyncFeatureStoreClient, DataType, SdkException, State  # noqa: E402
from darwin_fs.model import Entity, FeatureColumn, FeatureGroup  # noqa: E402
from ofs_server import OfsServer  # noqa: E402

OWNER = "sdk.tests@example.com"


def test_every_operation(ofs: OfsServer, names: Callable[[str], str]) -> None:
    entity, group = names("user"), names("activity")

    async def scenario() -> None:
        async with AsyncFeatureStoreClient(ofs.url, ofs.admin_url) as client:
            assert await client.health() == {"serving": "UP", "admin": "UP"}
            await client.create_entity(Entity(entity, [FeatureColumn("user_id", DataType.BIGINT),
                                                       FeatureColumn("day", DataType.INT)], ["user_id", "day"]),
                                       owner=OWNER)
            assert (await client.get_entity(entity)).entity.primary_keys == ["user_id", "day"]
            created = await client.create_feature_group(
                FeatureGroup(group, entity, [FeatureColumn("clicks", DataType.INT)]), owner=OWNER)
            assert created.version == "v1"
            upgraded = await client.create_feature_group(
                FeatureGroup(group, entity, [FeatureColumn("clicks", DataType.INT), FeatureColumn("ctr", DataType.DOUBLE)]),
                owner=OWNER, upgrade=True)
            assert upgraded.version == "v2" and await client.latest_version(group) == "v2"
            assert [v.version for v in await client.list_versions(group)] == ["v1", "v2"]
            assert (await client.get_feature_group(group, "v1")).version == "v1"
            assert [c.name for c in (await client.get_schema(group)).schema] == ["user_id", "day", "clicks", "ctr"]

            result = await client.write_features(group, [{"user_id": 1, "day": d, "clicks": d, "ctr": 0.5}
                                                         for d in range(5)], chunk_size=2)
            assert result.ok and result.chunks == 3
            read = await client.read_features(group, [{"user_id": 1, "day": 3}, {"user_id": 9, "day": 0}], ["clicks"])
            assert read.to_dicts() == [{"user_id": 1, "day": 3, "clicks": 3}] and read.missing_keys == [(9, 0)]
            rows = await client.read_partition(group, {"user_id": 1}, ["day"], page_size=2)
            assert [r["day"] for r in rows] == [0, 1, 2, 3, 4]

            frame = pd.DataFrame({"user_id": [2, 2], "day": [1, 2], "clicks": [10, 20], "ctr": [0.1, 0.2]})
            assert (await client.write_features_df(group, frame)).rows_written == 2
            back = await client.read_features_df(group, frame[["user_id", "day"]], ["clicks", "ctr"])
            assert back["clicks"].tolist() == [10, 20] and back["ctr"].tolist() == [0.1, 0.2]

            with pytest.raises(SdkException) as refused:
                await client.write_features(group, [{"user_id": 3, "day": 1, "clicks": "x", "ctr": 0.1}])
            assert refused.value.error_code == "WRITE-ROWS-FAILED-EXCEPTION" and "clicks" in refused.value.message

            assert (await client.archive_feature_group(group)).state is State.ARCHIVED
            with pytest.raises(SdkException) as archived:
                await client.read_features(group, [{"user_id": 1, "day": 3}], ["clicks"])
            assert archived.value.error_code == "FEATURE-GROUP-STATE-EXCEPTION"
            assert (await client.set_feature_group_state(group, State.LIVE)).state is State.LIVE
            with pytest.raises(SdkException) as unknown:
                await client.get_feature_group("no_such_group_async_client")
            assert unknown.value.error_code == "FEATURE-GROUP-NOT-FOUND-EXCEPTION"
            for version in ("v1", "v2"):
                await client.archive_feature_group(group, version)
            assert (await client.set_entity_state(entity, "ARCHIVED")).state is State.ARCHIVED

    asyncio.run(scenario())


def test_callers_session_is_left_open(ofs: OfsServer) -> None:
    async def scenario() -> Any:
        async with aiohttp.ClientSession() as session:
            async with AsyncFeatureStoreClient(ofs.url, ofs.admin_url, session=session) as client:
                assert (await client.health())["serving"] == "UP"
            assert not session.closed

    asyncio.run(scenario())
