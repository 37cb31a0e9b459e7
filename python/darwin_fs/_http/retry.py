"""When and how long to wait before sending a call again."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import FrozenSet


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with full jitter.

    ``retries`` is the number of extra attempts after the first (0 = never retry). The wait before retry
    ``n`` (1-based) is uniform in ``[0, min(backoff_max, backoff_base * 2 ** (n - 1))]``. Answers whose
    status is in ``retry_statuses`` (default: 503, the server's "unavailable, try again") are retried;
    4xx answers never are.
    """

    retries: int = 3
    backoff_base: float = 0.1
    backoff_max: float = 5.0
    retry_statuses: FrozenSet[int] = field(default_factory=lambda: frozenset({503}))

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries must be >= 0")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("back-off times must be >= 0")

    def delay(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (retry_number - 1)))
        return random.uniform(0.0, ceiling)

    def retries_status(self, status: int) -> bool:
        return status in self.retry_statuses
