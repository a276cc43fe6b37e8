"""The series page, Edit series, End series and the calendar, through Django's test client, as
alice (Administrator) and bob (Responder); bad input on the form, nothing written."""

import re
import zoneinfo
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from django.test import Client

from candor.core import timefmt
from candor.core.models import Incident, MaintenanceSeries
from candor.core.services import maintenance, series
from candor.core.services.base import now
from candor.manage.maintenance.rules import in_words

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def edit_form(made, **values):
    start = made.starts_at.astimezone(BERLIN)
    data = {
        "name": made.name,
        "time_zone": made.time_zone,
        "scheduled_for": start.strftime("%Y-%m-%dT%H:%M"),
        "scheduled_until": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "components": list(made.components.values_list("pk", flat=True)),
        "message": "",
        "deliver_notifications": "on",
        "remind_minutes_before": "60",
        "repeat": "FREQ=DAILY",
        "rrule": "",
        "excluded_dates": "",
    }
    data.update(values)
    return data


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_series_page_says_the_rule_in_words_and_lists_the_next_windows(
    client_as_bob, page, daily
):
    listing = text(client_as_bob.get("/manage/maintenance/"))
    assert f'href="/manage/maintenance/series/{daily.pk}/"' in listing
    assert 'href="/manage/maintenance/calendar/"' in listing
    body = text(client_as_bob.get(f"/manage/maintenance/series/{daily.pk}/"))
    assert "Every day at 10:00" in body
    assert "Europe/Berlin" in body and "30 minutes" in body and "Database" in body
    first = daily.occurrences.order_by("scheduled_for").first()
    assert f'href="/manage/maintenance/{first.pk}/"' in body
    assert "Edit series" in body and "End series" in body
    window = text(client_as_bob.get(f"/manage/maintenance/{first.pk}/"))
    assert "Part of series" in window
    assert f'href="/manage/maintenance/series/{daily.pk}/edit/"' in window


def test_edit_series_is_prefilled_and_says_what_changed_and_what_was_left_alone(
    client_as_bob, page, daily
):
    first, second = daily.occurrences.order_by("scheduled_for")[:2]
    maintenance.start_maintenance(first, by=None)
    later = second.scheduled_for + timedelta(hours=1)
    maintenance.edit_maintenance(
        second, by=None, scheduled_for=later, scheduled_until=later + timedelta(minutes=30)
    )
    future = len(series.future_occurrences(daily))

    shown = client_as_bob.get(f"/manage/maintenance/series/{daily.pk}/edit/")
    form = shown.context["form"]
    assert (form["name"].value(), form["repeat"].value()) == ("Nightly backup", "FREQ=DAILY")
    assert form["scheduled_for"].value().strftime("%H:%M") == "10:00"
    start = daily.starts_at.astimezone(BERLIN) + timedelta(hours=3)
    response = client_as_bob.post(
        f"/manage/maintenance/series/{daily.pk}/edit/",
        edit_form(
            daily,
            scheduled_for=start.strftime("%Y-%m-%dT%H:%M"),
            scheduled_until=(start + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M"),
        ),
        follow=True,
    )
    body = text(response)
    assert f"{future} future windows changed" in body
    assert (
        "Left alone: past windows, windows under way, and 1 future window edited or "
        "cancelled on their own." in body
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "in_progress"
    assert second.scheduled_for == later
    moved = Incident.objects.filter(series=daily, status="scheduled", detached=False)
    assert {w.scheduled_for.astimezone(BERLIN).strftime("%H:%M") for w in moved} == {"13:00"}
    assert {w.scheduled_until - w.scheduled_for for w in moved} == {timedelta(minutes=45)}
    daily.refresh_from_db()
    assert daily.duration_minutes == 45


def test_edit_series_keeps_the_flags_the_form_does_not_show(client_as_bob, page, daily):
    # Set through the API (the form has no field for them): a UI edit must not reset them.
    series.edit_series(
        daily,
        by=None,
        flags=replace(
            series.flags_of(daily),
            auto_transition_to_maintenance_state=False,
            auto_transition_to_operational_state=False,
        ),
    )
    response = client_as_bob.post(
        f"/manage/maintenance/series/{daily.pk}/edit/",
        edit_form(daily, scheduled_auto_in_progress="on"),
        follow=True,
    )
    assert response.status_code == 200
    daily.refresh_from_db()
    flags = series.flags_of(daily)
    assert (
        flags.scheduled_auto_in_progress,
        flags.auto_transition_to_maintenance_state,
        flags.auto_transition_to_operational_state,
    ) == (True, False, False)
    windows = Incident.objects.filter(series=daily, status="scheduled", detached=False)
    assert {
        (w.scheduled_auto_in_progress, w.auto_transition_to_operational_state) for w in windows
    } == {(True, False)}


def test_edit_series_changes_the_time_zone_with_the_searchable_list_keeping_the_wall_clock(
    client_as_bob, page, daily
):
    shown = client_as_bob.get(f"/manage/maintenance/series/{daily.pk}/edit/")
    assert shown.context["form"]["time_zone"].value() == "Europe/Berlin"
    html = shown.content.decode()
    assert 'list="time-zones"' in html
    assert '<option value="America/New_York">' in html
    assert '<option value="US/Eastern">' not in html  # canonical names only, as in settings

    response = client_as_bob.post(
        f"/manage/maintenance/series/{daily.pk}/edit/",
        edit_form(daily, time_zone="america/new_york"),  # typed in any case, as in settings
        follow=True,
    )
    assert response.status_code == 200
    daily.refresh_from_db()
    assert daily.time_zone == "America/New_York"
    new_york = zoneinfo.ZoneInfo("America/New_York")
    assert daily.starts_at.astimezone(new_york).strftime("%H:%M") == "10:00"
    windows = Incident.objects.filter(series=daily, status="scheduled", detached=False)
    assert windows.count() >= 20
    assert {w.scheduled_for.astimezone(new_york).strftime("%H:%M") for w in windows} == {"10:00"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"repeat": "custom", "rrule": "FREQ=NEVER"}, "rrule"),
        ({"repeat": "custom", "rrule": ""}, "rrule"),
        ({"repeat": ""}, "repeat"),
        ({"name": ""}, "name"),
        ({"excluded_dates": "someday"}, "excluded_dates"),
        ({"scheduled_until": "earlier"}, "scheduled_until"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "US/Eastern"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
    ],
)
def test_a_bad_edit_is_shown_on_the_form_and_nothing_is_written(
    client_as_alice, page, daily, values, field
):
    if values.get("scheduled_until") == "earlier":
        values["scheduled_until"] = daily.starts_at.astimezone(BERLIN).strftime("%Y-%m-%dT09:00")
    before = list(daily.occurrences.values_list("pk", "scheduled_for", "sequence", "status"))
    response = client_as_alice.post(
        f"/manage/maintenance/series/{daily.pk}/edit/", edit_form(daily, **values)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    stored = MaintenanceSeries.objects.get(pk=daily.pk)
    assert (stored.name, stored.rrule, stored.excluded_dates, stored.time_zone) == (
        "Nightly backup",
        "FREQ=DAILY",
        [],
        "Europe/Berlin",
    )
    assert stored.updated_at == daily.updated_at
    after = list(daily.occurrences.values_list("pk", "scheduled_for", "sequence", "status"))
    assert after == before


def test_end_series_asks_first_then_cancels_the_future_windows(client_as_alice, page, daily):
    first = daily.occurrences.order_by("scheduled_for").first()
    maintenance.start_maintenance(first, by=None)
    future = len(series.future_occurrences(daily))
    confirm = text(client_as_alice.get(f"/manage/maintenance/series/{daily.pk}/end/"))
    assert f"its {future} future scheduled windows are cancelled" in confirm
    daily.refresh_from_db()
    assert daily.ended_at is None  # asking changed nothing

    response = client_as_alice.post(f"/manage/maintenance/series/{daily.pk}/end/", follow=True)
    body = text(response)
    assert f"Series ended: {future} future windows cancelled" in body
    assert "This series ended on" in body and "Edit series</a>" not in body
    daily.refresh_from_db()
    assert daily.ended_at is not None
    first.refresh_from_db()
    assert first.status == "in_progress"
    assert not Incident.objects.filter(series=daily, status="scheduled").exists()

    again = text(client_as_alice.post(f"/manage/maintenance/series/{daily.pk}/end/", follow=True))
    assert "This series has already ended." in again
    edit = client_as_alice.get(f"/manage/maintenance/series/{daily.pk}/edit/")
    assert edit.status_code == 302
    # The list keeps it findable, under Repeating's "Ended series", no longer as running.
    listing = text(client_as_alice.get("/manage/maintenance/"))
    running, ended = listing.split("<summary>Ended series (1)</summary>")
    assert "No series is running." in running
    assert f"/manage/maintenance/series/{daily.pk}/" not in running
    assert f'<a href="/manage/maintenance/series/{daily.pk}/">Nightly backup</a>' in ended
    assert "Every day at 10:00" in ended and "ended <time" in ended


def test_signed_out_visitors_cannot_edit_or_end_a_series(page, daily):
    anonymous = Client()
    for url in ("", "edit/", "end/"):
        response = anonymous.post(f"/manage/maintenance/series/{daily.pk}/{url}", edit_form(daily))
        assert response.status_code == 302 and "/login" in response["Location"]
    daily.refresh_from_db()
    assert daily.ended_at is None and daily.name == "Nightly backup"


def test_another_pages_series_does_not_exist_here(client_as_alice, page, other_page):
    theirs = series.create_series(
        other_page,
        by=None,
        name="Theirs",
        rrule_text="FREQ=WEEKLY",
        time_zone="UTC",
        starts_at=now() + timedelta(days=1),
        duration_minutes=30,
    )
    for url in ("", "edit/", "end/"):
        assert (
            client_as_alice.get(f"/manage/maintenance/series/{theirs.pk}/{url}").status_code == 404
        )
    assert client_as_alice.post(f"/manage/maintenance/series/{theirs.pk}/end/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.ended_at is None


def test_the_calendar_shows_six_weeks_in_the_page_zone_marking_series_and_cancelled(
    client_as_bob, page, daily, schedule
):
    once = schedule("Database upgrade", start=timedelta(days=2))
    called_off = daily.occurrences.order_by("scheduled_for")[2]
    maintenance.cancel_maintenance(called_off, by=None)
    body = text(client_as_bob.get("/manage/maintenance/calendar/"))
    assert body.count("Week of ") == 6
    assert "Europe/Berlin" in body
    # Times written as everywhere else (candor_time): "10:00 UTC+01:00".
    assert f"{timefmt.label(once.scheduled_for, BERLIN, 'time')}</time>" in body
    assert f'href="/manage/maintenance/{once.pk}/">Database upgrade</a>' in body
    assert f'<s><a href="/manage/maintenance/{called_off.pk}/">Nightly backup</a></s>' in body
    assert "Cancelled" in body
    assert re.search(r"10:00 UTC\+0[12]:00</time> – <time", body)
    assert "series Nightly backup</a>" in body
    # Beyond the four weeks scheduled, the rule's windows to come are shown as planned.
    assert "Planned" in body


def test_rules_in_words():
    def words(rule, start=datetime(2027, 3, 14, 2, 0, tzinfo=BERLIN)):
        return in_words(MaintenanceSeries(rrule=rule, time_zone="Europe/Berlin", starts_at=start))

    assert words("FREQ=WEEKLY;BYDAY=SU") == "Every week on Sunday at 02:00"
    assert words("FREQ=WEEKLY") == "Every week on Sunday at 02:00"
    assert words("FREQ=MONTHLY;BYDAY=1TU") == "Every month on the first Tuesday at 02:00"
    assert words("FREQ=MONTHLY") == "Every month on the 14th at 02:00"
    assert words("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=6") == (
        "Every 2 weeks on Monday and Wednesday at 02:00, 6 times in all"
    )
    assert words("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231T000000") == (
        "Every month on the last Friday at 02:00, until 2027-12-31"
    )
    assert words("FREQ=YEARLY;BYMONTH=3") == "By the rule FREQ=YEARLY;BYMONTH=3"
