"""The team: an administrator invites by email (through the ledger, a real SMTP server), the
invitee chooses their own password; optional TOTP sign-in with recovery codes, which an
administrator can require. Weak passwords are refused under the password field."""

import re
from datetime import timedelta

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from candor.core import services
from candor.core.models import Delivery, DeliveryKind, TwoFactor
from tests.conftest import assert_accessible, assert_fits, screenshot
from tests.support.processes import drain
from tests.support.qr import encodes

PASSWORD = "correct horse battery"


@pytest.fixture
def site(live_server, transactional_db, django_user_model, settings):
    settings.CANDOR_RETRY_SCHEDULE = [0] * 8
    services.ensure_default_page()
    admin = django_user_model.objects.create_superuser("alice", "alice@example.com", PASSWORD)
    return live_server.url, admin


def log_in(tab, base, username, password=PASSWORD):
    tab.goto(f"{base}/manage/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()


def code_at(secret, seconds=0):
    return pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=seconds))


@pytest.mark.browser
def test_invitation_by_email_and_the_invitee_chooses_the_password(site, smtp, view_tab):
    base, admin = site
    tab = view_tab
    scheme, width = tab.view
    log_in(tab, base, "alice")
    tab.goto(f"{base}/manage/users/new/")
    assert tab.get_by_label("Password").count() == 0  # nobody types someone else's password
    assert_accessible(tab, f"invite {scheme} {width}")
    assert_fits(tab, "invite")
    tab.get_by_label("Username").fill("bob")
    tab.get_by_label("Email").fill("bob@example.com")
    tab.get_by_role("button", name="Send invitation").click()
    tab.get_by_text("Invitation sent to bob@example.com").wait_for()
    assert tab.get_by_text("Invited").first.is_visible()
    assert_accessible(tab, f"users {scheme} {width}")
    if (scheme, width) == ("light", 1280):
        screenshot(tab, "manage-users")
    bob = get_user_model().objects.get(username="bob")
    assert not bob.has_usable_password()
    assert Delivery.objects.get(kind=DeliveryKind.INVITATION).user == bob

    drain()
    [mail] = smtp.handler.to("bob@example.com")
    assert mail["Subject"] == "You are invited to run the Candor status page"
    link = re.search(
        r"http://127\.0\.0\.1:8000(/manage/invitation/\S+/)",
        mail.get_body(("plain",)).get_content(),
    ).group(1)

    tab.context.clear_cookies()
    tab.goto(base + link)
    tab.get_by_role("heading", name="Join Candor").wait_for()
    assert_accessible(tab, f"invitation {scheme} {width}")
    # A weak password: the error sits under the password field, not the confirmation.
    tab.locator("#id_new_password1").fill("password")
    tab.locator("#id_new_password2").fill("password")
    tab.get_by_role("button", name="Set password and join").click()
    assert "too common" in tab.locator("#id_new_password1_errors").inner_text()
    assert tab.locator("#id_new_password2_errors").count() == 0
    assert_accessible(tab, f"invitation error {scheme} {width}")
    tab.locator("#id_new_password1").fill("a much better secret 42")
    tab.locator("#id_new_password2").fill("a much better secret 42")
    tab.get_by_role("button", name="Set password and join").click()
    tab.get_by_text("Welcome to Candor").wait_for()
    log_in(tab, base, "bob", "a much better secret 42")
    tab.wait_for_url(f"{base}/manage/")
    # The link works once.
    tab.goto(base + link)
    tab.get_by_role("heading", name="This invitation no longer works").wait_for()


@pytest.mark.browser
def test_two_factor_sign_in_with_recovery_codes(site, browser_page):
    base, admin = site
    tab = browser_page
    log_in(tab, base, "alice")
    tab.goto(f"{base}/manage/two-factor/")
    qr = tab.get_by_role("img", name="QR code to add alice's Candor sign-in to an authenticator")
    expect(qr).to_be_visible()
    assert_accessible(tab, "two-factor setup")
    screenshot(tab, "manage-two-factor-setup")
    secret = tab.get_by_label("Setup key").inner_text().strip()
    # The code drawn is the otpauth:// URI of this key, the one the phone link opens.
    uri = pyotp.TOTP(secret).provisioning_uri(name="alice", issuer_name="Candor")
    assert encodes(qr.evaluate("svg => svg.outerHTML"), uri)
    phone_link = tab.get_by_role("link", name="open in your authenticator app")
    assert phone_link.get_attribute("href") == uri
    tab.get_by_label("Code").fill("000000" if code_at(secret) != "000000" else "111111")
    tab.get_by_role("button", name="Turn on").click()
    assert "not right" in tab.locator("#id_code_errors").inner_text()
    assert TwoFactor.objects.get().confirmed_at is None
    tab.get_by_label("Code").fill(code_at(secret))
    tab.get_by_role("button", name="Turn on").click()
    expect(tab.locator(".codes code")).to_have_count(10)
    codes = tab.locator(".codes code").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(tab, "recovery codes")
    screenshot(tab, "manage-two-factor")

    tab.get_by_role("button", name="Log out").click()
    log_in(tab, base, "alice")
    tab.get_by_role("heading", name="Enter your code").wait_for()
    assert_accessible(tab, "code step")
    tab.goto(f"{base}/manage/")  # not signed in before the code
    assert "/manage/login/" in tab.url
    tab.goto(f"{base}/manage/login/code/")
    tab.get_by_label("Code").fill(code_at(secret, 30))  # the next step: the first is spent
    tab.get_by_role("button", name="Verify").click()
    tab.wait_for_url(f"{base}/manage/")

    # A recovery code works once.
    tab.get_by_role("button", name="Log out").click()
    log_in(tab, base, "alice")
    tab.get_by_label("Code").fill(codes[0])
    tab.get_by_role("button", name="Verify").click()
    tab.wait_for_url(f"{base}/manage/")
    tab.get_by_role("button", name="Log out").click()
    log_in(tab, base, "alice")
    tab.get_by_label("Code").fill(codes[0])
    tab.get_by_role("button", name="Verify").click()
    assert "not right" in tab.locator("#id_code_errors").inner_text()


@pytest.mark.browser
def test_an_administrator_requires_two_factor_and_a_responder_must_set_it_up(
    site, browser_page, django_user_model
):
    base, admin = site
    django_user_model.objects.create_user("bob", "bob@example.com", PASSWORD)
    tab = browser_page
    log_in(tab, base, "alice")
    tab.goto(f"{base}/manage/users/")
    tab.get_by_label("Require two-factor sign-in of every operator").check()
    tab.get_by_role("button", name="Save", exact=True).click()
    tab.get_by_text("Every operator now signs in with a code").wait_for()
    # Alice has none either: every management page sends her to set it up.
    tab.goto(f"{base}/manage/components/")
    assert tab.url.endswith("/manage/two-factor/")
    tab.get_by_text("An administrator requires two-factor sign-in").wait_for()
    assert_accessible(tab, "two-factor required")
    tab.get_by_role("button", name="Log out").click()
    log_in(tab, base, "bob")
    tab.wait_for_url(f"{base}/manage/two-factor/")
    secret = tab.get_by_label("Setup key").inner_text().strip()
    tab.get_by_label("Code").fill(code_at(secret))
    tab.get_by_role("button", name="Turn on").click()
    tab.get_by_role("link", name="Done").click()
    tab.wait_for_url(f"{base}/manage/")


def test_five_wrong_codes_end_the_sign_in(client, db, django_user_model):
    user = django_user_model.objects.create_user("bob", "bob@example.com", PASSWORD)
    services.start_two_factor(user)
    device = TwoFactor.objects.get()
    services.confirm_two_factor(user, pyotp.TOTP(device.secret).now())
    client.post("/manage/login/", {"username": "bob", "password": PASSWORD})
    for _ in range(5):
        response = client.post("/manage/login/code/", {"code": "12345x"})
    assert response["Location"] == "/manage/login/"
    assert "_auth_user_id" not in client.session


def test_bad_invitation_input_is_refused_and_nothing_is_written(client, db, django_user_model):
    admin = django_user_model.objects.create_superuser("alice", "alice@example.com", PASSWORD)
    client.force_login(admin)
    response = client.post(
        "/manage/users/new/", {"username": "alice", "email": "a@example.com", "role": "responder"}
    )
    assert "already exists" in response.content.decode()
    response = client.post(
        "/manage/users/new/", {"username": "bob", "email": "nope", "role": "responder"}
    )
    assert response.context["form"].errors["email"]
    assert get_user_model().objects.count() == 1
    assert not Delivery.objects.exists()
