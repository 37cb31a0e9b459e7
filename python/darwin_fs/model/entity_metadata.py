"""``EntityMetadata``: an entity with its catalog metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List

from darwin_fs.constant.constants import State
from darwin_fs.model._serde import JsonModel
from darwin_fs.model.entity import Entity


@dataclass
class EntityMetadata(JsonModel):
    """Wire form ``{"name", "entity", "state", "owner", "tags", "description", "createdAt",
    "updatedAt"}``; times are epoch milliseconds."""

    name: str
    entity: Entity
    state: State
    owner: str
    tags: List[str] = field(default_factory=list)
    description: str = ""
    created_at: int = 0
    updated_at: int = 0
