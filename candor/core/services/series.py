"""Recurring maintenance: an RFC 5545 RRULE (python-dateutil's rrule) read in an IANA time
zone, so that "Sunday 02:00 Europe/Berlin" stays 02:00 across daylight-saving changes, expanded
into ordinary maintenances some weeks ahead (at save, and by the worker's maintenance job).

An occurrence is identified by `(series, occurrence)`: its start as the rule made it. Editing the
series changes only its future, still scheduled occurrences that nobody edited alone (`detached`);
an occurrence edited or cancelled on its own keeps its key, so it is never made again.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dateutil.rrule import rrule, rrulestr
from django.db import transaction

from candor.core import timefmt
from candor.core.enums import IncidentStatus
from candor.core.models import Component, Incident, MaintenanceSeries, Page
from candor.core.services import maintenance
from candor.core.services.base import (
    CLOCK_SKEW,
    CONFLICT,
    Actor,
    audit,
    check_text,
    fail,
    now,
)

# How far ahead occurrences exist as maintenances ("some weeks"): announced, on the calendar.
HORIZON = timedelta(weeks=4)
MAX_DURATION_MINUTES = 7 * 24 * 60
DEFAULT_FLAGS = maintenance.Flags()


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(check_text("time_zone", name, required=True))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise fail("time_zone", f"{name!r} is not an IANA time zone, like Europe/Berlin.") from None


def _local(value: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """The wall-clock time the rule repeats (naive, in the series' zone)."""
    return value.astimezone(tz).replace(tzinfo=None)


def _rule(text: str, start_local: datetime) -> rrule:
    text = check_text("rrule", text, required=True, max_length=500)
    body = text.removeprefix("RRULE:")
    if "DTSTART" in body.upper() or "\n" in body:
        raise fail("rrule", "Give the rule alone (like FREQ=WEEKLY;BYDAY=SU), without DTSTART.")
    try:
        rule = rrulestr(body, dtstart=start_local)
    except (ValueError, TypeError) as exc:
        raise fail("rrule", f"This is not a valid RFC 5545 RRULE ({exc}).") from None
    if not isinstance(rule, rrule):
        raise fail("rrule", "Give one RRULE.")
    return rule


def _dates(values: Iterable[str | date]) -> list[str]:
    out = []
    for value in values:
        try:
            out.append(
                value.isoformat()
                if isinstance(value, date)
                else date.fromisoformat(value).isoformat()
            )
        except (TypeError, ValueError):
            raise fail("excluded_dates", f"{value!r} is not a date like 2027-03-28.") from None
    return sorted(set(out))


def _check(
    rule_text: str,
    time_zone: str,
    starts_at: datetime | None,
    duration_minutes: int,
    excluded_dates: Iterable[str | date],
    *,
    new: bool,
) -> tuple[rrule, zoneinfo.ZoneInfo, datetime, list[str]]:
    tz = _zone(time_zone)
    if starts_at is None:
        raise fail("starts_at", "This field is required.")
    if starts_at.tzinfo is None:
        try:
            starts_at = timefmt.place(starts_at, tz)  # a wall-clock time in the series' zone
        except ValueError as exc:
            raise fail("starts_at", str(exc)) from None
    if new and starts_at < now() - CLOCK_SKEW:
        raise fail("starts_at", "This start is in the past: a series starts now or later.")
    if not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise fail("duration_minutes", "A window lasts between 1 minute and a week.")
    rule = _rule(rule_text, _local(starts_at, tz))
    if rule.after(_local(starts_at, tz), inc=True) is None:
        raise fail("rrule", "This rule never makes a window.")
    return rule, tz, starts_at, _dates(excluded_dates)


def occurrences(series: MaintenanceSeries, since: datetime, until: datetime) -> list[datetime]:
    """The rule's starts in [since, until]: local wall clock, placed in the zone, given in UTC.
    In UTC a window's end (start + duration) is its duration later even across a clock change,
    and a start in the repeated autumn hour equals the stored one (PEP 495 makes a zoned time
    in that hour unequal to any other zone's, so every edit would have "moved" it)."""
    tz = zoneinfo.ZoneInfo(series.time_zone)
    rule = _rule(series.rrule, _local(series.starts_at, tz))
    excluded = set(series.excluded_dates)
    starts = []
    for local in rule.between(_local(since, tz), _local(until, tz), inc=True):
        if local.date().isoformat() in excluded:
            continue
        starts.append(timefmt.place(local, tz, skipped="later").astimezone(UTC))
    return starts


def flags_of(series: MaintenanceSeries) -> maintenance.Flags:
    """The settings each of the series' windows gets: its template over the defaults."""
    known = {k: v for k, v in series.template.items() if k in maintenance.FLAG_FIELDS}
    return maintenance.Flags(**known)


def expand(series: MaintenanceSeries, until: datetime | None = None) -> int:
    """Make the occurrences up to `until` (default: HORIZON ahead) that do not exist yet."""
    with transaction.atomic():
        series = MaintenanceSeries.objects.select_for_update().get(pk=series.pk)
        if series.ended_at is not None:
            return 0
        at = now()
        until = until or at + HORIZON
        tz = zoneinfo.ZoneInfo(series.time_zone)
        # One window per local day: a day whose occurrence was edited or cancelled alone keeps it.
        made = {
            o.astimezone(tz).date()
            for o in series.occurrences.values_list("occurrence", flat=True)
            if o
        }
        components = list(series.components.all())
        count = 0
        for start in occurrences(series, max(at, series.starts_at), until):
            if start.astimezone(tz).date() in made or start < at:
                continue
            maintenance.schedule_maintenance(
                series.page,
                by=None,
                name=series.name,
                scheduled_for=start,
                scheduled_until=start + timedelta(minutes=series.duration_minutes),
                components=components,
                message=series.message,
                flags=flags_of(series),
                series=series,
                occurrence=start,
            )
            count += 1
        if series.expanded_until is None or until > series.expanded_until:
            series.expanded_until = until
            series.save(update_fields=["expanded_until"])
        return count


@transaction.atomic
def create_series(
    page: Page,
    *,
    by: Actor,
    name: str,
    rrule_text: str,
    time_zone: str,
    starts_at: datetime | None,
    duration_minutes: int,
    message: str = "",
    excluded_dates: Iterable[str | date] = (),
    components: Iterable[Component] = (),
    flags: maintenance.Flags = DEFAULT_FLAGS,
) -> MaintenanceSeries:
    """A recurring window; its first weeks of occurrences are scheduled at once."""
    name = check_text("name", name, required=True)
    message = check_text("message", message, max_length=maintenance.MAX_MESSAGE, multiline=True)
    _, _, starts_at, excluded = _check(
        rrule_text, time_zone, starts_at, duration_minutes, excluded_dates, new=True
    )
    maintenance.check_flags(flags)
    chosen = list(maintenance.check_components(page, components))
    at = now()
    series = MaintenanceSeries.objects.create(
        page=page,
        name=name,
        message=message,
        rrule=rrule_text.strip().removeprefix("RRULE:"),
        time_zone=time_zone,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        excluded_dates=excluded,
        template={field: getattr(flags, field) for field in maintenance.FLAG_FIELDS},
        created_at=at,
        updated_at=at,
    )
    series.components.set(chosen)
    audit(page, by, "maintenance_series.create", series, f"Scheduled recurring maintenance {name}")
    expand(series)
    return series


def future_occurrences(series: MaintenanceSeries) -> list[Incident]:
    """The occurrences a series edit may change: to come, scheduled, never edited alone; with
    their components, which an edit compares with the series' own."""
    return list(
        series.occurrences.filter(
            status=IncidentStatus.SCHEDULED, detached=False, scheduled_for__gt=now()
        )
        .order_by("occurrence")
        .prefetch_related("affected")
    )


@dataclass(frozen=True)
class Outcome:
    """What a series edit or end did to its occurrences, for the person who asked."""

    series: MaintenanceSeries
    changed: int = 0  # future occurrences moved, renamed or reconfigured
    cancelled: int = 0  # future occurrences the series no longer has
    made: int = 0  # occurrences the new rule added
    left_alone: int = 0  # future occurrences edited or cancelled on their own, kept as they are
    notified: Incident | None = None  # the window whose cancellation told subscribers


def _lock(series: MaintenanceSeries) -> MaintenanceSeries:
    series = MaintenanceSeries.objects.select_for_update().get(pk=series.pk)
    if series.ended_at is not None:
        raise fail("series", "This series has ended; it can no longer be changed.", CONFLICT)
    return series


def _left_alone(series: MaintenanceSeries) -> int:
    """Future occurrences edited or cancelled alone: no series verb touches them."""
    return series.occurrences.filter(detached=True, scheduled_for__gt=now()).count()


def _differs(
    incident: Incident,
    series: MaintenanceSeries,
    start: datetime,
    components: set[str],
    flags: maintenance.Flags,
) -> bool:
    return (
        incident.name != series.name
        or incident.scheduled_for != start
        or incident.scheduled_until != start + timedelta(minutes=series.duration_minutes)
        or {a.component_id for a in incident.affected.all()} != components
        or any(getattr(incident, f) != getattr(flags, f) for f in maintenance.FLAG_FIELDS)
    )


def _day_end(at: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """The last moment of `at`'s local day in `tz`."""
    day = at.astimezone(tz).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=tz) - timedelta(microseconds=1)


@transaction.atomic
def edit_series(
    series: MaintenanceSeries,
    *,
    by: Actor,
    name: str | None = None,
    message: str | None = None,
    rrule_text: str | None = None,
    time_zone: str | None = None,
    starts_at: datetime | None = None,
    duration_minutes: int | None = None,
    excluded_dates: Iterable[str | date] | None = None,
    components: Iterable[Component] | None = None,
    flags: maintenance.Flags | None = None,
) -> Outcome:
    """Change the series and its future scheduled occurrences; past ones and those edited or
    cancelled alone stay as they are. An occurrence the new rule no longer makes is cancelled
    (silently: the rule changed, the calendar shows it cancelled). `message` is the first
    entry of occurrences made from now on; those already announced keep theirs."""
    series = _lock(series)
    left_alone = _left_alone(series)
    if name is not None:
        series.name = check_text("name", name, required=True)
    if message is not None:
        series.message = check_text(
            "message", message, max_length=maintenance.MAX_MESSAGE, multiline=True
        )
    _, _, new_start, excluded = _check(
        rrule_text if rrule_text is not None else series.rrule,
        time_zone if time_zone is not None else series.time_zone,
        starts_at or series.starts_at,
        duration_minutes if duration_minutes is not None else series.duration_minutes,
        excluded_dates if excluded_dates is not None else series.excluded_dates,
        new=False,
    )
    if flags is not None:
        maintenance.check_flags(flags)
    chosen = (
        list(maintenance.check_components(series.page, components))
        if components is not None
        else None
    )
    if rrule_text is not None:
        series.rrule = rrule_text.strip().removeprefix("RRULE:")
    if time_zone is not None:
        series.time_zone = time_zone
    series.starts_at = new_start
    if duration_minutes is not None:
        series.duration_minutes = duration_minutes
    series.excluded_dates = excluded
    if flags is not None:
        series.template = {f: getattr(flags, f) for f in maintenance.FLAG_FIELDS}
    series.updated_at = now()
    series.save()
    if chosen is not None:
        series.components.set(chosen)
    # Pair each future occurrence with the new rule's start on the same local day, through the
    # whole local day of the last one: moved later, it may start past the horizon and must move
    # with the others rather than be cancelled.
    tz = zoneinfo.ZoneInfo(series.time_zone)
    until = series.expanded_until or now() + HORIZON
    future = future_occurrences(series)
    pair_until = max([until, *(_day_end(i.occurrence, tz) for i in future if i.occurrence)])
    starts = {s.astimezone(tz).date(): s for s in occurrences(series, now(), pair_until)}
    changed = cancelled = 0
    # What every occurrence should have, read once rather than per occurrence.
    components = list(series.components.all())
    component_ids = {c.pk for c in components}
    wanted = flags_of(series)
    for incident in future:
        assert incident.occurrence is not None
        start = starts.pop(incident.occurrence.astimezone(tz).date(), None)
        if start is None:
            maintenance.cancel_maintenance(incident, by=by, notify=False)
            cancelled += 1
            continue
        if _differs(incident, series, start, component_ids, wanted):
            maintenance.edit_maintenance(
                incident,
                by=by,
                name=series.name,
                scheduled_for=start,
                scheduled_until=start + timedelta(minutes=series.duration_minutes),
                components=components,
                flags=wanted,
                from_series=True,
            )
            changed += 1
        if incident.occurrence != start:
            # The rule's new start is this occurrence's key from now on.
            Incident.objects.filter(pk=incident.pk).update(occurrence=start)
    audit(
        series.page,
        by,
        "maintenance_series.edit",
        series,
        f"Edited series {series.name}: {changed} future windows changed, {cancelled} cancelled",
    )
    made = expand(series, until)
    return Outcome(series, changed, cancelled, made, left_alone)


def _ended_notice(series: MaintenanceSeries, later: int) -> str:
    rest = f" and its {later} later window{'s' if later != 1 else ''}" if later else ""
    return (
        f"The recurring maintenance {series.name} has ended: this window{rest} will not take place."
    )


@transaction.atomic
def end_series(series: MaintenanceSeries, *, by: Actor, notify: bool = False) -> Outcome:
    """Stop the series: no more occurrences are made, and its future scheduled ones are
    cancelled. Windows under way or over, and future ones edited or cancelled alone, stay as
    they are. Ending an ended series is refused.

    Without `notify` the cancellations are silent (the public page and the calendar show each
    cancelled). With it, subscribers get ONE notice, not one per window: the cancellation of
    the next announced window, whose message says the series has ended. Notices are updates of
    a window (email, webhook and chat formats all speak of one incident), so the series' end
    rides on that window's (docs/decisions.md)."""
    series = _lock(series)
    left_alone = _left_alone(series)
    at = now()
    series.ended_at = at
    series.updated_at = at
    series.save(update_fields=["ended_at", "updated_at"])
    doomed = future_occurrences(series)
    herald = next((w for w in doomed if w.announced_at is not None), None) if notify else None
    for incident in doomed:
        if incident == herald:
            later = len(doomed) - 1 - doomed.index(incident)
            message = _ended_notice(series, later)
            maintenance.cancel_maintenance(incident, by=by, message=message, notify=True)
        else:
            maintenance.cancel_maintenance(incident, by=by, notify=False)
    told = " (subscribers told once)" if herald is not None else ""
    audit(
        series.page,
        by,
        "maintenance_series.end",
        series,
        f"Ended series {series.name}: {len(doomed)} future windows cancelled{told}",
    )
    return Outcome(series, cancelled=len(doomed), left_alone=left_alone, notified=herald)
