"""Values of the 15 data types: Python objects to their JSON wire form and back (API.md section 2).

| DataType            | Python type returned by :func:`decode_value` | also accepted by :func:`encode_value`    |
|---------------------|----------------------------------------------|------------------------------------------|
| TEXT, VARCHAR       | ``str``                                      |                                          |
| ASCII               | ``str`` (ASCII only)                         |                                          |
| BLOB                | ``bytes``                                    | ``bytearray``, ``memoryview``, base64 str |
| BOOLEAN             | ``bool``                                     | ``"true"`` / ``"false"``                 |
| DECIMAL             | ``decimal.Decimal`` (exact)                  | ``int``, finite ``float``, numeric str   |
| DOUBLE, FLOAT       | ``float``                                    | ``int``, numeric str                     |
| INT, BIGINT         | ``int`` (int32 / int64 range)                | integral ``float``, integer str          |
| VARINT              | ``int`` (any size)                           | integral ``float``, integer str          |
| TIMESTAMP           | ``datetime`` in UTC (millisecond precision)  | ``date``, epoch-ms ``int``, ISO-8601 str |
| UUID, TIMEUUID      | ``uuid.UUID`` (TIMEUUID: version 1)          | UUID str                                 |
| INET                | ``IPv4Address`` / ``IPv6Address``            | IP literal str                           |

Naive datetimes are taken as UTC. numpy scalars are accepted wherever the matching Python type is.
``None`` is never a value: the store has no nulls (a written ``null`` fails its row).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import ipaddress
import math
import uuid
from typing import Any, Callable, Dict, Union

from darwin_fs.constant.constants import DataType

INT32_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

IpAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


def _type_name(value: Any) -> str:
    return type(value).__name__


def _native(value: Any) -> Any:
    """numpy scalars -> the matching Python scalar (numpy datetime64 -> epoch ms); others unchanged."""
    module = type(value).__module__
    if module == "numpy":
        if type(value).__name__ == "datetime64":
            return int(value.astype("datetime64[ms]").astype("int64"))
        if hasattr(value, "item"):
            return value.item()
    return value


def epoch_millis(value: Union[dt.datetime, dt.date]) -> int:
    """Epoch milliseconds of a datetime (naive = UTC) or a date (midnight UTC), floored."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)
        delta = moment - EPOCH
    else:
        delta = dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc) - EPOCH
    return (delta.days * 86_400_000) + (delta.seconds * 1000) + (delta.microseconds // 1000)


def from_epoch_millis(ms: int) -> dt.datetime:
    """The UTC datetime of epoch milliseconds."""
    return EPOCH + dt.timedelta(milliseconds=ms)


def to_json_value(value: Any) -> Any:
    """The wire form of a Python value whose type alone says how to send it (no schema needed):
    datetime/date -> epoch ms, UUID -> str, IP address -> str, bytes -> base64, numpy scalars -> Python.
    Raises ``TypeError`` for anything else (``json.dumps``'s ``default`` contract)."""
    value = _native(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return epoch_millis(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, "isoformat") and hasattr(value, "timestamp"):  # pandas.Timestamp and friends
        return epoch_millis(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
    raise TypeError(f"Object of type {_type_name(value)} is not JSON serializable")


# --------------------------------------------------------------------------------------------------
# encoding with a known type
# --------------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError(f"expected a string, got {_type_name(value)} {value!r}")


def _ascii(value: Any) -> str:
    text = _text(value)
    if not text.isascii():
        raise ValueError(f"expected ASCII characters only, got {value!r}")
    return text


def _blob(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, str):
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"a string for BLOB must be standard base64, got {value!r}") from None
        return value
    raise ValueError(f"expected bytes (or a base64 string), got {_type_name(value)} {value!r}")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"expected a bool, got {_type_name(value)} {value!r}")


def _finite_float(value: Any) -> Union[int, float]:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got bool {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, (float, decimal.Decimal, str)):
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
        if math.isnan(number):
            raise ValueError("NaN is not a value (missing values cannot be stored: drop or fill them)")
        if math.isinf(number):
            raise ValueError(f"{value!r} is not a finite number (infinities cannot be stored)")
        return number
    raise ValueError(f"expected a number, got {_type_name(value)} {value!r}")


def _decimal(value: Any) -> Union[int, float, decimal.Decimal]:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got bool {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, (decimal.Decimal, str)):
        try:
            number = decimal.Decimal(value)
        except decimal.InvalidOperation:
            raise ValueError(f"expected a decimal number, got {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite number (NaN and infinities cannot be stored)")
        return number
    return _finite_float(value)


def _integer(value: Any, bounds: Any, type_name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got bool {value!r}")
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if math.isnan(value):
            raise ValueError("NaN is not a value (missing values cannot be stored: drop or fill them)")
        if not value.is_integer():
            raise ValueError(f"expected an integer, got {value!r}")
        number = int(value)
    elif isinstance(value, (str, decimal.Decimal)):
        try:
            number = int(decimal.Decimal(value)) if isinstance(value, decimal.Decimal) else int(value.strip())
        except (ValueError, decimal.InvalidOperation):
            raise ValueError(f"expected an integer, got {value!r}") from None
        if isinstance(value, decimal.Decimal) and value != number:
            raise ValueError(f"expected an integer, got {value!r}")
    else:
        raise ValueError(f"expected an integer, got {_type_name(value)} {value!r}")
    if bounds is not None and not bounds[0] <= number <= bounds[1]:
        raise ValueError(f"{number} is out of the {type_name} range [{bounds[0]}, {bounds[1]}]")
    return number


def _timestamp(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a datetime or epoch milliseconds, got bool {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return epoch_millis(value)
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        return epoch_millis(value.to_pydatetime())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            return epoch_millis(dt.datetime.fromisoformat(text))
        except ValueError:
            raise ValueError(f"expected an ISO-8601 timestamp, got {value!r}") from None
    raise ValueError(f"expected a datetime or epoch milliseconds, got {_type_name(value)} {value!r}")


def _uuid(value: Any, time_based: bool = False) -> str:
    if isinstance(value, uuid.UUID):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            raise ValueError(f"expected a UUID, got {value!r}") from None
    else:
        raise ValueError(f"expected a UUID, got {_type_name(value)} {value!r}")
    if time_based and parsed.version != 1:
        raise ValueError(f"expected a version-1 (time-based) UUID, got version {parsed.version}: {value!r}")
    return str(parsed)


def _inet(value: Any) -> str:
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(value)
    if isinstance(value, str):
        try:
            ipaddress.ip_address(value.strip())
        except ValueError:
            raise ValueError(f"expected an IPv4 or IPv6 literal, got {value!r}") from None
        return value.strip()
    raise ValueError(f"expected an IP address, got {_type_name(value)} {value!r}")


_ENCODERS: Dict[DataType, Callable[[Any], Any]] = {
    DataType.TEXT: _text,
    DataType.VARCHAR: _text,
    DataType.ASCII: _ascii,
    DataType.BLOB: _blob,
    DataType.BOOLEAN: _boolean,
    DataType.DECIMAL: _decimal,
    DataType.DOUBLE: _finite_float,
    DataType.FLOAT: _finite_float,
    DataType.INT: lambda v: _integer(v, INT32_RANGE, "INT"),
    DataType.BIGINT: lambda v: _integer(v, INT64_RANGE, "BIGINT"),
    DataType.VARINT: lambda v: _integer(v, None, "VARINT"),
    DataType.TIMESTAMP: _timestamp,
    DataType.UUID: _uuid,
    DataType.TIMEUUID: lambda v: _uuid(v, time_based=True),
    DataType.INET: _inet,
}


def encode_value(data_type: DataType, value: Any) -> Any:
    """The wire form of ``value`` for a column of ``data_type``. Raises ``ValueError`` saying what is
    wrong with the value (``None`` and NaN included: the store has no nulls)."""
    value = _native(value)
    if value is None:
        raise ValueError("None is not a value (missing values cannot be stored: drop or fill them)")
    return _ENCODERS[data_type](value)


# --------------------------------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------------------------------

def _decode_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    return decimal.Decimal(value)


_DECODERS: Dict[DataType, Callable[[Any], Any]] = {
    DataType.TEXT: str,
    DataType.VARCHAR: str,
    DataType.ASCII: str,
    DataType.BLOB: lambda v: base64.b64decode(v),
    DataType.BOOLEAN: bool,
    DataType.DECIMAL: _decode_decimal,
    DataType.DOUBLE: float,
    DataType.FLOAT: float,
    DataType.INT: int,
    DataType.BIGINT: int,
    DataType.VARINT: int,
    DataType.TIMESTAMP: lambda v: from_epoch_millis(int(v)),
    DataType.UUID: uuid.UUID,
    DataType.TIMEUUID: uuid.UUID,
    DataType.INET: lambda v: ipaddress.ip_address(v),
}


def decode_value(data_type: DataType, value: Any) -> Any:
    """The Python object of a value read from a column of ``data_type`` (``None`` stays ``None``)."""
    if value is None:
        return None
    return _DECODERS[data_type](value)
