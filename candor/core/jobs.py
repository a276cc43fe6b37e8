"""Timed jobs: the work the delivery worker does besides sending, on a clock.

A job does whatever is due when it runs and answers how many seconds until it is next due
(None when it cannot tell). The worker runs it again at that moment, at the latest after
`every` seconds, and, for `on_wake` jobs, whenever a commit woke the worker (a PostgreSQL
NOTIFY, or a signal in the same process), so that a job can react to a write at once instead
of polling for it. The state a job acts on lives in rows, never in the worker's memory: any
worker may run any job, and a worker that dies mid-job leaves the rows for the next run.

`candor worker` lists the jobs it runs in candor/core/management/commands/worker.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

logger = logging.getLogger("candor.worker")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], float | None]
    every: float = 60.0
    on_wake: bool = False
    # PostgreSQL channels whose NOTIFY should wake the worker for this job, besides the
    # delivery ledger's own (e.g. the public documents' store, for publishing).
    channels: tuple[str, ...] = ()


class Schedule:
    """When each job is next due, on the monotonic clock."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self.jobs = list(jobs)
        self.due = {job.name: 0.0 for job in self.jobs}

    def run_due(self, *, woke: bool = False) -> None:
        for job in self.jobs:
            at = time.monotonic()
            if at < self.due[job.name] and not (woke and job.on_wake):
                continue
            try:
                delay = job.run()
            except Exception:
                # Database trouble included: the job runs again after `every`, as if idle.
                logger.exception("job %s failed", job.name)
                delay = None
            wait = job.every if delay is None else min(max(delay, 0.0), job.every)
            self.due[job.name] = time.monotonic() + wait

    def seconds_to_next(self) -> float:
        if not self.jobs:
            return float("inf")
        return max(0.0, min(self.due.values()) - time.monotonic())
