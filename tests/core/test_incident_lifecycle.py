"""Timeline, status workflow, retroactive incidents, deletion and postmortems (DESIGN §2)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candor.core import services
from candor.core.enums import ComponentStatus as CS
from candor.core.enums import Impact, IncidentStatus
from candor.core.models import (
    AffectedComponent,
    Component,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
    Postmortem,
    PostmortemTimelineEntry,
)
from candor.core.serializers import incident_json


def declare(page, **kwargs):
    kwargs.setdefault("name", "Help Desk Ticket Submission Disrupted")
    return services.declare_incident(page, by=None, **kwargs)


def test_first_timeline_entry_exists_with_initial_message(page):
    incident = declare(page, message="We are investigating.")
    assert list(incident.updates.values_list("status", "body")) == [
        ("investigating", "We are investigating.")
    ]


def test_first_timeline_entry_exists_without_initial_message(page):
    incident = declare(page)
    assert list(incident.updates.values_list("status", "body")) == [("investigating", "")]


def test_every_update_appends_one_entry_ordered_by_display_time(page):
    start = timezone.now() - timedelta(hours=2)
    incident = declare(page, display_at=start, message="Investigating.")
    services.post_update(
        incident,
        by=None,
        status="identified",
        message="Found it.",
        display_at=start + timedelta(minutes=17),
    )
    services.post_update(incident, by=None, status="monitoring", message="Fixed.")
    # A late correction, backdated between the first two entries.
    services.post_update(
        incident,
        by=None,
        status="investigating",
        message="More reports.",
        display_at=start + timedelta(minutes=5),
    )
    assert list(incident.updates.values_list("body", flat=True)) == [
        "Fixed.",
        "Found it.",
        "More reports.",
        "Investigating.",
    ]
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.MONITORING


def test_status_can_go_back_from_monitoring_to_investigating(page):
    incident = declare(page)
    services.post_update(incident, by=None, status="monitoring")
    services.post_update(incident, by=None, status="investigating", message="It is back.")
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.INVESTIGATING


def test_open_status_on_resolved_incident_reopens_it(page, make_component):
    help_desk = make_component()
    incident = declare(page, impact=Impact.MAJOR, components=[help_desk])
    services.post_update(incident, by=None, status="resolved")
    services.post_update(incident, by=None, status="identified", message="It recurred.")
    incident.refresh_from_db()
    assert (incident.status, incident.resolved_at, Component.objects.get().status) == (
        IncidentStatus.IDENTIFIED,
        None,
        CS.PARTIAL_OUTAGE,
    )


def test_resolving_sets_resolved_at_and_monitoring_sets_monitoring_at(page):
    incident = declare(page)
    monitoring = services.post_update(incident, by=None, status="monitoring")
    resolved = services.post_update(incident, by=None, status="resolved")
    incident.refresh_from_db()
    assert (incident.monitoring_at, incident.resolved_at) == (
        monitoring.display_at,
        resolved.display_at,
    )


def test_posting_postmortem_by_hand_is_refused(page):
    incident = declare(page)
    services.post_update(incident, by=None, status="resolved")
    with pytest.raises(ValidationError) as error:
        services.post_update(incident, by=None, status="postmortem")
    assert list(error.value.message_dict) == ["status"]
    assert incident.updates.count() == 2


def test_declaring_with_postmortem_status_is_refused(page):
    with pytest.raises(ValidationError) as error:
        declare(page, status="postmortem")
    assert list(error.value.message_dict) == ["status"]
    assert Incident.objects.count() == 0


# --- Retroactive incidents ---------------------------------------------------------------


def test_retroactive_incident_is_resolved_and_leaves_current_statuses(page, make_component):
    email = make_component("Email")
    started = timezone.now() - timedelta(days=2)
    incident = declare(
        page,
        name="Delayed emails",
        status="resolved",
        impact=Impact.CRITICAL,
        components=[email],
        message="Emails were delayed for 40 minutes.",
        started_at=started,
        resolved_at=started + timedelta(minutes=40),
    )
    incident.refresh_from_db()
    assert (incident.status, incident.backfilled, incident.started_at, incident.resolved_at) == (
        IncidentStatus.RESOLVED,
        True,
        started,
        started + timedelta(minutes=40),
    )
    assert Component.objects.get().status == CS.OPERATIONAL
    assert list(AffectedComponent.objects.values_list("component_id", "status")) == [
        (email.pk, CS.MAJOR_OUTAGE)
    ]
    assert incident.updates.get().display_at == started + timedelta(minutes=40)


def test_retroactive_incident_logs_its_window(page, make_component):
    email = make_component("Email")
    started = timezone.now() - timedelta(days=2)
    declare(
        page,
        status="resolved",
        impact=Impact.MINOR,
        components=[email],
        started_at=started,
        resolved_at=started + timedelta(minutes=40),
    )
    log = list(
        ComponentStatusChange.objects.values_list("at", "old_status", "new_status", "retroactive")
    )
    assert log == [
        (started, CS.OPERATIONAL, CS.DEGRADED_PERFORMANCE, True),
        (started + timedelta(minutes=40), CS.DEGRADED_PERFORMANCE, CS.OPERATIONAL, True),
    ]


def test_retroactive_incident_notifies_nobody_by_default(page):
    incident = declare(page, status="resolved", started_at=timezone.now() - timedelta(hours=1))
    assert incident.updates.get().deliver_notifications is False


@pytest.mark.parametrize(
    ("field", "started", "resolved"),
    [
        ("resolved_at", timedelta(hours=-1), timedelta(hours=-2)),  # end before start
        ("started_at", timedelta(hours=2), None),  # start in the future
        ("resolved_at", timedelta(hours=-2), timedelta(hours=1)),  # end in the future
        ("started_at", None, timedelta(hours=-1)),  # no start
    ],
)
def test_retroactive_incident_with_bad_window_is_refused(page, field, started, resolved):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        declare(
            page,
            status="resolved",
            started_at=now + started if started is not None else None,
            resolved_at=now + resolved if resolved is not None else None,
        )
    assert list(error.value.message_dict) == [field]
    assert (Incident.objects.count(), IncidentUpdate.objects.count()) == (0, 0)


# --- Deletion ------------------------------------------------------------------------------


def test_delete_removes_incident_updates_postmortem_and_recomputes(page, make_component):
    help_desk = make_component()
    incident = declare(page, impact=Impact.CRITICAL, components=[help_desk])
    other = declare(page, name="Unrelated")
    services.post_update(incident, by=None, status="identified")
    services.delete_incident(incident, by=None)
    assert list(Incident.objects.values_list("pk", flat=True)) == [other.pk]
    assert IncidentUpdate.objects.filter(incident_id=incident.pk).count() == 0
    assert AffectedComponent.objects.count() == 0
    assert Component.objects.get().status == CS.OPERATIONAL


def test_delete_removes_postmortem(page):
    incident = declare(page, status="resolved", started_at=timezone.now() - timedelta(hours=1))
    services.save_postmortem(
        incident, by=None, title="Report", timeline=[(timezone.now(), "Found")]
    )
    services.delete_incident(incident, by=None)
    assert (Postmortem.objects.count(), PostmortemTimelineEntry.objects.count()) == (0, 0)


def test_update_to_deleted_incident_is_refused(page):
    incident = declare(page)
    services.delete_incident(incident, by=None)
    with pytest.raises(ValidationError) as error:
        services.post_update(incident, by=None, status="identified", message="Still here?")
    assert list(error.value.message_dict) == ["incident"]
    assert IncidentUpdate.objects.count() == 0


# --- Postmortems --------------------------------------------------------------------------


def resolved_incident(page):
    incident = declare(page, message="Investigating.")
    services.post_update(incident, by=None, status="resolved", message="Fixed.")
    return incident


def test_postmortem_is_refused_on_open_incident(page):
    incident = declare(page)
    with pytest.raises(ValidationError) as error:
        services.save_postmortem(incident, by=None, title="Too early")
    assert list(error.value.message_dict) == ["incident"]
    assert Postmortem.objects.count() == 0


def test_postmortem_draft_is_not_public(page):
    incident = resolved_incident(page)
    services.save_postmortem(incident, by=None, title="Report", summary="What happened.")
    incident = Incident.objects.select_related("postmortem").get(pk=incident.pk)
    data = incident_json(incident, page, manage=True)
    assert (incident.status, data["postmortem_body"], data["postmortem_published_at"]) == (
        IncidentStatus.RESOLVED,
        None,
        None,
    )


def test_postmortem_saved_twice_keeps_one_draft_with_latest_fields(page):
    incident = resolved_incident(page)
    services.save_postmortem(incident, by=None, title="Draft 1", summary="First.")
    services.save_postmortem(
        incident, by=None, title="Draft 2", timeline=[(timezone.now(), "Alert fired")]
    )
    postmortem = Postmortem.objects.get()
    assert (postmortem.title, postmortem.summary, postmortem.timeline.count()) == (
        "Draft 2",
        "First.",
        1,
    )


def test_publishing_postmortem_sets_status_and_adds_entry(page):
    incident = resolved_incident(page)
    services.save_postmortem(incident, by=None, title="Post-Incident Report")
    services.publish_postmortem(incident, by=None)
    incident.refresh_from_db()
    latest = incident.updates.first()
    assert (incident.status, latest.status, latest.deliver_notifications) == (
        IncidentStatus.POSTMORTEM,
        IncidentStatus.POSTMORTEM,
        False,
    )
    assert Postmortem.objects.get().is_published


def test_reverting_postmortem_returns_incident_to_resolved(page):
    incident = resolved_incident(page)
    services.save_postmortem(incident, by=None, title="Post-Incident Report")
    services.publish_postmortem(incident, by=None)
    services.revert_postmortem(incident, by=None)
    incident.refresh_from_db()
    assert (incident.status, incident.updates.count(), Postmortem.objects.get().is_published) == (
        IncidentStatus.RESOLVED,
        2,
        False,
    )


def test_publishing_empty_postmortem_is_refused(page):
    incident = resolved_incident(page)
    services.save_postmortem(incident, by=None)
    with pytest.raises(ValidationError) as error:
        services.publish_postmortem(incident, by=None)
    assert list(error.value.message_dict) == ["postmortem"]
    assert Incident.objects.get().status == IncidentStatus.RESOLVED
