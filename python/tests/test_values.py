"""Values of the 15 types: encoding with and without a type, decoding, exact JSON numbers."""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import json
import uuid

import pytest

from darwin_fs._http import json_codec
from darwin_fs.constant.constants import DataType
from darwin_fs.values import decode_value, encode_value, to_json_value

TS = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.timezone.utc)
TS_MS = 1767323045678


@pytest.mark.parametrize("data_type, given, wire", [
    (DataType.TEXT, "héllo", "héllo"),
    (DataType.VARCHAR, "v", "v"),
    (DataType.ASCII, "abc", "abc"),
    (DataType.BLOB, b"\x00\x01\xff", "AAH/"),
    (DataType.BLOB, "AAH/", "AAH/"),
    (DataType.BOOLEAN, True, True),
    (DataType.BOOLEAN, "false", False),
    (DataType.DECIMAL, decimal.Decimal("1.50"), decimal.Decimal("1.50")),
    (DataType.DECIMAL, 7, 7),
    (DataType.DOUBLE, 0.25, 0.25),
    (DataType.DOUBLE, "2.5", 2.5),
    (DataType.FLOAT, 3, 3),
    (DataType.INT, 2**31 - 1, 2**31 - 1),
    (DataType.INT, 4.0, 4),
    (DataType.BIGINT, "-9223372036854775808", -(2**63)),
    (DataType.VARINT, 10**40, 10**40),
    (DataType.TIMESTAMP, TS, TS_MS),
    (DataType.TIMESTAMP, TS.replace(tzinfo=None), TS_MS),
    (DataType.TIMESTAMP, dt.date(1970, 1, 2), 86_400_000),
    (DataType.TIMESTAMP, "2026-01-02T03:04:05.678Z", TS_MS),
    (DataType.TIMESTAMP, TS_MS, TS_MS),
    (DataType.UUID, uuid.UUID(int=5), "00000000-0000-0000-0000-000000000005"),
    (DataType.TIMEUUID, "1d85be70-1d68-11ec-9621-0242ac130002", "1d85be70-1d68-11ec-9621-0242ac130002"),
    (DataType.INET, ipaddress.ip_address("::1"), "::1"),
    (DataType.INET, " 10.0.0.1 ", "10.0.0.1"),
])
def test_encode_value(data_type: DataType, given: object, wire: object) -> None:
    assert encode_value(data_type, given) == wire


@pytest.mark.parametrize("data_type, given, fragment", [
    (DataType.TEXT, 5, "expected a string"),
    (DataType.ASCII, "é", "ASCII"),
    (DataType.BLOB, "not base64!", "base64"),
    (DataType.BOOLEAN, 1, "expected a bool"),
    (DataType.DOUBLE, float("nan"), "NaN"),
    (DataType.FLOAT, float("inf"), "finite"),
    (DataType.DECIMAL, decimal.Decimal("NaN"), "finite"),
    (DataType.INT, 2**31, "out of the INT range"),
    (DataType.BIGINT, 1.5, "expected an integer"),
    (DataType.VARINT, "12a", "expected an integer"),
    (DataType.TIMESTAMP, "yesterday", "ISO-8601"),
    (DataType.UUID, "nope", "expected a UUID"),
    (DataType.TIMEUUID, str(uuid.UUID(int=5)), "version-1"),
    (DataType.INET, "localhost", "IP"),
    (DataType.INT, None, "None is not a value"),
])
def test_encode_value_explains_bad_values(data_type: DataType, given: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        encode_value(data_type, given)


def test_decode_value_gives_python_types() -> None:
    assert decode_value(DataType.BLOB, "AAH/") == b"\x00\x01\xff"
    assert decode_value(DataType.DECIMAL, 0.1) == decimal.Decimal("0.1")
    assert decode_value(DataType.TIMESTAMP, TS_MS) == TS
    assert decode_value(DataType.UUID, "00000000-0000-0000-0000-000000000005") == uuid.UUID(int=5)
    assert decode_value(DataType.INET, "::ffff:1.2.3.4") == ipaddress.ip_address("::ffff:1.2.3.4")
    assert decode_value(DataType.VARINT, 10**40) == 10**40
    assert decode_value(DataType.INT, None) is None


def test_to_json_value_without_a_type() -> None:
    assert to_json_value(TS) == TS_MS
    assert to_json_value(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert to_json_value(b"\x01") == "AQ=="
    with pytest.raises(TypeError):
        to_json_value(object())


def test_json_dumps_decimals_exactly_and_refuses_nan() -> None:
    big = decimal.Decimal("12345678901234567890.123456789012345")
    text = json_codec.dumps({"v": [big, decimal.Decimal("1E+2"), 0.5, "x\u0000dec"]}).decode()
    assert text == '{"v":[12345678901234567890.123456789012345,1E+2,0.5,"x\\u0000dec"]}'
    assert json_codec.loads(text, exact_decimals=True)["v"][0] == big
    with pytest.raises(ValueError):
        json_codec.dumps([float("nan")])
    with pytest.raises(ValueError):
        json_codec.dumps([decimal.Decimal("Infinity")])
    assert json.loads(json_codec.dumps([TS, uuid.UUID(int=0)])) == [TS_MS, str(uuid.UUID(int=0))]
