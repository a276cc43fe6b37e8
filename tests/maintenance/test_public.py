"""Where a window shows publicly: the v2 API (reference §2.1, §2.2), the page, the feeds and
the calendar (parsed back with the icalendar package)."""

from datetime import UTC, timedelta

import feedparser
from icalendar import Calendar

from candor.core import services
from candor.core.enums import Impact
from candor.core.services import maintenance
from candor.core.services.base import now

MAINTENANCE_KEYS = [
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
    "scheduled_for",
    "scheduled_until",
]


def get(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response


def listed(client, path):
    return [m["name"] for m in get(client, path).json()["scheduled_maintenances"]]


def test_v2_lists_windows_by_state_field_for_field(client, page, make_component, schedule):
    db = make_component("Database")
    soon = schedule("Soon", start=timedelta(hours=1), components=[db])
    later = schedule("Later", start=timedelta(hours=3))
    now_on = schedule("Now on", start=timedelta(hours=2))
    maintenance.start_maintenance(now_on, by=None)
    assert listed(client, "/api/v2/scheduled-maintenances/upcoming.json") == ["Soon", "Later"]
    assert listed(client, "/api/v2/scheduled-maintenances/active.json") == ["Now on"]
    assert listed(client, "/api/v2/scheduled-maintenances.json") == ["Later", "Now on", "Soon"]
    summary = get(client, "/api/v2/summary.json").json()
    assert [m["name"] for m in summary["scheduled_maintenances"]] == ["Now on", "Soon", "Later"]
    assert summary["incidents"] == []
    # A window in progress with no components still puts the page under maintenance.
    assert summary["status"] == {
        "indicator": "maintenance",
        "description": "Service Under Maintenance",
    }
    shown = get(client, "/api/v2/scheduled-maintenances/upcoming.json").json()
    first = shown["scheduled_maintenances"][0]
    assert list(first) == MAINTENANCE_KEYS
    assert first["id"] == soon.pk
    assert (first["status"], first["impact"]) == ("scheduled", "maintenance")
    soon.refresh_from_db()
    assert first["scheduled_for"] == soon.scheduled_for.astimezone(page.tz).isoformat(
        timespec="milliseconds"
    )
    assert [c["id"] for c in first["components"]] == [db.pk]
    assert first["incident_updates"][0]["body"] == "We are upgrading the database."
    assert later.pk not in {
        i["id"] for i in get(client, "/api/v2/incidents.json").json()["incidents"]
    }


def test_an_outage_outranks_a_window_in_the_indicator(client, page, make_component, schedule):
    db, api = make_component("Database"), make_component("API")
    window = schedule(components=[db])
    maintenance.start_maintenance(window, by=None)
    status = get(client, "/api/v2/status.json").json()["status"]
    assert status["indicator"] == "maintenance"
    services.declare_incident(page, by=None, name="API down", impact=Impact.MAJOR, components=[api])
    status = get(client, "/api/v2/status.json").json()["status"]
    assert status["indicator"] == "minor"


def test_a_cancelled_window_reads_completed_with_a_note_to_statuspage_clients(
    client, page, schedule
):
    window = schedule()
    maintenance.cancel_maintenance(window, by=None, message="The vendor postponed.")
    (shown,) = get(client, "/api/v2/scheduled-maintenances.json").json()["scheduled_maintenances"]
    assert shown["status"] == "completed"
    latest = shown["incident_updates"][0]
    assert latest["status"] == "completed"
    assert latest["body"] == "This scheduled maintenance has been cancelled. The vendor postponed."


def test_a_window_not_yet_public_shows_nowhere(client, page, schedule):
    window = schedule(start=timedelta(days=2), public_from=now() + timedelta(days=1))
    assert listed(client, "/api/v2/scheduled-maintenances.json") == []
    assert client.get(f"/incidents/{window.pk}").status_code == 404
    assert "Database upgrade" not in get(client, "/").content.decode()


def test_the_page_announces_upcoming_windows_above_the_components(
    client, page, make_component, schedule
):
    schedule("Database upgrade", components=[make_component("Database")])
    body = get(client, "/").content.decode()
    assert "Scheduled maintenance" in body
    assert body.index("Database upgrade") < body.index('id="components-title"')


def test_a_window_in_progress_shows_blue_and_then_in_the_history(
    client, page, make_component, schedule
):
    db = make_component("Database")
    window = schedule(components=[db])
    maintenance.start_maintenance(window, by=None)
    body = get(client, "/").content.decode()
    assert "Maintenance in progress" in body
    assert "i-maintenance" in body  # the banner's maintenance (blue) state
    assert "s-under_maintenance" in body
    Window = type(window)
    Window.objects.filter(pk=window.pk).update(scheduled_for=now() - timedelta(minutes=5))
    maintenance.complete_maintenance(window, by=None, message="All done.")
    body = get(client, "/").content.decode()
    assert "Maintenance in progress" not in body
    past = body[body.index('id="past-title"') :]
    assert "Database upgrade" in past and "All done." in past
    assert "All done." in get(client, f"/incidents/{window.pk}").content.decode()


def test_the_feeds_carry_maintenances(client, page, schedule):
    schedule("Database upgrade")
    feed = feedparser.parse(get(client, "/history.atom").content)
    assert [e.title for e in feed.entries] == ["Maintenance: Database upgrade"]


def events(client, path):
    calendar = Calendar.from_ical(get(client, path).content)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_the_calendar_has_stable_uids_sequences_utc_and_cancellations(
    client, page, make_component, schedule
):
    db = make_component("Database")
    moved = schedule("Moved", components=[db])
    dropped = schedule("Dropped")
    response = get(client, "/maintenance.ics")
    assert response["Content-Type"].startswith("text/calendar")
    first = events(client, "/maintenance.ics")
    uid = str(first["Maintenance: Moved"]["uid"])
    assert first["Maintenance: Moved"]["sequence"] == 0
    later = (now() + timedelta(days=2)).replace(microsecond=0)
    maintenance.edit_maintenance(
        moved, by=None, scheduled_for=later, scheduled_until=later + timedelta(hours=1)
    )
    maintenance.cancel_maintenance(dropped, by=None)
    after = events(client, "/maintenance.ics")
    event = after["Maintenance: Moved"]
    assert str(event["uid"]) == uid
    assert event["sequence"] == 1
    start = event.decoded("dtstart")
    assert start == later and start.tzinfo is not None and start.utcoffset() == timedelta(0)
    assert b"Z" in event["dtstart"].to_ical()  # written in UTC
    assert str(event["status"]) == "CONFIRMED"
    assert str(after["Maintenance: Dropped"]["status"]) == "CANCELLED"
    assert after["Maintenance: Dropped"]["sequence"] == 1
    mine = events(client, f"/maintenance/{db.pk}.ics")
    assert list(mine) == ["Maintenance: Moved"]
    assert event.decoded("dtend").astimezone(UTC) == later + timedelta(hours=1)
