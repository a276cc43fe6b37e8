import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from candor.core.models import AuditEntry

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


def test_page_settings_are_for_administrators_only(responder_client, page):
    assert responder_client.get("/manage/settings/").status_code == 403


def test_page_settings_save(admin_client, page):
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = admin_client.post("/manage/settings/", {**settings_data(), "logo": logo})
    page.refresh_from_db()
    assert response["Location"] == "/manage/settings/"
    assert (page.url, page.time_zone, page.support_url, page.stale_after_minutes) == (
        "https://status.acme.test",
        "America/New_York",
        "https://help.acme.test",
        45,
    )
    assert page.logo.name.startswith("logos/logo")
    assert "Page settings saved." in admin_client.get("/manage/settings/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"url": "javascript:alert(1)"}, "url", "Enter a valid URL."),
        ({"support_url": "ftp://x.test/"}, "support_url", "Enter a full http:// or https://"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
        ({"stale_after_minutes": "2"}, "stale_after_minutes", "greater than or equal to 5"),
    ],
)
def test_page_settings_reject_bad_input(admin_client, page, overrides, field, message):
    response = admin_client.post("/manage/settings/", settings_data(**overrides))
    assert any(message in e for e in response.context["form"].errors[field])
    page.refresh_from_db()
    assert (page.time_zone, page.stale_after_minutes) == ("Europe/Paris", 30)


def test_page_settings_refuse_svg_logo(admin_client, page):
    logo = SimpleUploadedFile("logo.svg", b"<svg><script>alert(1)</script></svg>")
    response = admin_client.post("/manage/settings/", {**settings_data(), "logo": logo})
    assert response.context["form"].errors["logo"] == ["Upload a PNG, JPEG, GIF or WebP image."]
    page.refresh_from_db()
    assert page.logo.name == ""


# --- users ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/manage/users/", "/manage/users/new/", "/manage/users/1/"])
def test_user_admin_is_forbidden_to_responders(responder_client, url):
    assert responder_client.get(url).status_code == 403


def test_user_admin_nav_hidden_from_responders(responder_client, admin_client):
    assert "/manage/users/" not in responder_client.get("/manage/").content.decode()
    assert "/manage/users/" in admin_client.get("/manage/").content.decode()


def new_user(**overrides):
    data = {
        "username": "sam",
        "email": "sam@example.com",
        "role": "responder",
        "password": "a long passphrase",
        "password2": "a long passphrase",
    }
    data.update(overrides)
    return data


def test_user_create_adds_a_responder_and_audits(admin_client, admin):
    response = admin_client.post("/manage/users/new/", new_user())
    sam = User.objects.get(username="sam")
    assert response["Location"] == "/manage/users/"
    assert (sam.is_superuser, sam.is_active, sam.check_password("a long passphrase")) == (
        False,
        True,
        True,
    )
    entry = AuditEntry.objects.get(action="user.create")
    assert (entry.user, entry.summary) == (admin, "Added responder sam")


def test_user_create_administrator(admin_client):
    admin_client.post("/manage/users/new/", new_user(role="administrator"))
    assert User.objects.get(username="sam").is_superuser is True


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": ""}, "username", "This field is required."),
        ({"username": "ADMIN"}, "username", "A user with this username already exists."),
        ({"email": "nope"}, "email", "Enter a valid email address."),
        ({"role": "god"}, "role", "Select a valid choice."),
        ({"password": "password", "password2": "password"}, "password", "too common"),
        ({"password2": "different"}, "password2", "The two passwords differ."),
    ],
)
def test_user_create_rejects_bad_input(admin_client, overrides, field, message):
    response = admin_client.post("/manage/users/new/", new_user(**overrides))
    assert any(message in e for e in response.context["form"].errors[field]), response.context[
        "form"
    ].errors
    assert User.objects.count() == 1


def test_user_edit_changes_role_and_deactivates(admin_client, responder):
    admin_client.post(
        f"/manage/users/{responder.pk}/",
        {"email": "rita@example.com", "role": "administrator"},
    )
    responder.refresh_from_db()
    assert (responder.is_superuser, responder.is_active) == (True, False)


def test_deactivated_user_cannot_log_in(admin_client, responder, client):
    admin_client.post(
        f"/manage/users/{responder.pk}/", {"email": "rita@example.com", "role": "responder"}
    )
    response = client.post(
        "/manage/login/", {"username": "rita", "password": "correct horse battery"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_user_edit_refuses_to_demote_or_deactivate_yourself(admin_client, admin):
    response = admin_client.post(
        f"/manage/users/{admin.pk}/", {"email": "admin@example.com", "role": "responder"}
    )
    errors = response.context["form"].errors
    assert errors["role"] == ["You cannot change your own role."]
    admin.refresh_from_db()
    assert (admin.is_superuser, admin.is_active) == (True, True)


def test_user_edit_refuses_to_deactivate_yourself(admin_client, admin):
    response = admin_client.post(
        f"/manage/users/{admin.pk}/",
        {"email": "admin@example.com", "role": "administrator"},
    )
    assert response.context["form"].errors["is_active"] == ["You cannot deactivate yourself."]


def test_user_list_shows_roles(admin_client, responder):
    html = admin_client.get("/manage/users/").content.decode()
    assert "Responder" in html and "Administrator" in html and "rita" in html
