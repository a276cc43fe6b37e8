"""Status mode in process: payloads posted to the hook, processed by the worker's job."""

from __future__ import annotations

import pytest

from candor.core.models import Alert, AlertPayload, AuditEntry, ComponentStatusChange
from tests.alerts.conftest import process, status_of
from tests.alerts.helpers import am_alert, am_payload


@pytest.mark.django_db
def test_critical_alert_holds_component_at_major_outage_until_resolved(hook, make_component):
    helpdesk = make_component("Help Desk")
    post = hook()
    firing = am_alert(
        {"alertname": "HelpDeskDown", "component": "help desk", "severity": "critical"}
    )
    response = post(am_payload(firing))
    assert response.status_code == 202
    assert status_of(helpdesk) == "operational"  # the worker acts, not the request
    process()
    assert status_of(helpdesk) == "major_outage"
    change = ComponentStatusChange.objects.filter(component=helpdesk).last()
    assert change.cause == "alert HelpDeskDown (Prometheus)"
    entry = AuditEntry.objects.filter(action="alert.hold").get()
    assert entry.actor == "Integration Prometheus"
    assert AlertPayload.objects.get().outcome == [
        "'HelpDeskDown': firing. Holds Help Desk at Major Outage."
    ]

    post(am_payload({**firing, "status": "resolved", "endsAt": "2026-03-05T14:10:00Z"}))
    process()
    assert status_of(helpdesk) == "operational"
    assert AuditEntry.objects.filter(action="alert.release").get().actor == "Integration Prometheus"


@pytest.mark.django_db
def test_two_alerts_on_one_component_the_worse_wins(hook, make_component):
    helpdesk = make_component("Help Desk")
    post = hook()
    warning = am_alert({"alertname": "Slow", "component": "Help Desk", "severity": "warning"})
    critical = am_alert({"alertname": "Down", "component": "Help Desk", "severity": "critical"})
    post(am_payload(warning, critical))
    process()
    assert status_of(helpdesk) == "major_outage"
    post(am_payload({**critical, "status": "resolved", "endsAt": "2026-03-05T14:10:00Z"}))
    process()
    assert status_of(helpdesk) == "degraded_performance"


@pytest.mark.django_db
def test_the_same_payload_twice_changes_nothing(hook, make_component):
    helpdesk = make_component("Help Desk")
    post = hook()
    body = am_payload(
        am_alert({"alertname": "Down", "component": "Help Desk", "severity": "critical"})
    )
    post(body)
    process()
    changes = ComponentStatusChange.objects.count()
    audits = AuditEntry.objects.count()
    post(body)
    process()
    assert Alert.objects.count() == 1
    assert ComponentStatusChange.objects.count() == changes
    assert AuditEntry.objects.count() == audits
    assert status_of(helpdesk) == "major_outage"
    assert AlertPayload.objects.order_by("id").last().outcome[0].startswith("'Down': duplicate")
