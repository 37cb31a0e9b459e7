"""``MetadataResponse``: Darwin's ``{"metadata": {...}}`` wrapper of metadata answers.

OFS answers metadata unwrapped (API.md section 4); the SDK accepts both forms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict

from darwin_fs.model._serde import JsonModel


@dataclass
class MetadataResponse(JsonModel):
    """Wire form ``{"metadata": {...}}``."""

    metadata: Dict[str, Any] = field(default_factory=dict)
