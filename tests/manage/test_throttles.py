"""Password-reset limits, and the client address every throttle keys on (trusted proxies)."""

import ipaddress

import pytest
from django.test import Client, RequestFactory

from candor.clientip import client_ip
from candor.core.models import SubscriptionThrottle
from tests.support.mail import serve_smtp
from tests.support.personas import PASSWORD
from tests.support.processes import drain

PROXY = "10.0.0.2"


@pytest.fixture
def smtp(settings):
    server = serve_smtp(settings)
    yield server
    server.stop()


def reset(client, address, ip="198.51.100.7", **headers):
    return client.post("/manage/password-reset/", {"email": address}, REMOTE_ADDR=ip, **headers)


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_mails_one_address_at_most_3_times_an_hour(bob, smtp):
    client = Client()
    responses = [reset(client, "bob@example.com", ip=f"198.51.100.{i}") for i in range(5)]
    drain()

    assert [r.status_code for r in responses] == [302] * 5
    assert {r["Location"] for r in responses} == {"/manage/password-reset/sent/"}
    assert [m["Subject"] for m in smtp.handler.to("bob@example.com")] == [
        "Reset your Candor password"
    ] * 3


def test_password_reset_answers_alike_for_a_throttled_and_an_unknown_address(bob, smtp):
    client = Client()
    for i in range(3):
        reset(client, "bob@example.com", ip=f"198.51.100.{i}")

    throttled = reset(client, "BOB@example.com", ip="198.51.100.50")
    unknown = reset(client, "nobody@example.com", ip="198.51.100.51")
    drain()

    assert (throttled.status_code, throttled["Location"]) == (
        unknown.status_code,
        unknown["Location"],
    )
    assert len(smtp.messages) == 3


def test_password_reset_is_throttled_per_client_ip(bob, smtp):
    client = Client()
    responses = [reset(client, f"user{i}@example.com") for i in range(10)]
    over = reset(client, "bob@example.com")
    drain()

    assert [r.status_code for r in responses] == [302] * 10
    assert over.status_code == 429
    assert "Too many requests" in over.content.decode()
    assert smtp.messages == []
    assert SubscriptionThrottle.objects.filter(key="reset-ip:198.51.100.7").count() == 10


# --- the client address -----------------------------------------------------------------------


def ip_of(settings, remote, forwarded=None, trusted=()):
    settings.CANDOR_TRUSTED_PROXIES = [str(ipaddress.ip_network(n)) for n in trusted]
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.5", None, (), "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", (), "203.0.113.5"),  # no proxy trusted: header ignored
        ("203.0.113.5", "198.51.100.1", ("10.0.0.0/8",), "203.0.113.5"),  # peer not trusted
        (PROXY, "198.51.100.1", ("10.0.0.0/8",), "198.51.100.1"),
        (PROXY, "1.1.1.1, 198.51.100.1", ("10.0.0.0/8",), "198.51.100.1"),  # forged left part
        (PROXY, "198.51.100.1, 10.0.0.9", ("10.0.0.0/8",), "198.51.100.1"),  # two proxies
        (PROXY, "10.0.0.7, 10.0.0.9", ("10.0.0.0/8",), "10.0.0.7"),  # all trusted: leftmost
        (PROXY, "garbage, 10.0.0.9", ("10.0.0.0/8",), "10.0.0.9"),
        (PROXY, "", ("10.0.0.0/8",), PROXY),
        (PROXY, None, ("10.0.0.0/8",), PROXY),
        (PROXY, "198.51.100.1:5555", ("10.0.0.0/8",), "198.51.100.1"),
        (PROXY, "[2001:db8::1]:443", ("10.0.0.0/8",), "2001:db8::1"),
        ("::1", "2001:db8::2", ("::1",), "2001:db8::2"),
        ("::ffff:10.0.0.2", "198.51.100.1", ("10.0.0.0/8",), "198.51.100.1"),
    ],
)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies(
    settings, remote, forwarded, trusted, expected
):
    assert ip_of(settings, remote, forwarded, trusted) == expected


def test_subscribe_throttle_keys_on_the_forwarded_address_from_a_trusted_proxy(page, settings):
    settings.CANDOR_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = Client()

    def post(forwarded, remote=PROXY):
        data = {"mode": "email", "e-email": "not an address"}
        return client.post(
            "/subscribe/", data, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    first = [post("198.51.100.1") for _ in range(20)]
    over = post("198.51.100.1")
    other_client = post("198.51.100.2")
    spoofed = [post(f"192.0.2.{i}", remote="203.0.113.5") for i in range(21)]

    assert (set(first), over, other_client) == ({400}, 429, 400)
    assert (set(spoofed[:20]), spoofed[20]) == ({400}, 429)  # an untrusted peer's header is ignored


def test_login_lockout_keys_on_the_forwarded_address_from_a_trusted_proxy(alice, settings):
    settings.CANDOR_TRUSTED_PROXIES = ["10.0.0.0/8"]

    def login(client, password, forwarded, remote=PROXY):
        return client.post(
            "/manage/login/",
            {"username": "alice", "password": password},
            REMOTE_ADDR=remote,
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    attacker, owner = Client(), Client()
    for _ in range(5):
        login(attacker, "wrong", "203.0.113.9")

    assert login(attacker, PASSWORD, "203.0.113.9") == 429
    assert login(owner, PASSWORD, "198.51.100.7") == 302


def test_login_lockout_ignores_forwarded_for_from_an_untrusted_peer(alice, settings):
    settings.CANDOR_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = Client()
    for i in range(5):
        client.post(
            "/manage/login/",
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )

    response = client.post(
        "/manage/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )

    assert response.status_code == 429


def test_password_reset_keys_on_the_forwarded_address_from_a_trusted_proxy(db, settings, smtp):
    settings.CANDOR_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = Client()
    for i in range(10):
        reset(client, f"user{i}@example.com", ip=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")

    over = reset(client, "x@example.com", ip=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    other = reset(client, "x@example.com", ip=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert (over.status_code, other.status_code) == (429, 302)


def test_trusted_proxies_setting_is_parsed_and_fails_loud():
    from django.core.exceptions import ImproperlyConfigured

    from candor.settings import _networks

    assert _networks("X", " 10.0.0.0/8, 127.0.0.1 ,::1,") == [
        "10.0.0.0/8",
        "127.0.0.1/32",
        "::1/128",
    ]
    assert _networks("X", "") == []
    with pytest.raises(ImproperlyConfigured, match="'10.0.0.0/33' is not an IP address"):
        _networks("X", "10.0.0.0/33")
