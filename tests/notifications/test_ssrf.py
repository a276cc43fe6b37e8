import pytest

from candor.core import services
from candor.core.models import Delivery, Subscriber
from candor.core.subscriptions import new_secret
from candor.core.transports.guard import TargetRefused, check_host
from tests.support.processes import drain


def webhook_to(page, url: str) -> Subscriber:
    # Created directly: the subscribe form would refuse these URLs before the worker could.
    return Subscriber.objects.create(
        page=page,
        mode="webhook",
        endpoint=url,
        email="ops@example.com",
        secret=new_secret(),
        state="active",
        created_at=services.base.now(),
        updated_at=services.base.now(),
    )


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "[::1]",
        "169.254.169.254",
        "10.0.0.1",
        "[::ffff:127.0.0.1]",
        "2130706433",  # 127.0.0.1 written as one decimal number
        "localhost",  # a name resolving to loopback
        "0.0.0.0",
        "192.168.1.1",
        "[fe80::1]",
        "100.64.0.1",
        "[64:ff9b::7f00:1]",  # NAT64 (RFC 6052) of 127.0.0.1
        "[64:ff9b::a00:1]",  # NAT64 of 10.0.0.1
        "[64:ff9b:1::a00:1]",  # NAT64 for local use (RFC 8215)
        "[::7f00:1]",  # IPv4-compatible 127.0.0.1
        "[fec0::1]",  # deprecated site-local
        "[2002:7f00:1::1]",  # 6to4 of 127.0.0.1
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
    ],
)
def test_ssrf_private_targets_are_refused_and_never_connected(page, receiver, fast, settings, host):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    webhook_to(page, f"http://{host}:{receiver.port}/hook")
    services.declare_incident(page, by=None, name="Outage")

    drain()

    delivery = Delivery.objects.get(kind="notification")
    assert delivery.last_error.startswith("Refused: ")
    assert delivery.attempt_log.filter(ok=True).count() == 0
    assert receiver.connections == 0


def test_ssrf_redirect_to_loopback_is_not_followed(page, receiver, fast):
    # The first hop is allowed here (it is the test's own server); its redirect is not followed.
    target = receiver.url("/internal")
    receiver.script["/hop"] = [302]
    receiver.redirect_to = target
    webhook_to(page, receiver.url("/hop"))
    services.declare_incident(page, by=None, name="Outage")

    drain()

    assert receiver.at("/internal") == []
    assert "redirects are not followed" in Delivery.objects.get(kind="notification").last_error


def test_ssrf_setting_allows_private_targets(receiver, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True

    assert [str(ip) for ip in check_host("127.0.0.1", 80)] == ["127.0.0.1"]


def test_ssrf_public_address_passes(settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False

    assert [str(ip) for ip in check_host("93.184.215.14", 443)] == ["93.184.215.14"]


def test_ssrf_check_refuses_a_mapped_address(settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False

    with pytest.raises(TargetRefused):
        check_host("::ffff:10.0.0.1", 80)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("64:ff9b::7f00:1", False),
        ("64:ff9b::c0a8:101", False),  # 192.168.1.1
        ("64:ff9b::5db8:d70e", True),  # NAT64 of the public 93.184.215.14
        ("::7f00:1", False),
        ("::5db8:d70e", False),  # IPv4-compatible addresses are deprecated altogether
        ("fec0::1", False),
        ("fefe::1", False),
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("2002:5db8:d70e::1", True),  # 6to4 of a public address
        ("2606:4700::1111", True),
    ],
)
def test_ssrf_embedded_and_deprecated_ipv6_ranges(address, public):
    import ipaddress

    from candor.core.transports.guard import is_public

    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("host", ["64:ff9b::7f00:1", "::7f00:1", "fec0::1"])
def test_ssrf_check_refuses_nat64_compatible_and_site_local(settings, host):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False

    with pytest.raises(TargetRefused):
        check_host(host, 443)
