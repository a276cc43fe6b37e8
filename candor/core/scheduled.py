"""The worker's maintenance job: announce, remind, start and complete windows on time.

Everything it acts on is in the Incident rows (status, announced_at, scheduled_reminded_at),
and each step locks the row and re-reads it (services/maintenance.py), so two workers do each
step once, and a worker killed mid-step leaves the row for the next run. It answers the seconds
until the next step is due, so the worker wakes for it rather than polling each minute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from candor.core.enums import MAINTENANCE_ACTIVE, MAINTENANCE_OPEN, IncidentStatus
from candor.core.models import Incident, MaintenanceSeries
from candor.core.services import maintenance, series
from candor.core.services.base import now

logger = logging.getLogger("candor.worker")

# How far ahead a reminder can be due (its lead is at most a week).
REMIND_HORIZON = timedelta(minutes=maintenance.MAX_REMIND_MINUTES)


def _each(rows: list[Incident], step: Callable[[Incident], object]) -> None:
    for incident in rows:
        try:
            step(incident)
        except Exception:
            # One broken window must not hold the others back; it is tried again next run.
            logger.exception("maintenance %s: %s failed", incident.pk, step.__name__)


def run() -> float | None:
    """Do every due step; answer the seconds until the next one (None: nothing ahead)."""
    at = now()
    windows = Incident.objects.maintenances()
    unannounced = windows.filter(announced_at__isnull=True, status__in=MAINTENANCE_OPEN)
    _each(list(unannounced.filter(public_from__lte=at)), maintenance.announce_window)

    reminders = windows.filter(
        status=IncidentStatus.SCHEDULED,
        scheduled_remind_prior=True,
        scheduled_reminded_at__isnull=True,
        scheduled_for__gt=at,
        scheduled_for__lte=at + REMIND_HORIZON,
    )
    pending_reminders = list(reminders.only("pk", "scheduled_for", "remind_minutes_before"))
    due = [i for i in pending_reminders if maintenance.remind_at(i) <= at]
    _each(due, maintenance.remind)

    starts = windows.filter(
        status=IncidentStatus.SCHEDULED, scheduled_auto_in_progress=True, scheduled_for__lte=at
    )
    _each(list(starts), maintenance.auto_start)
    ends = windows.filter(
        status__in=MAINTENANCE_ACTIVE, scheduled_auto_completed=True, scheduled_until__lte=at
    )
    _each(list(ends), maintenance.auto_complete)
    # A series is expanded a day before its occurrences run short of the horizon.
    short = MaintenanceSeries.objects.filter(ended_at__isnull=True).filter(
        expanded_until__lt=at + series.HORIZON - timedelta(days=1)
    )
    for each in short:
        try:
            series.expand(each)
        except Exception:
            logger.exception("maintenance series %s: expansion failed", each.pk)

    ahead: list[datetime] = [maintenance.remind_at(i) for i in pending_reminders if i not in due]
    first = unannounced.filter(public_from__gt=at).order_by("public_from").first()
    if first is not None and first.public_from is not None:
        ahead.append(first.public_from)
    start = (
        windows.filter(
            status=IncidentStatus.SCHEDULED, scheduled_auto_in_progress=True, scheduled_for__gt=at
        )
        .order_by("scheduled_for")
        .first()
    )
    if start is not None and start.scheduled_for is not None:
        ahead.append(start.scheduled_for)
    end = (
        windows.filter(
            status__in=MAINTENANCE_OPEN, scheduled_auto_completed=True, scheduled_until__gt=at
        )
        .order_by("scheduled_until")
        .first()
    )
    if end is not None and end.scheduled_until is not None:
        ahead.append(end.scheduled_until)
    if not ahead:
        return None
    return max(0.0, (min(ahead) - now()).total_seconds())
