"""A Discord webhook message: `content` (at most 2,000 characters: the line a notification
shows) and one embed (title ≤ 256, description ≤ 4,096, ≤ 25 fields of ≤ 1,024, all text
≤ 6,000) in the colour of the impact, with `allowed_mentions: {"parse": []}` so that no update
can ping @everyone, a role or a user, whatever its text says."""

from __future__ import annotations

import json
from typing import Any

from candor.core.channels.base import MAX_RETRY_AFTER, Channel
from candor.core.channels.markup import Dialect, convert
from candor.core.channels.message import Message
from candor.core.transports.webhook import Reply

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000

# Statuspage's colours of impact; resolved is green.
COLOURS = {"none": 0x2C7BE5, "minor": 0xF1C40F, "major": 0xE67E22, "critical": 0xE74C3C}
RESOLVED = 0x2ECC71
NEUTRAL = 0x95A5A6


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DiscordChannel(Channel):
    mode = "discord"
    order = 3
    label = "Discord"
    hosts = ("discord.com", "discordapp.com", "*.discord.com", "*.discordapp.com")
    path_prefix = "/api/webhooks/"
    howto_url = "https://support.discord.com/hc/en-us/articles/228383668-Intro-to-Webhooks"
    example_url = "https://discord.com/api/webhooks/"

    def retry_after(self, reply: Reply) -> float:
        """Discord says how long in its JSON body (`retry_after`, seconds), and in the header."""
        try:
            seconds = float(json.loads(reply.body)["retry_after"])
        except (ValueError, KeyError, TypeError):
            return super().retry_after(reply)
        return min(max(seconds, 1.0), MAX_RETRY_AFTER)

    def payload(self, message: Message) -> dict[str, Any]:
        dialect = Dialect()
        fields: list[dict[str, Any]] = []
        if message.status:
            fields.append({"name": "Status", "value": message.status, "inline": True})
        if message.impact_label:
            fields.append({"name": "Impact", "value": message.impact_label, "inline": True})
        if message.components:
            lines = [f"{dialect.text(n)}: {dialect.text(s)}" for n, s in message.components]
            value = ""
            for line in lines:
                if len(value) + len(line) + 1 > FIELD_VALUE_LIMIT - 2:
                    value += "\n…"
                    break
                value += ("\n" if value else "") + line
            fields.append({"name": "Affected components", "value": value, "inline": False})
        if message.links:
            value = " · ".join(dialect.link(label, url) for label, url in message.links)
            fields.append({"name": "Subscription", "value": value, "inline": False})
        title = _cut(message.title, TITLE_LIMIT)
        footer = _cut(message.page_name, FOOTER_LIMIT)
        used = len(title) + len(footer) + sum(len(f["name"]) + len(f["value"]) for f in fields)
        room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used)
        description = convert(message.body, dialect, room, message.url)
        colour = RESOLVED if message.resolved else COLOURS.get(message.impact, NEUTRAL)
        embed: dict[str, Any] = {
            "title": title,
            "url": message.url,
            "color": colour,
            "fields": fields[:FIELDS_LIMIT],
            "footer": {"text": footer},
        }
        if description:
            embed["description"] = description
        content = _cut(dialect.text(message.summary), CONTENT_LIMIT)
        return {"content": content, "embeds": [embed], "allowed_mentions": {"parse": []}}
