"""The models: Darwin's constructors and camelCase wire form."""

from __future__ import annotations

import json

import pytest

from darwin_fs.constant.constants import DataType, FeatureGroupType, State
from darwin_fs.exception import SdkException
from darwin_fs.model import (
    CreateEntityRequest, CreateFeatureGroupRequest, Entity, EntityMetadata, FeatureColumn, FeatureGroup,
    FeatureGroupMetadata, FeatureGroupSchema, FeatureGroupVersion, PrimaryKeys, ReadFeaturesRequest,
    ReadFeaturesResponse, SuccessfulKey, TenantConfig, WriteFeatures, WriteFeaturesRequest, WriteFeaturesResponse,
)


def test_enums_have_darwins_members() -> None:
    assert [t.value for t in DataType] == ["TEXT", "ASCII", "VARCHAR", "BLOB", "BOOLEAN", "DECIMAL", "DOUBLE",
                                           "FLOAT", "INT", "BIGINT", "TIMESTAMP", "TIMEUUID", "UUID", "INET",
                                           "VARINT"]
    assert [t.value for t in FeatureGroupType] == ["ONLINE", "OFFLINE"]
    assert [s.value for s in State] == ["LIVE", "ARCHIVED"]
    assert DataType.INT == "INT" and str(State.LIVE) == "LIVE"


def test_create_entity_request_wire_form_is_camel_case() -> None:
    request = CreateEntityRequest(
        entity=Entity(table_name="t10", features=[FeatureColumn(name="p_col1", type=DataType.INT, description="",
                                                                 tags=[])], primary_keys=["p_col1"], ttl=0),
        owner="old_fct@example.com", tags=[], description="")
    assert request.to_dict() == {
        "entity": {"tableName": "t10", "features": [{"name": "p_col1", "type": "INT", "description": "", "tags": []}],
                   "primaryKeys": ["p_col1"], "ttl": 0},
        "owner": "old_fct@example.com", "tags": [], "description": ""}
    assert CreateEntityRequest.from_dict(request.to_dict()) == request
    assert CreateEntityRequest.from_json(request.to_json()) == request


def test_feature_group_defaults_and_optional_version_left_out() -> None:
    group = FeatureGroup(feature_group_name="f20", entity_name="t20", features=[FeatureColumn("col1", "TEXT")])
    assert group.feature_group_type is FeatureGroupType.ONLINE and group.version_enabled is True
    assert group.features[0].type is DataType.TEXT  # strings become enums
    request = ReadFeaturesRequest(feature_group_name="f", feature_columns=["a"],
                                  primary_keys=PrimaryKeys(names=["k"], values=[[1]]))
    assert "featureGroupVersion" not in request.to_dict()
    request.feature_group_version = "v2"
    assert request.to_dict()["featureGroupVersion"] == "v2"
    body = CreateFeatureGroupRequest(feature_group=group, owner="a@b.com").to_dict()
    assert body["featureGroup"]["featureGroupType"] == "ONLINE" and body["featureGroup"]["versionEnabled"] is True
    assert "tenant" not in body


def test_from_dict_ignores_unknown_keys_and_matches_case_insensitively() -> None:
    version = FeatureGroupVersion.from_dict({"NAME": "f", "latestversion": "v3", "updatedAt": 5, "extra": 1})
    assert version == FeatureGroupVersion(name="f", latest_version="v3", updated_at=5)


def test_from_dict_reports_missing_fields_and_bad_enums() -> None:
    with pytest.raises(SdkException) as missing:
        Entity.from_dict({"tableName": "t"})
    assert missing.value.error_code == "MODEL-DECODE-EXCEPTION" and "features" in missing.value.message
    with pytest.raises(SdkException) as bad:
        FeatureColumn.from_dict({"name": "x", "type": "NUMBER"})
    assert "NUMBER" in bad.value.message and "BIGINT" in bad.value.message
    with pytest.raises(SdkException):
        FeatureColumn("x", "NOPE")


def test_metadata_and_responses_decode_from_server_json() -> None:
    entity_json = {"name": "user", "entity": {"tableName": "user", "features": [
        {"name": "user_id", "type": "BIGINT", "description": "", "tags": []}], "primaryKeys": ["user_id"], "ttl": 0},
        "state": "LIVE", "owner": "a@b.com", "tags": [], "description": "", "createdAt": 1, "updatedAt": 2}
    meta = EntityMetadata.from_dict(entity_json)
    assert meta.state is State.LIVE and meta.entity.primary_keys == ["user_id"] and meta.updated_at == 2
    group_json = {"name": "fg", "version": "v2", "versionEnabled": True, "featureGroupType": "ONLINE",
                  "featureGroup": {"featureGroupName": "fg", "entityName": "user", "features": [],
                                   "versionEnabled": True, "featureGroupType": "ONLINE"},
                  "owner": "a@b.com", "state": "ARCHIVED", "tags": ["x"],
                  "tenant": {"read": "r", "write": "w", "consume": "c"}, "description": "", "createdAt": 1,
                  "updatedAt": 2}
    group = FeatureGroupMetadata.from_dict(group_json)
    assert group.tenant == TenantConfig(read="r", write="w", consume="c") and group.state is State.ARCHIVED
    read = ReadFeaturesResponse.from_dict({"featureGroupName": "fg", "featureGroupVersion": "v1",
                                           "successfulKeys": [{"key": [1], "features": [2, None]}],
                                           "failedKeys": [[3]]})
    assert read.successful_keys == [SuccessfulKey(key=[1], features=[2, None])] and read.failed_keys == [[3]]
    write = WriteFeaturesResponse.from_dict({"featureGroupName": "fg", "featureGroupVersion": "v1",
                                             "featureColumns": ["k"], "successfulRows": [[1]], "failedRows": []})
    assert write.failed_row_errors is None
    schema = FeatureGroupSchema.from_dict({"schema": [{"name": "K", "type": "INT"}], "primaryKeys": ["K"],
                                           "version": "v1"})
    assert schema.column("k") is not None and schema.types() == {"K": DataType.INT}


def test_write_request_keeps_values_as_given() -> None:
    request = WriteFeaturesRequest(feature_group_name="f300", features=WriteFeatures(names=["a", "b"],
                                                                                    values=[[1, "x"], [2, None]]))
    assert json.loads(request.to_json()) == {"featureGroupName": "f300",
                                             "features": {"names": ["a", "b"], "values": [[1, "x"], [2, None]]}}
