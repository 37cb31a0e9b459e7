"""The Darwin-compatible functions against a real ofs standalone: every function, every error surfaced."""

from __future__ import annotations

from typing import Callable

import pytest

import darwin_fs
from builders import entity_request, group_request
from darwin_fs.client import (
    create_entity, create_feature_group, get_entity, get_entity_metadata, get_feature_group,
    get_feature_group_metadata, get_feature_group_schema,
    get_latest_feature_group_version, read_features, read_offline_features, update_feature_group_state, write_features,
    write_features_sync,
)
from darwin_fs.constant.constants import DataType, State
from darwin_fs.exception import SdkException
from darwin_fs.model.entity import Entity
from darwin_fs.model.feature_group import FeatureGroup
from darwin_fs.model.feature_group_schema import FeatureGroupSchema
from darwin_fs.model.feature_group_version import FeatureGroupVersion
from darwin_fs.model.primary_keys import PrimaryKeys
from darwin_fs.model.read_features_request import ReadFeaturesRequest
from darwin_fs.model.read_features_response import ReadFeaturesResponse
from darwin_fs.model.write_features import WriteFeatures
from darwin_fs.model.write_features_request import WriteFeaturesRequest
from darwin_fs.model.write_features_response import WriteFeaturesResponse
from ofs_server import OfsServer

pytestmark = pytest.mark.usefixtures("darwin_env")
Names = Callable[[str], str]


def _entity_and_group(names: Names) -> tuple:
    entity, group = names("user"), names("activity")
    create_entity(entity_request(entity))
    create_feature_group(group_request(group, entity, [("clicks", DataType.INT), ("ctr", DataType.DOUBLE)]))
    return entity, group


DARWIN_FUNCTIONS = ("create_entity", "create_feature_group", "get_entity", "get_feature_group",
                    "update_feature_group_state", "get_latest_feature_group_version", "get_feature_group_schema",
                    "read_features", "write_features_sync", "write_features_async", "read_features_async",
                    "write_features", "read_offline_features")
# What Darwin's darwin_fs.client imported, so that `from darwin_fs import *` (its __init__ star-imported
# the client module) and `from darwin_fs.client import X` gave them.
DARWIN_CLIENT_NAMES = ("CreateEntityRequest", "CreateFeatureGroupRequest", "Entity", "FeatureGroup",
                       "FeatureGroupSchema", "FeatureGroupVersion", "ReadFeaturesRequest", "ReadFeaturesResponse",
                       "WriteFeaturesRequest", "WriteFeaturesResponse", "DataType", "FeatureGroupType", "State",
                       "SdkException", "ApiException", "SparkWriterException")


def test_the_package_exports_the_darwin_functions_and_names() -> None:
    for name in DARWIN_FUNCTIONS + DARWIN_CLIENT_NAMES:
        assert getattr(darwin_fs, name) is getattr(darwin_fs.client, name), name
        assert name in darwin_fs.__all__ and name in darwin_fs.client.__all__, name


def test_darwin_signatures() -> None:
    """Parameter names, order and defaults of Darwin's SDK 2.0.3 (callers may pass them by keyword)."""
    import inspect
    expected = {
        "create_entity": ["request"],
        "create_feature_group": ["request", "upgrade=None"],
        "get_entity": ["name"],
        "get_feature_group": ["name", "version=None"],
        "update_feature_group_state": ["state", "name", "version=None"],
        "get_latest_feature_group_version": ["name"],
        "get_feature_group_schema": ["name", "version=None"],
        "read_features": ["request"],
        "write_features_sync": ["request"],
        "write_features_async": ["client", "request"],
        "read_features_async": ["client", "request"],
        "write_features": ["df", "feature_group_name", "feature_group_version=None", "mode='overwrite'"],
        "read_offline_features": ["spark", "feature_group_name", "feature_group_version=None",
                                  "delta_table_version=None", "timestamp=None"],
    }
    for name, params in expected.items():
        signature = inspect.signature(getattr(darwin_fs.client, name))
        got = [p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
               for p in signature.parameters.values()]
        assert got == params, (name, got)


def test_create_and_get_entity(names: Names) -> None:
    name = names("user")
    created = create_entity(entity_request(name, keys=[("user_id", DataType.BIGINT), ("day", DataType.TEXT)], ttl=60))
    assert isinstance(created, Entity) and created.table_name == name
    fetched = get_entity(name)  # GET /entity/metadata answers {"metadata": {...}}, as Darwin's did
    assert fetched == created and fetched.primary_keys == ["user_id", "day"] and fetched.ttl == 60
    metadata = get_entity_metadata(name)
    assert metadata.name == name and metadata.entity == created and metadata.state is State.LIVE
    with pytest.raises(SdkException) as again:
        create_entity(entity_request(name))
    assert again.value.error_code == "ENTITY-ALREADY-EXISTS-EXCEPTION" and again.value.status == 400


def test_get_unknown_entity_surfaces_not_found() -> None:
    with pytest.raises(SdkException) as e:
        get_entity("no_such_entity_anywhere")
    assert e.value.error_code == "ENTITY-NOT-FOUND-EXCEPTION"
    assert "no_such_entity_anywhere" in e.value.message and e.value.status == 404 and e.value.request_id


def test_bad_entity_is_refused_with_the_servers_code(names: Names) -> None:
    request = entity_request(names("user"))
    request.entity.primary_keys = ["not_a_column"]
    with pytest.raises(SdkException) as e:
        create_entity(request)
    assert e.value.error_code == "ENTITY-SCHEMA-VALIDATION-EXCEPTION"


def test_create_group_upgrade_and_versions(names: Names) -> None:
    entity, group = _entity_and_group(names)
    v1 = get_feature_group(group)
    assert isinstance(v1, FeatureGroup) and [c.name for c in v1.features] == ["clicks", "ctr"]
    with pytest.raises(SdkException) as exists:
        create_feature_group(group_request(group, entity, [("clicks", DataType.INT)]))
    assert exists.value.error_code == "FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION"

    upgraded = create_feature_group(
        group_request(group, entity, [("clicks", DataType.INT), ("ctr", DataType.DOUBLE), ("score", DataType.FLOAT)]),
        upgrade=True)
    assert upgraded.version == "v2"
    latest = get_latest_feature_group_version(group)
    assert isinstance(latest, FeatureGroupVersion) and latest.name == group and latest.latest_version == "v2"
    assert [c.name for c in get_feature_group(group).features] == ["clicks", "ctr", "score"]
    assert [c.name for c in get_feature_group(group, "v1").features] == ["clicks", "ctr"]
    with pytest.raises(SdkException) as missing_version:
        get_feature_group(group, "v9")
    # The Darwin metadata path answers an unknown version as an unknown group, as Darwin did.
    assert missing_version.value.error_code == "FEATURE-GROUP-NOT-FOUND-EXCEPTION"
    assert missing_version.value.status == 404


def test_upgrade_of_a_group_without_versioning_is_refused(names: Names) -> None:
    entity = names("user")
    group = names("plain")
    create_entity(entity_request(entity))
    create_feature_group(group_request(group, entity, [("a", DataType.INT)], version_enabled=False))
    with pytest.raises(SdkException) as e:
        create_feature_group(group_request(group, entity, [("a", DataType.INT)], version_enabled=False), upgrade=True)
    assert e.value.error_code == "VERSIONING-DISABLED-EXCEPTION"


def test_group_on_unknown_entity_and_bad_column_names(names: Names) -> None:
    with pytest.raises(SdkException) as no_entity:
        create_feature_group(group_request(names("g"), "no_such_entity_x", [("a", DataType.INT)]))
    assert no_entity.value.error_code == "ENTITY-NOT-FOUND-EXCEPTION"
    entity = names("user")
    create_entity(entity_request(entity))
    with pytest.raises(SdkException) as bad_name:
        create_feature_group(group_request(names("g"), entity, [("a__b", DataType.INT)]))
    assert bad_name.value.error_code == "FEATURE-GROUP-INVALID-COLUMN-NAMES-EXCEPTION"


def test_schema(names: Names) -> None:
    _, group = _entity_and_group(names)
    schema = get_feature_group_schema(group)
    assert isinstance(schema, FeatureGroupSchema)
    assert [(c.name, c.type) for c in schema.schema] == [("user_id", DataType.BIGINT), ("clicks", DataType.INT),
                                                        ("ctr", DataType.DOUBLE)]
    assert schema.primary_keys == ["user_id"] and schema.version == "v1"
    assert get_feature_group_schema(group, "v1") == schema
    with pytest.raises(SdkException) as e:
        get_feature_group_schema("no_such_group_x")
    assert e.value.error_code == "FEATURE-GROUP-NOT-FOUND-EXCEPTION"


def test_write_and_read(names: Names) -> None:
    _, group = _entity_and_group(names)
    written = write_features_sync(WriteFeaturesRequest(
        feature_group_name=group,
        features=WriteFeatures(names=["user_id", "clicks", "ctr"], values=[[1, 7, 0.125], [2, "seven", 0.5], [3, 9, 0.25]])))
    assert isinstance(written, WriteFeaturesResponse) and written.feature_group_version == "v1"
    assert written.successful_rows == [[1, 7, 0.125], [3, 9, 0.25]] and written.failed_rows == [[2, "seven", 0.5]]
    assert written.failed_row_errors is not None and "clicks" in written.failed_row_errors[0]

    read = read_features(ReadFeaturesRequest(feature_group_name=group, feature_columns=["ctr", "clicks"],
                                             primary_keys=PrimaryKeys(names=["user_id"], values=[[3], [1], [2]])))
    assert isinstance(read, ReadFeaturesResponse) and read.feature_group_version == "v1"
    assert [(k.key, k.features) for k in read.successful_keys] == [([3], [0.25, 9]), ([1], [0.125, 7])]
    assert read.failed_keys == [[2]]
    versioned = read_features(ReadFeaturesRequest(feature_group_name=group, feature_columns=["clicks"],
                                                  primary_keys=PrimaryKeys(names=["user_id"], values=[[1]]),
                                                  feature_group_version="v1"))
    assert versioned.successful_keys[0].features == [7]


def test_requests_given_as_wire_dicts_are_accepted(names: Names) -> None:
    _, group = _entity_and_group(names)
    write_features_sync({"featureGroupName": group, "features": {"names": ["user_id", "clicks"], "values": [[5, 1]]}})
    read = read_features({"featureGroupName": group, "featureColumns": ["clicks"],
                          "primaryKeys": {"names": ["user_id"], "values": [[5]]}})
    assert read.successful_keys[0].features == [1]


def test_read_and_write_errors_carry_the_servers_code(names: Names) -> None:
    _, group = _entity_and_group(names)
    with pytest.raises(SdkException) as unknown_group:
        read_features(ReadFeaturesRequest(feature_group_name="no_such_group_y", feature_columns=["a"],
                                          primary_keys=PrimaryKeys(names=["k"], values=[[1]])))
    # The Darwin path answers an unknown group as Darwin did (API.md section 3).
    assert unknown_group.value.error_code == "OFS-V2-ADMIN-SERVICE-EXCEPTION"
    assert unknown_group.value.message == "feature group not found"
    with pytest.raises(SdkException) as unknown_column:
        read_features(ReadFeaturesRequest(feature_group_name=group, feature_columns=["nope"],
                                          primary_keys=PrimaryKeys(names=["user_id"], values=[[1]])))
    assert unknown_column.value.error_code == "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION"
    assert "nope" in unknown_column.value.message
    with pytest.raises(SdkException) as missing_key:
        write_features_sync(WriteFeaturesRequest(feature_group_name=group,
                                                 features=WriteFeatures(names=["clicks"], values=[[1]])))
    assert missing_key.value.error_code == "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION"
    with pytest.raises(SdkException) as nan:
        write_features_sync(WriteFeaturesRequest(feature_group_name=group,
                                                 features=WriteFeatures(names=["user_id", "ctr"],
                                                                        values=[[1, float("nan")]])))
    assert nan.value.error_code == "VALIDATION-EXCEPTION" and "NaN" in nan.value.message


def test_archive_latest_and_specific_versions(names: Names) -> None:
    entity, group = _entity_and_group(names)
    create_feature_group(group_request(group, entity, [("clicks", DataType.INT)]), upgrade=True)
    assert update_feature_group_state(State.ARCHIVED, group) is None  # no version: the latest (v2); None as Darwin
    assert get_feature_group_metadata(group, "v2").state is State.ARCHIVED
    assert get_feature_group_metadata(group, "v1").state is State.LIVE
    with pytest.raises(SdkException) as refused:
        write_features_sync(WriteFeaturesRequest(feature_group_name=group,
                                                 features=WriteFeatures(names=["user_id", "clicks"], values=[[1, 1]])))
    assert refused.value.error_code == "FEATURE-GROUP-STATE-EXCEPTION"
    with pytest.raises(SdkException) as schema_refused:
        get_feature_group_schema(group)
    assert schema_refused.value.error_code == "FEATURE-GROUP-STATE-EXCEPTION"
    # v1 stays LIVE and usable; then archive it explicitly and bring it back.
    write_features_sync(WriteFeaturesRequest(feature_group_name=group, feature_group_version="v1",
                                             features=WriteFeatures(names=["user_id", "clicks"], values=[[1, 1]])))
    update_feature_group_state("ARCHIVED", group, "v1")
    assert get_feature_group_metadata(group, "v1").state is State.ARCHIVED
    update_feature_group_state(State.LIVE, group, version="v1")
    assert get_feature_group_metadata(group, "v1").state is State.LIVE
    with pytest.raises(SdkException) as bad_state:
        update_feature_group_state("DELETED", group)
    assert bad_state.value.error_code == "VALIDATION-EXCEPTION"


def test_spark_functions_without_pyspark_say_what_to_install() -> None:
    """The SDK's venv has no pyspark (tests/e2e/test_spark.py runs these functions in a real Spark)."""
    try:
        import pyspark  # noqa: F401
        pytest.skip("pyspark is installed here")
    except ImportError:
        pass
    with pytest.raises(SdkException) as write:
        write_features(object(), "some_group")
    assert write.value.error_code == "DEPENDENCY_EXCEPTION" and "darwin_fs[spark]" in write.value.message
    with pytest.raises(SdkException) as read:
        read_offline_features(object(), "some_group", "v1", delta_table_version=3, timestamp=0)
    assert read.value.error_code == "DEPENDENCY_EXCEPTION"


def test_darwin_environment_configuration(ofs: OfsServer, names: Names, monkeypatch: pytest.MonkeyPatch) -> None:
    """Darwin's own configuration: sdk.python.environment=test with ofs.server.host / ofs.admin.host."""
    monkeypatch.delenv("OFS_URL")
    monkeypatch.delenv("OFS_ADMIN_URL")
    monkeypatch.setenv("sdk.python.environment", "test")
    monkeypatch.setenv("ofs.server.host", ofs.url.replace("http://", ""))
    monkeypatch.setenv("ofs.admin.host", ofs.admin_url)
    name = names("user")
    create_entity(entity_request(name))
    assert get_entity(name).table_name == name


def test_unreachable_server_is_a_connection_error(monkeypatch: pytest.MonkeyPatch, unused_port: int) -> None:
    monkeypatch.setenv("OFS_ADMIN_URL", f"http://127.0.0.1:{unused_port}")
    monkeypatch.setattr(darwin_fs.client, "_transport", None)
    from darwin_fs._http.retry import RetryPolicy
    monkeypatch.setattr("darwin_fs._http.sync_transport.RetryPolicy", lambda: RetryPolicy(retries=1, backoff_base=0.01))
    with pytest.raises(SdkException) as e:
        get_entity("anything")
    assert e.value.error_code == "CONNECTION-EXCEPTION" and "2 attempts" in e.value.message
