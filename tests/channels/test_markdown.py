"""Operator Markdown in each service's dialect: faithful (bold, links, lists, code), safe
(nothing pings, nothing breaks the message) and within the limits (cut with "read more")."""

import pytest

from candor.core import services
from candor.core.channels import channel_for
from candor.core.channels.message import Message
from tests.channels import formats
from tests.channels.conftest import MODES
from tests.support.processes import drain

URL = "https://status.example.com/incidents/abc123"
NASTY = (
    "@everyone @here <!channel> <!everyone> <@U123> <@&456> "
    "2 \\* 3 \\* 4, snake_case_name, a*b*c, _under_ & <b>html</b> "
    "[the report](https://example.com/report_(final)) `code <x> & @everyone`"
)


def payload(mode: str, body: str) -> dict:
    message = Message(
        page_name="Acme & <Co>",
        title="DB *down* <!here>",
        url=URL,
        body=body,
        status="Identified",
        impact="critical",
        components=(("API <v2>", "Major Outage"),),
    ).for_subscriber("sub123")
    return formats.VALIDATE[mode](channel_for(mode).payload(message))


def body_text(mode: str, data: dict) -> str:
    if mode == "slack":
        return formats.slack_body(data)
    if mode == "teams":
        return formats.teams_texts(data)[1]
    return data["embeds"][0]["description"]


FAITHFUL = {
    "slack": [
        "*bold*",
        "_it_",
        "<https://example.com/a_(b)|a link>",
        "• one\n• two",
        "1. first\n2. second",
        "`x = 1`",
        "```\nprint(1)\n```",
    ],
    "discord": [
        "**bold**",
        "_it_",
        "[a link](https://example.com/a_%28b%29)",
        "- one\n- two",
        "1. first\n2. second",
        "`x = 1`",
        "```\nprint(1)\n```",
    ],
    "teams": [
        "**bold**",
        "_it_",
        "[a link](https://example.com/a_%28b%29)",
        "- one\n- two",
        "1. first\n2. second",
        "x = 1",
        "print(1)",
    ],
}
SOURCE = (
    "**bold** and *it*, [a link](https://example.com/a_(b))\n\n- one\n- two\n\n"
    "1. first\n2. second\n\n`x = 1`\n\n```\nprint(1)\n```"
)


@pytest.mark.parametrize("mode", MODES)
def test_markdown_is_converted_faithfully(mode):
    text = body_text(mode, payload(mode, SOURCE))
    for expected in FAITHFUL[mode]:
        assert expected in text, (mode, expected, text)


@pytest.mark.parametrize("mode", MODES)
def test_mentions_and_markup_in_an_update_are_text_not_pings(mode):
    data = payload(mode, NASTY)
    text = body_text(mode, data)
    if mode == "slack":
        # Slack pings only with <!...> and <@...>: every < is escaped.
        assert "&lt;!channel&gt;" in text and "&lt;@U123&gt;" in text
        assert "&lt;b&gt;html&lt;/b&gt;" in text and " &amp; " in text
        assert "<https://example.com/report_(final)|the report>" in text
        assert "`code &lt;x&gt; &amp; @everyone`" in text
        # A literal * or _ cannot pair up into formatting: a zero-width space breaks it.
        assert "snake\u200b_case\u200b_name" in text
    if mode == "discord":
        assert data["allowed_mentions"] == {"parse": []}
        assert "@\u200beveryone" in text and "\\<@\u200bU123\\>" in text
        assert "snake\\_case\\_name" in text and "2 \\* 3 \\* 4" in text
        assert "[the report](https://example.com/report_%28final%29)" in text
        assert "@everyone" not in data["content"]
    if mode == "teams":
        assert "snake\\_case\\_name" in text and "\\<b\\>html\\</b\\>" in text
        assert "[the report](https://example.com/report_%28final%29)" in text
    if mode == "slack":  # the title and the page name are text too
        assert "<!here>" not in formats.all_text(data) and "&lt;Co&gt;" in formats.all_text(data)


@pytest.mark.parametrize("mode", MODES)
def test_a_10000_character_update_is_cut_with_a_read_more_link(mode):
    words = " ".join(f"word{n}" for n in range(2000))  # about 13,000 characters
    long = "**Start.** " + words + "\n\nSecond paragraph."
    data = payload(mode, long)
    text = body_text(mode, data)
    assert text.startswith("*Start.*" if mode == "slack" else "**Start.**")
    assert text.endswith(f"<{URL}|Read more>" if mode == "slack" else f"[Read more]({URL})")
    assert "word1 " in text and "word1999" not in text
    assert "Second paragraph" not in text


def test_a_long_list_is_cut_between_items_never_inside_formatting():
    items = "\n".join(f"- **item {n}** with `code {n}`" for n in range(400))
    text = body_text("discord", payload("discord", items))
    assert text.endswith(f"[Read more]({URL})")
    kept = text.rsplit("\n\n", 1)[0]
    assert kept.count("**") % 2 == 0 and kept.count("`") % 2 == 0


@pytest.mark.parametrize("mode", MODES)
def test_edge_cases_arrive_as_valid_messages_through_the_ledger(page, receiver, fast, chat, mode):
    chat(mode)
    incident = services.declare_incident(page, by=None, name="<!channel> @everyone *bold*")
    services.post_update(incident, by=None, status="identified", message=NASTY)
    services.post_update(incident, by=None, status="monitoring", message="x " * 5000)

    drain()

    test, *messages = receiver.at(f"/{mode}")
    assert len(messages) == 3
    for request in messages:
        data = formats.VALIDATE[mode](request.json)
        if mode == "discord":
            assert data["allowed_mentions"] == {"parse": []}
