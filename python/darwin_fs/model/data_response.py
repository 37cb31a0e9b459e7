"""``DataResponse``: the success envelope ``{"data": ...}`` of every answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from darwin_fs.model._serde import JsonModel


@dataclass
class DataResponse(JsonModel):
    """Wire form ``{"data": <payload>}``."""

    data: Any = None
