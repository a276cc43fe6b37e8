"""Candor's extension of the page object: Page settings' branding (read and changed through the
same service and checks as the settings form) and, read-only, whether two-factor is required."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from candor.core import apikeys, services
from candor.core.models import AuditEntry, Page
from candor.public.store import store
from tests.api.conftest import Api
from tests.browser.test_branding import PNG

GOOD = {
    "accent_light": "#0A58CA",
    "accent_dark": "#6cb6ff",
    "header_links": [{"label": "Docs", "url": "https://docs.example.com"}],
    "footer_links": [
        {"label": "Privacy", "url": "https://example.com/privacy"},
        {"label": "Home", "url": "/"},
    ],
    "about": "We run **Acme**.",
    "custom_css": ".masthead { letter-spacing: .02em; }",
}
STORED = {
    "accent_light": "#0a58ca",
    "accent_dark": "#6cb6ff",
    "header_links": GOOD["header_links"],
    "footer_links": GOOD["footer_links"],
    "about": "We run **Acme**.",
    "custom_css": ".masthead { letter-spacing: .02em; }",
}
UNBRANDED = {
    "accent_light": None,
    "accent_dark": None,
    "header_links": [],
    "footer_links": [],
    "about": None,
    "custom_css": None,
    "logo_url": None,
    "favicon_url": None,
}


@pytest.fixture
def responder_key(page, alice, bob):
    """Bob's key, made while he was an Administrator; he is a Responder again (the only way a
    Responder holds a key: tests/api/test_hardening.py)."""
    promoted = services.update_user(bob, by=alice, role="administrator")
    _, plain = apikeys.create_api_key(by=promoted, name="bob's bot", page=page)
    services.update_user(bob, by=alice, role="responder")
    return Api(plain)


def stored(page):
    page = Page.objects.get(pk=page.pk)
    return {field: getattr(page, field) for field in STORED}


def test_a_new_page_reads_unbranded_and_two_factor_optional(page, api):
    body = api.get(f"pages/{page.pk}").json()
    assert body["candor_branding"] == UNBRANDED
    assert body["require_two_factor"] is False
    # Every Statuspage field is as it was.
    assert {"id", "name", "url", "time_zone", "updated_at", "created_at", "support_url"} <= set(
        body
    )


def test_branding_set_in_page_settings_reads_the_same_in_the_api(
    page, alice, json_api, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    services.update_page(
        page,
        by=alice,
        **GOOD,
        logo=SimpleUploadedFile("logo.png", PNG),
        favicon=SimpleUploadedFile("icon.png", PNG),
    )
    services.set_two_factor_required(page, by=alice, required=True)
    body = json_api.get(f"pages/{page.pk}").json()
    assert body["candor_branding"] == {
        **STORED,
        "logo_url": "http://127.0.0.1:8000/logo.png",
        "favicon_url": "http://127.0.0.1:8000/favicon.ico",
    }
    assert body["require_two_factor"] is True
    assert json_api.get("pages").json()[0]["candor_branding"] == body["candor_branding"]


def test_an_administrators_key_changes_the_branding(page, api):
    response = api.patch(f"pages/{page.pk}", {"page": {"candor_branding": GOOD}})
    assert response.status_code == 200, response.content
    assert response.json()["candor_branding"] == {**STORED, "logo_url": None, "favicon_url": None}
    assert stored(page) == STORED
    entry = AuditEntry.objects.get(action="page.update")
    assert set(entry.data["fields"]) == set(STORED)


def test_only_the_branding_fields_given_change_and_empty_clears(page, alice, api):
    services.update_page(page, by=alice, **GOOD)
    response = api.patch(
        f"pages/{page.pk}",
        {"page": {"candor_branding": {"accent_dark": "", "header_links": [], "about": ""}}},
    )
    assert response.status_code == 200, response.content
    assert stored(page) == {**STORED, "accent_dark": "", "header_links": [], "about": ""}


def test_the_public_site_wears_what_the_api_set(page, json_api, client, settings, tmp_path):
    settings.CANDOR_PUBLIC_POLL_SECONDS = 0
    settings.CANDOR_PUBLIC_RENDER_GRACE_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path
    store.reset()
    try:
        json_api.patch(f"pages/{page.pk}", {"page": {"candor_branding": GOOD}})
        css = client.get("/brand.css").content.decode()
        front = client.get("/").content.decode()
    finally:
        store.reset()
    assert ":root { --link: #0a58ca; }" in css
    assert ".masthead { letter-spacing: .02em; }" in css
    assert 'href="https://docs.example.com"' in front and "Privacy" in front


@pytest.mark.parametrize(
    "branding, field, says",
    [
        ({"accent_light": "#7aa7e0"}, "accent_light", "contrast of"),
        ({"accent_dark": "#0a58ca"}, "accent_dark", "Choose a lighter colour"),
        ({"accent_light": "blue"}, "accent_light", "#rrggbb"),
        ({"custom_css": "@import 'x.css';"}, "custom_css", "@import is not allowed"),
        (
            {"custom_css": "body { background: url(https://evil.test/x.png) }"},
            "custom_css",
            "other sites are not allowed",
        ),
        ({"custom_css": "</style><script>"}, "custom_css", "'</'"),
        (
            {
                "footer_links": [
                    {"label": "Ok", "url": "https://ok.test"},
                    {"label": "x", "url": "ftp://x"},
                ]
            },
            "footer_links",
            "Link 2:",
        ),
        (
            {"header_links": [{"label": f"L{n}", "url": "https://x.test"} for n in range(9)]},
            "header_links",
            "At most 8 links",
        ),
        ({"header_links": "Docs | https://x.test"}, "header_links", "list of {label"),
        ({"about": "x" * 5001}, "about", "5000"),
        ({"accent_light": 5}, "accent_light", "Must be a string"),
    ],
)
def test_bad_branding_is_refused_naming_the_field_and_nothing_is_written(
    page, alice, json_api, branding, field, says
):
    services.update_page(page, by=alice, **GOOD)
    before, audit = stored(page), AuditEntry.objects.count()
    response = json_api.patch(
        f"pages/{page.pk}",
        {"page": {"name": "Renamed", "candor_branding": {"about": "New", **branding}}},
    )
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert list(errors) == [f"candor_branding.{field}"]
    assert says in errors[f"candor_branding.{field}"][0]
    assert stored(page) == before
    assert Page.objects.get(pk=page.pk).name == "Acme Status"
    assert AuditEntry.objects.count() == audit


def test_branding_that_is_not_an_object_is_refused(page, json_api):
    response = json_api.patch(f"pages/{page.pk}", {"page": {"candor_branding": "#000000"}})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["candor_branding"]


def test_bad_contrast_in_a_form_encoded_body_is_refused_the_same(page, key_of_page):
    response = Api(key_of_page, "form").patch(
        f"pages/{page.pk}", {"page": {"candor_branding": {"accent_light": "#ffff00"}}}
    )
    assert response.status_code == 422
    assert "contrast of" in response.json()["errors"]["candor_branding.accent_light"][0]
    assert Page.objects.get(pk=page.pk).accent_light == ""


def test_require_two_factor_is_read_only(page, alice, json_api):
    response = json_api.patch(
        f"pages/{page.pk}", {"page": {"name": "Renamed", "require_two_factor": False}}
    )
    assert response.status_code == 422
    assert "Read-only" in response.json()["errors"]["require_two_factor"][0]
    services.set_two_factor_required(page, by=alice, required=True)
    json_api.patch(f"pages/{page.pk}", {"page": {"require_two_factor": "f"}})
    null = json_api.patch(f"pages/{page.pk}", {"page": {"require_two_factor": None}})
    assert (null.status_code, null.json()["require_two_factor"]) == (200, True)
    stored_page = Page.objects.get(pk=page.pk)
    assert (stored_page.require_two_factor, stored_page.name) == (True, "Acme Status")


def test_a_responder_reads_the_branding_but_cannot_change_it(
    page, alice, responder_key, client_as_bob, client_as_alice
):
    services.update_page(page, by=alice, **GOOD)
    audit = AuditEntry.objects.count()
    # As in the management UI, where Page settings are for Administrators only.
    assert client_as_bob.get("/manage/settings/").status_code == 403
    assert client_as_alice.get("/manage/settings/").status_code == 200
    read = responder_key.get(f"pages/{page.pk}").json()["candor_branding"]
    assert read["accent_light"] == "#0a58ca"
    response = responder_key.patch(
        f"pages/{page.pk}", {"page": {"candor_branding": {"accent_light": "#000000"}}}
    )
    assert (response.status_code, response.json()) == (
        403,
        {"error": "Only Administrators can do this."},
    )
    assert (stored(page), AuditEntry.objects.count()) == (STORED, audit)


def test_the_api_does_not_take_a_signed_in_session(page, client_as_alice):
    response = client_as_alice.patch(
        f"/v1/pages/{page.pk}",
        '{"page": {"candor_branding": {"accent_light": "#000000"}}}',
        content_type="application/json",
    )
    assert response.status_code == 401
    assert Page.objects.get(pk=page.pk).accent_light == ""


def test_statuspages_own_branding_field_is_still_ignored(page, api):
    # Statuspage's `branding` is the plan ("basic"/"premium"): its clients may send it back.
    response = api.patch(f"pages/{page.pk}", {"page": {"branding": "basic", "name": "Acme"}})
    assert (response.status_code, response.json()["name"]) == (200, "Acme")
    assert "branding" not in response.json()
