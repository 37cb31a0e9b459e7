"""``ErrorResponse``: the error envelope ``{"error": {"message", "cause", "code"}}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from darwin_fs.model._serde import JsonModel


@dataclass
class ApiError(JsonModel):
    """Wire form ``{"message", "cause", "code"}``."""

    message: str
    code: str
    cause: Optional[str] = None


@dataclass
class ErrorResponse(JsonModel):
    """Wire form ``{"error": ApiError}``."""

    error: ApiError
