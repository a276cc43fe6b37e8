"""Every line ending Candor puts on the SMTP wire is CRLF (RFC 5321 §2.3.8): a bare CR in an
update body must not reach DATA, where some relays read it as a line end (SMTP smuggling)."""

import re

import pytest

from candor.core import services
from candor.core.models import Delivery, DeliveryState
from tests.support.mail import serve_smtp
from tests.support.processes import drain

BARE = re.compile(rb"\r(?!\n)|(?<!\r)\n")

# Bare CRs around a lone dot and a command, bare LFs, a CRLF, and a dot line made of bare LFs.
BODY = "a\r.\rMAIL FROM:<x@y>\rb\n\nbare\nline feeds\r\nand CRLF\n.\nRCPT TO:<z@y>\nend"
# Long and not ASCII: the Subject is folded over several lines.
TITLE = "Panne générale du service de messagerie électronique et des notifications " * 2


@pytest.fixture(params=["pipelining", "stepwise"])
def smtp(request, settings):
    server = serve_smtp(settings, pipelining=request.param == "pipelining")
    server.raw = []
    handle_data = server.handler.handle_DATA

    async def keep_raw(srv, session, envelope):
        # The DATA lines exactly as they came off the wire (only the leading dots undone).
        server.raw.append(envelope.original_content)
        return await handle_data(srv, session, envelope)

    server.handler.handle_DATA = keep_raw
    yield server
    server.stop()


def test_bare_cr_and_lf_in_an_update_arrive_as_crlf_and_smuggle_nothing(
    page, smtp, fast, subscribe
):
    subscribe("ann@example.com")
    subscribe("bob@example.com")

    services.declare_incident(page, by=None, name=TITLE.strip(), message=BODY)
    drain()

    assert len(smtp.raw) == 2
    for raw in smtp.raw:
        bare = [raw[max(0, m.start() - 20) : m.end() + 20] for m in BARE.finditer(raw)]
        assert bare == [], "bare CR or LF on the wire"
    # Exactly the two messages were sent: nothing in the body was taken as a command.
    assert smtp.handler.commands.count("MAIL") == 2
    assert sorted(m["To"] for m in smtp.messages) == ["ann@example.com", "bob@example.com"]
    assert all(d.state == DeliveryState.SENT for d in Delivery.objects.all())
    for message in smtp.messages:
        assert message["Subject"] == f"[Investigating] {TITLE.strip()}"
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        # The words are all there, each bare CR now a line end of its own.
        assert (
            "a\n.\nMAIL FROM:<x@y>\nb\n\nbare\nline feeds\nand CRLF\n.\nRCPT TO:<z@y>\nend" in text
        )
