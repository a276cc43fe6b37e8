"""Ending a series and what a series edit reports: only future, scheduled windows nobody edited
alone change; past, under way and separately edited or cancelled ones are left alone."""

import zoneinfo
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from candor.core import scheduled
from candor.core.models import AuditEntry, Delivery, Incident, MaintenanceSeries
from candor.core.services import maintenance, series
from candor.core.services.base import CONFLICT, codes, now

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def windows(made):
    return list(made.occurrences.order_by("scheduled_for"))


def arrange_history(made):
    """The first window done (completed), the second under way, the third edited alone, the
    fourth cancelled alone: none of them a series verb may touch."""
    done, running, moved, called_off = windows(made)[:4]
    maintenance.start_maintenance(done, by=None)
    maintenance.complete_maintenance(done, by=None)
    maintenance.start_maintenance(running, by=None)
    later = moved.scheduled_for + timedelta(hours=2)
    maintenance.edit_maintenance(
        moved, by=None, scheduled_for=later, scheduled_until=later + timedelta(minutes=30)
    )
    maintenance.cancel_maintenance(called_off, by=None)
    for window in (done, running, moved, called_off):
        window.refresh_from_db()
    return done, running, moved, called_off


def test_ending_a_series_cancels_its_future_windows_and_leaves_the_rest(page, daily, subscribe):
    subscribe("reader@example.com")
    done, running, moved, called_off = arrange_history(daily)
    rest = windows(daily)[4:]
    assert len(rest) >= 20
    deliveries = Delivery.objects.count()

    outcome = series.end_series(daily, by=None)

    daily.refresh_from_db()
    assert daily.ended_at is not None
    assert (outcome.cancelled, outcome.left_alone) == (len(rest), 2)
    assert {w.status for w in Incident.objects.filter(pk__in=[w.pk for w in rest])} == {"cancelled"}
    for window, status in [
        (done, "completed"),
        (running, "in_progress"),
        (moved, "scheduled"),
        (called_off, "cancelled"),
    ]:
        before = window.scheduled_for
        window.refresh_from_db()
        assert (window.status, window.scheduled_for) == (status, before)
    # Cancelled without a notice per window (docs/decisions.md).
    assert Delivery.objects.count() == deliveries
    assert AuditEntry.objects.filter(action="maintenance_series.end").count() == 1
    # An ended series makes no more windows, by hand or by the worker.
    count = daily.occurrences.count()
    assert series.expand(daily, until=now() + timedelta(weeks=8)) == 0
    MaintenanceSeries.objects.filter(pk=daily.pk).update(expanded_until=now())
    scheduled.run()
    assert daily.occurrences.count() == count


def test_ending_twice_or_editing_an_ended_series_is_refused_and_changes_nothing(page, daily):
    series.end_series(daily, by=None)
    daily.refresh_from_db()
    ended_at, audits = daily.ended_at, AuditEntry.objects.count()
    for verb in (
        lambda: series.end_series(daily, by=None),
        lambda: series.edit_series(daily, by=None, name="Renamed"),
    ):
        with pytest.raises(ValidationError) as refused:
            verb()
        assert "series" in refused.value.message_dict
        assert CONFLICT in codes(refused.value)
    daily.refresh_from_db()
    assert (daily.ended_at, daily.name, AuditEntry.objects.count()) == (
        ended_at,
        "Nightly backup",
        audits,
    )


def test_a_series_edit_counts_what_it_changed_and_left_alone(page, daily):
    done, running, moved, called_off = arrange_history(daily)
    future = len(windows(daily)) - 4

    renamed = series.edit_series(daily, by=None, name="Nightly backup v2")
    assert (renamed.changed, renamed.cancelled, renamed.made, renamed.left_alone) == (
        future,
        0,
        0,
        2,
    )
    assert Incident.objects.filter(series=daily, name="Nightly backup v2").count() == future
    for window in (done, running, moved, called_off):
        window.refresh_from_db()
        assert window.name == "Nightly backup"

    # Saving the same again changes nothing: no sequence raised, no calendar update.
    sequences = dict(daily.occurrences.values_list("pk", "sequence"))
    again = series.edit_series(daily, by=None, name="Nightly backup v2")
    assert (again.changed, again.cancelled) == (0, 0)
    assert dict(daily.occurrences.values_list("pk", "sequence")) == sequences

    # Skipping one more day cancels that day's window and changes no other.
    last = windows(daily)[-1]
    skipped = last.scheduled_for.astimezone(BERLIN).date().isoformat()
    skip = series.edit_series(daily, by=None, excluded_dates=[skipped])
    assert (skip.changed, skip.cancelled) == (0, 1)
    last.refresh_from_db()
    assert last.status == "cancelled"


def test_a_series_edit_may_clear_its_components(page, daily):
    series.edit_series(daily, by=None, components=[])
    assert not daily.components.exists()
    future = series.future_occurrences(daily)
    assert future and all(not w.affected.exists() for w in future)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rrule_text": "FREQ=SOMETIMES"}, "rrule"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"excluded_dates": ["someday"]}, "excluded_dates"),
        ({"name": " "}, "name"),
        ({"flags": maintenance.Flags(remind_minutes_before=0)}, "remind_minutes_before"),
    ],
)
def test_a_bad_series_edit_is_refused_naming_the_field_and_writes_nothing(
    page, daily, kwargs, field
):
    before = [(w.pk, w.name, w.scheduled_for, w.sequence, w.status) for w in windows(daily)]
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        series.edit_series(daily, by=None, **kwargs)
    assert field in refused.value.message_dict
    stored = MaintenanceSeries.objects.get(pk=daily.pk)
    assert (stored.name, stored.rrule, stored.duration_minutes) == (
        "Nightly backup",
        "FREQ=DAILY",
        30,
    )
    after = [(w.pk, w.name, w.scheduled_for, w.sequence, w.status) for w in windows(daily)]
    assert after == before
    assert AuditEntry.objects.count() == audits


def test_moving_the_series_later_keeps_the_last_window_even_past_the_horizon(page, daily):
    """The horizon ends a few minutes after the last window's start (as when the series was made
    just after 10:00 Berlin): moving every window an hour later pushes the last one beyond it,
    and it must move with the others, not be cancelled."""
    last = windows(daily)[-1]
    MaintenanceSeries.objects.filter(pk=daily.pk).update(
        expanded_until=last.scheduled_for + timedelta(minutes=5)
    )
    daily.refresh_from_db()
    future = len(windows(daily))
    later = daily.starts_at + timedelta(hours=1)

    outcome = series.edit_series(daily, by=None, starts_at=later)
    assert (outcome.changed, outcome.cancelled, outcome.made) == (future, 0, 0)
    last.refresh_from_db()
    assert last.status == "scheduled"
    assert last.scheduled_for.astimezone(BERLIN).strftime("%H:%M") == "11:00"
    assert len(windows(daily)) == future
