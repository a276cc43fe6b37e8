import re

import pytest
from django.test import Client

from candor.core.models import Delivery
from tests.support.mail import serve_smtp
from tests.support.personas import PASSWORD
from tests.support.processes import drain


def test_login_page_renders(client, db):
    response = client.get("/manage/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Log in to Candor" in html
    assert "Forgot your password?" in html


def test_login_with_right_password_goes_to_next(client, bob):
    response = client.post(
        "/manage/login/",
        {"username": "bob", "password": PASSWORD, "next": "/manage/incidents/new/"},
    )
    assert (response.status_code, response["Location"]) == (302, "/manage/incidents/new/")


def test_login_refuses_offsite_next(client, bob):
    response = client.post(
        "/manage/login/", {"username": "bob", "password": PASSWORD, "next": "https://evil.test/"}
    )
    assert response["Location"] == "/manage/"


def test_login_with_wrong_password_shows_error(client, bob):
    response = client.post("/manage/login/", {"username": "bob", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_refuses_inactive_user(client, charlie):
    assert charlie.check_password(PASSWORD)  # the right password, on a deactivated account
    response = client.post("/manage/login/", {"username": "charlie", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def _fail(client, username, ip, times):
    for _ in range(times):
        client.post("/manage/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=ip)


def test_login_is_throttled_per_username_and_ip(client, alice):
    _fail(client, "alice", "203.0.113.9", 5)
    response = client.post(
        "/manage/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()


def test_login_lockout_does_not_reach_the_admin_from_another_address(alice):
    attacker, owner = Client(), Client()
    _fail(attacker, "alice", "203.0.113.9", 10)
    response = owner.post(
        "/manage/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert (response.status_code, response["Location"]) == (302, "/manage/")


def test_login_lockout_of_one_user_leaves_other_users_alone(client, alice, bob):
    _fail(client, "alice", "203.0.113.9", 5)
    response = client.post(
        "/manage/login/", {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302


def test_logout_needs_post_and_ends_the_session(client_as_bob):
    assert client_as_bob.get("/manage/logout/").status_code == 405
    response = client_as_bob.post("/manage/logout/", follow=True)
    assert "You have logged out." in response.content.decode()
    assert client_as_bob.get("/manage/").status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, bob, settings):
    smtp = serve_smtp(settings)
    try:
        response = client.post("/manage/password-reset/", {"email": "bob@example.com"})
        drain()
    finally:
        smtp.stop()
    assert response["Location"] == "/manage/password-reset/sent/"
    [message] = smtp.messages
    assert message["To"] == "bob@example.com"
    assert message["Subject"] == "Reset your Candor password"
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"http://[^\s]+/manage/password-reset/[^\s]+/", text).group(0)
    path = link.split("127.0.0.1:8000", 1)[1]
    form_url = client.get(path)["Location"]  # Django swaps the token for a session marker
    response = client.post(
        form_url, {"new_password1": "a brand new phrase", "new_password2": "a brand new phrase"}
    )
    assert response["Location"] == "/manage/password-reset/complete/"
    bob.refresh_from_db()
    assert bob.check_password("a brand new phrase")


def test_password_reset_answers_the_same_for_unknown_address(client, db, settings):
    response = client.post("/manage/password-reset/", {"email": "nobody@example.com"})
    assert (response["Location"], Delivery.objects.count()) == ("/manage/password-reset/sent/", 0)


def test_password_reset_bad_link_says_so(client, db):
    response = client.get("/manage/password-reset/MQ/bad-token/")
    assert "This link no longer works" in response.content.decode()


@pytest.mark.parametrize("url", ["/manage/login/", "/manage/password-reset/"])
def test_account_forms_are_csrf_protected(db, url):
    client = Client(enforce_csrf_checks=True)
    assert client.post(url, {"username": "x", "password": "y", "email": "a@b.c"}).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/manage/",
        "/manage/incidents/new/",
        "/manage/components/",
        "/manage/components/new/",
        "/manage/groups/new/",
        "/manage/settings/",
        "/manage/users/",
        "/manage/users/new/",
        "/manage/password/",
    ],
)
def test_administrator_opens_every_management_page(client_as_alice, url):
    assert client_as_alice.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/manage/",
        "/manage/incidents/new/",
        "/manage/components/",
        "/manage/components/new/",
        "/manage/groups/new/",
        "/manage/password/",
    ],
)
def test_responder_opens_incident_and_component_pages(client_as_bob, url):
    assert client_as_bob.get(url).status_code == 200


def test_responder_posting_to_user_admin_is_forbidden_and_writes_nothing(client_as_bob, alice):
    response = client_as_bob.post(
        f"/manage/users/{alice.pk}/", {"email": "x@example.com", "role": "responder"}
    )
    alice.refresh_from_db()
    assert (response.status_code, alice.is_superuser, alice.email) == (
        403,
        True,
        "alice@example.com",
    )


def test_password_change_confirms(client_as_bob, bob):
    response = client_as_bob.post(
        "/manage/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another long phrase",
            "new_password2": "another long phrase",
        },
        follow=True,
    )
    bob.refresh_from_db()
    assert bob.check_password("another long phrase")
    assert "Your password has been changed." in response.content.decode()
