"""camelCase JSON mapping of the model dataclasses (what Darwin's SDK did with dataclasses-json).

A model is a ``@dataclass`` that inherits :class:`JsonModel`. It gets:

- ``to_dict()``: camelCase keys, nested models and lists converted, enums as their values, fields whose
  value is ``None`` left out (the server treats a missing key and ``null`` alike);
- ``from_dict(data)``: keys matched case-insensitively (snake_case accepted too), unknown keys ignored,
  nested models, lists and enums rebuilt from the field annotations; a missing required field raises
  :class:`~darwin_fs.exception.SdkException` with code ``MODEL-DECODE-EXCEPTION``;
- ``to_json()`` / ``from_json(text)``;
- string values of enum-typed fields are converted on construction (``FeatureColumn("x", "INT")``).
"""

from __future__ import annotations

import dataclasses
import json
import typing
from enum import Enum
from typing import Any, Dict, List, Mapping, Tuple, Type, TypeVar, Union

from darwin_fs.exception import ErrorCode, SdkException

M = TypeVar("M", bound="JsonModel")


def camel_case(snake: str) -> str:
    """``feature_group_name`` -> ``featureGroupName``."""
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _normalized(key: str) -> str:
    return key.replace("_", "").lower()


FieldSpec = Tuple[str, str, Any, bool]
_SPECS: Dict[type, Tuple[FieldSpec, ...]] = {}


def _field_specs(cls: type) -> Tuple[FieldSpec, ...]:
    """(attribute name, wire key, resolved type hint, required) of each dataclass field of ``cls``
    (computed once per class)."""
    specs = _SPECS.get(cls)
    if specs is None:
        hints = typing.get_type_hints(cls)
        specs = tuple(
            (f.name, camel_case(f.name), hints[f.name],
             f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
            for f in dataclasses.fields(cls)
        )
        _SPECS[cls] = specs
    return specs


def _optional_inner(hint: Any) -> Any:
    """``Optional[X]`` -> ``X``; any other hint unchanged."""
    if typing.get_origin(hint) is Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _enum_type(hint: Any) -> Any:
    inner = _optional_inner(hint)
    return inner if isinstance(inner, type) and issubclass(inner, Enum) else None


def _to_enum(enum_type: Any, value: Any, where: str) -> Any:
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        try:
            return enum_type(value)
        except ValueError:
            try:
                return enum_type[value.upper()]
            except KeyError:
                pass
    allowed = ", ".join(m.value for m in enum_type)
    raise SdkException(f"{where}: {value!r} is not one of {allowed}", ErrorCode.MODEL_DECODE)


def _encode(value: Any) -> Any:
    if isinstance(value, JsonModel):
        return value.to_dict()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode(hint: Any, value: Any, where: str) -> Any:
    if value is None:
        return None
    hint = _optional_inner(hint)
    origin = typing.get_origin(hint)
    if origin in (list, List):
        if not isinstance(value, list):
            raise SdkException(f"{where}: expected a list, got {type(value).__name__}", ErrorCode.MODEL_DECODE)
        (item_hint,) = typing.get_args(hint) or (Any,)
        return [_decode(item_hint, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(hint, type) and issubclass(hint, JsonModel):
        if not isinstance(value, Mapping):
            raise SdkException(f"{where}: expected an object, got {type(value).__name__}", ErrorCode.MODEL_DECODE)
        return hint.from_dict(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _to_enum(hint, value, where)
    return value


class JsonModel:
    """Base of the model dataclasses: camelCase dict/JSON conversion (see the module docstring)."""

    def __post_init__(self) -> None:
        for name, _key, hint, _required in _field_specs(type(self)):
            enum_type = _enum_type(hint)
            value = getattr(self, name)
            if enum_type is not None and value is not None and not isinstance(value, enum_type):
                object.__setattr__(self, name, _to_enum(enum_type, value, f"{type(self).__name__}.{name}"))

    def to_dict(self, encode_json: bool = False) -> Dict[str, Any]:
        """The wire form: camelCase keys, ``None`` fields left out. ``encode_json`` is accepted for
        compatibility with dataclasses-json and changes nothing (enums are always their values)."""
        out: Dict[str, Any] = {}
        for name, key, _hint, _required in _field_specs(type(self)):
            value = getattr(self, name)
            if value is not None:
                out[key] = _encode(value)
        return out

    @classmethod
    def from_dict(cls: Type[M], data: Mapping[str, Any], *, infer_missing: bool = False) -> M:
        """Builds the model from its wire form (keys case-insensitive, unknown keys ignored).
        ``infer_missing=True`` fills missing required fields with ``None`` (dataclasses-json's flag)."""
        if not isinstance(data, Mapping):
            raise SdkException(
                f"{cls.__name__}: expected an object, got {type(data).__name__}", ErrorCode.MODEL_DECODE
            )
        by_key = {_normalized(k): v for k, v in data.items() if isinstance(k, str)}
        kwargs: Dict[str, Any] = {}
        for name, key, hint, required in _field_specs(cls):
            normalized = _normalized(key)
            if normalized in by_key and by_key[normalized] is not None:
                kwargs[name] = _decode(hint, by_key[normalized], f"{cls.__name__}.{key}")
            elif required:
                if not infer_missing:
                    raise SdkException(f"{cls.__name__}: missing required field '{key}'", ErrorCode.MODEL_DECODE)
                kwargs[name] = None
        return cls(**kwargs)

    def to_json(self, **dumps_kwargs: Any) -> str:
        """``json.dumps(self.to_dict())`` (keyword arguments go to ``json.dumps``)."""
        return json.dumps(self.to_dict(), **dumps_kwargs)

    @classmethod
    def from_json(cls: Type[M], text: Union[str, bytes]) -> M:
        """``from_dict(json.loads(text))``."""
        return cls.from_dict(json.loads(text))
