"""The nights Berlin changes its clocks, always ahead of now: no test may depend on when it runs."""

import zoneinfo
from datetime import datetime, timedelta

from candor.core.services.base import now

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def last_sunday(month: int) -> datetime:
    """Midnight (Berlin) of the next last Sunday of `month`, March's or October's, at least three
    weeks away, so that a series or a window can start before it, never in the past."""
    year = now().year
    while True:
        day = datetime(year, month, 31, tzinfo=BERLIN)
        day -= timedelta(days=(day.weekday() + 1) % 7)  # back to Sunday
        if day - timedelta(weeks=3) > now():
            return day
        year += 1
