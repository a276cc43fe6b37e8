"""A series' RRULE in plain words ("Every week on Sunday at 02:00"), for the series page and the
calendar. Parts it does not know are shown as the rule itself, never guessed at."""

from __future__ import annotations

import re
import zoneinfo

from candor.core.models import MaintenanceSeries

DAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
UNITS = {
    "DAILY": "day",
    "WEEKLY": "week",
    "MONTHLY": "month",
    "YEARLY": "year",
    "HOURLY": "hour",
    "MINUTELY": "minute",
}
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
KNOWN = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"}
MONTH_DAY = re.compile(r"^(-?\d{1,2})$")
WEEK_DAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _day(text: str) -> str | None:
    match = WEEK_DAY.match(text)
    if match is None:
        return None
    number, day = match.groups()
    if number is None:
        return DAYS[day]
    ordinal = ORDINALS.get(int(number))
    return f"the {ordinal} {DAYS[day]}" if ordinal else None


def _month_day(text: str) -> str | None:
    if MONTH_DAY.match(text) is None:
        return None
    number = int(text)
    if number == -1:
        return "the last day"
    if not 1 <= number <= 31:
        return None
    teens = 10 <= number % 100 <= 20
    suffix = "th" if teens else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"the {number}{suffix}"


def in_words(series: MaintenanceSeries) -> str:
    """ "Every week on Sunday at 02:00" (the time in the series' zone), or the rule as written."""
    parts = dict(p.split("=", 1) for p in series.rrule.upper().split(";") if "=" in p)
    unit = UNITS.get(parts.get("FREQ", ""))
    if unit is None or set(parts) - KNOWN:
        return f"By the rule {series.rrule}"
    interval = parts.get("INTERVAL", "1")
    words = f"Every {unit}" if interval == "1" else f"Every {interval} {unit}s"
    on = []
    for day in filter(None, parts.get("BYDAY", "").split(",")):
        said = _day(day)
        if said is None:
            return f"By the rule {series.rrule}"
        on.append(said)
    for day in filter(None, parts.get("BYMONTHDAY", "").split(",")):
        said = _month_day(day)
        if said is None:
            return f"By the rule {series.rrule}"
        on.append(said)
    start = series.starts_at.astimezone(zoneinfo.ZoneInfo(series.time_zone))
    if not on and unit == "week":
        on = [f"{start:%A}"]
    elif not on and unit == "month":
        on = [_month_day(str(start.day)) or ""]
    if on:
        words += " on " + _and(on)
    if unit in ("day", "week", "month", "year"):
        words += f" at {start:%H:%M}"
    if "COUNT" in parts:
        words += f", {parts['COUNT']} times in all"
    if "UNTIL" in parts:
        until = parts["UNTIL"]
        words += f", until {until[:4]}-{until[4:6]}-{until[6:8]}"
    return words
