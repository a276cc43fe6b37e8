"""Two `candor worker` processes on the same payloads act exactly once."""

from __future__ import annotations

import pytest

from candor.core.models import Alert, AlertPayload, AuditEntry, ComponentStatusChange
from tests.alerts.conftest import status_of
from tests.alerts.helpers import am_alert, am_payload
from tests.support.processes import wait_until, worker_env


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_process_each_payload_once(hook, make_component, workers):
    helpdesk = make_component("Help Desk")
    post = hook()
    env = worker_env()
    workers(env)
    workers(env)
    for i in range(6):
        body = am_payload(
            am_alert({"alertname": f"Down{i}", "component": "Help Desk", "severity": "critical"})
        )
        assert post(body).status_code == 202
        assert post(body).status_code == 202  # Alertmanager retrying: the same payload again

    def done() -> bool:
        return not AlertPayload.objects.filter(processed_at__isnull=True).exists()

    wait_until(done, timeout=60)
    assert status_of(helpdesk) == "major_outage"
    assert Alert.objects.count() == 6
    assert AuditEntry.objects.filter(action="alert.hold").count() == 6
    changes = ComponentStatusChange.objects.filter(component=helpdesk, cause__startswith="alert")
    assert changes.count() == 1
    outcomes = [p.outcome[0] for p in AlertPayload.objects.order_by("id")]
    assert sum("duplicate" in line for line in outcomes) == 6
