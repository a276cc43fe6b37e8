"""Each service's documented message format, as checks: structure and limits, so that a test
fails on a message the service would refuse or show wrong, not only on a missing POST.

Slack: Block Kit (api.slack.com/reference/block-kit); Teams: a Workflows message with one
Adaptive Card (adaptivecards.io, version <= 1.5); Discord: Execute Webhook (discord.com
developers docs, "Embed Limits")."""

from __future__ import annotations

import re

SLACK_BLOCK_TYPES = {"header", "section", "actions", "context", "divider"}


def _slack_text(text: str, where: str) -> None:
    # Only Slack's own escapes may follow "&"; "<" and ">" only as link or entity syntax.
    bare = re.sub(r"<(https?://|mailto:)[^<>|\s]+(\|[^<>]*)?>", "", text)
    assert "<" not in bare and ">" not in bare, f"unescaped < or > in {where}: {text!r}"
    for amp in re.finditer(r"&", text):
        assert re.match(r"&(amp|lt|gt);", text[amp.start() :]), f"bare & in {where}: {text!r}"
    assert "<!" not in text and "<@" not in text, f"a mention in {where}"


def slack(payload: dict) -> dict:
    assert set(payload) >= {"text", "blocks"}
    assert isinstance(payload["text"], str) and payload["text"].strip()
    _slack_text(payload["text"], "text")
    blocks = payload["blocks"]
    assert 1 <= len(blocks) <= 50
    kinds = [b["type"] for b in blocks]
    assert set(kinds) <= SLACK_BLOCK_TYPES, kinds
    assert kinds[0] == "header"
    header = blocks[0]["text"]
    assert header["type"] == "plain_text" and 0 < len(header["text"]) <= 150
    for block in blocks:
        if block["type"] == "section":
            texts = [block["text"]] if "text" in block else []
            fields = block.get("fields", [])
            assert texts or fields
            assert len(fields) <= 10
            for t in texts:
                assert t["type"] == "mrkdwn" and 0 < len(t["text"]) <= 3000
                _slack_text(t["text"], "a section")
            for f in fields:
                assert f["type"] == "mrkdwn" and 0 < len(f["text"]) <= 2000
                _slack_text(f["text"], "a field")
        if block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            for e in block["elements"]:
                assert e["type"] == "mrkdwn" and len(e["text"]) <= 3000
                _slack_text(e["text"], "the context")
    [actions] = [b for b in blocks if b["type"] == "actions"]
    [button] = actions["elements"]
    assert button["type"] == "button" and len(button["text"]["text"]) <= 75
    assert button["url"].startswith("http") and len(button["url"]) <= 3000
    return payload


def slack_body(payload: dict) -> str:
    """The update's text: the last section with a `text` (components come before it)."""
    sections = [b for b in payload["blocks"] if b["type"] == "section" and "text" in b]
    return sections[-1]["text"]["text"]


def _walk_card(elements: list, found: list) -> None:
    for element in elements:
        assert "type" in element
        found.append(element)
        for key in ("items", "columns", "body"):
            if key in element:
                _walk_card(element[key], found)


def teams(payload: dict) -> dict:
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    major, minor = (int(x) for x in card["version"].split("."))
    assert (major, minor) <= (1, 5)
    assert card["$schema"].startswith("http://adaptivecards.io/schemas/adaptive-card")
    elements: list = []
    _walk_card(card["body"], elements)
    assert elements and all(
        e["type"] in {"TextBlock", "FactSet", "Container", "ColumnSet", "Column"} for e in elements
    )
    for e in elements:
        if e["type"] == "TextBlock":
            assert isinstance(e["text"], str) and e["text"]
        if e["type"] == "FactSet":
            assert all(set(f) == {"title", "value"} for f in e["facts"])
    actions = card["actions"]
    assert [a["type"] for a in actions] == ["Action.OpenUrl"]
    assert actions[0]["url"].startswith("http") and actions[0]["title"]
    return payload


def teams_texts(payload: dict) -> list[str]:
    card = payload["attachments"][0]["content"]
    return [e["text"] for e in card["body"] if e["type"] == "TextBlock"]


def discord(payload: dict) -> dict:
    assert payload["allowed_mentions"] == {"parse": []}
    assert isinstance(payload["content"], str) and 0 < len(payload["content"]) <= 2000
    [embed] = payload["embeds"]
    assert 0 < len(embed["title"]) <= 256
    assert len(embed.get("description", "")) <= 4096
    fields = embed.get("fields", [])
    assert len(fields) <= 25
    for f in fields:
        assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
    footer = embed.get("footer", {}).get("text", "")
    assert len(footer) <= 2048
    total = (
        len(embed["title"])
        + len(embed.get("description", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in fields)
        + len(footer)
    )
    assert total <= 6000
    assert isinstance(embed["color"], int) and 0 <= embed["color"] <= 0xFFFFFF
    assert embed["url"].startswith("http")
    return payload


VALIDATE = {"slack": slack, "teams": teams, "discord": discord}


def all_text(payload: dict) -> str:
    """Every string in the message, joined: what a person could read in it."""
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(payload)
    return "\n".join(out)
