"""A proposed incident reaches the team channels that chose to hear of proposals, once."""

from __future__ import annotations

import pytest

from candor.core import teamchannels
from tests.alerts.conftest import process
from tests.alerts.helpers import am_alert, am_payload
from tests.channels import formats
from tests.support.processes import drain


@pytest.mark.django_db
def test_a_proposal_is_posted_to_the_team_channels_that_want_it(
    page, hook, make_component, receiver, fast
):
    make_component("Help Desk")
    for path, events in (("/proposals", ["incident-proposed"]), ("/other", ["reminder"])):
        teamchannels.add_channel(
            page, by=None, mode="slack", name=path, endpoint=receiver.url(path), events=events
        )
    post = hook(mode="propose")
    labels = {"alertname": "Down", "component": "Help Desk", "severity": "critical"}
    post(am_payload(am_alert({**labels, "summary": "Help desk tickets fail"})))
    process()
    # A second alert joins the same proposal: the team is not told twice.
    post(am_payload(am_alert({**labels, "alertname": "Slow", "severity": "warning"})))
    process()
    drain()

    _test_message, proposed = receiver.at("/proposals")
    text = formats.all_text(formats.VALIDATE["slack"](proposed.json))
    assert "Prometheus proposes an incident" in text
    assert "/manage/" in text
    assert len(receiver.at("/other")) == 1  # its test message only
