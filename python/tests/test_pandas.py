"""pandas in and out: the round trip of all 15 types, alignment of keys, errors naming column and row,
and the chunked write of a 100k-row frame."""

from __future__ import annotations

import base64
import decimal
import ipaddress
import time
import uuid
from typing import Callable, List

import pytest

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

from builders import all_type_columns  # noqa: E402
from darwin_fs import DataType, FeatureStoreClient, SdkException, WriteProgress  # noqa: E402
from darwin_fs.model import Entity, FeatureColumn, FeatureGroup  # noqa: E402

OWNER = "sdk.tests@example.com"
Names = Callable[[str], str]


def make_group(client: FeatureStoreClient, names: Names, columns: List[FeatureColumn]) -> str:
    entity, group = names("user"), names("frame")
    client.create_entity(Entity(entity, [FeatureColumn("user_id", DataType.BIGINT)], ["user_id"]), owner=OWNER)
    client.create_feature_group(FeatureGroup(group, entity, columns), owner=OWNER)
    return group


def all_types_frame(rows: int) -> "pd.DataFrame":
    base = pd.Timestamp("2026-01-02T03:04:05.678", tz="UTC")
    return pd.DataFrame({
        "user_id": pd.Series(range(rows), dtype="int64"),
        "c_text": [f"héllo {i}" for i in range(rows)],
        "c_ascii": [f"ascii-{i}" for i in range(rows)],
        "c_varchar": [f"v{i}" for i in range(rows)],
        "c_blob": [bytes([i % 256, 0, 255]) for i in range(rows)],
        "c_boolean": [i % 2 == 0 for i in range(rows)],
        "c_decimal": [decimal.Decimal("12345678901234567890.1234567890") + i for i in range(rows)],
        "c_double": np.linspace(0.1, 99.9, rows),
        "c_float": np.linspace(0.5, 8.25, rows).astype("float32"),
        "c_int": pd.Series([-(2**31) + i for i in range(rows)], dtype="int32"),
        "c_bigint": pd.Series([2**62 + i for i in range(rows)], dtype="int64"),
        "c_timestamp": [base + pd.Timedelta(milliseconds=i) for i in range(rows)],
        "c_timeuuid": [uuid.uuid1(node=1, clock_seq=i) for i in range(rows)],
        "c_uuid": [uuid.UUID(int=i + 1) for i in range(rows)],
        "c_inet": [ipaddress.ip_address(f"10.0.0.{i % 250}") if i % 2 else ipaddress.ip_address(f"2001:db8::{i:x}")
                   for i in range(rows)],
        "c_varint": [10**30 + i for i in range(rows)],
    })


def test_round_trip_of_all_15_types(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names, [FeatureColumn(n, t) for n, t in all_type_columns()])
    frame = all_types_frame(50)
    result = client.write_features_df(group, frame)
    assert result.ok and result.rows_written == 50
    back = client.read_features_df(group, frame[["user_id"]])
    assert list(back.columns) == list(frame.columns)
    expected_dtypes = {"c_boolean": "bool", "c_double": "float64", "c_float": "float32", "c_int": "int32",
                       "c_bigint": "int64", "c_timestamp": "datetime64[ns, UTC]"}
    for column, dtype in expected_dtypes.items():
        assert str(back[column].dtype) == dtype, column
    frame["c_timestamp"] = frame["c_timestamp"].astype("datetime64[ns, UTC]")
    pd.testing.assert_frame_equal(back, frame)
    assert isinstance(back["c_decimal"][0], decimal.Decimal) and isinstance(back["c_blob"][0], bytes)
    assert isinstance(back["c_uuid"][0], uuid.UUID) and back["c_varint"][0] == 10**30


def test_write_accepts_wire_forms_too(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names, [FeatureColumn("t", DataType.TIMESTAMP), FeatureColumn("b", DataType.BLOB),
                                       FeatureColumn("u", DataType.UUID), FeatureColumn("n", DataType.INT)])
    frame = pd.DataFrame({"user_id": [1, 2], "t": [1_700_000_000_000, 1_700_000_000_001],
                          "b": [base64.b64encode(b"ab").decode(), b"cd"], "u": [str(uuid.UUID(int=1)), uuid.UUID(int=2)],
                          "n": [1.0, 2.0]})
    assert client.write_features_df(group, frame).ok
    naive = pd.DataFrame({"user_id": [3], "t": [pd.Timestamp("2026-01-01 00:00:00")], "b": [b""],
                          "u": [uuid.UUID(int=3)], "n": [3]})
    assert client.write_features_df(group, naive).ok
    back = client.read_features_df(group, pd.DataFrame({"user_id": [1, 2, 3]}))
    assert back["b"].tolist() == [b"ab", b"cd", b""] and back["n"].tolist() == [1, 2, 3]
    assert back["t"].iloc[2] == pd.Timestamp("2026-01-01", tz="UTC")


def test_left_join_keeps_every_key_with_missing_values(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names, [FeatureColumn("clicks", DataType.INT), FeatureColumn("ok", DataType.BOOLEAN),
                                       FeatureColumn("at", DataType.TIMESTAMP)])
    client.write_features_df(group, pd.DataFrame({"user_id": [1, 2], "clicks": [10, 20], "ok": [True, False],
                                                  "at": pd.to_datetime([0, 1], unit="ms", utc=True)}))
    keys = pd.DataFrame({"user_id": [2, 5, 1], "other": ["x", "y", "z"]}, index=["a", "b", "c"])
    inner = client.read_features_df(group, keys, ["clicks"])
    assert inner["user_id"].tolist() == [2, 1] and inner["clicks"].tolist() == [20, 10]
    left = client.read_features_df(group, keys, ["clicks", "ok", "at"], how="left")
    assert left["user_id"].tolist() == [2, 5, 1]
    assert str(left["clicks"].dtype) == "Int32" and left["clicks"].isna().tolist() == [False, True, False]
    assert str(left["ok"].dtype) == "boolean" and left["at"].isna().tolist() == [False, True, False]


def test_frame_errors_name_the_column_and_the_row(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names, [FeatureColumn("clicks", DataType.INT), FeatureColumn("ctr", DataType.DOUBLE),
                                       FeatureColumn("ip", DataType.INET)])
    good = {"user_id": [1, 2, 3], "clicks": [1, 2, 3], "ctr": [0.1, 0.2, 0.3], "ip": ["::1", "10.0.0.1", "::2"]}

    def error_of(**changes: object) -> SdkException:
        frame = pd.DataFrame({**good, **changes}, index=[10, 11, 12])
        with pytest.raises(SdkException) as e:
            client.write_features_df(group, frame)
        assert e.value.error_code == "VALIDATION-EXCEPTION"
        return e.value

    nan = error_of(ctr=[0.1, float("nan"), 0.3])
    assert "column 'ctr' (DOUBLE), row 1 (index label 11)" in nan.message and "missing value" in nan.message
    assert nan.details["column"] == "ctr" and nan.details["row"] == 1 and nan.details["index_label"] == 11
    assert "row 2" in error_of(clicks=[1, 2, 2**40]).message
    assert "not a finite number" in error_of(ctr=[0.1, 0.2, float("inf")]).message
    bad_ip = error_of(ip=["::1", "example.com", "::2"])
    assert "column 'ip' (INET), row 1" in bad_ip.message and "example.com" in bad_ip.message
    assert "expected an integer" in error_of(clicks=[1, 2.5, 3]).message
    unknown = error_of(extra=[1, 2, 3])
    assert "'extra' is not a column" in unknown.message and "clicks" in unknown.message
    with pytest.raises(SdkException) as no_key:
        client.write_features_df(group, pd.DataFrame({"clicks": [1]}))
    assert "primary-key column(s) 'user_id'" in no_key.value.message
    with pytest.raises(SdkException) as not_frame:
        client.write_features_df(group, [{"user_id": 1}])
    assert "must be a pandas DataFrame" in not_frame.value.message
    with pytest.raises(SdkException) as no_key_column:
        client.read_features_df(group, pd.DataFrame({"id": [1]}))
    assert "lacks primary-key column 'user_id'" in no_key_column.value.message


@pytest.mark.slow
def test_100k_row_chunked_write_with_progress(client: FeatureStoreClient, names: Names) -> None:
    group = make_group(client, names, [FeatureColumn("clicks", DataType.INT), FeatureColumn("ctr", DataType.DOUBLE),
                                       FeatureColumn("segment", DataType.TEXT)])
    rows = 100_000
    frame = pd.DataFrame({"user_id": np.arange(rows, dtype="int64"), "clicks": np.arange(rows, dtype="int32") % 1000,
                          "ctr": np.linspace(0, 1, rows), "segment": [f"s{i % 7}" for i in range(rows)]})
    progress: List[WriteProgress] = []
    started = time.monotonic()
    result = client.write_features_df(group, frame, progress=progress.append)
    elapsed = time.monotonic() - started
    assert result.ok and result.rows_written == rows and result.chunks == 10  # the server's 10,000-row limit
    assert [p.rows_done for p in progress] == list(range(10_000, rows + 1, 10_000))
    assert elapsed < 30, f"100k-row write took {elapsed:.1f}s"
    print(f"\n100k-row chunked write: {elapsed:.2f}s ({rows / elapsed:,.0f} rows/s)")
    sample = frame.sample(500, random_state=1)
    back = client.read_features_df(group, sample[["user_id"]])
    pd.testing.assert_frame_equal(back, sample.reset_index(drop=True))
