"""How every time is written, in emails, the management UI and the public site: in the page's
time zone, as "5 Mar 2026, 14:05 UTC+01:00". The offset, not an abbreviation: "CST" names three
zones and many zones have none ("+03"), while "UTC+01:00" is unambiguous and reads the same
everywhere (docs/decisions.md). Templates use candor_time's filters; Python code these functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from datetime import timezone as timezone_offset
from typing import Literal

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString


def place(
    naive: datetime, tz: tzinfo, *, skipped: Literal["refuse", "later"] = "refuse"
) -> datetime:
    """A wall-clock time in `tz`: one typed by a person (a form, an API time without offset), or
    one a maintenance series' rule makes. In the hour that repeats when the clocks go back it is
    the first pass, as calendars read it. A time the clocks skip raises ValueError saying so, or,
    with skipped="later" (a rule cannot be asked again), moves forward by the gap: 02:30 on a
    spring-forward night becomes 03:30 (docs/decisions.md)."""
    first = naive.replace(tzinfo=tz)  # fold=0: the first of two passes
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        if skipped == "later":
            # fold=0 read the gap with the offset before the change; UTC gives it its wall clock.
            return first.astimezone(UTC).astimezone(tz)
        raise ValueError(
            f"There is no {naive:%H:%M} on {naive.day} {naive:%B %Y} in {tz}: the clocks go "
            "forward then. Choose a time before or after."
        )
    offset = first.utcoffset()
    if first.replace(fold=1).utcoffset() != offset and offset is not None:
        # A time in the repeated hour never equals one in another zone (PEP 495), so "the
        # same minute sent back" would read as a change: pin it to its fixed offset.
        return first.astimezone(timezone_offset(offset))
    return first


def offset(value: datetime) -> str:
    """ "UTC" or "UTC+01:00": the offset in force at `value` (which carries its zone)."""
    raw = value.strftime("%z")  # +0100
    return "UTC" if raw in ("", "+0000") else f"UTC{raw[:3]}:{raw[3:]}"


def in_zone(value: datetime, tz: tzinfo | None = None) -> datetime:
    """`value` in `tz`, or in the active time zone (a page's, set by timezone.override)."""
    return value.astimezone(tz or timezone.get_current_timezone())


def label(value: datetime, tz: tzinfo | None = None, style: str = "datetime") -> str:
    """ "5 Mar 2026, 14:05 UTC+01:00", "5 Mar 2026" (style="date"), "14:05 UTC+01:00"
    (style="time") or "5 Mar 2026, 14:05:09 UTC+01:00" (style="seconds": delivery attempts and
    alerts, where seconds tell retries and hold-downs apart)."""
    moment = in_zone(value, tz)
    if style == "date":
        return day(moment)
    if style == "time":
        return f"{moment:%H:%M} {offset(moment)}"
    if style == "seconds":
        return f"{moment.day} {moment:%b %Y}, {moment:%H:%M:%S} {offset(moment)}"
    return f"{moment.day} {moment:%b %Y}, {moment:%H:%M} {offset(moment)}"


def day(value: date) -> str:
    """A calendar day, as label(style="date") writes it: "5 Mar 2026"."""
    return f"{value.day} {value:%b %Y}"


def time_element(value: datetime, tz: tzinfo | None = None, style: str = "datetime") -> SafeString:
    """The label in a <time> element whose datetime attribute is the ISO 8601 moment."""
    moment = in_zone(value, tz)
    return format_html(
        '<time datetime="{}">{}</time>',
        moment.isoformat(timespec="seconds"),
        label(moment, tz, style),
    )
