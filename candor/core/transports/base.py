"""What every transport shares: the Transport interface, its Outcome and TransportError."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from candor.core.models import Delivery


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, subscriber: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        # "" (nothing), "quarantine" (a mailbox refused us), "disable" (a webhook said 410 Gone)
        self.subscriber = subscriber


@dataclass
class Outcome:
    delivery: Delivery
    error: TransportError | None = None
    duration_ms: int = 0
    # Not attempted (the subscriber was just disabled or quarantined): no attempt is recorded.
    skipped: bool = False
    # The service asked us to wait (HTTP 429): try again after this many seconds; the attempt
    # is logged but is no failure (neither the schedule nor the subscriber counts it).
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.skipped and self.retry_after is None


class Transport:
    """One per worker thread: it may keep a connection open between batches."""

    def send(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        raise NotImplementedError

    def close(self) -> None:
        """Release any connection kept open between batches."""


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.monotonic()

    @property
    def ms(self) -> int:
        return int((time.monotonic() - self.start) * 1000)
