"""Uptime from the log of effective status changes, retroactive windows laid over it.

A component's status at an instant is its live status (ComponentStatusChange rows, in order)
made worse by any retroactive incident window covering that instant. Downtime weighs each status
(settings.CANDOR_UPTIME_WEIGHTS: major outage 1, partial outage 0.3, degraded 0 by default);
time under maintenance counts neither as up nor down.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from candor.core.enums import ComponentStatus, worst
from candor.core.models import Component, ComponentStatusChange, Page

CS = ComponentStatus


def weights() -> Mapping[str, float]:
    return settings.CANDOR_UPTIME_WEIGHTS


@dataclass
class Day:
    date: date
    tracked: float = 0.0  # seconds the component existed within the day (up to now)
    seconds: dict[str, float] = field(default_factory=dict)  # non-operational status -> seconds

    @property
    def worst(self) -> str | None:
        """The worst status seen that day, None when the component was not tracked."""
        if self.tracked <= 0:
            return None
        return worst(CS.OPERATIONAL, *(s for s, secs in self.seconds.items() if secs > 0))

    def ratio(self, w: Mapping[str, float]) -> float | None:
        return _ratio(self.tracked, self.seconds, w)


@dataclass
class ComponentUptime:
    component_id: str
    days: list[Day]
    ratio: float | None  # 0..1 over the whole period, None without data
    # The first day counted, when the component is younger than the period: the ratio is over
    # the days it existed, and pages say "since <date>" rather than "past 90 days".
    since: date | None = None

    @property
    def percent(self) -> str:
        return "No data" if self.ratio is None else f"{self.ratio * 100:.2f}%"


def _ratio(tracked: float, seconds: Mapping[str, float], w: Mapping[str, float]) -> float | None:
    counted = tracked - seconds.get(CS.UNDER_MAINTENANCE, 0.0)
    if counted <= 0:
        return None
    down = sum(w.get(status, 0.0) * secs for status, secs in seconds.items())
    return max(0.0, 1.0 - down / counted)


@dataclass
class _Log:
    times: list[datetime] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # status from times[i] on
    first_old: str | None = None
    windows: list[tuple[datetime, datetime, str]] = field(default_factory=list)

    def at(self, t: datetime, current: str) -> str:
        i = bisect.bisect_right(self.times, t) - 1
        if i >= 0:
            live = self.statuses[i]
        else:
            live = self.first_old if self.first_old is not None else current
        overlay = [s for start, end, s in self.windows if start <= t < end]
        return worst(live, *overlay)


def day_start(d: date, tz: tzinfo) -> datetime:
    return datetime.combine(d, time(), tzinfo=tz)


def page_uptime(
    page: Page,
    components: Iterable[Component],
    *,
    days: int = 90,
    at: datetime | None = None,
) -> dict[str, ComponentUptime]:
    """Per component, `days` daily records ending today (page time zone), in one query."""
    components = list(components)
    tz = page.tz
    end = at or timezone.now()
    today = end.astimezone(tz).date()
    dates = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    start = day_start(dates[0], tz)
    logs: dict[str, _Log] = defaultdict(_Log)
    retro: dict[tuple[str, str], list[tuple[datetime, str, str]]] = defaultdict(list)
    rows = (
        ComponentStatusChange.objects.filter(component__in=[c.pk for c in components], at__lt=end)
        .filter(
            Q(at__gte=start, retroactive=False)
            # A retroactive window counts while its incident exists and overlaps the period.
            | Q(retroactive=True, incident__isnull=False, incident__resolved_at__gte=start)
        )
        .order_by("at", "id")
        .values_list("component_id", "old_status", "new_status", "at", "retroactive", "incident")
    )
    for component_id, old, new, when, retroactive, incident_id in rows:
        if retroactive:
            retro[(component_id, incident_id)].append((when, old, new))
            continue
        log = logs[component_id]
        if log.first_old is None:
            log.first_old = old
        log.times.append(when)
        log.statuses.append(new)
    for (component_id, _), pair in retro.items():
        pair.sort()
        status = pair[0][2]
        logs[component_id].windows.append((pair[0][0], pair[-1][0], status))

    w = weights()
    # Each day's bounds in the page's time zone, worked out once for every component.
    starts = [day_start(d, tz) for d in dates] + [day_start(today + timedelta(days=1), tz)]
    result: dict[str, ComponentUptime] = {}
    for component in components:
        log = logs[component.pk]
        # Tracked from its start date (Statuspage's), else from its creation or its first
        # recorded change or window, whichever is earliest.
        born = min([component.created_at, *log.times[:1], *(w[0] for w in log.windows)])
        # Counted in whole days, as the bars show them: from the start of the day it was born
        # (a 30-second blip minutes after creation is not "96.82%" of its life).
        born_on = born.astimezone(tz).date()
        if component.start_date is not None:
            born_on = component.start_date
        born = day_start(born_on, tz)
        records = [
            _day(log, d, starts[n], starts[n + 1], born=born, end=end, current=component.status)
            for n, d in enumerate(dates)
        ]
        tracked = sum(r.tracked for r in records)
        seconds: dict[str, float] = defaultdict(float)
        for record in records:
            for status, secs in record.seconds.items():
                seconds[status] += secs
        since = born_on if born_on > dates[0] else None
        result[component.pk] = ComponentUptime(
            component.pk, records, _ratio(tracked, seconds, w), since
        )
    return result


def _day(
    log: _Log,
    d: date,
    start: datetime,
    stop: datetime,
    *,
    born: datetime,
    end: datetime,
    current: str,
) -> Day:
    lo = max(start, born)
    hi = min(stop, end)
    record = Day(d)
    if hi <= lo:
        return record
    record.tracked = (hi - lo).total_seconds()
    inside = log.times[bisect.bisect_right(log.times, lo) : bisect.bisect_left(log.times, hi)]
    windows = [w for w in log.windows if w[0] < hi and w[1] > lo]
    if not inside and not windows:
        status = log.at(lo, current)  # one status all day: the usual case
        if status != CS.OPERATIONAL:
            record.seconds[status] = record.tracked
        return record
    cuts = sorted({lo, hi, *inside, *(t for s, e, _ in windows for t in (s, e) if lo < t < hi)})
    for a, b in zip(cuts, cuts[1:], strict=False):
        status = log.at(a, current)
        if status != CS.OPERATIONAL:
            record.seconds[status] = record.seconds.get(status, 0.0) + (b - a).total_seconds()
    return record
