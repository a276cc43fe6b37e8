"""PATCH and DELETE /incidents/{id}/incident_updates/{id}: corrections through the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from candor.core import services
from candor.core.models import Delivery, Incident, IncidentUpdate, IncidentUpdateRevision


@pytest.fixture
def incident(page):
    start = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    incident = services.declare_incident(
        page, by=None, name="Down", message="Looking.", started_at=start, display_at=start
    )
    services.post_update(incident, by=None, status="resolved", message="Fixd.")
    return incident


def path(page, incident, update):
    return f"pages/{page.pk}/incidents/{incident.pk}/incident_updates/{update.pk}"


def test_api_edit_status_rederives_the_incident_and_keeps_a_revision(page, api, incident):
    last = incident.updates.get(status="resolved")
    response = api.patch(
        path(page, incident, last), {"incident_update": {"status": "monitoring", "body": "Fixed."}}
    )
    assert (response.status_code, response.json()["status"]) == (200, "monitoring")
    assert Incident.objects.get(pk=incident.pk).status == "monitoring"
    revision = IncidentUpdateRevision.objects.get()
    assert (revision.author_name, revision.old_body, revision.new_body) == (
        "API key automation",
        "Fixd.",
        "Fixed.",
    )
    assert Delivery.objects.count() == 0


def test_api_edit_with_deliver_notifications_tells_the_subscribers(
    page, json_api, incident, subscribe
):
    subscribe("ann@example.com")
    last = incident.updates.get(status="resolved")
    response = json_api.patch(
        path(page, incident, last),
        {"incident_update": {"body": "Fixed.", "deliver_notifications": True}},
    )
    assert response.status_code == 200
    assert Delivery.objects.filter(revision__isnull=False).count() == 1


def test_api_edit_refuses_a_bad_status_and_writes_nothing(page, json_api, incident):
    last = incident.updates.get(status="resolved")
    response = json_api.patch(
        path(page, incident, last), {"incident_update": {"status": "postmortem"}}
    )
    assert (response.status_code, list(response.json()["errors"])) == (422, ["status"])
    assert IncidentUpdate.objects.get(pk=last.pk).status == "resolved"
    assert IncidentUpdateRevision.objects.count() == 0


def test_api_delete_update_returns_it_and_rederives(page, api, incident):
    last = incident.updates.get(status="resolved")
    response = api.delete(path(page, incident, last))
    assert (response.status_code, response.json()["id"]) == (200, last.pk)
    assert Incident.objects.get(pk=incident.pk).status == "investigating"
    assert not IncidentUpdate.objects.filter(pk=last.pk).exists()


def test_api_delete_of_the_only_update_is_a_conflict(page, json_api):
    incident = services.declare_incident(page, by=None, name="Blip")
    only = incident.updates.get()
    response = json_api.delete(path(page, incident, only))
    assert response.status_code == 409
    assert "delete the incident instead" in response.json()["error"]
    assert IncidentUpdate.objects.filter(pk=only.pk).exists()


def test_api_delete_update_of_another_page_is_a_404(page, other_page, json_api):
    other = services.declare_incident(other_page, by=None, name="Theirs")
    services.post_update(other, by=None, status="resolved")
    entry = other.updates.get(status="resolved")
    response = json_api.delete(path(page, other, entry))
    assert response.status_code == 404
    assert IncidentUpdate.objects.filter(pk=entry.pk).exists()
