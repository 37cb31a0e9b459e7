"""``CreateEntityResponse``: the answer of entity creation."""

from __future__ import annotations

from dataclasses import dataclass

from darwin_fs.model._serde import JsonModel
from darwin_fs.model.entity import Entity


@dataclass
class CreateEntityResponse(JsonModel):
    """Wire form ``{"entity"}``: the entity as stored (descriptions and tags filled in)."""

    entity: Entity
