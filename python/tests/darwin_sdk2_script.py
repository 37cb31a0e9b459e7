"""A script in the style of code written for Darwin's SDK 2.x (imports, calls and models as Darwin's
documentation had them). Run by test_examples.py against ofs standalone; it must run unchanged."""

import asyncio
import time

import aiohttp

from darwin_fs.client import (create_entity, create_feature_group, get_entity, get_feature_group,
                              get_feature_group_schema, get_latest_feature_group_version, read_features,
                              read_features_async, update_feature_group_state, write_features_async,
                              write_features_sync)
from darwin_fs.constant.constants import DataType, State
from darwin_fs.exception import SdkException
from darwin_fs.model.create_entity_request import CreateEntityRequest
from darwin_fs.model.create_feature_group_request import CreateFeatureGroupRequest
from darwin_fs.model.entity import Entity
from darwin_fs.model.feature_column import FeatureColumn
from darwin_fs.model.feature_group import FeatureGroup
from darwin_fs.model.primary_keys import PrimaryKeys
from darwin_fs.model.read_features_request import ReadFeaturesRequest
from darwin_fs.model.write_features import WriteFeatures
from darwin_fs.model.write_features_request import WriteFeaturesRequest

suffix = str(int(time.time() * 1000))[-8:]
entity_name = f"player_{suffix}"
group_name = f"player_stats_{suffix}"

create_entity(CreateEntityRequest(
    entity=Entity(table_name=entity_name,
                  features=[FeatureColumn(name="player_id", type=DataType.BIGINT, description="id", tags=[])],
                  primary_keys=["player_id"], ttl=0),
    owner="player-team@example.com", tags=["players"], description="players"))

create_feature_group(CreateFeatureGroupRequest(
    feature_group=FeatureGroup(feature_group_name=group_name, entity_name=entity_name, features=[
        FeatureColumn(name="matches", type=DataType.INT, description="", tags=[]),
        FeatureColumn(name="win_rate", type=DataType.DOUBLE, description="", tags=[])]),
    owner="player-team@example.com", tags=[], description="stats"))

create_feature_group(CreateFeatureGroupRequest(
    feature_group=FeatureGroup(feature_group_name=group_name, entity_name=entity_name, features=[
        FeatureColumn(name="matches", type=DataType.INT, description="", tags=[]),
        FeatureColumn(name="win_rate", type=DataType.DOUBLE, description="", tags=[]),
        FeatureColumn(name="rank", type=DataType.TEXT, description="", tags=[])]),
    owner="player-team@example.com", tags=[], description="stats"), upgrade=True)

assert get_entity(entity_name).primary_keys == ["player_id"]
assert get_latest_feature_group_version(group_name).latest_version == "v2"
assert [f.name for f in get_feature_group(group_name, "v2").features] == ["matches", "win_rate", "rank"]
schema = get_feature_group_schema(group_name)
assert [c.name for c in schema.schema] == ["player_id", "matches", "win_rate", "rank"]

response = write_features_sync(WriteFeaturesRequest(
    feature_group_name=group_name,
    features=WriteFeatures(names=["player_id", "matches", "win_rate", "rank"],
                           values=[[1, 10, 0.5, "gold"], [2, 3, 0.25, "silver"]])))
assert len(response.successful_rows) == 2 and response.failed_rows == []

read = read_features(ReadFeaturesRequest(feature_group_name=group_name, feature_columns=["rank", "matches"],
                                         primary_keys=PrimaryKeys(names=["player_id"], values=[[2], [3]])))
assert read.successful_keys[0].features == ["silver", 3] and read.failed_keys == [[3]]


async def async_part():
    async with aiohttp.ClientSession() as session:
        await write_features_async(session, WriteFeaturesRequest(
            feature_group_name=group_name, feature_group_version="v2",
            features=WriteFeatures(names=["player_id", "rank"], values=[[3, "bronze"]])))
        result = await read_features_async(session, ReadFeaturesRequest(
            feature_group_name=group_name, feature_columns=["rank"],
            primary_keys=PrimaryKeys(names=["player_id"], values=[[3]])))
        assert result.successful_keys[0].features == ["bronze"]

asyncio.run(async_part())

update_feature_group_state(State.ARCHIVED, group_name)
try:
    read_features(ReadFeaturesRequest(feature_group_name=group_name, feature_columns=["rank"],
                                      primary_keys=PrimaryKeys(names=["player_id"], values=[[1]])))
    raise AssertionError("an archived group must refuse reads")
except SdkException as e:
    assert e.error_code == "FEATURE-GROUP-STATE-EXCEPTION", e.error_code

print("darwin sdk 2.x script: OK")
