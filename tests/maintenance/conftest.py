import zoneinfo
from datetime import datetime, timedelta

import pytest

from candor.core import services
from candor.core.models import Incident, Page
from candor.core.services import maintenance, series
from candor.core.services.base import now

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _fresh_public_store(fresh_store):
    """tests/support/public.py: each test here reads a public site rendered afresh."""


@pytest.fixture
def page(db) -> Page:
    """The default page (the one the public site shows), in Berlin time."""
    page = services.ensure_default_page()
    return services.update_page(page, by=None, time_zone="Europe/Berlin")


@pytest.fixture
def schedule(page):
    """A window on the test page, starting `start` from now and lasting `minutes`."""

    def make(
        name: str = "Database upgrade",
        *,
        start: timedelta = timedelta(hours=2),
        minutes: int = 60,
        components=(),
        **flags,
    ) -> Incident:
        public_from = flags.pop("public_from", None)
        message = flags.pop("message", "We are upgrading the database.")
        begin = now() + start
        return maintenance.schedule_maintenance(
            page,
            by=None,
            name=name,
            scheduled_for=begin,
            scheduled_until=begin + timedelta(minutes=minutes),
            components=components,
            message=message,
            flags=maintenance.Flags(**flags),
            public_from=public_from,
        )

    return make


def due_now(incident: Incident, *, start: bool = True, end: bool = False) -> None:
    """Arrange: the window's start (and end) has come, as if the clock had moved on."""
    at = now()
    fields = {}
    if start:
        fields["scheduled_for"] = at - timedelta(seconds=1)
    if end:
        fields["scheduled_until"] = at - timedelta(milliseconds=500)
    Incident.objects.filter(pk=incident.pk).update(**fields)


@pytest.fixture
def daily(page, make_component):
    """A daily window at 10:00 Berlin from tomorrow, on the Database component."""
    tomorrow = (now() + timedelta(days=1)).astimezone(BERLIN).date()
    start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 10, 0, tzinfo=BERLIN)
    return series.create_series(
        page,
        by=None,
        name="Nightly backup",
        rrule_text="FREQ=DAILY",
        time_zone="Europe/Berlin",
        starts_at=start,
        duration_minutes=30,
        components=[make_component("Database")],
    )
