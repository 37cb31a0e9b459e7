"""JSON encoding and decoding of request and response bodies.

- :func:`dumps` writes ``decimal.Decimal`` values as exact JSON numbers (``json`` cannot), converts the
  Python values the API has a wire form for (datetime, UUID, IP address, bytes, numpy scalars: see
  :func:`darwin_fs.values.to_json_value`), refuses NaN and infinities, and writes compactly.
- :func:`loads` optionally parses JSON numbers with a fraction or exponent as ``Decimal``, so that
  DECIMAL values arrive exactly; integers are always exact Python ints (VARINT).
"""

from __future__ import annotations

import decimal
import json
import re
import uuid
from typing import Any, List, Union

from darwin_fs.values import to_json_value


class _DecimalPlaceholders:
    """Replaces Decimals with unique placeholder strings during ``json.dumps`` and remembers their text."""

    def __init__(self) -> None:
        self.token = "\x00dec" + uuid.uuid4().hex
        self.texts: List[str] = []

    def default(self, value: Any) -> Any:
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                raise ValueError(f"{value} is not a JSON number (NaN and infinities cannot be stored)")
            self.texts.append(_decimal_text(value))
            return f"{self.token}:{len(self.texts) - 1}"
        return to_json_value(value)


def _decimal_text(value: decimal.Decimal) -> str:
    text = str(value)
    # str() may give "1E+2" or "-0E-7": valid JSON numbers. A bare "1." or ".5" never comes out of str().
    return text


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON of ``payload``; Decimals exact; ``ValueError`` for NaN or infinity."""
    placeholders = _DecimalPlaceholders()
    try:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                          default=placeholders.default)
    except ValueError as e:
        if "Out of range float" in str(e):
            raise ValueError("a value is NaN or infinite: JSON has no such numbers and the store refuses "
                             "them (missing values cannot be stored: drop or fill them)") from e
        raise
    if placeholders.texts:
        # The placeholder was written as a JSON string: "\u0000dec<hex>:<n>" -> the number's text.
        escaped = re.escape(json.dumps(placeholders.token)[1:-1])
        pattern = re.compile('"' + escaped + r':(\d+)"')
        text = pattern.sub(lambda m: placeholders.texts[int(m.group(1))], text)
    return text.encode("utf-8")


def loads(body: Union[bytes, str], *, exact_decimals: bool = False) -> Any:
    """Parses a JSON body; with ``exact_decimals`` numbers with a fraction or exponent become Decimals."""
    if exact_decimals:
        return json.loads(body, parse_float=decimal.Decimal)
    return json.loads(body)
