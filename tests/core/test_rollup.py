"""The overall page status: every row of reference §2.6, and component-less incidents."""

import pytest

from candor.core import services
from candor.core.enums import ComponentStatus as CS
from candor.core.enums import Impact, Indicator
from candor.core.queries import Rollup, page_rollup, rollup

OP, DEG, PART, MAJ, MAINT = (
    CS.OPERATIONAL,
    CS.DEGRADED_PERFORMANCE,
    CS.PARTIAL_OUTAGE,
    CS.MAJOR_OUTAGE,
    CS.UNDER_MAINTENANCE,
)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([MAJ, MAJ], ("critical", "Major System Outage")),
        ([MAJ], ("critical", "Major System Outage")),
        ([MAJ, OP], ("major", "Partial System Outage")),
        ([MAJ, DEG, PART], ("major", "Partial System Outage")),
        ([PART, PART], ("major", "Partial System Outage")),
        ([PART], ("major", "Partial System Outage")),
        ([PART, OP], ("minor", "Minor Service Outage")),
        ([PART, DEG], ("minor", "Minor Service Outage")),
        ([DEG, DEG], ("minor", "Degraded System Service")),
        ([DEG], ("minor", "Degraded System Service")),
        ([DEG, OP], ("minor", "Partially Degraded Service")),
        ([MAINT], ("maintenance", "Service Under Maintenance")),
        ([MAINT, OP], ("maintenance", "Service Under Maintenance")),
        ([OP, OP], ("none", "All Systems Operational")),
        ([], ("none", "All Systems Operational")),
    ],
)
def test_rollup_follows_statuspage_table(statuses, expected):
    assert rollup(statuses) == Rollup(*expected)
    # One spelling of the indicators: the enum's.
    assert type(rollup(statuses).indicator) is Indicator


@pytest.mark.parametrize(
    ("impact", "expected"),
    [
        (Impact.NONE, ("none", "All Systems Operational")),
        (Impact.MINOR, ("minor", "Minor Service Outage")),
        (Impact.MAJOR, ("major", "Partial System Outage")),
        (Impact.CRITICAL, ("critical", "Major System Outage")),
    ],
)
def test_open_incident_without_components_raises_indicator_to_its_impact(
    page, make_component, impact, expected
):
    make_component("Help Desk")
    services.declare_incident(page, by=None, name="Something is off", impact=impact)
    assert page_rollup(page) == Rollup(*expected)


def test_component_rollup_wins_when_incident_has_components(page, make_component):
    help_desk, _ = make_component("Help Desk"), make_component("Email")
    services.declare_incident(
        page,
        by=None,
        name="Outage",
        impact=Impact.CRITICAL,
        components={help_desk: CS.PARTIAL_OUTAGE},
    )
    assert page_rollup(page) == Rollup("minor", "Minor Service Outage")


def test_resolved_incident_without_components_does_not_raise_indicator(page):
    incident = services.declare_incident(page, by=None, name="Outage", impact=Impact.CRITICAL)
    services.post_update(incident, by=None, status="resolved")
    assert page_rollup(page) == Rollup("none", "All Systems Operational")


def test_maintenance_baseline_rolls_up_to_maintenance(page, make_component):
    make_component("Help Desk", status=CS.UNDER_MAINTENANCE)
    make_component("Email")
    assert page_rollup(page) == Rollup("maintenance", "Service Under Maintenance")
