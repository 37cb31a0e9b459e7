"""``MetadataResponse``: the ``{"metadata": {...}}`` wrapper of the Darwin paths' metadata answers
(``GET /entity/metadata``, ``GET /feature-group/metadata``; API.md section 4). The /v1 paths answer the
metadata unwrapped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict

from darwin_fs.model._serde import JsonModel


@dataclass
class MetadataResponse(JsonModel):
    """Wire form ``{"metadata": {...}}``."""

    metadata: Dict[str, Any] = field(default_factory=dict)
