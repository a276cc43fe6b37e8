"""The two-factor enrolment page draws the otpauth:// URI as an inline SVG QR code (no request
out, nothing the page's policy refuses), with the key in text for those who cannot scan."""

import re
from html import unescape

import pyotp

from candor.core.models import TwoFactor
from tests.support.qr import dark_path, encodes


def enrolment(client):
    response = client.get("/manage/two-factor/")
    assert response.status_code == 200
    html = response.content.decode()
    svg = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert svg, "no inline SVG on the enrolment page"
    return response, html, svg.group(0)


def test_the_qr_code_encodes_this_users_otpauth_uri(client_as_alice):
    response, html, svg = enrolment(client_as_alice)
    secret = TwoFactor.objects.get(user__username="alice", confirmed_at__isnull=True).secret
    uri = pyotp.TOTP(secret).provisioning_uri(name="alice", issuer_name="Candor")
    assert dark_path(svg)
    assert encodes(svg, uri)
    assert not encodes(svg, uri.replace(secret, pyotp.random_base32()))
    # The same URI behind the phone link, and the key in text as the fallback.
    assert f'href="{uri}"' in unescape(html)
    assert f'<code class="secret" aria-label="Setup key">{secret}</code>' in html


def test_the_qr_code_has_a_name_and_nothing_the_policy_blocks(client_as_alice):
    response, html, svg = enrolment(client_as_alice)
    assert 'role="img"' in svg
    assert re.search(r"<title>QR code to add alice&#x27;s|<title>QR code to add alice's", svg)
    assert "style=" not in svg and "<style" not in svg and "data:" not in svg
    assert "<img" not in html.split("<main", 1)[-1]
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_new_visit_draws_a_new_key(client_as_bob):
    _, _, first = enrolment(client_as_bob)
    _, _, second = enrolment(client_as_bob)
    assert dark_path(first) != dark_path(second)
    assert TwoFactor.objects.filter(user__username="bob").count() == 1


def test_no_qr_code_once_two_factor_is_on(client_as_alice, alice):
    from candor.core import services

    services.start_two_factor(alice)
    services.confirm_two_factor(alice, pyotp.TOTP(TwoFactor.objects.get().secret).now())
    html = client_as_alice.get("/manage/two-factor/").content.decode()
    assert "qr-dark" not in html
    assert "Setup key" not in html
