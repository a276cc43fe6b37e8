"""A Slack message: `text` (what a phone's notification shows) and Block Kit `blocks`: header,
status and impact, affected components, the update as mrkdwn, a button to the incident, and the
subscription's links. Within Slack's limits: 50 blocks, 3,000 characters a section's text,
150 a header; `&`, `<` and `>` escaped everywhere (so `<!channel>` is text, never a ping)."""

from __future__ import annotations

from typing import Any

from candor.core.channels.base import Channel
from candor.core.channels.markup import ZWSP, Dialect, convert
from candor.core.channels.message import Message

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
BUTTON_TEXT_LIMIT = 75


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Mrkdwn(Dialect):
    def text(self, value: str) -> str:
        # Slack has no backslash escapes: a zero-width space before a formatting character
        # keeps it from pairing up into bold, italics, strike or code.
        out = escape(value)
        for c in "*_~`":
            out = out.replace(c, ZWSP + c)
        return out

    def raw(self, value: str) -> str:
        return escape(value)

    def strong(self, inner: str) -> str:
        return f"*{inner}*" if inner.strip() else inner

    def link(self, inner: str, url: str) -> str:
        return f"<{_url(url)}|{inner}>" if inner else f"<{_url(url)}>"

    def bullet(self) -> str:
        return "•"


def _url(url: str) -> str:
    return escape(url).replace("|", "%7C").replace(" ", "%20")


def _fit(text: str, limit: int) -> str:
    """Escaped, and at most `limit` characters (cut before escaping: never inside `&amp;`)."""
    out = escape(text)
    if len(out) <= limit:
        return out
    low, high = 0, len(text)
    while low < high:  # the longest prefix whose escaped form and "…" fit
        mid = (low + high + 1) // 2
        if len(escape(text[:mid])) + 1 <= limit:
            low = mid
        else:
            high = mid - 1
    return escape(text[:low]) + "…"


class SlackChannel(Channel):
    mode = "slack"
    order = 1
    label = "Slack"
    hosts = ("hooks.slack.com",)
    path_prefix = "/services/"
    howto_url = "https://api.slack.com/messaging/webhooks"
    example_url = "https://hooks.slack.com/services/"

    def payload(self, message: Message) -> dict[str, Any]:
        dialect = Mrkdwn()
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": _fit(message.title, HEADER_LIMIT)},
            }
        ]
        facts = []
        if message.status:
            facts.append(f"*Status*\n{escape(message.status)}")
        if message.impact_label:
            facts.append(f"*Impact*\n{escape(message.impact_label)}")
        if facts:
            blocks.append(
                {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in facts]}
            )
        if message.components:
            lines = [f"• {escape(name)}: {escape(status)}" for name, status in message.components]
            text = "*Affected components*"
            for line in lines:  # whole lines only: a cut line could split an entity
                if len(text) + len(line) + 1 > SECTION_LIMIT - 2:
                    text += "\n…"
                    break
                text += "\n" + line
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        body = convert(message.body, dialect, SECTION_LIMIT, message.url)
        if body:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {
                            "type": "plain_text",
                            "text": _fit(message.button, BUTTON_TEXT_LIMIT),
                        },
                        "url": message.url,
                    }
                ],
            }
        )
        footer = [escape(message.page_name)] + [
            dialect.link(escape(label), url) for label, url in message.links
        ]
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(footer)}]}
        )
        return {
            "text": _fit(message.summary, SECTION_LIMIT),
            "blocks": blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
