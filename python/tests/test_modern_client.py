"""FeatureStoreClient (blocking) against a real ofs standalone."""

from __future__ import annotations

import datetime as dt
import decimal
import io
from typing import Any, Callable, List

import pytest

from darwin_fs import DataType, FeatureStoreClient, ReadResult, SdkException, State, WriteProgress, WriteResult
from darwin_fs.model import Entity, FeatureColumn, FeatureGroup, TenantConfig
from ofs_server import OfsServer

OWNER = "sdk.tests@example.com"
Names = Callable[[str], str]


def make_group(client: FeatureStoreClient, names: Names, columns: Any = None, keys: Any = None) -> str:
    entity, group = names("user"), names("activity")
    key_columns = keys or [FeatureColumn("user_id", DataType.BIGINT)]
    client.create_entity(Entity(table_name=entity, features=key_columns, primary_keys=[c.name for c in key_columns]),
                         owner=OWNER)
    client.create_feature_group(
        FeatureGroup(feature_group_name=group, entity_name=entity,
                     features=columns or [FeatureColumn("clicks", DataType.INT), FeatureColumn("ctr", DataType.DOUBLE)]),
        owner=OWNER, tags=["t"], description="d")
    return group


def test_health_and_urls(client: FeatureStoreClient, ofs: OfsServer) -> None:
    assert client.health() == {"serving": "UP", "admin": "UP"}
    assert client.url == ofs.url and client.admin_url == ofs.admin_url
    assert "FeatureStoreClient(" in repr(client)


def test_metadata_operations(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names)
    meta = client.get_feature_group(group)
    assert meta.version == "v1" and meta.tags == ["t"] and meta.description == "d" and meta.state is State.LIVE
    entity = meta.feature_group.entity_name
    assert client.get_entity(entity).entity.primary_keys == ["user_id"]
    upgraded = client.create_feature_group(
        FeatureGroup(group, entity, [FeatureColumn("clicks", DataType.INT)]), owner=OWNER, upgrade=True,
        tenant=TenantConfig())
    assert upgraded.version == "v2" and client.latest_version(group) == "v2"
    assert [v.version for v in client.list_versions(group)] == ["v1", "v2"]
    assert client.get_schema(group, "v1").version == "v1"
    assert client.archive_feature_group(group).state is State.ARCHIVED
    assert client.set_feature_group_state(group, "LIVE", "v2").state is State.LIVE
    for version in ("v1", "v2"):
        client.archive_feature_group(group, version)
    assert client.set_entity_state(entity, State.ARCHIVED).state is State.ARCHIVED


def test_errors_carry_the_servers_code(client: FeatureStoreClient, names: Names) -> None:
    with pytest.raises(SdkException) as unknown:
        client.read_features("no_such_group_m", [{"user_id": 1}], ["clicks"])
    assert unknown.value.error_code == "FEATURE-GROUP-NOT-FOUND-EXCEPTION" and unknown.value.status == 404
    with pytest.raises(SdkException) as entity:
        client.get_entity("no_such_entity_m")
    assert entity.value.error_code == "ENTITY-NOT-FOUND-EXCEPTION"
    group = make_group(client, names)
    with pytest.raises(SdkException) as in_use:
        client.set_entity_state(client.get_feature_group(group).feature_group.entity_name, State.ARCHIVED)
    assert in_use.value.error_code == "UPDATE-ENTITY-REQUEST-EXCEPTION"
    with pytest.raises(SdkException) as bad_owner:
        client.create_entity(Entity(names("e"), [FeatureColumn("k", DataType.INT)], ["k"]), owner="not-an-email")
    assert bad_owner.value.error_code == "ENTITY-REGISTRATION-REQUEST-EXCEPTION"


def test_write_and_read_dict_rows(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names)
    result = client.write_features(group, [{"user_id": 1, "clicks": 5, "ctr": 0.5},
                                           {"user_id": 2, "clicks": 6, "ctr": 0.25}])
    assert isinstance(result, WriteResult) and result.ok and result.rows_written == 2
    assert result.feature_group_version == "v1" and result.columns == ["user_id", "clicks", "ctr"]
    read = client.read_features(group, [{"user_id": 2}, {"user_id": 3}, {"user_id": 1}], ["clicks", "ctr"])
    assert isinstance(read, ReadResult) and read.feature_group_version == "v1"
    assert read.to_dicts() == [{"user_id": 2, "clicks": 6, "ctr": 0.25}, {"user_id": 1, "clicks": 5, "ctr": 0.5}]
    assert read.missing_keys == [(3,)] and read.get(1) == {"clicks": 5, "ctr": 0.5} and read.get(3) is None
    by_value = client.read_features(group, [1, 2], ["clicks"])  # key names looked up from the schema
    assert [r.values["clicks"] for r in by_value.rows] == [5, 6]


def test_rows_with_different_columns_are_refused_before_sending(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names)
    with pytest.raises(SdkException) as e:
        client.write_features(group, [{"user_id": 1, "clicks": 5}, {"user_id": 2, "ctr": 0.5}])
    assert e.value.error_code == "VALIDATION-EXCEPTION" and "row 1" in e.value.message
    assert e.value.details["missing"] == ["clicks"] and e.value.details["extra"] == ["ctr"]


def test_refused_rows_raise_with_row_and_column_or_are_collected(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names)
    rows = [{"user_id": i, "clicks": "many" if i in (4, 7) else i, "ctr": 0.5} for i in range(10)]
    with pytest.raises(SdkException) as raised:
        client.write_features(group, rows, chunk_size=3)
    error = raised.value
    assert error.error_code == "WRITE-ROWS-FAILED-EXCEPTION"
    assert "row 4" in error.message and "clicks" in error.message
    partial: WriteResult = error.details
    assert partial.rows_written == 5 and partial.chunks == 2  # rows 0-2, then 3 and 5; rows 6.. not sent
    collected = client.write_features(group, rows, chunk_size=3, errors="collect")
    assert collected.rows_written == 8 and collected.chunks == 4 and not collected.ok
    assert [(f.index, f.values[0]) for f in collected.failed_rows] == [(4, 4), (7, 7)]
    assert all("clicks" in (f.error or "") for f in collected.failed_rows)


def test_decimal_varint_and_timestamp_values_travel_exactly(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names, columns=[FeatureColumn("d", DataType.DECIMAL), FeatureColumn("v", DataType.VARINT),
                                               FeatureColumn("t", DataType.TIMESTAMP)])
    big = decimal.Decimal("98765432109876543210.0123456789")
    moment = dt.datetime(2030, 5, 6, 7, 8, 9, 123000, tzinfo=dt.timezone.utc)
    client.write_features(group, [{"user_id": 1, "d": big, "v": 10**30, "t": moment}])
    row = client.read_features(group, [1], ["d", "v", "t"]).rows[0].values
    assert decimal.Decimal(str(row["d"])) == big or row["d"] == float(big)
    assert row["v"] == 10**30 and row["t"] == round(moment.timestamp() * 1000)


def test_partition_read_follows_pages(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names, keys=[FeatureColumn("user_id", DataType.BIGINT), FeatureColumn("day", DataType.INT)])
    client.write_features(group, [{"user_id": 1, "day": d, "clicks": d * 10, "ctr": 0.5} for d in range(25)]
                          + [{"user_id": 2, "day": 1, "clicks": 1, "ctr": 0.5}])
    rows = client.read_partition(group, {"user_id": 1}, ["day", "clicks"], page_size=10)
    assert [r["day"] for r in rows] == list(range(25)) and rows[3] == {"day": 3, "clicks": 30}


def test_progress_callback_and_printing(client: FeatureStoreClient, names: Names,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    group = make_group(client, names)
    seen: List[WriteProgress] = []
    rows = [{"user_id": i, "clicks": i, "ctr": 0.5} for i in range(25)]
    client.write_features(group, rows, chunk_size=10, progress=seen.append)
    assert [(p.rows_done, p.chunks_done) for p in seen] == [(10, 1), (20, 2), (25, 3)] and seen[-1].fraction == 1.0
    client.write_features(group, rows, chunk_size=10, progress=True)
    assert "25/25 rows (100%)" in capsys.readouterr().err


def test_chunks_shrink_to_the_servers_limits(ofs_factory: Callable[..., OfsServer], names: Names) -> None:
    server = ofs_factory("--max-rows-per-write", "7", "--max-keys-per-read", "4", "--max-body-bytes", "4096")
    with FeatureStoreClient(server.url, server.admin_url, write_chunk_rows=100) as small:
        group = make_group(small, names)
        result = small.write_features(group, [{"user_id": i, "clicks": i, "ctr": 0.5} for i in range(30)])
        assert result.ok and result.rows_written == 30 and result.chunks >= 5  # 30 rows at most 7 per request
        read = small.read_features(group, [{"user_id": i} for i in range(12)], ["clicks"])
        assert [r.values["clicks"] for r in read.rows] == list(range(12))
        padded = [{"user_id": i, "clicks": i, "ctr": 0.123456789012345} for i in range(7)]
        assert small.write_features(group, padded, chunk_size=7).rows_written == 7  # fits in 4 KiB after splits


def test_token_is_sent(ofs_factory: Callable[..., OfsServer], tmp_path: Any, names: Names) -> None:
    config = tmp_path / "auth.toml"
    config.write_text('[auth]\ntokens = [ { token = "admin-token", roles = ["admin", "writer", "reader"] } ]\n')
    server = ofs_factory("--config", str(config))
    with FeatureStoreClient(server.url, server.admin_url) as anonymous:
        with pytest.raises(SdkException) as e:
            anonymous.get_entity("x")
        assert e.value.error_code == "UNAUTHENTICATED" and e.value.status == 401
    with FeatureStoreClient(server.url, server.admin_url, token="admin-token") as admin:
        make_group(admin, names)


def test_gzip_request_bodies(ofs: OfsServer, names: Names) -> None:
    with FeatureStoreClient(ofs.url, ofs.admin_url, gzip_min_bytes=1) as gz:
        group = make_group(gz, names)
        assert gz.write_features(group, [{"user_id": i, "clicks": i, "ctr": 0.5} for i in range(100)]).ok
        assert len(gz.read_features(group, list(range(100)), ["clicks"]).rows) == 100


def test_client_reads_urls_from_the_environment(ofs: OfsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFS_URL", ofs.url.replace("http://", ""))
    monkeypatch.setenv("OFS_ADMIN_URL", ofs.admin_url + "/")
    with FeatureStoreClient() as from_env:
        assert from_env.url == ofs.url and from_env.admin_url == ofs.admin_url
        assert from_env.health()["admin"] == "UP"


def test_stderr_progress_format() -> None:
    from darwin_fs.progress import StderrProgress

    out = io.StringIO()
    StderrProgress("writing g", stream=out)(WriteProgress(50_000, 100_000, 5, 1.25))
    assert out.getvalue() == "writing g: 50,000/100,000 rows (50%), 1.2s\n"
