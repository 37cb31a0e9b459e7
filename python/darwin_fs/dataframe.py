"""pandas in and out: DataFrames to write bodies (validated against the group's schema, naming the
column and row of any bad value) and read answers to DataFrames with one dtype per data type.

| DataType         | column dtype read back           | with missing values |
|------------------|---------------------------------|---------------------|
| INT              | ``int32``                       | ``Int32``           |
| BIGINT           | ``int64``                       | ``Int64``           |
| BOOLEAN          | ``bool``                        | ``boolean``         |
| DOUBLE           | ``float64``                     | ``float64`` (NaN)   |
| FLOAT            | ``float32``                     | ``float32`` (NaN)   |
| TIMESTAMP        | ``datetime64[ns, UTC]``         | same (NaT)          |
| TEXT, ASCII, VARCHAR | pandas' default for strings (``object``; ``str`` from pandas 3) | ``object``, ``None`` |
| everything else  | ``object`` holding the Python type of :mod:`darwin_fs.values` | ``None`` |

Writing accepts those dtypes and more: any integer or integral float column for INT/BIGINT/VARINT,
naive (taken as UTC) or tz-aware datetimes and epoch-ms integers for TIMESTAMP, strings for UUID/INET,
bytes or base64 strings for BLOB, ``Decimal``/int/float for DECIMAL. Missing values (NaN, None, NaT,
``pd.NA``) cannot be written: the store has no nulls.

pandas (and numpy) are imported lazily: this module raises ``DEPENDENCY_EXCEPTION`` without them.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from darwin_fs.constant.constants import DataType
from darwin_fs.exception import ErrorCode, SdkException
from darwin_fs.model.feature_group_schema import FeatureGroupSchema
from darwin_fs.optional_dependencies import require_numpy, require_pandas
from darwin_fs.values import INT32_RANGE, INT64_RANGE, decode_value, encode_value

DataFrame = Any  # pandas.DataFrame (pandas is optional and untyped here)

_INTEGER_TYPES = {DataType.INT: INT32_RANGE, DataType.BIGINT: INT64_RANGE, DataType.VARINT: None}
_NUMBER_TYPES = (DataType.DOUBLE, DataType.FLOAT, DataType.DECIMAL)


def _cell_error(group: str, column: str, data_type: DataType, position: int, label: Any, reason: str,
                value: Any = None) -> SdkException:
    label = label.item() if type(label).__module__ == "numpy" and hasattr(label, "item") else label
    where = f"row {position}" + ("" if label == position else f" (index label {label!r})")
    return SdkException(
        f"feature group {group}: column '{column}' ({data_type.value}), {where}: {reason}",
        ErrorCode.VALIDATION,
        details={"column": column, "row": position, "index_label": label, "value": value, "reason": reason},
    )


def _check_frame(df: Any, what: str) -> None:
    pd = require_pandas()
    if not isinstance(df, pd.DataFrame):
        raise SdkException(f"{what} must be a pandas DataFrame, got {type(df).__name__}", ErrorCode.VALIDATION)


def _resolve_columns(df: Any, schema: FeatureGroupSchema, group: str, what: str) -> List[Tuple[Any, str, DataType]]:
    """(frame column, schema column name, type) of every column of ``df``; errors name the column."""
    resolved = []
    seen: Dict[str, Any] = {}
    for column in df.columns:
        if not isinstance(column, str):
            raise SdkException(f"{what}: column names must be strings, got {column!r}", ErrorCode.VALIDATION)
        spec = schema.column(column)
        if spec is None:
            known = ", ".join(c.name for c in schema.schema)
            raise SdkException(
                f"{what}: column '{column}' is not a column of feature group {group} {schema.version} "
                f"(its columns: {known})",
                ErrorCode.VALIDATION, details={"column": column},
            )
        if spec.name.lower() in seen:
            raise SdkException(
                f"{what}: columns '{seen[spec.name.lower()]}' and '{column}' both name column '{spec.name}'",
                ErrorCode.VALIDATION, details={"column": column},
            )
        seen[spec.name.lower()] = column
        resolved.append((column, spec.name, spec.type))
    return resolved


def _missing_keys(resolved: Sequence[Tuple[Any, str, DataType]], schema: FeatureGroupSchema) -> List[str]:
    present = {name.lower() for _, name, _ in resolved}
    return [k for k in schema.primary_keys if k.lower() not in present]


def encode_series(series: Any, data_type: DataType, column: str, group: str) -> List[Any]:
    """The wire values of one column, validated; SdkException(VALIDATION) names the first bad row."""
    np = require_numpy()
    labels = series.index
    missing = series.isna().to_numpy()
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        return _raise(_cell_error(group, column, data_type, position, labels[position],
                                  "missing value (NaN/None/NaT): the store has no nulls; drop or fill it"))
    kind = getattr(series.dtype, "kind", "O")
    if kind in "iu" and (data_type in _INTEGER_TYPES or data_type in _NUMBER_TYPES):
        values: List[Any] = series.tolist()
        bounds = _INTEGER_TYPES.get(data_type)
        if bounds is not None and values:
            low, high = min(values), max(values)
            if low < bounds[0] or high > bounds[1]:
                bad = low if low < bounds[0] else high
                position = values.index(bad)
                return _raise(_cell_error(group, column, data_type, position, labels[position],
                                          f"{bad} is out of the {data_type.value} range [{bounds[0]}, {bounds[1]}]",
                                          bad))
        return values
    if kind == "f" and data_type in (DataType.DOUBLE, DataType.FLOAT):
        array = series.to_numpy(dtype="float64")
        infinite = np.isinf(array)
        if infinite.any():
            position = int(np.flatnonzero(infinite)[0])
            return _raise(_cell_error(group, column, data_type, position, labels[position],
                                      f"{array[position]} is not a finite number (infinities cannot be stored)",
                                      float(array[position])))
        floats: List[Any] = series.tolist()
        return floats
    if kind == "b" and data_type is DataType.BOOLEAN:
        return [bool(v) for v in series.tolist()]
    if kind == "M" and data_type is DataType.TIMESTAMP:
        moments = series
        if getattr(series.dt, "tz", None) is not None:
            moments = series.dt.tz_convert("UTC").dt.tz_localize(None)
        millis: List[Any] = moments.to_numpy().astype("datetime64[ms]").astype("int64").tolist()
        return millis
    out = []
    for position, value in enumerate(series.tolist()):
        try:
            out.append(encode_value(data_type, value))
        except ValueError as e:
            raise _cell_error(group, column, data_type, position, labels[position], str(e), value) from None
    return out


def _raise(error: SdkException) -> List[Any]:
    raise error


def frame_to_rows(df: DataFrame, schema: FeatureGroupSchema, group: str) -> Tuple[List[str], List[Tuple[Any, ...]]]:
    """(column names, rows) of a write of ``df``: every column must be a schema column, every primary-key
    column must be present, every value must encode (errors name the column and the row)."""
    _check_frame(df, "write_features_df: df")
    what = "write_features_df"
    resolved = _resolve_columns(df, schema, group, what)
    missing = _missing_keys(resolved, schema)
    if missing:
        raise SdkException(
            f"{what}: the frame lacks primary-key column(s) {', '.join(repr(m) for m in missing)} of feature "
            f"group {group} (primary keys: {', '.join(schema.primary_keys)})",
            ErrorCode.VALIDATION, details={"column": missing[0]},
        )
    columns = [encode_series(df[frame_col], data_type, name, group) for frame_col, name, data_type in resolved]
    return [name for _, name, _ in resolved], list(zip(*columns)) if columns else []


def keys_from_frame(keys_df: DataFrame, schema: FeatureGroupSchema, group: str) -> Tuple[List[str], List[Tuple[Any, ...]]]:
    """(primary-key names, key rows) from the primary-key columns of ``keys_df`` (other columns ignored)."""
    _check_frame(keys_df, "read_features_df: keys_df")
    by_lower = {str(c).lower(): c for c in keys_df.columns}
    names, columns = [], []
    types = schema.types()
    for key in schema.primary_keys:
        frame_col = by_lower.get(key.lower())
        if frame_col is None:
            raise SdkException(
                f"read_features_df: keys_df lacks primary-key column '{key}' of feature group {group} "
                f"(primary keys: {', '.join(schema.primary_keys)}; keys_df columns: "
                f"{', '.join(map(str, keys_df.columns))})",
                ErrorCode.VALIDATION, details={"column": key},
            )
        names.append(key)
        columns.append(encode_series(keys_df[frame_col], types[key], key, group))
    return names, list(zip(*columns))


def value_series(values: List[Any], data_type: DataType, name: str) -> Any:
    """A Series of decoded values with the dtype of the table in the module docstring."""
    pd = require_pandas()
    has_null = any(v is None for v in values)
    if data_type is DataType.INT:
        return pd.Series(values, dtype="Int32" if has_null else "int32", name=name)
    if data_type is DataType.BIGINT:
        return pd.Series(values, dtype="Int64" if has_null else "int64", name=name)
    if data_type is DataType.BOOLEAN:
        return pd.Series(values, dtype="boolean" if has_null else "bool", name=name)
    if data_type in (DataType.DOUBLE, DataType.FLOAT):
        floats = [float("nan") if v is None else float(v) for v in values]
        return pd.Series(floats, dtype="float64" if data_type is DataType.DOUBLE else "float32", name=name)
    if data_type is DataType.TIMESTAMP:
        millis = pd.array([None if v is None else int(v) for v in values], dtype="Int64")
        return pd.Series(pd.to_datetime(millis, unit="ms", utc=True), name=name).astype("datetime64[ns, UTC]")
    if data_type in (DataType.TEXT, DataType.ASCII, DataType.VARCHAR) and not has_null and values:
        return pd.Series(values, name=name)  # pandas' default string dtype (object before pandas 3)
    return pd.Series([decode_value(data_type, v) for v in values], dtype="object", name=name)


def check_how(how: str) -> None:
    """``how`` of ``read_features_df`` is ``"inner"`` or ``"left"``."""
    if how not in ("inner", "left"):
        raise SdkException(f"how must be 'inner' or 'left', got {how!r}", ErrorCode.VALIDATION)


def frame_from_read(
    keys_df: DataFrame,
    key_names: List[str],
    columns: List[str],
    schema: FeatureGroupSchema,
    found: List[Optional[List[Any]]],
    how: str,
) -> DataFrame:
    """The answer of ``read_features_df``: the key columns as the caller gave them, then the requested
    columns decoded. ``how="inner"`` keeps found keys only; ``"left"`` keeps every key (missing values
    where a key was not found). The index is a fresh RangeIndex in both cases."""
    check_how(how)
    positions = list(range(len(found))) if how == "left" else [i for i, v in enumerate(found) if v is not None]
    by_lower = {str(c).lower(): c for c in keys_df.columns}
    key_columns = [by_lower[k.lower()] for k in key_names]
    out = keys_df[key_columns].iloc[positions].reset_index(drop=True)
    present = {str(c).lower() for c in out.columns}
    for j, column in enumerate(columns):
        spec = schema.column(column)
        if column.lower() in present or spec is None:
            continue  # a requested key column is already there (the server checked the names)
        raw = [None if (row := found[i]) is None else row[j] for i in positions]
        out[column] = value_series(raw, spec.type, column)
        present.add(column.lower())
    return out
