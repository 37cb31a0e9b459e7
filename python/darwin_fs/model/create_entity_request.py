"""``CreateEntityRequest``: the body of entity creation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List

from darwin_fs.model._serde import JsonModel
from darwin_fs.model.entity import Entity


@dataclass
class CreateEntityRequest(JsonModel):
    """Wire form ``{"entity", "owner", "tags", "description"}``; ``owner`` must look like an e-mail."""

    entity: Entity
    owner: str
    tags: List[str] = field(default_factory=list)
    description: str = ""
