"""``TenantConfig``: which storage cluster a feature-group version reads from and writes to."""

from __future__ import annotations

from dataclasses import dataclass

from darwin_fs.model._serde import JsonModel

DEFAULT_TENANT = "default-tenant"


@dataclass
class TenantConfig(JsonModel):
    """Wire form ``{"read", "write", "consume"}``: tenant names (``consume`` names the Kafka topic)."""

    read: str = DEFAULT_TENANT
    write: str = DEFAULT_TENANT
    consume: str = DEFAULT_TENANT
