from django.core.management import call_command

from candor.core import services
from candor.core.apikeys import create_api_key
from candor.core.models import (
    AuditEntry,
    Component,
    ComponentGroup,
    Incident,
    IncidentUpdate,
    Page,
    Postmortem,
)


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Page, ComponentGroup, Component, Incident, IncidentUpdate, Postmortem)
    )


def test_demo_builds_seed_sequence_retroactive_incident_and_postmortem(db):
    call_command("demo")
    seed = Incident.objects.get(name="Help Desk Ticket Submission Disrupted")
    tz = seed.page.tz
    timeline = [
        (u.display_at.astimezone(tz).strftime("%H:%M"), u.status)
        for u in seed.updates.order_by("display_at")
    ]
    assert timeline[:4] == [
        ("14:05", "investigating"),
        ("14:22", "identified"),
        ("14:45", "monitoring"),
        ("15:00", "resolved"),
    ]
    assert (seed.status, seed.postmortem.is_published) == ("postmortem", True)
    retro = Incident.objects.get(backfilled=True)
    assert (retro.status, retro.updates.count()) == ("resolved", 1)
    assert ComponentGroup.objects.count() == 2


def test_demo_twice_duplicates_nothing(db):
    call_command("demo")
    first = counts()
    call_command("demo")
    assert counts() == first


def test_service_writes_are_audited_with_user_or_key(page, admin):
    api_key, _ = create_api_key(by=admin, name="monitoring", page=page)
    incident = services.declare_incident(page, by=admin, name="Outage")
    services.post_update(incident, by=api_key, status="identified")
    entries = list(
        AuditEntry.objects.filter(object_type="Incident")
        .order_by("at", "id")
        .values_list("action", "actor", "user_id", "api_key_id")
    )
    assert entries == [
        ("incident.create", "admin", admin.pk, None),
        ("incident.update", "API key monitoring", None, api_key.pk),
    ]
