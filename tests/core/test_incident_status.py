"""One rule decides an incident's status and times: its timeline (services.incidents.settle).

Every writer (declare, post, edit, publish, revert) gets the same answer that posting the same
entries in display order would give.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candor.core import services, subscriptions
from candor.core.enums import ComponentStatus as CS
from candor.core.enums import Impact, IncidentStatus
from candor.core.models import AuditEntry, Component, Delivery, Incident, IncidentUpdate
from candor.core.services.incidents import derive_state


def state(incident):
    incident = Incident.objects.get(pk=incident.pk)
    return (
        incident.status,
        incident.monitoring_at,
        incident.resolved_at,
        incident.last_update_at,
        incident.backfilled,
    )


def posted_in_order(page, start, entries, **kwargs):
    """The reference: the same entries posted one by one, oldest first."""
    incident = services.declare_incident(
        page, by=None, name="Reference", started_at=start, display_at=start, **kwargs
    )
    for status, at in entries:
        services.post_update(incident, by=None, status=status, display_at=at)
    return incident


def entry(incident, status):
    return incident.updates.get(status=status)


@pytest.fixture
def start():
    return (timezone.now() - timedelta(hours=3)).replace(microsecond=0)


def test_edit_moving_an_entry_before_the_start_is_refused_and_writes_nothing(page, start):
    incident = services.declare_incident(
        page, by=None, name="Down", started_at=start, display_at=start
    )
    identified = services.post_update(
        incident, by=None, status="identified", message="Found it.", display_at=start
    )
    before = state(incident)
    with pytest.raises(ValidationError) as error:
        services.edit_update(
            identified, by=None, body="Rewritten.", display_at=start - timedelta(minutes=5)
        )
    assert list(error.value.message_dict) == ["display_at"]
    identified.refresh_from_db()
    assert (identified.body, identified.display_at) == ("Found it.", start)
    assert state(incident) == before
    assert not AuditEntry.objects.filter(action="incident_update.edit").exists()


def test_edit_moving_resolution_before_monitoring_reopens_as_post_update_would(
    page, make_component, start
):
    help_desk = make_component("Help Desk")
    monitoring_at, resolved_at = start + timedelta(minutes=30), start + timedelta(minutes=60)
    incident = posted_in_order(
        page,
        start,
        [("monitoring", monitoring_at), ("resolved", resolved_at)],
        impact=Impact.MAJOR,
        components=[help_desk],
    )
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED
    assert Component.objects.get(pk=help_desk.pk).status == CS.OPERATIONAL

    moved = start + timedelta(minutes=10)
    services.edit_update(entry(incident, "resolved"), by=None, display_at=moved)

    reference = posted_in_order(page, start, [("resolved", moved), ("monitoring", monitoring_at)])
    assert state(incident) == state(reference)
    assert state(incident) == ("monitoring", monitoring_at, None, monitoring_at, False)
    # Open again, it holds its component again.
    assert Component.objects.get(pk=help_desk.pk).status == CS.PARTIAL_OUTAGE


def test_edit_making_the_resolution_latest_resolves_and_frees_components(
    page, make_component, start
):
    help_desk = make_component("Help Desk")
    incident = posted_in_order(
        page,
        start,
        [
            ("resolved", start + timedelta(minutes=10)),
            ("monitoring", start + timedelta(minutes=30)),
        ],
        impact=Impact.MAJOR,
        components=[help_desk],
    )
    assert Component.objects.get(pk=help_desk.pk).status == CS.PARTIAL_OUTAGE

    moved = start + timedelta(minutes=45)
    services.edit_update(entry(incident, "resolved"), by=None, display_at=moved)

    assert state(incident) == ("resolved", start + timedelta(minutes=30), moved, moved, False)
    assert Component.objects.get(pk=help_desk.pk).status == CS.OPERATIONAL
    assert list(help_desk.status_changes.values_list("old_status", "new_status", "cause")) == [
        (CS.OPERATIONAL, CS.PARTIAL_OUTAGE, "incident"),
        (CS.PARTIAL_OUTAGE, CS.OPERATIONAL, "incident update"),
        (CS.OPERATIONAL, CS.PARTIAL_OUTAGE, "incident update"),
        (CS.PARTIAL_OUTAGE, CS.OPERATIONAL, "incident update edited"),
    ]


def test_revert_of_a_postmortem_derives_status_as_post_update_would(page, make_component, start):
    help_desk = make_component("Help Desk")
    resolved_at = start + timedelta(minutes=60)
    incident = posted_in_order(
        page, start, [("resolved", resolved_at)], impact=Impact.MAJOR, components=[help_desk]
    )
    services.save_postmortem(incident, by=None, title="Report")
    services.publish_postmortem(incident, by=None)
    # Posted after publishing, but dated before it: the postmortem entry stays the latest.
    reopened_at = timezone.now() - timedelta(minutes=30)
    services.post_update(incident, by=None, status="investigating", display_at=reopened_at)
    assert state(incident)[0] == IncidentStatus.POSTMORTEM

    services.revert_postmortem(incident, by=None)

    reference = posted_in_order(
        page, start, [("resolved", resolved_at), ("investigating", reopened_at)]
    )
    assert state(incident) == state(reference)
    assert state(incident) == ("investigating", None, None, reopened_at, False)
    assert Component.objects.get(pk=help_desk.pk).status == CS.PARTIAL_OUTAGE


def test_revert_returns_a_resolved_incident_to_its_resolution(page, start):
    resolved_at = start + timedelta(minutes=60)
    incident = posted_in_order(page, start, [("resolved", resolved_at)])
    services.save_postmortem(incident, by=None, title="Report")
    services.publish_postmortem(incident, by=None)
    services.revert_postmortem(incident, by=None)
    assert state(incident) == ("resolved", None, resolved_at, resolved_at, False)


def test_declaring_in_monitoring_dates_monitoring_from_the_first_entry(page, start):
    incident = services.declare_incident(
        page, by=None, name="Down", status="monitoring", display_at=start
    )
    assert state(incident) == ("monitoring", start, None, start, False)


def test_backdated_resolution_dates_the_resolution_earlier(page, start):
    """The resolution is the first Resolved entry after the last open one, wherever it was
    posted from."""
    incident = posted_in_order(
        page,
        start,
        [("identified", start + timedelta(minutes=10)), ("resolved", start + timedelta(hours=1))],
    )
    services.post_update(
        incident, by=None, status="resolved", display_at=start + timedelta(minutes=20)
    )
    assert state(incident) == (
        "resolved",
        None,
        start + timedelta(minutes=20),
        start + timedelta(hours=1),
        False,
    )


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        # (status of each entry, oldest first) -> (status, monitoring_at, resolved_at) as indexes
        (["investigating"], ("investigating", None, None)),
        (["resolved"], ("resolved", None, 0)),
        (["investigating", "monitoring", "monitoring"], ("monitoring", 1, None)),
        (["monitoring", "identified", "monitoring"], ("monitoring", 2, None)),
        (["investigating", "resolved", "resolved", "postmortem"], ("postmortem", None, 1)),
        (["investigating", "resolved", "identified"], ("identified", None, None)),
        (["monitoring", "resolved", "investigating", "resolved"], ("resolved", 0, 3)),
    ],
)
def test_derive_state_reads_status_and_times_off_the_timeline(statuses, expected):
    start = timezone.now()
    entries = [
        IncidentUpdate(status=s, display_at=start + timedelta(minutes=n))
        for n, s in enumerate(statuses)
    ]
    derived = derive_state(entries)
    status, monitoring, resolved = expected
    assert (derived.status, derived.monitoring_at, derived.resolved_at) == (
        status,
        None if monitoring is None else entries[monitoring].display_at,
        None if resolved is None else entries[resolved].display_at,
    )
    assert (derived.last_update_at, derived.latest) == (entries[-1].display_at, entries[-1])


def test_delete_removes_the_incidents_pending_deliveries(page):
    subscriptions.add_subscriber(page, by=None, mode="email", email="client@example.com")
    incident = services.declare_incident(page, by=None, name="Down")
    other = services.declare_incident(page, by=None, name="Elsewhere")
    assert Delivery.objects.count() == 2
    services.delete_incident(incident, by=None)
    assert list(Delivery.objects.values_list("update__incident", flat=True)) == [other.pk]
