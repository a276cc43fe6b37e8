"""Alerts for a component under a maintenance window in progress are recorded, not acted on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from candor.core.models import AlertPayload
from candor.core.services import maintenance
from candor.core.services.base import now
from tests.alerts.conftest import process, status_of
from tests.alerts.helpers import am_alert, am_payload


def window(page, components):
    begin = now() + timedelta(hours=1)
    return maintenance.schedule_maintenance(
        page,
        by=None,
        name="Database upgrade",
        scheduled_for=begin,
        scheduled_until=begin + timedelta(hours=1),
        components=components,
        message="We are upgrading the database.",
        flags=maintenance.Flags(),
    )


@pytest.mark.django_db
def test_an_alert_during_a_window_in_progress_is_recorded_and_not_acted_on(
    page, hook, make_component
):
    helpdesk, api = make_component("Help Desk"), make_component("API")
    planned = window(page, [helpdesk])
    maintenance.start_maintenance(planned, by=None)
    post = hook()
    post(
        am_payload(
            am_alert({"alertname": "Down", "component": "Help Desk", "severity": "critical"}),
            am_alert({"alertname": "Slow", "component": "API", "severity": "warning"}),
        )
    )
    process()
    assert status_of(helpdesk) == "under_maintenance"
    assert status_of(api) == "degraded_performance"  # outside the window: acted on
    outcome = " ".join(AlertPayload.objects.get().outcome)
    assert "in maintenance" in outcome

    maintenance.complete_maintenance(planned, by=None)
    # That payload is spent; Alertmanager repeats a firing alert, and the next one acts.
    assert status_of(helpdesk) == "operational"


@pytest.mark.django_db
def test_a_scheduled_window_not_yet_started_does_not_silence_alerts(page, hook, make_component):
    helpdesk = make_component("Help Desk")
    window(page, [helpdesk])
    hook()(
        am_payload(
            am_alert({"alertname": "Down", "component": "Help Desk", "severity": "critical"})
        )
    )
    process()
    assert status_of(helpdesk) == "major_outage"
