from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One running delivery worker's sign of life: `/healthz` and `/metrics` read it.

    Written by `candor.core.health.beat()` from the worker loop, every few seconds; rows of
    workers gone for a day are pruned by the workers' housekeeping.
    """

    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
