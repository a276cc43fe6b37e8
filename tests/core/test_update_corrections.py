"""Correcting a posted entry (services.edit_update, delete_update): the incident follows the
corrected timeline, every edit keeps a revision, and a correction notifies only on request."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candor.core import services
from candor.core.enums import ComponentStatus as CS
from candor.core.models import (
    AuditEntry,
    Component,
    Delivery,
    Incident,
    IncidentUpdate,
    IncidentUpdateRevision,
)


@pytest.fixture
def start():
    return (timezone.now() - timedelta(hours=2)).replace(microsecond=0)


@pytest.fixture
def resolved(page, start, make_component):
    """An incident on Email: investigating, then resolved an hour later."""
    email = make_component("Email")
    incident = services.declare_incident(
        page,
        by=None,
        name="Mail delayed",
        impact="major",
        components=[email],
        message="Looking.",
        started_at=start,
        display_at=start,
    )
    services.post_update(
        incident,
        by=None,
        status="resolved",
        message="Fixed.",
        display_at=start + timedelta(hours=1),
    )
    return Incident.objects.get(pk=incident.pk)


def test_edit_status_of_the_last_entry_reopens_the_incident_and_its_components(resolved, alice):
    last = resolved.updates.get(status="resolved")
    services.edit_update(last, by=alice, status="monitoring", body="Watching.")
    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.status, incident.resolved_at) == ("monitoring", None)
    assert incident.monitoring_at == last.display_at
    assert Component.objects.get(name="Email").status == CS.PARTIAL_OUTAGE
    revision = IncidentUpdateRevision.objects.get()
    assert (revision.old_status, revision.new_status) == ("resolved", "monitoring")
    assert (revision.old_body, revision.new_body) == ("Fixed.", "Watching.")
    assert (revision.author, revision.author_name, revision.notified) == (
        alice,
        "Alice Adams",
        False,
    )
    assert IncidentUpdate.objects.get(pk=last.pk).edited_at == revision.at


def test_edit_display_time_moves_the_resolution_and_last_update(resolved, start):
    last = resolved.updates.get(status="resolved")
    later = start + timedelta(minutes=90)
    services.edit_update(last, by=None, display_at=later)
    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.resolved_at, incident.last_update_at) == (later, later)


def test_edit_that_changes_nothing_keeps_no_revision(resolved):
    last = resolved.updates.get(status="resolved")
    services.edit_update(last, by=None, body="Fixed.", status="resolved")
    assert IncidentUpdateRevision.objects.count() == 0
    assert IncidentUpdate.objects.get(pk=last.pk).edited_at is None


def test_edit_notifies_subscribers_only_when_asked(resolved, subscribe):
    subscribe("ann@example.com")
    first = resolved.updates.get(status="investigating")
    services.edit_update(first, by=None, body="Looking into it.")
    assert Delivery.objects.filter(revision__isnull=False).count() == 0
    services.edit_update(first, by=None, body="Looking into mail delays.", notify=True)
    correction = Delivery.objects.get(revision__isnull=False)
    assert (correction.update_id, correction.revision.new_body) == (
        first.pk,
        "Looking into mail delays.",
    )
    assert correction.message_key == f"r{correction.revision_id}.{correction.subscriber_id}"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "postmortem"}, "status"),
        ({"status": "sleeping"}, "status"),
        ({"body": "x" * 25001}, "body"),
        ({"body": "bad \x00 byte"}, "body"),
        ({"display_at": "future"}, "display_at"),
        ({"display_at": "before start"}, "display_at"),
    ],
)
def test_edit_bad_input_names_the_field_and_writes_nothing(resolved, start, changes, field):
    if changes.get("display_at") == "future":
        changes = {"display_at": timezone.now() + timedelta(hours=1)}
    elif changes.get("display_at") == "before start":
        changes = {"display_at": start - timedelta(minutes=1)}
    last = resolved.updates.get(status="resolved")
    with pytest.raises(ValidationError) as error:
        services.edit_update(last, by=None, **changes)
    assert list(error.value.message_dict) == [field]
    assert IncidentUpdate.objects.get(pk=last.pk).body == "Fixed."
    assert IncidentUpdateRevision.objects.count() == 0
    assert not AuditEntry.objects.filter(action="incident_update.edit").exists()


def test_delete_the_last_entry_derives_the_incident_again(resolved):
    last = resolved.updates.get(status="resolved")
    services.delete_update(last, by=None)
    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.status, incident.resolved_at) == ("investigating", None)
    assert Component.objects.get(name="Email").status == CS.PARTIAL_OUTAGE
    audit = AuditEntry.objects.get(action="incident_update.delete")
    assert (audit.data["body"], audit.data["status"]) == ("Fixed.", "resolved")


def test_delete_refuses_the_only_entry_and_the_postmortem_entry(page, resolved):
    only = services.declare_incident(page, by=None, name="Blip").updates.get()
    with pytest.raises(ValidationError) as error:
        services.delete_update(only, by=None)
    assert "only update" in error.value.message_dict["incident_update"][0]
    services.save_postmortem(resolved, by=None, title="Why", summary="Because.")
    services.publish_postmortem(resolved, by=None)
    marker = resolved.updates.get(status="postmortem")
    with pytest.raises(ValidationError):
        services.delete_update(marker, by=None)
    with pytest.raises(ValidationError) as error:
        services.edit_update(marker, by=None, status="resolved")
    assert list(error.value.message_dict) == ["status"]
    assert IncidentUpdate.objects.filter(pk__in=[only.pk, marker.pk]).count() == 2
