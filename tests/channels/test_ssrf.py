"""Chat channels under the SSRF guard, as webhooks are (tests/notifications/test_ssrf.py).

A Slack, Teams or Discord URL on the service's own host whose name resolves to a private,
loopback or link-local address is refused when it is subscribed (or added as a team channel),
and an existing one whose name comes to resolve there gets nothing on fan-out: the ledger
records the refusal.

Only DNS is faked (socket.getaddrinfo, for the services' names; any other name fails to
resolve, so nothing here leaves the machine). The service names point at a real HTTPS receiver
on 127.0.0.1 whose certificate a test authority issued for them: were the guard not there,
what it refuses would arrive at the receiver (the control tests show that it does when private
targets are allowed).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from candor.core import services, subscriptions, teamchannels
from candor.core.channels import channel_for
from candor.core.models import (
    AuditEntry,
    Delivery,
    DeliveryState,
    Subscriber,
    SubscriberState,
    TeamChannel,
    TeamEvent,
)
from tests.api.conftest import Api
from tests.channels import formats
from tests.channels.conftest import MODES
from tests.support.processes import drain
from tests.support.receiver import make_receiver

# Each service's own incoming-webhook URL (the port is the receiver's).
SERVICE_URLS = {
    "slack": "https://hooks.slack.com:{port}/services/T0/B0/secret",
    "teams": "https://prod-12.westus.logic.azure.com:{port}/workflows/abc/triggers/manual/paths/invoke",
    "discord": "https://discord.com:{port}/api/webhooks/123/abc",
}
HOSTS = {mode: str(urlsplit(url).hostname) for mode, url in SERVICE_URLS.items()}

# Loopback addresses reach the receiver were they not refused; the others never get a packet.
NOT_PUBLIC = ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.0.0.1", "169.254.169.254"]


def refusal(host: str, address: str) -> str:
    """The guard's words (candor/core/transports/guard.py check_host)."""
    return (
        f"{host} resolves to {ipaddress.ip_address(address)}, a private, loopback or "
        "link-local address; webhooks only reach public addresses"
    )


class FakeDns:
    """socket.getaddrinfo for the services' names: each answer in turn (then the last one,
    forever). Literal addresses resolve as usual; any other name does not resolve."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    def answer(self, host: str, *answers: str | list[str]) -> None:
        self.answers[host] = [[a] if isinstance(a, str) else list(a) for a in answers]

    def __call__(self, host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            pass
        else:
            return self.real(host, port, *args, **kwargs)
        name = name.lower().rstrip(".")
        if name not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, f"{name} is not in the test's DNS")
        self.asked.append(name)
        queue = self.answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        port = int(port or 0)
        infos = []
        for address in addresses:
            ip = ipaddress.ip_address(address)
            if ip.version == 6:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return infos


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDns(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def service(settings, monkeypatch):
    """An HTTPS receiver on 127.0.0.1 with a certificate for the services' names (trusted by
    the transport): it stands in for Slack, Teams and Discord."""
    import trustme

    from candor.core.transports import webhook

    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    authority = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(*HOSTS.values()).configure_cert(server_side)
    client_side = ssl.create_default_context()
    authority.configure_trust(client_side)
    monkeypatch.setattr(webhook, "_tls", lambda: client_side)
    receiver, server = make_receiver(tls=server_side)
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def default_page(page):
    page.is_default = True
    page.save(update_fields=["is_default"])
    return page


def url_of(mode: str, receiver) -> str:
    url = SERVICE_URLS[mode].format(port=receiver.port)
    # The URL is the service's own: only the guard can refuse it.
    assert channel_for(mode).url_problem(url) == ""
    return url


def nothing_written() -> tuple[int, int, int, int]:
    return (
        Subscriber.objects.count(),
        TeamChannel.objects.count(),
        Delivery.objects.count(),
        AuditEntry.objects.filter(action__in=["subscriber.create", "teamchannel.create"]).count(),
    )


# --- Subscribing ------------------------------------------------------------------------------


@pytest.mark.parametrize("address", NOT_PUBLIC)
@pytest.mark.parametrize("mode", MODES)
def test_subscribing_a_service_url_that_resolves_to_a_private_address_is_refused(
    page, service, dns, fast, mode, address
):
    host = HOSTS[mode]
    dns.answer(host, address)

    with pytest.raises(ValidationError) as refused:
        subscriptions.add_subscriber(page, by=None, mode=mode, endpoint=url_of(mode, service))

    assert refused.value.message_dict == {"endpoint": [refusal(host, address)]}
    assert host in dns.asked
    assert nothing_written() == (0, 0, 0, 0)
    assert (service.connections, service.requests) == (0, [])


@pytest.mark.parametrize("mode", MODES)
def test_the_public_form_refuses_it_without_saying_what_the_name_resolves_to(
    default_page, service, dns, mode
):
    dns.answer(HOSTS[mode], "127.8.9.10")  # loopback (nothing listens there)

    response = Client().post(
        "/subscribe/",
        {"mode": mode, f"{mode}-endpoint": url_of(mode, service), f"{mode}-email": ""},
    )
    html = response.content.decode()

    assert response.status_code == 400
    assert "This address cannot receive webhooks: give a public http(s) URL." in html
    assert ("127.8.9.10" in html, "resolves" in html) == (False, False)
    assert nothing_written() == (0, 0, 0, 0)
    assert (service.connections, service.requests) == (0, [])


@pytest.mark.parametrize("mode", MODES)
def test_the_management_api_refuses_it(page, key_of_page, service, dns, mode):
    dns.answer(HOSTS[mode], "127.0.0.1")

    response = Api(key_of_page).post(
        f"pages/{page.pk}/subscribers",
        {"subscriber": {"endpoint": url_of(mode, service), "mode": mode}},
    )

    message = refusal(HOSTS[mode], "127.0.0.1")
    assert response.status_code == 422, response.content
    assert response.json() == {"error": message, "errors": {"endpoint": [message]}}
    assert nothing_written() == (0, 0, 0, 0)
    assert (service.connections, service.requests) == (0, [])


@pytest.mark.parametrize("mode", MODES)
def test_a_name_that_turns_private_between_the_check_and_the_test_message_is_refused(
    page, service, dns, fast, mode
):
    # DNS rebinding: public when the URL is checked, loopback when the test message goes. The
    # send resolves again and checks the address it connects to.
    host = HOSTS[mode]
    dns.answer(host, "93.184.215.14", "127.0.0.1")

    with pytest.raises(ValidationError) as refused:
        subscriptions.add_subscriber(page, by=None, mode=mode, endpoint=url_of(mode, service))

    [message] = refused.value.message_dict["endpoint"]
    assert "did not accept the test message" in message
    assert f"(Refused: {refusal(host, '127.0.0.1')})" in message
    assert dns.asked == [host, host]
    assert nothing_written() == (0, 0, 0, 0)
    assert (service.connections, service.requests) == (0, [])


@pytest.mark.parametrize("mode", MODES)
def test_the_public_form_does_not_say_what_a_name_turned_to_before_the_test_message(
    default_page, service, dns, fast, mode
):
    # The same rebinding from the public form: the URL's check passes (public then), the test
    # message is refused, and the visitor is told no more than for a name private from the start.
    host = HOSTS[mode]
    dns.answer(host, "93.184.215.14", "127.9.8.7")

    response = Client().post(
        "/subscribe/",
        {"mode": mode, f"{mode}-endpoint": url_of(mode, service), f"{mode}-email": ""},
    )
    html = response.content.decode()

    assert response.status_code == 400
    assert "This address cannot receive webhooks: give a public http(s) URL." in html
    assert ("127.9.8.7" in html, "resolves" in html, "Refused" in html) == (False, False, False)
    assert dns.asked == [host, host]
    assert nothing_written() == (0, 0, 0, 0)
    assert (service.connections, service.requests) == (0, [])


@pytest.mark.parametrize("mode", MODES)
def test_adding_a_team_channel_that_resolves_to_a_private_address_is_refused(
    page, service, dns, mode
):
    host = HOSTS[mode]
    dns.answer(host, "192.168.1.1")

    with pytest.raises(ValidationError) as refused:
        teamchannels.add_channel(
            page,
            by=None,
            mode=mode,
            name=f"#{mode}",
            endpoint=url_of(mode, service),
            events=[TeamEvent.REMINDER],
        )

    assert refused.value.message_dict == {"endpoint": [refusal(host, "192.168.1.1")]}
    assert nothing_written() == (0, 0, 0, 0)
    assert (service.connections, service.requests) == (0, [])


def test_a_disabled_team_channel_is_not_enabled_at_a_private_address(page, service, dns, settings):
    dns.answer(HOSTS["slack"], "127.0.0.1")
    url = url_of("slack", service)
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True  # a LAN install, to add it
    team = teamchannels.add_channel(
        page, by=None, mode="slack", name="#ops", endpoint=url, events=[TeamEvent.REMINDER]
    )
    teamchannels.disable(team.pk, "HTTP 404: the Slack webhook no longer exists")
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    before = (service.connections, len(service.requests))

    with pytest.raises(ValidationError) as refused:
        teamchannels.enable(TeamChannel.objects.get(), by=None, endpoint=url)

    assert refused.value.message_dict == {"endpoint": [refusal(HOSTS["slack"], "127.0.0.1")]}
    assert TeamChannel.objects.get().disabled_at is not None
    assert (service.connections, len(service.requests)) == before == (1, 1)


# --- Fan-out to an existing subscriber or team channel ---------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_chat_subscriber_whose_name_resolves_to_loopback_gets_nothing_on_fan_out(
    page, service, dns, fast, settings, mode
):
    host = HOSTS[mode]
    dns.answer(host, "127.0.0.1")
    # Subscribed while private targets were allowed: its test message shows the name reaches
    # the receiver, over TLS verified for the name.
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    subscriber, _ = subscriptions.add_subscriber(
        page, by=None, mode=mode, endpoint=url_of(mode, service)
    )
    [test] = service.requests
    assert test.headers["Host"] == f"{host}:{service.port}"
    formats.VALIDATE[mode](test.json)
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False

    services.declare_incident(page, by=None, name="Outage")
    drain()

    reason = f"Refused: {refusal(host, '127.0.0.1')}"
    delivery = Delivery.objects.get(kind="notification")
    assert (delivery.subscriber_id, delivery.state, delivery.last_error) == (
        subscriber.pk,
        DeliveryState.FAILED,
        reason,
    )
    # Every attempt of the schedule was refused, none sent.
    assert list(delivery.attempt_log.values_list("ok", "error")) == [(False, reason)] * 8
    subscriber.refresh_from_db()
    assert (subscriber.state, subscriber.last_error) == (SubscriberState.QUARANTINED, reason)
    assert service.requests == [test]
    assert service.connections == 1  # the test message's


@pytest.mark.parametrize("mode", MODES)
def test_a_team_channel_whose_name_resolves_to_loopback_gets_nothing(
    page, service, dns, fast, settings, mode
):
    host = HOSTS[mode]
    dns.answer(host, "127.0.0.1")
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    team = teamchannels.add_channel(
        page,
        by=None,
        mode=mode,
        name=f"#{mode}",
        endpoint=url_of(mode, service),
        events=[TeamEvent.INCIDENT_PROPOSED],
    )
    [test] = service.requests
    assert "team notices" in formats.all_text(formats.VALIDATE[mode](test.json))
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False

    written = teamchannels.notify_team(page, TeamEvent.INCIDENT_PROPOSED, title="Proposed")
    drain()

    reason = f"Refused: {refusal(host, '127.0.0.1')}"
    delivery = Delivery.objects.get(kind="team-event")
    assert written == 1
    assert (delivery.team_channel_id, delivery.state, delivery.last_error) == (
        team.pk,
        DeliveryState.FAILED,
        reason,
    )
    assert list(delivery.attempt_log.values_list("ok", "error")) == [(False, reason)] * 8
    team.refresh_from_db()
    assert team.disabled_at is None  # refused by us, not gone at the service
    assert service.requests == [test]
    assert service.connections == 1
