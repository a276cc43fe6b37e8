"""First run: the one-time link creates the first administrator, once."""

from django.contrib.auth import get_user_model

from candor.core import setup


def test_setup_link_creates_first_administrator_and_then_stops_working(client, db):
    token = setup.issue_token()
    response = client.post(
        f"/setup/{token}/",
        {
            "username": "ada",
            "email": "ada@example.com",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/manage/")
    ada = get_user_model().objects.get()
    assert (ada.username, ada.is_superuser) == ("ada", True)
    assert client.get(f"/setup/{token}/").status_code == 404


def test_setup_link_with_wrong_token_is_404_and_creates_nobody(client, db):
    setup.issue_token()
    response = client.post(
        "/setup/not-the-token/",
        {
            "username": "mallory",
            "email": "m@example.com",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 404
    assert get_user_model().objects.count() == 0


def test_setup_form_errors_create_nobody(client, db):
    token = setup.issue_token()
    response = client.post(
        f"/setup/{token}/",
        {"username": "ada", "email": "not-an-email", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    assert get_user_model().objects.count() == 0


def test_a_weak_password_is_refused_under_the_password_field(client, db):
    token = setup.issue_token()
    response = client.post(
        f"/setup/{token}/",
        {
            "username": "ada",
            "email": "ada@example.com",
            "password1": "password",
            "password2": "password",
        },
    )
    errors = response.context["form"].errors
    assert any("too common" in e for e in errors["password1"])
    assert "password2" not in errors
    assert get_user_model().objects.count() == 0
    # A mismatch stays under the confirmation.
    response = client.post(
        f"/setup/{token}/",
        {
            "username": "ada",
            "email": "ada@example.com",
            "password1": "a long passphrase 42",
            "password2": "other",
        },
    )
    assert "password2" in response.context["form"].errors
