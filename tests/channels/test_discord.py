"""Discord's own rules: its hosts and path, the impact's colour, no mentions."""

import pytest

from candor.core.channels import channel_for
from candor.core.channels.discord.format import COLOURS, RESOLVED
from candor.core.channels.message import Message
from tests.channels import formats


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://discord.com/api/webhooks/123/abc", True),
        ("https://discordapp.com/api/webhooks/123/abc", True),
        ("https://discord.com/channels/123", False),
        ("https://discord.com.example.net/api/webhooks/1/a", False),
    ],
)
def test_discord_webhook_urls(url, ok, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    assert (channel_for("discord").url_problem(url) == "") is ok


@pytest.mark.parametrize("impact", ["none", "minor", "major", "critical"])
def test_the_embed_has_the_colour_of_the_impact(impact):
    message = Message(page_name="Acme", title="Outage", url="https://s.example/i/1", impact=impact)
    data = formats.discord(channel_for("discord").payload(message))
    assert data["embeds"][0]["color"] == COLOURS[impact]
    resolved = Message(
        page_name="Acme", title="Outage", url="https://s.example/i/1", impact=impact, resolved=True
    )
    assert channel_for("discord").payload(resolved)["embeds"][0]["color"] == RESOLVED


def test_many_components_stay_within_a_field_and_the_embed_total():
    message = Message(
        page_name="Acme",
        title="T" * 400,
        url="https://s.example/i/1",
        body="word " * 3000,
        components=tuple((f"Component number {n}", "Major Outage") for n in range(200)),
        status="Identified",
        impact="major",
    ).for_subscriber("sub1")
    data = formats.discord(channel_for("discord").payload(message))
    embed = data["embeds"][0]
    assert len(embed["title"]) == 256
    assert embed["description"].endswith("[Read more](https://s.example/i/1)")
