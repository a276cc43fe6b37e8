"""The management API v1: a Statuspage client schedules, edits and moves a window with
Statuspage's fields; the upcoming, scheduled and active_maintenance lists. The client holds
alice's key of the page (tests/support/personas.py), which the audit log names."""

from datetime import UTC, timedelta

import pytest

from candor.core.enums import ComponentStatus as CS
from candor.core.models import AuditEntry, Component, Incident, IncidentUpdate
from candor.core.services.base import now
from tests.api.conftest import Api
from tests.maintenance.clock import last_sunday


@pytest.fixture(params=["json", "form"])
def api(key_of_page, request):
    return Api(key_of_page, request.param)


def actors(action):
    """Who the audit log says did `action`: (actor text, API key, user)."""
    return list(AuditEntry.objects.filter(action=action).values_list("actor", "api_key", "user"))


def iso(value):
    return value.isoformat().replace("+00:00", "Z")


def create(api, page, **fields):
    return api.post(f"pages/{page.pk}/incidents", {"incident": fields})


def window(hours=2, length=1):
    start = (now() + timedelta(hours=hours)).replace(microsecond=0)
    return start, start + timedelta(hours=length)


def test_a_statuspage_client_schedules_a_maintenance(api, page, make_component, key_of_page):
    db = make_component("Database")
    start, end = window()
    response = create(
        api,
        page,
        name="Database upgrade",
        status="scheduled",
        impact_override="maintenance",
        scheduled_for=iso(start),
        scheduled_until=iso(end),
        scheduled_remind_prior=True,
        scheduled_auto_in_progress=True,
        scheduled_auto_completed=True,
        auto_transition_to_maintenance_state=True,
        auto_transition_to_operational_state=True,
        auto_transition_deliver_notifications_at_start=True,
        auto_transition_deliver_notifications_at_end=False,
        auto_tweet_at_beginning=False,
        component_ids=[db.pk],
        body="We are upgrading the database.",
        deliver_notifications=True,
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["impact"]) == ("scheduled", "maintenance")
    assert data["scheduled_auto_in_progress"] is True
    assert data["auto_transition_deliver_notifications_at_end"] is False
    assert data["scheduled_remind_prior"] is True
    assert data["remind_minutes_before"] == 60
    assert [c["id"] for c in data["components"]] == [db.pk]
    assert data["incident_updates"][0]["body"] == "We are upgrading the database."
    stored = Incident.objects.get()
    assert (stored.kind, stored.scheduled_for, stored.scheduled_until) == (
        "maintenance",
        start,
        end,
    )
    assert Component.objects.get(pk=db.pk).status == CS.OPERATIONAL
    assert actors("maintenance.create") == [("API key automation", key_of_page.key.pk, None)]


def test_a_time_without_offset_is_read_in_the_page_zone_on_the_nights_the_clocks_change(api, page):
    """Berlin: 02:30 happens twice on October's last Sunday (the first pass, UTC+02:00, is
    meant) and never on March's (a 422 naming the field, nothing written)."""
    autumn = last_sunday(10).replace(hour=2, minute=30, tzinfo=None)
    response = create(
        api,
        page,
        name="Autumn",
        scheduled_for=autumn.isoformat(),
        scheduled_until=(autumn + timedelta(hours=2)).isoformat(),
    )
    assert response.status_code == 201, response.content
    made = Incident.objects.get()
    assert made.scheduled_for == autumn.replace(hour=0, tzinfo=UTC)

    spring = last_sunday(3).replace(hour=2, minute=30, tzinfo=None)
    response = create(
        api,
        page,
        name="Spring",
        scheduled_for=spring.isoformat(),
        scheduled_until=(spring + timedelta(hours=2)).isoformat(),
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["scheduled_for"] == [
        f"There is no 02:30 on {spring.day} March {spring.year} in Europe/Berlin: the clocks "
        "go forward then. Choose a time before or after."
    ]
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scheduled_until": "before"}, "scheduled_until"),
        ({"scheduled_for": "past"}, "scheduled_for"),
        ({"scheduled_for": None}, "scheduled_for"),
        ({"remind_minutes_before": 0}, "remind_minutes_before"),
        ({"status": "completed"}, "status"),
    ],
)
def test_a_bad_window_is_a_422_naming_the_field_and_writes_nothing(api, page, fields, field):
    start, end = window()
    values = {
        "name": "Upgrade",
        "status": "scheduled",
        "scheduled_for": iso(start),
        "scheduled_until": iso(end),
    }
    for name, value in fields.items():
        if value == "before":
            value = iso(start - timedelta(minutes=1))
        elif value == "past":
            value = iso(now() - timedelta(hours=1))
        values[name] = value
    if values["scheduled_for"] is None:
        del values["scheduled_for"]
    response = create(api, page, **values)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert (Incident.objects.count(), IncidentUpdate.objects.count()) == (0, 0)


def test_patch_reschedules_starts_and_completes_a_window(api, page, make_component, key_of_page):
    db = make_component("Database")
    start, end = window()
    created = create(
        api,
        page,
        name="Upgrade",
        status="scheduled",
        scheduled_for=iso(start),
        scheduled_until=iso(end),
        component_ids=[db.pk],
    ).json()
    path = f"pages/{page.pk}/incidents/{created['id']}"
    later, later_end = window(hours=5)
    moved = api.patch(
        path, {"incident": {"scheduled_for": iso(later), "scheduled_until": iso(later_end)}}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["incident_updates"][0]["body"].startswith("This maintenance has been")
    started = api.patch(path, {"incident": {"status": "in_progress", "body": "Starting now."}})
    assert started.json()["status"] == "in_progress"
    assert started.json()["incident_updates"][0]["body"] == "Starting now."
    assert Component.objects.get(pk=db.pk).status == CS.UNDER_MAINTENANCE
    active = api.get(f"pages/{page.pk}/incidents/active_maintenance").json()
    assert [i["id"] for i in active] == [created["id"]]
    verifying = api.patch(path, {"incident": {"status": "verifying"}})
    assert verifying.json()["monitoring_at"] is not None
    done = api.patch(path, {"incident": {"status": "completed"}})
    assert done.json()["status"] == "completed"
    assert Component.objects.get(pk=db.pk).status == CS.OPERATIONAL
    for action in ("maintenance.edit", "maintenance.start", "maintenance.complete"):
        assert actors(action) == [("API key automation", key_of_page.key.pk, None)], action


def test_cancelled_is_candors_status_and_reads_completed(api, page):
    start, end = window()
    created = create(
        api,
        page,
        name="Upgrade",
        status="scheduled",
        scheduled_for=iso(start),
        scheduled_until=iso(end),
    ).json()
    path = f"pages/{page.pk}/incidents/{created['id']}"
    response = api.patch(path, {"incident": {"status": "cancelled"}})
    data = response.json()
    assert (data["status"], data["cancelled"]) == ("completed", True)
    assert Incident.objects.get().status == "cancelled"


def test_the_lists_of_maintenances(api, page):
    ids = {}
    for name, hours in (("Later", 5), ("Soon", 1), ("Now", 3)):
        start, end = window(hours=hours)
        ids[name] = create(
            api,
            page,
            name=name,
            status="scheduled",
            scheduled_for=iso(start),
            scheduled_until=iso(end),
        ).json()["id"]
    api.patch(f"pages/{page.pk}/incidents/{ids['Now']}", {"incident": {"status": "in_progress"}})

    def names(which):
        response = api.get(f"pages/{page.pk}/incidents/{which}")
        assert response.status_code == 200
        return [i["name"] for i in response.json()]

    assert names("upcoming") == ["Soon", "Later"]
    assert names("scheduled") == ["Later", "Now", "Soon"]
    assert names("active_maintenance") == ["Now"]
    assert names("unresolved") == []


def test_the_openapi_document_declares_the_maintenance_fields(api):
    document = api.client.get("/v1/openapi.json").json()
    paths = document["paths"]
    create = next(v["post"] for p, v in paths.items() if p.endswith("/incidents"))
    declared = str(create["requestBody"])
    for field in ("scheduled_for", "scheduled_auto_in_progress", "remind_minutes_before"):
        assert field in declared
    assert any(p.endswith("/incidents/upcoming") for p in paths)
    assert any(p.endswith("/incidents/scheduled") for p in paths)
    assert any(p.endswith("/incidents/active_maintenance") for p in paths)
    status = document["components"]["schemas"]["Incident"]["properties"]["status"]
    assert "in_progress" in status["enum"] and "cancelled" not in status["enum"]
