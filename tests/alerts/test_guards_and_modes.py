"""Guards (hold-down, clear delay, flapping), incidents as another layer, modes propose and
incident. The worker's job runs in process; time passes for real (seconds, never asserted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest

from candor.core import services
from candor.core.models import (
    Alert,
    AlertPayload,
    AuditEntry,
    Delivery,
    Incident,
    ProposedIncident,
)
from candor.core.services import alerts, integrations
from tests.alerts.conftest import process, status_of
from tests.alerts.helpers import am_alert, am_payload
from tests.support.processes import drain, wait_until


def now() -> datetime:
    return datetime.now(UTC)


def down(severity: str = "critical", name: str = "Down", **kwargs) -> dict:
    labels = {"alertname": name, "component": "Help Desk", "severity": severity}
    return am_alert(labels, **kwargs)


def resolved(alert: dict) -> dict:
    return {**alert, "status": "resolved", "endsAt": now().isoformat()}


@pytest.mark.django_db
def test_hold_down_acts_only_after_the_alert_fired_long_enough(hook, make_component):
    helpdesk = make_component("Help Desk")
    post = hook(hold_down_seconds=2)
    post(am_payload(down(starts_at=now())))
    process()
    assert status_of(helpdesk) == "operational"
    assert "Held down until" in AlertPayload.objects.get().outcome[0]
    assert 0 < alerts.settle_due() <= 2  # the worker is told when to come back
    wait_until(lambda: alerts.settle_due() is None and status_of(helpdesk) == "major_outage")


@pytest.mark.django_db
def test_an_alert_already_past_its_hold_down_acts_at_once(hook, make_component):
    helpdesk = make_component("Help Desk")
    hook(hold_down_seconds=60)(am_payload(down(starts_at=now() - timedelta(minutes=5))))
    process()
    assert status_of(helpdesk) == "major_outage"


@pytest.mark.django_db
def test_clear_delay_releases_only_after_the_alert_stayed_resolved(hook, make_component):
    helpdesk = make_component("Help Desk")
    post = hook(clear_delay_seconds=2)
    alert = down(starts_at=now() - timedelta(minutes=1))
    post(am_payload(alert))
    process()
    post(am_payload(resolved(alert)))
    process()
    assert status_of(helpdesk) == "major_outage"
    wait_until(lambda: alerts.settle_due() is None and status_of(helpdesk) == "operational")


@pytest.mark.django_db
def test_flapping_freezes_the_integration_and_says_so(hook, make_component, alice, smtp):
    helpdesk = make_component("Help Desk")
    post = hook(flap_limit=2)
    for minute in (1, 2):
        alert = down(starts_at=now() - timedelta(minutes=10 - minute))
        post(am_payload(alert))
        process()
        post(am_payload(resolved(alert)))
        process()
    assert status_of(helpdesk) == "operational"
    integration = post.integration
    integration.refresh_from_db()
    assert integration.frozen_at is not None
    assert AuditEntry.objects.filter(action="integration.freeze").count() == 1
    drain()
    [mail] = smtp.handler.to("alice@example.com")
    assert mail["Subject"] == (
        "Monitoring stopped changing Acme Status: an integration is flapping"
    )
    assert "Prometheus (more than 2 changes an hour)" in mail.get_body(("plain",)).get_content()
    # Frozen: the next alert is recorded and not acted on.
    post(am_payload(down(name="Again", starts_at=now())))
    process()
    assert status_of(helpdesk) == "operational"
    assert "frozen" in AlertPayload.objects.order_by("id").last().outcome[0]
    # A person unfreezes it: what its alerts say now is applied.
    integrations.unfreeze_integration(integration, by=alice)
    assert status_of(helpdesk) == "major_outage"


@pytest.mark.django_db
def test_open_critical_incident_is_not_overridden_by_a_warning_alert(hook, make_component):
    helpdesk = make_component("Help Desk")
    incident = services.declare_incident(
        helpdesk.page, by=None, name="Help Desk down", impact="critical", components=[helpdesk]
    )
    post = hook()
    warning = down("warning")
    post(am_payload(warning))
    process()
    assert status_of(helpdesk) == "major_outage"
    services.post_update(incident, by=None, status="resolved", message="Fixed.")
    assert status_of(helpdesk) == "degraded_performance"  # the alert still holds it
    post(am_payload(resolved(warning)))
    process()
    assert status_of(helpdesk) == "operational"


@pytest.mark.django_db
def test_revoking_an_integration_lets_go_of_its_components(hook, make_component, alice):
    helpdesk = make_component("Help Desk")
    post = hook()
    post(am_payload(down()))
    process()
    integrations.revoke_integration(post.integration, by=alice)
    assert status_of(helpdesk) == "operational"
    assert Alert.objects.get().acting is False


@pytest.mark.django_db
def test_propose_mode_holds_the_status_and_proposes_an_unpublished_incident(
    hook, make_component, subscribe
):
    helpdesk = make_component("Help Desk")
    subscribe("client@example.com")
    post = hook(mode="propose")
    post(am_payload(down(summary="Help desk tickets fail")))
    process()
    assert status_of(helpdesk) == "major_outage"
    proposal = ProposedIncident.objects.get()
    assert (proposal.title, proposal.impact, proposal.state) == (
        "Help desk tickets fail",
        "critical",
        "open",
    )
    assert list(proposal.components.all()) == [helpdesk]
    assert Incident.objects.count() == 0
    # A status change mails nobody (webhooks only); the proposal notifies nobody either.
    assert Delivery.objects.count() == 0
    # A second alert on the same component joins the same proposal.
    post(am_payload(down("warning", name="Slow")))
    process()
    assert ProposedIncident.objects.count() == 1
    integrations.dismiss_proposal(proposal, by=None)
    proposal.refresh_from_db()
    assert proposal.state == "dismissed"


@pytest.mark.django_db
def test_incident_mode_opens_and_resolves_a_public_incident(hook, make_component, subscribe):
    helpdesk = make_component("Help Desk")
    subscribe("client@example.com")
    post = hook(mode="incident")
    alert = down(summary="Help desk tickets fail")
    post(am_payload(alert))
    process()
    incident = Incident.objects.get()
    assert (incident.name, incident.status, incident.impact) == (
        "Help desk tickets fail",
        "investigating",
        "critical",
    )
    assert status_of(helpdesk) == "major_outage"
    assert incident.updates.get().author_name == "Integration Prometheus"
    assert Delivery.objects.filter(update__incident=incident).count() == 1
    post(am_payload(resolved(alert)))
    process()
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert status_of(helpdesk) == "operational"
    assert Delivery.objects.filter(update__incident=incident).count() == 2
    assert AuditEntry.objects.filter(action="incident.update").get().actor == (
        "Integration Prometheus"
    )


@pytest.mark.django_db
def test_incident_mode_raises_its_incident_when_a_worse_alert_joins(hook, make_component):
    helpdesk = make_component("Help Desk")
    post = hook(mode="incident")
    warning = down("warning", name="Slow", summary="Help desk is slow")
    critical = down("critical", name="Down")
    post(am_payload(warning))
    process()
    incident = Incident.objects.get()
    assert incident.impact == "minor"
    post(am_payload(critical))
    process()
    incident.refresh_from_db()
    assert (incident.impact, incident.updates.count()) == ("critical", 2)
    assert status_of(helpdesk) == "major_outage"
    post(am_payload(resolved(critical)))
    process()
    incident.refresh_from_db()
    assert incident.status == "investigating"  # the warning still fires
    post(am_payload(resolved(warning)))
    process()
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert status_of(helpdesk) == "operational"


@pytest.mark.django_db
def test_incident_mode_leaves_an_incident_a_person_edited_alone(hook, make_component, alice):
    make_component("Help Desk")
    post = hook(mode="incident")
    alert = down()
    post(am_payload(alert))
    process()
    incident = Incident.objects.get()
    services.post_update(incident, by=alice, status="identified", message="It is the database.")
    post(am_payload(resolved(alert)))
    process()
    incident.refresh_from_db()
    assert incident.status == "identified"
    assert incident.updates.count() == 2
    assert "changed by a person" in AlertPayload.objects.order_by("id").last().outcome[0]


@pytest.mark.django_db
def test_prune_removes_old_payloads_and_resolved_alerts_only(hook, make_component):
    from django.core.management import call_command

    make_component("Help Desk")
    post = hook()
    old = down(name="Old", starts_at=now() - timedelta(days=120))
    post(am_payload(old))
    post(
        am_payload(
            {**old, "status": "resolved", "endsAt": (now() - timedelta(days=100)).isoformat()}
        )
    )
    post(am_payload(down(name="Firing")))
    process()
    AlertPayload.objects.update(received_at=now() - timedelta(days=100))
    call_command("prune", stdout=StringIO())
    assert AlertPayload.objects.count() == 0
    assert list(Alert.objects.values_list("name", flat=True)) == ["Firing"]


@pytest.mark.django_db
def test_changes_on_different_components_are_not_flapping(hook, make_component):
    make_component("Help Desk")
    email = make_component("Email")
    post = hook(flap_limit=2)
    alert = down(starts_at=now() - timedelta(minutes=5))
    post(am_payload(alert))
    process()
    post(am_payload(resolved(alert)))
    process()
    post(am_payload(am_alert({"alertname": "Mail", "component": "Email", "severity": "critical"})))
    process()
    post.integration.refresh_from_db()
    assert post.integration.frozen_at is None
    assert status_of(email) == "major_outage"
