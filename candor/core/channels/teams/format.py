"""A Teams message as the Workflows "Post to a channel when a webhook request is received"
template takes it: `{"type": "message", "attachments": [one Adaptive Card]}`, card version 1.5
(what Teams renders today), with an Action.OpenUrl to the incident. Text blocks use the Markdown
subset Adaptive Cards render (bold, italics, links, lists); code is shown as plain text."""

from __future__ import annotations

from typing import Any

from candor.core.channels.base import Channel
from candor.core.channels.markup import Dialect, convert
from candor.core.channels.message import Message

CARD_VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams refuses cards over about 28 KB: the update's text stays well within.
BODY_LIMIT = 8000
TITLE_LIMIT = 300


class CardMarkdown(Dialect):
    special = "\\*_`[]~#<>"

    def code(self, value: str) -> str:
        return self.text(value)

    def code_block(self, value: str) -> str:
        return self.text(value.rstrip("\n"))

    def quote(self, inner: str) -> str:
        return inner


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TeamsChannel(Channel):
    mode = "teams"
    order = 2
    label = "Microsoft Teams"
    hosts = (
        "*.logic.azure.com",
        "*.api.powerplatform.com",
        "*.powerautomate.com",
        "*.webhook.office.com",
    )
    path_prefix = "/"
    howto_url = (
        "https://support.microsoft.com/en-us/office/"
        "create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498"
    )
    example_url = "https://….logic.azure.com/workflows/… (or ….api.powerplatform.com)"

    def payload(self, message: Message) -> dict[str, Any]:
        dialect = CardMarkdown()
        body: list[dict[str, Any]] = [
            {
                "type": "TextBlock",
                "text": dialect.text(_cut(message.title, TITLE_LIMIT)),
                "size": "Large",
                "weight": "Bolder",
                "style": "heading",
                "wrap": True,
            },
        ]
        facts = []
        if message.status:
            facts.append({"title": "Status", "value": message.status})
        if message.impact_label:
            facts.append({"title": "Impact", "value": message.impact_label})
        facts += [{"title": name, "value": status} for name, status in message.components]
        if facts:
            body.append({"type": "FactSet", "facts": facts})
        text = convert(message.body, dialect, BODY_LIMIT, message.url)
        if text:
            body.append({"type": "TextBlock", "text": text, "wrap": True})
        footer = " · ".join(
            [dialect.text(message.page_name)]
            + [dialect.link(label, url) for label, url in message.links]
        )
        body.append(
            {"type": "TextBlock", "text": footer, "wrap": True, "size": "Small", "isSubtle": True}
        )
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": CARD_VERSION,
            "body": body,
            "actions": [{"type": "Action.OpenUrl", "title": message.button, "url": message.url}],
            "msteams": {"width": "Full"},
        }
        return {
            "type": "message",
            "summary": message.summary,
            "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": card}],
        }
