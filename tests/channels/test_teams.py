"""Teams' own rules: Workflows hosts (and the legacy connector's), the card's shape."""

import pytest
from django.core.exceptions import ValidationError

from candor.core import subscriptions
from candor.core.channels import channel_for
from candor.core.channels.message import Message
from tests.channels import formats


@pytest.mark.parametrize(
    "url",
    [
        "https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke",
        "https://default0a.c1.environment.api.powerplatform.com/powerautomate/automations/x",
        "https://x.powerautomate.com/workflows/abc",
        "https://acme.webhook.office.com/webhookb2/abc",
    ],
)
def test_workflows_hosts_are_teams_urls(url, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    assert channel_for("teams").url_problem(url) == ""


def test_another_host_is_refused(page, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    with pytest.raises(ValidationError) as refused:
        subscriptions.add_subscriber(
            page, by=None, mode="teams", endpoint="https://logic.azure.com.example.org/w"
        )
    assert "not a Microsoft Teams incoming-webhook URL" in refused.value.message_dict["endpoint"][0]


def test_one_adaptive_card_of_version_1_5_with_an_open_url_action():
    message = Message(
        page_name="Acme",
        title="Outage",
        url="https://s.example/incidents/1",
        status="Investigating",
        impact="minor",
        components=(("API", "Degraded Performance"),),
    )
    data = formats.teams(channel_for("teams").payload(message))
    card = data["attachments"][0]["content"]
    assert card["version"] == "1.5"
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "View incident", "url": "https://s.example/incidents/1"}
    ]
    facts = next(e for e in card["body"] if e["type"] == "FactSet")["facts"]
    assert {"title": "API", "value": "Degraded Performance"} in facts
    assert {"title": "Impact", "value": "Minor"} in facts
