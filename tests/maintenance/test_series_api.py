"""The management API's maintenance series (Candor's extension): create, list, read, edit and
end, as alice's and bob's keys, which the audit log names; another page's key sees nothing; bad
input is a 422 naming the field with nothing written."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candor.api.openapi import document
from candor.core import services
from candor.core.models import AuditEntry, Incident, MaintenanceSeries
from candor.core.services import maintenance
from candor.core.services.base import now
from tests.api.conftest import Api
from tests.support.personas import make_key

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(params=["json", "form"])
def alices(key_of_page, request):
    return Api(key_of_page, request.param)


@pytest.fixture
def bobs(page, alice, bob):
    """Bob's key, as a Responder's key always is: made while he was an Administrator."""
    promoted = services.update_user(bob, by=alice, role="administrator")
    key = make_key(by=promoted, page=page, name="bob's bot")
    services.update_user(bob, by=alice, role="responder")
    return Api(key)


def actors(action: str) -> list[tuple[str, str]]:
    """Who the audit log says did `action`: (actor text, username of the key's owner)."""
    entries = AuditEntry.objects.filter(action=action).select_related("api_key__created_by")
    return [(entry.actor, entry.api_key.created_by.username) for entry in entries]


def tomorrow_at(hour: int, tz=NEW_YORK) -> datetime:
    day = (now() + timedelta(days=1)).astimezone(tz).date()
    return datetime(day.year, day.month, day.day, hour, 0)


def new_series(api, page, **fields):
    values = {
        "name": "Nightly backup",
        "rrule": "FREQ=DAILY",
        "time_zone": "America/New_York",
        "starts_at": tomorrow_at(22).isoformat(),  # no offset: 22:00 in New York
        "duration_minutes": 30,
    }
    values.update(fields)
    return api.post(f"pages/{page.pk}/maintenance_series", {"maintenance_series": values})


def test_a_key_creates_a_series_read_in_its_own_time_zone(alices, page, make_component):
    db = make_component("Database")
    response = new_series(
        alices,
        page,
        component_ids=[db.pk],
        excluded_dates=[(tomorrow_at(0) + timedelta(days=2)).date().isoformat()],
        scheduled_auto_in_progress=True,
        remind_minutes_before=15,
        message="Backups run; the API may be slow.",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    made = MaintenanceSeries.objects.get()
    assert data["id"] == made.pk
    assert (data["rrule"], data["time_zone"], data["duration_minutes"]) == (
        "FREQ=DAILY",
        "America/New_York",
        30,
    )
    assert (data["component_ids"], data["scheduled_auto_in_progress"]) == ([db.pk], True)
    assert data["remind_minutes_before"] == 15 and data["ended_at"] is None
    windows = list(made.occurrences.order_by("scheduled_for"))
    assert len(windows) >= 25 and len(data["upcoming"]) == 20
    assert {w.scheduled_for.astimezone(NEW_YORK).strftime("%H:%M") for w in windows} == {"22:00"}
    assert all(w.remind_minutes_before == 15 for w in windows)
    days = {w.scheduled_for.astimezone(NEW_YORK).date() for w in windows}
    assert (tomorrow_at(0) + timedelta(days=2)).date() not in days
    assert alices.get(f"pages/{page.pk}/maintenance_series").json()[0]["id"] == made.pk
    assert alices.get(f"pages/{page.pk}/maintenance_series/{made.pk}").json()["name"] == (
        "Nightly backup"
    )
    assert actors("maintenance_series.create") == [("API key automation", "alice")]


def listing_queries(api, page) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"pages/{page.pk}/maintenance_series")
    assert response.status_code == 200
    return len(queries), response.json()


def test_the_list_reads_each_series_own_windows_in_queries_that_do_not_grow(alices, page):
    assert new_series(alices, page, name="Nightly backup").status_code == 201
    one, _ = listing_queries(alices, page)
    weekly = {"name": "Weekly reindex", "rrule": "FREQ=WEEKLY", "starts_at": tomorrow_at(3)}
    weekly["starts_at"] = weekly["starts_at"].isoformat()
    assert new_series(alices, page, **weekly).status_code == 201
    assert new_series(alices, page, name="Zz cleanup", duration_minutes=5).status_code == 201

    three, listed = listing_queries(alices, page)
    assert three == one
    assert [s["name"] for s in listed] == ["Nightly backup", "Weekly reindex", "Zz cleanup"]
    for shown in listed:
        made = MaintenanceSeries.objects.get(pk=shown["id"])
        expected = [w.pk for w in made.occurrences.order_by("scheduled_for")[:20]]
        assert [w["id"] for w in shown["upcoming"]] == expected
    assert len(listed[1]["upcoming"]) in (4, 5)  # four weeks ahead, weekly


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule": None}, "rrule"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"starts_at": "past"}, "starts_at"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"excluded_dates": ["someday"]}, "excluded_dates"),
        ({"component_ids": ["nope"]}, "component_ids"),
        ({"name": ""}, "name"),
        ({"remind_minutes_before": 0}, "remind_minutes_before"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(alices, page, fields, field):
    if fields.get("starts_at") == "past":
        fields["starts_at"] = (now() - timedelta(days=1)).isoformat()
    response = new_series(alices, page, **fields)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not MaintenanceSeries.objects.exists() and not Incident.objects.exists()


def test_a_malformed_body_is_a_400(key_of_page, page):
    response = Api(key_of_page).client.post(
        f"/v1/pages/{page.pk}/maintenance_series",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"OAuth {key_of_page.token}",
    )
    assert response.status_code == 400
    assert not MaintenanceSeries.objects.exists()


def test_a_responder_edits_the_series_and_is_told_what_changed(bobs, page):
    assert new_series(bobs, page).status_code == 201
    made = MaintenanceSeries.objects.get()
    first, second = made.occurrences.order_by("scheduled_for")[:2]
    maintenance.start_maintenance(first, by=None)
    later = second.scheduled_for + timedelta(hours=1)
    maintenance.edit_maintenance(
        second, by=None, scheduled_for=later, scheduled_until=later + timedelta(minutes=30)
    )
    future = made.occurrences.filter(status="scheduled", detached=False).count()

    response = bobs.patch(
        f"pages/{page.pk}/maintenance_series/{made.pk}",
        {"maintenance_series": {"starts_at": tomorrow_at(23).isoformat(), "name": "Backup"}},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["occurrences_changed"], data["occurrences_cancelled"]) == (future, 0)
    assert data["occurrences_left_alone"] == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.name) == ("in_progress", "Nightly backup")
    assert (second.scheduled_for, second.name) == (later, "Nightly backup")
    moved = made.occurrences.filter(status="scheduled", detached=False)
    assert {w.scheduled_for.astimezone(NEW_YORK).strftime("%H:%M") for w in moved} == {"23:00"}
    assert {w.name for w in moved} == {"Backup"}

    refused = bobs.patch(
        f"pages/{page.pk}/maintenance_series/{made.pk}",
        {"maintenance_series": {"rrule": "FREQ=NEVER", "name": "Never"}},
    )
    assert refused.status_code == 422 and "rrule" in refused.json()["errors"]
    made.refresh_from_db()
    assert (made.name, made.rrule) == ("Backup", "FREQ=DAILY")
    assert actors("maintenance_series.create") == [("API key bob's bot", "bob")]
    assert actors("maintenance_series.edit") == [("API key bob's bot", "bob")]  # not the refused


def test_delete_ends_the_series_once(alices, page):
    assert new_series(alices, page).status_code == 201
    made = MaintenanceSeries.objects.get()
    future = made.occurrences.filter(status="scheduled").count()
    path = f"pages/{page.pk}/maintenance_series/{made.pk}"

    response = alices.delete(path)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["ended_at"] is not None
    assert (data["occurrences_cancelled"], data["occurrences_left_alone"]) == (future, 0)
    assert not made.occurrences.filter(status="scheduled").exists()
    assert alices.get(path).json()["ended_at"] == data["ended_at"]

    again = alices.delete(path)
    assert again.status_code == 409 and "series" in again.json()["errors"]
    edit = alices.patch(path, {"maintenance_series": {"name": "Revived"}})
    assert edit.status_code == 409
    made.refresh_from_db()
    assert made.name == "Nightly backup"
    assert actors("maintenance_series.end") == [("API key automation", "alice")]


def test_another_pages_key_and_a_deactivated_owners_key_reach_nothing(
    key_of_page, key_of_other_page, page, alice, charlie
):
    assert new_series(Api(key_of_page), page).status_code == 201
    made = MaintenanceSeries.objects.get()
    path = f"pages/{page.pk}/maintenance_series/{made.pk}"
    stranger = Api(key_of_other_page)
    assert stranger.get(path).status_code == 404
    assert stranger.delete(path).status_code == 404
    assert new_series(stranger, page).status_code == 404
    # Charlie, back then an active Administrator, made a key; alice has deactivated him since.
    then = services.update_user(charlie, by=alice, is_active=True, role="administrator")
    gone = Api(make_key(by=then, page=page, name="charlie's bot"))
    services.update_user(charlie, by=alice, is_active=False)
    assert gone.delete(path).status_code == 403
    assert Api("").get(path).status_code == 401
    made.refresh_from_db()
    assert made.ended_at is None
    assert MaintenanceSeries.objects.count() == 1
    assert actors("maintenance_series.end") == []


def test_the_series_endpoints_are_documented(db):
    paths = document()["paths"]
    assert set(paths["/v1/pages/{page_id}/maintenance_series"]) == {"get", "post"}
    one = paths["/v1/pages/{page_id}/maintenance_series/{series_id}"]
    assert set(one) == {"get", "patch", "delete"}
    assert (
        one["patch"]["requestBody"]["content"]["application/json"]["schema"]["properties"][
            "maintenance_series"
        ]["properties"]["rrule"]["type"]
        == "string"
    )
