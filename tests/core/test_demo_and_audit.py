from django.core.management import call_command

from candor.core import services
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


def test_demo_on_a_page_with_a_help_desk_component_adds_no_second_one(db):
    page = services.ensure_default_page()
    services.create_component(page, by=None, name="Help Desk")
    call_command("demo")
    named = [c.name for c in Component.objects.filter(name__iexact="help desk")]
    groups = list(ComponentGroup.objects.filter(name__iexact="help desk"))
    assert (named, groups) == (["Help Desk"], [])
    # Its components are still there, ungrouped, and the seed incident uses one of them.
    assert Component.objects.get(name="Ticket Submission").group_id is None
    assert ComponentGroup.objects.get().name == "Communication"


def test_service_writes_are_audited_with_user_or_key(page, bob, key_of_page):
    incident = services.declare_incident(page, by=bob, name="Outage")
    services.post_update(incident, by=key_of_page.key, status="identified")
    entries = list(
        AuditEntry.objects.filter(object_type="Incident")
        .order_by("at", "id")
        .values_list("action", "actor", "user_id", "api_key_id")
    )
    assert entries == [
        ("incident.create", "Bob Baker", bob.pk, None),
        ("incident.update", "API key automation", None, key_of_page.key.pk),
    ]
    # The timeline says who wrote each entry, as the audit log does.
    authors = list(
        incident.updates.order_by("display_at", "id").values_list("author_name", flat=True)
    )
    assert authors == ["Bob Baker", "API key automation"]
