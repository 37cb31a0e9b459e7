"""Lazy imports of the optional dependencies, with an SdkException naming the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from darwin_fs.exception import ErrorCode, SdkException

_EXTRAS = {"aiohttp": "async", "pandas": "pandas", "numpy": "pandas", "pyspark": "spark"}


def require(module: str) -> ModuleType:
    """Imports ``module`` or raises SdkException(DEPENDENCY_EXCEPTION) saying which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        extra = _EXTRAS.get(module.split(".")[0], "")
        hint = f"pip install 'darwin_fs[{extra}]'" if extra else f"pip install {module}"
        raise SdkException(
            f"this feature needs the optional dependency '{module}', which is not installed ({e}); "
            f"install it with: {hint}",
            ErrorCode.DEPENDENCY,
        ) from e


def require_aiohttp() -> ModuleType:
    return require("aiohttp")


def require_pandas() -> ModuleType:
    return require("pandas")


def require_numpy() -> ModuleType:
    return require("numpy")
