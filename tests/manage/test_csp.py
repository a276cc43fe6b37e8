"""Every HTML page Django answers carries one strict Content-Security-Policy (candor.middleware)."""

import pytest
from django.test import Client

from candor.core import services
from candor.core import setup as first_run
from candor.middleware import POLICY
from candor.public.served import HTML_POLICY
from candor.public.store import store

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def test_the_policy_is_the_strict_one():
    assert POLICY == STRICT


@pytest.mark.parametrize(
    "path",
    [
        "/manage/login/",
        "/manage/password-reset/",
        "/manage/password-reset/sent/",
        "/manage/password-reset/complete/",
        "/subscribe/",
        "/v1/docs",
        "/v1/docs/",
    ],
)
def test_anonymous_html_pages_carry_the_policy(page, path):
    response = Client().get(path)
    assert (response.status_code, response["Content-Security-Policy"]) == (200, STRICT)


def test_the_setup_page_carries_the_policy(db):
    token = first_run.issue_token()
    response = Client().get(f"/setup/{token}/")
    assert (response.status_code, response["Content-Security-Policy"]) == (200, STRICT)


@pytest.mark.parametrize(
    "path",
    [
        "/manage/",
        "/manage/incidents/new/",
        "/manage/components/",
        "/manage/subscribers/",
        "/manage/api-keys/",
        "/manage/audit/",
        "/manage/users/",
        "/manage/settings/",
        "/manage/password/",
    ],
)
def test_management_pages_carry_the_policy(client_as_alice, path):
    response = client_as_alice.get(path)
    assert (response.status_code, response["Content-Security-Policy"]) == (200, STRICT)


def test_error_pages_carry_the_policy(client_as_bob):
    forbidden = client_as_bob.get("/manage/users/")
    missing = client_as_bob.get("/manage/incidents/nosuchthing/")
    assert (forbidden.status_code, forbidden["Content-Security-Policy"]) == (403, STRICT)
    assert (missing.status_code, missing["Content-Security-Policy"]) == (404, STRICT)


def test_public_documents_keep_their_own_policy(page, settings):
    settings.CANDOR_PUBLIC_POLL_SECONDS = 0
    settings.CANDOR_PUBLIC_RENDER_GRACE_SECONDS = 0
    store.reset()
    try:
        services.create_component(page, by=None, name="Email")
        response = Client().get("/")
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == HTML_POLICY
    finally:
        store.reset()


def test_json_answers_are_left_alone(db):
    response = Client().get("/v1/openapi.json")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
