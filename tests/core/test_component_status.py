"""Effective component status: impact mapping, overrides, overlaps and baselines (DESIGN §2)."""

import pytest

from candor.core import services
from candor.core.enums import ComponentStatus as CS
from candor.core.enums import Impact, IncidentStatus
from candor.core.models import Component, ComponentStatusChange


def status(component: Component) -> str:
    return Component.objects.get(pk=component.pk).status


@pytest.mark.parametrize(
    ("impact", "expected"),
    [
        (Impact.NONE, CS.OPERATIONAL),
        (Impact.MINOR, CS.DEGRADED_PERFORMANCE),
        (Impact.MAJOR, CS.PARTIAL_OUTAGE),
        (Impact.CRITICAL, CS.MAJOR_OUTAGE),
    ],
)
def test_impact_sets_affected_component_status(page, make_component, impact, expected):
    help_desk = make_component("Help Desk")
    services.declare_incident(
        page, by=None, name="Ticket submission failing", impact=impact, components=[help_desk]
    )
    assert status(help_desk) == expected


def test_impact_leaves_unaffected_components_alone(page, make_component):
    help_desk, email = make_component("Help Desk"), make_component("Email")
    services.declare_incident(
        page, by=None, name="Outage", impact=Impact.CRITICAL, components=[help_desk]
    )
    assert (status(help_desk), status(email)) == (CS.MAJOR_OUTAGE, CS.OPERATIONAL)


def test_component_override_wins_over_impact(page, make_component):
    help_desk, email = make_component("Help Desk"), make_component("Email")
    services.declare_incident(
        page,
        by=None,
        name="Outage",
        impact=Impact.CRITICAL,
        components={help_desk: CS.DEGRADED_PERFORMANCE, email: None},
    )
    assert (status(help_desk), status(email)) == (CS.DEGRADED_PERFORMANCE, CS.MAJOR_OUTAGE)


def test_impact_change_reapplies_only_to_components_not_set_by_hand(page, make_component):
    manual, automatic = make_component("Help Desk"), make_component("Email")
    incident = services.declare_incident(
        page,
        by=None,
        name="Outage",
        impact=Impact.MINOR,
        components={manual: CS.PARTIAL_OUTAGE, automatic: None},
    )
    services.post_update(
        incident, by=None, status=IncidentStatus.IDENTIFIED, impact=Impact.CRITICAL
    )
    assert (status(manual), status(automatic)) == (CS.PARTIAL_OUTAGE, CS.MAJOR_OUTAGE)


def test_update_can_set_one_component_by_hand(page, make_component):
    help_desk = make_component("Help Desk")
    incident = services.declare_incident(
        page, by=None, name="Outage", impact=Impact.MAJOR, components=[help_desk]
    )
    services.post_update(
        incident,
        by=None,
        status=IncidentStatus.MONITORING,
        components={help_desk: CS.DEGRADED_PERFORMANCE},
    )
    services.post_update(
        incident, by=None, status=IncidentStatus.MONITORING, impact=Impact.CRITICAL
    )
    assert status(help_desk) == CS.DEGRADED_PERFORMANCE


def test_overlapping_incidents_resolving_first_keeps_second(page, make_component):
    help_desk = make_component("Help Desk")
    first = services.declare_incident(
        page, by=None, name="Database", impact=Impact.CRITICAL, components=[help_desk]
    )
    second = services.declare_incident(
        page, by=None, name="Mail relay", impact=Impact.MINOR, components=[help_desk]
    )
    services.post_update(first, by=None, status=IncidentStatus.RESOLVED, message="Fixed.")
    assert status(help_desk) == CS.DEGRADED_PERFORMANCE
    services.post_update(second, by=None, status=IncidentStatus.RESOLVED, message="Fixed.")
    assert status(help_desk) == CS.OPERATIONAL


def test_overlapping_incidents_return_component_to_non_operational_baseline(page, make_component):
    help_desk = make_component("Help Desk", status=CS.UNDER_MAINTENANCE)
    first = services.declare_incident(
        page, by=None, name="Database", impact=Impact.MAJOR, components=[help_desk]
    )
    second = services.declare_incident(
        page, by=None, name="Mail relay", impact=Impact.CRITICAL, components=[help_desk]
    )
    services.post_update(second, by=None, status=IncidentStatus.RESOLVED)
    assert status(help_desk) == CS.PARTIAL_OUTAGE
    services.post_update(first, by=None, status=IncidentStatus.RESOLVED)
    assert status(help_desk) == CS.UNDER_MAINTENANCE


def test_baseline_change_during_incident_is_invisible_until_resolved(page, make_component):
    help_desk = make_component("Help Desk")
    incident = services.declare_incident(
        page, by=None, name="Outage", impact=Impact.MAJOR, components=[help_desk]
    )
    services.set_baseline_status(help_desk, by=None, status=CS.DEGRADED_PERFORMANCE)
    assert status(help_desk) == CS.PARTIAL_OUTAGE
    services.post_update(incident, by=None, status=IncidentStatus.RESOLVED)
    assert status(help_desk) == CS.DEGRADED_PERFORMANCE


def test_worse_baseline_during_incident_shows_at_once(page, make_component):
    help_desk = make_component("Help Desk")
    services.declare_incident(
        page, by=None, name="Outage", impact=Impact.MINOR, components=[help_desk]
    )
    services.set_baseline_status(help_desk, by=None, status=CS.MAJOR_OUTAGE)
    assert status(help_desk) == CS.MAJOR_OUTAGE


def test_every_effective_change_is_logged_with_its_cause(page, make_component):
    help_desk = make_component("Help Desk")
    incident = services.declare_incident(
        page, by=None, name="Outage", impact=Impact.MAJOR, components=[help_desk]
    )
    services.post_update(incident, by=None, status=IncidentStatus.RESOLVED)
    log = list(
        ComponentStatusChange.objects.filter(component=help_desk).values_list(
            "old_status", "new_status", "incident_id", "retroactive"
        )
    )
    assert log == [
        (CS.OPERATIONAL, CS.PARTIAL_OUTAGE, incident.pk, False),
        (CS.PARTIAL_OUTAGE, CS.OPERATIONAL, incident.pk, False),
    ]


def test_each_effective_change_logs_one_row_whichever_service_causes_it(page, make_component):
    help_desk = make_component("Help Desk", status=CS.DEGRADED_PERFORMANCE)
    assert help_desk.status == CS.DEGRADED_PERFORMANCE
    services.update_component(help_desk, by=None, status=CS.OPERATIONAL, name="Helpdesk")
    services.update_component(help_desk, by=None, description="Tickets")  # no status change
    incident = services.declare_incident(
        page, by=None, name="Outage", impact=Impact.MAJOR, components=[help_desk]
    )
    services.post_update(incident, by=None, status="identified", impact=Impact.CRITICAL)
    services.post_update(incident, by=None, status="monitoring")  # no status change
    resolved = services.post_update(incident, by=None, status=IncidentStatus.RESOLVED)
    services.save_postmortem(incident, by=None, title="Report")
    services.publish_postmortem(incident, by=None)
    services.revert_postmortem(incident, by=None)
    services.edit_update(resolved, by=None, body="Fixed.")
    other = services.declare_incident(
        page, by=None, name="Again", impact=Impact.MINOR, components=[help_desk]
    )
    services.delete_incident(other, by=None)

    log = list(
        ComponentStatusChange.objects.filter(component=help_desk).values_list(
            "old_status", "new_status", "cause"
        )
    )
    assert log == [
        (CS.OPERATIONAL, CS.DEGRADED_PERFORMANCE, "component created"),
        (CS.DEGRADED_PERFORMANCE, CS.OPERATIONAL, "baseline"),
        (CS.OPERATIONAL, CS.PARTIAL_OUTAGE, "incident"),
        (CS.PARTIAL_OUTAGE, CS.MAJOR_OUTAGE, "incident update"),
        (CS.MAJOR_OUTAGE, CS.OPERATIONAL, "incident update"),
        (CS.OPERATIONAL, CS.DEGRADED_PERFORMANCE, "incident"),
        (CS.DEGRADED_PERFORMANCE, CS.OPERATIONAL, "incident deleted"),
    ]
    assert status(help_desk) == log[-1][1]


def test_update_snapshot_records_old_and_new_effective_status(page, make_component):
    help_desk = make_component("Help Desk")
    incident = services.declare_incident(
        page, by=None, name="Outage", impact=Impact.MAJOR, components=[help_desk]
    )
    update = services.post_update(incident, by=None, status=IncidentStatus.RESOLVED)
    first = incident.updates.order_by("display_at").first()
    assert first.affected_components == [
        {
            "code": help_desk.pk,
            "name": "Help Desk",
            "old_status": "operational",
            "new_status": "partial_outage",
        }
    ]
    assert update.affected_components == [
        {
            "code": help_desk.pk,
            "name": "Help Desk",
            "old_status": "partial_outage",
            "new_status": "operational",
        }
    ]


def test_update_snapshot_names_grouped_component_with_its_group(page):
    group = services.create_group(page, by=None, name="Help Desk")
    tickets = services.create_component(page, by=None, name="Tickets", group=group)
    incident = services.declare_incident(
        page, by=None, name="Outage", impact=Impact.MINOR, components=[tickets]
    )
    assert incident.updates.get().affected_components[0]["name"] == "Help Desk - Tickets"
