"""The Maintenance tab through Django's test client: schedule (once and repeating), bad input
shown on the form with nothing written, start, post, reschedule, complete, cancel. Bob, a
Responder, does the work (tests/support/personas.py), and the audit log names him."""

from datetime import timedelta

import pytest
from django.test import Client

from candor.core.enums import ComponentStatus as CS
from candor.core.models import AuditEntry, Component, Incident, MaintenanceSeries
from candor.core.services.base import now


@pytest.fixture
def operator(page, client_as_bob) -> Client:
    """Bob, a Responder: maintenance windows are Responder work."""
    return client_as_bob


def actors(action: str) -> list[tuple[str, str]]:
    """Who the audit log says did `action`: (actor text, username of the user)."""
    return [
        (entry.actor, entry.user.username)
        for entry in AuditEntry.objects.filter(action=action).select_related("user")
    ]


def local(value, page):
    return value.astimezone(page.tz).strftime("%Y-%m-%dT%H:%M")


def form(page, **values):
    start = now() + timedelta(days=1)
    data = {
        "name": "Database upgrade",
        "scheduled_for": local(start, page),
        "scheduled_until": local(start + timedelta(hours=1), page),
        "message": "We are upgrading the database.",
        "deliver_notifications": "on",
        "scheduled_remind_prior": "on",
        "remind_minutes_before": "60",
        "scheduled_auto_in_progress": "on",
        "scheduled_auto_completed": "on",
        "repeat": "",
    }
    data.update(values)
    return data


def test_the_tab_lists_upcoming_in_progress_and_past(operator, page, schedule):
    schedule("Soon")
    running = schedule("Running")
    operator.post(f"/manage/maintenance/{running.pk}/start/")
    body = operator.get("/manage/maintenance/").content.decode()
    assert body.index("In progress") < body.index("Running") < body.index("Upcoming")
    assert body.index("Upcoming") < body.index("Soon") < body.index("Past")
    assert "Schedule Maintenance" in body
    assert "Running" not in operator.get("/manage/").content.decode()  # not an incident


def test_schedule_reads_times_in_the_page_time_zone(operator, page, make_component):
    db = make_component("Database")
    response = operator.post("/manage/maintenance/new/", form(page, components=[db.pk]))
    window = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/manage/maintenance/{window.pk}/"
    assert local(window.scheduled_for, page) == form(page)["scheduled_for"]
    assert list(window.affected.values_list("component_id", flat=True)) == [db.pk]
    assert (window.scheduled_auto_in_progress, window.remind_minutes_before) == (True, 60)
    detail = operator.get(response["Location"]).content.decode()
    assert "Europe/Berlin" in detail and "Post Update" in detail
    assert actors("maintenance.create") == [("Bob Baker", "bob")]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"scheduled_until": "earlier"}, "scheduled_until"),
        ({"scheduled_for": "past"}, "scheduled_for"),
        ({"repeat": "custom", "rrule": "FREQ=NEVER"}, "rrule"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(operator, page, values, field):
    data = form(page)
    if values.get("scheduled_until") == "earlier":
        values["scheduled_until"] = local(now() + timedelta(hours=20), page)
    if values.get("scheduled_for") == "past":
        values["scheduled_for"] = local(now() - timedelta(days=1), page)
    data.update(values)
    response = operator.post("/manage/maintenance/new/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "Nothing was saved" in response.content.decode()
    assert not Incident.objects.exists() and not MaintenanceSeries.objects.exists()


def test_a_repeating_window_makes_a_series(operator, page):
    response = operator.post("/manage/maintenance/new/", form(page, repeat="FREQ=WEEKLY"))
    assert response.status_code == 302
    weekly = MaintenanceSeries.objects.get()
    assert (weekly.rrule, weekly.time_zone, weekly.duration_minutes) == (
        "FREQ=WEEKLY",
        "Europe/Berlin",
        60,
    )
    assert weekly.occurrences.count() == 4
    assert actors("maintenance_series.create") == [("Bob Baker", "bob")]


def test_start_post_reschedule_complete_and_cancel_by_hand(
    operator, page, make_component, schedule
):
    db = make_component("Database")
    window = schedule(components=[db])
    base = f"/manage/maintenance/{window.pk}"
    later = now() + timedelta(days=3)
    operator.post(
        f"{base}/reschedule/",
        {
            "scheduled_for": local(later, page),
            "scheduled_until": local(later + timedelta(hours=2), page),
        },
    )
    window.refresh_from_db()
    assert local(window.scheduled_for, page) == local(later, page)
    operator.post(f"{base}/start/")
    assert Component.objects.get(pk=db.pk).status == CS.UNDER_MAINTENANCE
    operator.post(f"{base}/update/", {"status": "verifying", "message": "Checking", "notify": "on"})
    window.refresh_from_db()
    assert window.status == "verifying"
    refused = operator.post(f"{base}/cancel/", follow=True)
    assert "Only a scheduled maintenance can be cancelled" in refused.content.decode()
    operator.post(f"{base}/complete/")
    window.refresh_from_db()
    assert window.status == "completed"
    assert Component.objects.get(pk=db.pk).status == CS.OPERATIONAL
    other = schedule("Other")
    operator.post(f"/manage/maintenance/{other.pk}/cancel/")
    other.refresh_from_db()
    assert other.status == "cancelled"
    done = ("maintenance.edit", "maintenance.start", "maintenance.complete", "maintenance.cancel")
    for action in done:
        assert actors(action) == [("Bob Baker", "bob")], action


def test_the_incident_link_of_a_window_leads_to_its_maintenance_page(operator, page, schedule):
    window = schedule()
    response = operator.get(f"/manage/incidents/{window.pk}/")
    assert response["Location"] == f"/manage/maintenance/{window.pk}/"
