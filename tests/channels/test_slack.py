"""Slack's own rules: its hosts, its header limit, its fallback text."""

import pytest
from django.core.exceptions import ValidationError

from candor.core import subscriptions
from candor.core.channels import channel_for
from candor.core.channels.message import Message
from candor.core.models import Subscriber
from tests.channels import formats


def test_only_slack_incoming_webhooks_are_accepted(page, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    for url in (
        "https://example.com/services/T0/B0/x",
        "http://hooks.slack.com/services/T0/B0/x",  # not https
        "https://hooks.slack.com.evil.example/services/T0/B0/x",
        "https://hooks.slack.com/other/T0",
    ):
        with pytest.raises(ValidationError) as refused:
            subscriptions.add_subscriber(page, by=None, mode="slack", endpoint=url)
        [message] = refused.value.message_dict["endpoint"]
        assert "not a Slack incoming-webhook URL" in message, url
    assert channel_for("slack").url_problem("https://hooks.slack.com/services/T0/B0/x") == ""
    assert Subscriber.objects.count() == 0


def test_a_long_title_fits_the_header_and_the_fallback_names_the_page():
    message = Message(
        page_name="Acme", title="&" * 400, url="https://s.example/i/1", status="Identified"
    )
    data = formats.slack(channel_for("slack").payload(message))
    header = data["blocks"][0]["text"]["text"]
    assert len(header) <= 150 and header.endswith("…") and "&amp;" in header
    assert data["text"].startswith("[Acme] Identified: ")
    assert data["unfurl_links"] is False
