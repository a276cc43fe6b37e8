import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from candor.core.models import AuditEntry
from tests.support.personas import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def settings_data(**overrides):
    data = {
        "name": "Acme Status",
        "url": "https://status.acme.test",
        "time_zone": "America/New_York",
        "support_url": "https://help.acme.test",
        "stale_after_minutes": "45",
    }
    data.update(overrides)
    return data


# --- page settings ------------------------------------------------------------------------------


def test_page_settings_are_for_administrators_only(client_as_bob, page):
    assert client_as_bob.get("/manage/settings/").status_code == 403


def test_page_settings_save(client_as_alice, page):
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = client_as_alice.post("/manage/settings/", {**settings_data(), "logo": logo})
    page.refresh_from_db()
    assert response["Location"] == "/manage/settings/"
    assert (page.url, page.time_zone, page.support_url, page.stale_after_minutes) == (
        "https://status.acme.test",
        "America/New_York",
        "https://help.acme.test",
        45,
    )
    assert page.logo.name.startswith("logos/logo")
    assert "Page settings saved." in client_as_alice.get("/manage/settings/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"url": "javascript:alert(1)"}, "url", "Enter a valid URL."),
        ({"support_url": "ftp://x.test/"}, "support_url", "Enter a full http:// or https://"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "is not a time zone"),
        (
            {"time_zone": "US/Eastern"},
            "time_zone",
            "US/Eastern is an old alias: choose America/New_York",
        ),
        ({"accent_light": "#ffcc00"}, "accent_light", "contrast of 1.42:1 against the light"),
        ({"accent_dark": "#0a58ca"}, "accent_dark", "against the dark background"),
        ({"accent_light": "blue"}, "accent_light", "Enter a colour as #rrggbb"),
        ({"header_links": "Docs"}, "header_links", "Line 1: write the label, then |"),
        ({"footer_links": "Docs | javascript:alert(1)"}, "footer_links", "is not a full http"),
        ({"custom_css": "@import url(x.css);"}, "custom_css", "@import is not allowed"),
        (
            {"custom_css": "body{background:url(https://evil.test/x.png)}"},
            "custom_css",
            "other sites",
        ),
        ({"stale_after_minutes": "2"}, "stale_after_minutes", "greater than or equal to 5"),
    ],
)
def test_page_settings_reject_bad_input(client_as_alice, page, overrides, field, message):
    response = client_as_alice.post("/manage/settings/", settings_data(**overrides))
    assert any(message in e for e in response.context["form"].errors[field])
    page.refresh_from_db()
    assert (page.time_zone, page.stale_after_minutes) == ("Europe/Paris", 30)
    assert (page.accent_light, page.accent_dark, page.header_links, page.custom_css) == (
        "",
        "",
        [],
        "",
    )
    assert not AuditEntry.objects.filter(action="page.update").exists()


def test_page_settings_save_branding_and_find_a_zone_by_any_case(client_as_alice, page):
    favicon = SimpleUploadedFile("icon.png", PNG, content_type="image/png")
    data = settings_data(
        time_zone="europe/berlin",
        accent_light="#5A2D82",
        accent_dark="#D2B4FF",
        header_links="Docs | https://docs.acme.test\nBlog | https://blog.acme.test",
        footer_links="Privacy | https://acme.test/privacy",
        about="We run **Acme Cloud**.",
        custom_css=".masthead { border-bottom-width: 3px; }",
    )
    response = client_as_alice.post("/manage/settings/", {**data, "favicon": favicon})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.time_zone == "Europe/Berlin"
    assert (page.accent_light, page.accent_dark) == ("#5a2d82", "#d2b4ff")
    assert page.header_links == [
        {"label": "Docs", "url": "https://docs.acme.test"},
        {"label": "Blog", "url": "https://blog.acme.test"},
    ]
    assert page.footer_links == [{"label": "Privacy", "url": "https://acme.test/privacy"}]
    assert page.favicon.name.startswith("favicons/")


def test_the_time_zone_list_has_canonical_names_only(client_as_alice, page):
    html = client_as_alice.get("/manage/settings/").content.decode()
    assert '<option value="Europe/Berlin">' in html
    assert '<option value="UTC">' in html
    for alias in ("US/Eastern", "Asia/Calcutta", "Etc/GMT+5"):
        assert f'<option value="{alias}">' not in html


def test_a_page_title_says_status_once(db):
    from candor.core import services

    acme = services.create_page(by=None, name="Acme")
    assert acme.title == "Acme Status"
    assert services.create_page(by=None, name="Globex status").title == "Globex status"
    assert services.create_page(by=None, name="Status").title == "Status"


def test_page_settings_refuse_svg_logo(client_as_alice, page):
    logo = SimpleUploadedFile("logo.svg", b"<svg><script>alert(1)</script></svg>")
    response = client_as_alice.post("/manage/settings/", {**settings_data(), "logo": logo})
    assert response.context["form"].errors["logo"] == ["Upload a PNG, JPEG, GIF or WebP image."]
    page.refresh_from_db()
    assert page.logo.name == ""


# --- users ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/manage/users/", "/manage/users/new/", "/manage/users/1/"])
def test_user_admin_is_forbidden_to_responders(client_as_bob, url):
    assert client_as_bob.get(url).status_code == 403


def test_user_admin_nav_hidden_from_responders(client_as_bob, client_as_alice):
    assert "/manage/users/" not in client_as_bob.get("/manage/").content.decode()
    assert "/manage/users/" in client_as_alice.get("/manage/").content.decode()


def new_user(**overrides):
    data = {
        "username": "sam",
        "email": "sam@example.com",
        "role": "responder",
    }
    data.update(overrides)
    return data


def test_user_create_invites_a_responder_and_audits(client_as_alice, alice):
    response = client_as_alice.post("/manage/users/new/", new_user())
    sam = User.objects.get(username="sam")
    assert response["Location"] == "/manage/users/"
    # Invited: no password until Sam chooses one from the invitation.
    assert (sam.is_superuser, sam.is_active, sam.has_usable_password()) == (False, True, False)
    entry = AuditEntry.objects.get(action="user.invite")
    assert (entry.user, entry.summary) == (alice, "Invited responder sam (sam@example.com)")


def test_user_create_administrator(client_as_alice):
    client_as_alice.post("/manage/users/new/", new_user(role="administrator"))
    assert User.objects.get(username="sam").is_superuser is True


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": ""}, "username", "This field is required."),
        ({"username": "ALICE"}, "username", "A user with this username already exists."),
        ({"email": "nope"}, "email", "Enter a valid email address."),
        ({"role": "god"}, "role", "Select a valid choice."),
    ],
)
def test_user_create_rejects_bad_input(client_as_alice, overrides, field, message):
    response = client_as_alice.post("/manage/users/new/", new_user(**overrides))
    assert any(message in e for e in response.context["form"].errors[field]), response.context[
        "form"
    ].errors
    assert User.objects.count() == 1


def test_user_edit_changes_role_and_deactivates(client_as_alice, bob):
    client_as_alice.post(
        f"/manage/users/{bob.pk}/",
        {"email": "bob@example.com", "role": "administrator"},
    )
    bob.refresh_from_db()
    assert (bob.is_superuser, bob.is_active) == (True, False)


def test_deactivated_user_cannot_log_in(client_as_alice, bob, client):
    client_as_alice.post(
        f"/manage/users/{bob.pk}/", {"email": "bob@example.com", "role": "responder"}
    )
    response = client.post("/manage/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_user_edit_refuses_to_demote_or_deactivate_yourself(client_as_alice, alice):
    response = client_as_alice.post(
        f"/manage/users/{alice.pk}/", {"email": "alice@example.com", "role": "responder"}
    )
    errors = response.context["form"].errors
    assert errors["role"] == ["You cannot change your own role."]
    alice.refresh_from_db()
    assert (alice.is_superuser, alice.is_active) == (True, True)


def test_user_edit_refuses_to_deactivate_yourself(client_as_alice, alice):
    response = client_as_alice.post(
        f"/manage/users/{alice.pk}/",
        {"email": "alice@example.com", "role": "administrator"},
    )
    assert response.context["form"].errors["is_active"] == ["You cannot deactivate yourself."]


def test_user_list_shows_roles(client_as_alice, bob):
    html = client_as_alice.get("/manage/users/").content.decode()
    assert "Responder" in html and "Administrator" in html and "bob" in html
