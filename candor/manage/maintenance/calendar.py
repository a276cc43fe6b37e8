"""The Maintenance tab's calendar: the next six weeks as an agenda, week by week, in the page's
time zone. Scheduled windows are listed as they are; weeks beyond what a series has scheduled
yet show the windows its rule will make, marked as planned."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from candor.core.models import Incident, MaintenanceSeries
from candor.core.services import series as series_service
from candor.core.services.base import now
from candor.manage.access import responder_required
from candor.manage.common import managed_page

WEEKS = 6


@dataclass
class Entry:
    """One window in the agenda: a maintenance, or one its series' rule will make."""

    name: str
    starts: datetime
    ends: datetime
    window: Incident | None = None
    series: MaintenanceSeries | None = None

    @property
    def cancelled(self) -> bool:
        return self.window is not None and self.window.status == "cancelled"


@dataclass
class Day:
    day: date
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Week:
    first: date
    days: list[Day] = field(default_factory=list)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=6)


def _planned(active: list[MaintenanceSeries], until: datetime) -> list[Entry]:
    """Windows the series' rules make after what they have scheduled, up to `until`."""
    entries = []
    for made in active:
        since = max(made.expanded_until or now(), now())
        for start in series_service.occurrences(made, since + timedelta(seconds=1), until):
            end = start + timedelta(minutes=made.duration_minutes)
            entries.append(Entry(made.name, start, end, None, made))
    return entries


@responder_required
def maintenance_calendar(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    today = timezone.localtime(now(), page.tz).date()
    monday = today - timedelta(days=today.weekday())
    begin = datetime.combine(monday, datetime.min.time(), tzinfo=page.tz)
    end = datetime.combine(monday + timedelta(weeks=WEEKS), datetime.min.time(), tzinfo=page.tz)
    windows = (
        Incident.objects.maintenances()
        .filter(page=page, scheduled_for__lt=end, scheduled_until__gt=begin)
        .select_related("series")
        .order_by("scheduled_for", "pk")
    )
    entries = [
        Entry(w.name, w.scheduled_for, w.scheduled_until, w, w.series)
        for w in windows
        if w.scheduled_for is not None and w.scheduled_until is not None
    ]
    active = list(MaintenanceSeries.objects.filter(page=page, ended_at__isnull=True))
    entries += _planned(active, end)
    entries.sort(key=lambda e: e.starts)
    weeks = [Week(monday + timedelta(weeks=n)) for n in range(WEEKS)]
    for entry in entries:
        local = timezone.localtime(entry.starts, page.tz).date()
        index = max(0, (local - monday).days // 7)
        if index >= WEEKS:
            continue
        week = weeks[index]
        if not week.days or week.days[-1].day != local:
            week.days.append(Day(local))
        week.days[-1].entries.append(entry)
    return render(
        request,
        "manage/maintenance/calendar.html",
        {"page": page, "weeks": weeks, "today": today},
    )
