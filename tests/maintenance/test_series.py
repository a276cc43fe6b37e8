"""Recurring windows: a weekly series keeps its local time across a DST change; editing the
series leaves past and separately edited occurrences alone; bad rules are refused."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from candor.core import scheduled
from candor.core.models import Incident, IncidentUpdate, MaintenanceSeries
from candor.core.services import maintenance, series
from candor.core.services.base import now
from tests.maintenance.clock import last_sunday

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = zoneinfo.ZoneInfo("UTC")


def local(value: datetime) -> str:
    return value.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z")


def weekly(page, *, first: datetime, **kwargs):
    return series.create_series(
        page,
        by=None,
        name="Weekly database patching",
        rrule_text="FREQ=WEEKLY;BYDAY=SU",
        time_zone="Europe/Berlin",
        starts_at=first,
        duration_minutes=60,
        **kwargs,
    )


def spring_forward() -> datetime:
    return last_sunday(3)


def test_a_weekly_series_keeps_its_local_time_across_dst(page):
    # Berlin leaves winter time that Sunday: 01:00 local is 00:00 UTC before, 23:00 after.
    change = spring_forward()
    weekly_series = weekly(page, first=(change - timedelta(weeks=2)).replace(hour=1))
    until = (change + timedelta(days=8)).astimezone(UTC)
    series.expand(weekly_series, until=until)
    windows = list(weekly_series.occurrences.order_by("scheduled_for"))
    sundays = [change + timedelta(weeks=n) for n in (-2, -1, 0, 1)]
    assert [local(w.scheduled_for) for w in windows] == [
        f"{sundays[0]:%Y-%m-%d} 01:00 CET",
        f"{sundays[1]:%Y-%m-%d} 01:00 CET",
        f"{sundays[2]:%Y-%m-%d} 01:00 CET",
        f"{sundays[3]:%Y-%m-%d} 01:00 CEST",
    ]
    utc = [w.scheduled_for.astimezone(UTC).strftime("%H:%M") for w in windows]
    assert utc == ["00:00", "00:00", "00:00", "23:00"]
    assert all(w.scheduled_until - w.scheduled_for == timedelta(hours=1) for w in windows)
    assert {w.kind for w in windows} == {"maintenance"}
    # Expanding again makes nothing twice.
    assert series.expand(weekly_series, until=until) == 0


def test_a_window_across_the_autumn_change_lasts_its_duration_and_edits_leave_it_in_place(page):
    """A daily 02:30 Berlin series, 30 minutes long: on the night 02:30 comes twice, its window is
    the first 02:30 (00:30 UTC) and lasts 30 minutes, not an hour more; and an edit that renames
    the series moves no window, that one included."""
    change = last_sunday(10)
    made = series.create_series(
        page,
        by=None,
        name="Nightly vacuum",
        rrule_text="FREQ=DAILY",
        time_zone="Europe/Berlin",
        starts_at=(change - timedelta(days=2)).replace(hour=2, minute=30),
        duration_minutes=30,
    )
    series.expand(made, until=(change + timedelta(days=2)).astimezone(UTC))
    windows = list(made.occurrences.order_by("scheduled_for"))  # more if the change is near
    around = [w for w in windows if w.scheduled_for < change + timedelta(days=2)]
    assert [local(w.scheduled_for)[5:] for w in around] == [
        f"{change - timedelta(days=2):%m-%d} 02:30 CEST",
        f"{change - timedelta(days=1):%m-%d} 02:30 CEST",
        f"{change:%m-%d} 02:30 CEST",
        f"{change + timedelta(days=1):%m-%d} 02:30 CET",
    ]
    assert all(w.scheduled_until - w.scheduled_for == timedelta(minutes=30) for w in windows)

    renamed = series.edit_series(made, by=None, name="Nightly vacuum (renamed)")
    assert (renamed.changed, renamed.cancelled, renamed.made) == (len(windows), 0, 0)
    moved = {w.pk: w.scheduled_for for w in made.occurrences.all()}
    assert moved == {w.pk: w.scheduled_for for w in windows}
    assert (
        not IncidentUpdate.objects.filter(incident__series=made, status="scheduled")
        .exclude(pk__in=[w.updates.earliest("created_at").pk for w in windows])
        .exists()
    )  # no window was told it was rescheduled
    again = series.edit_series(made, by=None, name="Nightly vacuum (renamed)")
    assert (again.changed, again.cancelled) == (0, 0)


def test_excluded_dates_make_no_window(page):
    first = (spring_forward() - timedelta(weeks=2)).replace(hour=1)
    skipped = first + timedelta(weeks=1)
    weekly_series = weekly(page, first=first, excluded_dates=[f"{skipped:%Y-%m-%d}"])
    series.expand(weekly_series, until=(first + timedelta(days=15)).astimezone(UTC))
    days = [w.scheduled_for.astimezone(BERLIN).date() for w in weekly_series.occurrences.all()]
    assert sorted(days) == [first.date(), (first + timedelta(weeks=2)).date()]


def test_editing_the_series_leaves_past_and_separately_edited_occurrences_alone(daily):
    start = daily.starts_at.astimezone(BERLIN)
    first, second, third = daily.occurrences.order_by("scheduled_for")[:3]
    maintenance.start_maintenance(first, by=None)  # started early by hand: under way
    moved = second.scheduled_for + timedelta(hours=2)
    maintenance.edit_maintenance(
        second, by=None, scheduled_for=moved, scheduled_until=moved + timedelta(minutes=30)
    )
    count = daily.occurrences.count()

    series.edit_series(
        daily, by=None, starts_at=start + timedelta(hours=3), name="Nightly backup (new time)"
    )

    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (first.status, first.name) == ("in_progress", "Nightly backup")
    assert (second.scheduled_for, second.name, second.detached) == (
        moved,
        "Nightly backup",
        True,
    )
    assert third.scheduled_for.astimezone(BERLIN).time() == (start + timedelta(hours=3)).time()
    assert third.name == "Nightly backup (new time)"
    assert third.sequence == 1
    # One window per day still: the edited day got no second one.
    assert daily.occurrences.count() == count


def test_one_occurrence_cancelled_alone_is_not_made_again(page):
    start = now() + timedelta(hours=1)
    daily = series.create_series(
        page,
        by=None,
        name="Nightly backup",
        rrule_text="RRULE:FREQ=DAILY",
        time_zone="Europe/Berlin",
        starts_at=start,
        duration_minutes=30,
    )
    second = daily.occurrences.order_by("scheduled_for")[1]
    maintenance.cancel_maintenance(second, by=None)
    count = daily.occurrences.count()
    series.expand(daily, until=now() + series.HORIZON + timedelta(days=2))
    assert daily.occurrences.count() == count + 2
    second.refresh_from_db()
    assert second.status == "cancelled"


def test_the_worker_expands_a_series_that_runs_short(page):
    daily = series.create_series(
        page,
        by=None,
        name="Nightly backup",
        rrule_text="FREQ=DAILY",
        time_zone="UTC",
        starts_at=now() + timedelta(hours=1),
        duration_minutes=30,
    )
    count = daily.occurrences.count()
    MaintenanceSeries.objects.filter(pk=daily.pk).update(expanded_until=now() + timedelta(days=2))
    Incident.objects.filter(series=daily, scheduled_for__gt=now() + timedelta(days=2)).delete()
    scheduled.run()
    assert daily.occurrences.count() == count


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rrule_text": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule_text": "BYDAY=XX"}, "rrule"),
        ({"rrule_text": ""}, "rrule"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"starts_at": "past"}, "starts_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"excluded_dates": ["someday"]}, "excluded_dates"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_series_is_refused_naming_the_field_and_writes_nothing(page, kwargs, field):
    values = {
        "name": "Weekly",
        "rrule_text": "FREQ=WEEKLY;BYDAY=SU",
        "time_zone": "Europe/Berlin",
        "starts_at": now() + timedelta(days=1),
        "duration_minutes": 60,
    }
    values.update(kwargs)
    if values["starts_at"] == "past":
        values["starts_at"] = now() - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        series.create_series(page, by=None, **values)
    assert field in refused.value.message_dict
    assert not MaintenanceSeries.objects.exists()
    assert not Incident.objects.exists()
