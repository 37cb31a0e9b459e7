"""One HTTP call described independently of how it is sent (sync or async)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

SERVING = "serving"
ADMIN = "admin"


@dataclass(frozen=True)
class HttpCall:
    """What to send and how it may be retried.

    Attributes:
        method: HTTP method (Darwin's reads are ``GET`` with a JSON body).
        service: ``"serving"`` or ``"admin"``: which base URL the path is relative to.
        path: absolute path, already quoted.
        params: query parameters (``None`` values are left out).
        body: JSON-able payload, or ``None`` for no body.
        headers: extra headers.
        idempotent: safe to send twice (reads, upsert writes, state changes). Non-idempotent calls
            (creation, upgrade) are retried only when the connection could not be established.
        exact_decimals: parse fractional numbers of the answer as ``Decimal``.
        what: a short description for error messages ("reading features of feature group x").
        envelope: the answer is ``{"data": ...}`` (all API answers but ``/health``'s).
    """

    method: str
    service: str
    path: str
    what: str
    params: Optional[Dict[str, Optional[str]]] = None
    body: Any = None
    headers: Dict[str, str] = field(default_factory=dict)
    idempotent: bool = True
    exact_decimals: bool = False
    envelope: bool = True

    def query(self) -> Dict[str, str]:
        """The query parameters without ``None`` values."""
        return {k: v for k, v in (self.params or {}).items() if v is not None}
