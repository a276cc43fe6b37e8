"""The page logo: taken by its bytes, stored and served under Candor's own name and path."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from candor.core import services
from candor.core.models import AuditEntry

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00" + b"\x10\x07\x10\x11\x11\x88\x88"
)
FORM = {
    "name": "Acme Status",
    "url": "",
    "time_zone": "UTC",
    "support_url": "",
    "stale_after_minutes": "30",
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def client_as_alice(client_as_alice, default_page):
    return client_as_alice  # signed in, with the page the management UI manages


def upload(client, name, body):
    return client.post("/manage/settings/", {**FORM, "logo": SimpleUploadedFile(name, body)})


def test_logo_named_html_is_stored_and_served_as_an_image_at_the_fixed_path(
    client_as_alice, default_page, media, client
):
    response = upload(client_as_alice, "x.html", GIF + b"<html><meta http-equiv=refresh>")
    default_page.refresh_from_db()
    logo = client.get("/logo.png")
    index = client.get("/").content.decode()

    assert response.status_code == 302
    assert default_page.logo.name.startswith(f"logos/logo-{default_page.pk}-")
    assert default_page.logo.name.endswith(".gif")
    assert [p.name for p in (media / "logos").iterdir()] == [default_page.logo.name[6:]]
    assert (logo.status_code, logo["Content-Type"]) == (200, "image/gif")
    assert logo.content.startswith(GIF)
    assert client.get("/logo.html").status_code == 404
    assert client.get("/logo.gif").status_code == 404
    assert 'src="/logo.png"' in index


def test_logo_webp_is_taken(client_as_alice, default_page, media, client):
    upload(client_as_alice, "photo", WEBP)

    logo = client.get("/logo.png")

    assert (logo.status_code, logo["Content-Type"], logo.content) == (200, "image/webp", WEBP)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("x.html", b"<!doctype html><script>alert(1)</script>"),
        ("x.js", b"alert(document.domain)"),
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.png", b"<svg onload=alert(1)>"),  # the name says PNG, the bytes do not
        ("logo.gif", b"GIF8"),
    ],
)
def test_logo_that_is_not_a_raster_image_is_refused_and_nothing_is_written(
    client_as_alice, default_page, media, client, name, body
):
    audits = AuditEntry.objects.count()

    response = upload(client_as_alice, name, body)
    default_page.refresh_from_db()

    assert response.status_code == 200
    assert response.context["form"].errors["logo"] == ["Upload a PNG, JPEG, GIF or WebP image."]
    assert default_page.logo.name == ""
    assert list(media.rglob("*")) == []
    assert AuditEntry.objects.count() == audits
    assert client.get("/logo.png").status_code == 404


def test_logo_too_large_is_refused(client_as_alice, default_page, media):
    response = upload(client_as_alice, "big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 512 * 1024)
    default_page.refresh_from_db()

    assert response.context["form"].errors["logo"] == [
        "The logo is too large: keep it to 512 KB or less."
    ]
    assert (default_page.logo.name, list(media.rglob("*"))) == ("", [])


def test_settings_page_links_the_logo_where_it_is_served(
    client_as_alice, default_page, media, client
):
    upload(client_as_alice, "logo.gif", GIF)

    settings_page = client_as_alice.get("/manage/settings/").content.decode()

    assert 'href="/logo.png"' in settings_page
    assert client.get("/logo.png").status_code == 200


def test_replacing_and_clearing_the_logo_removes_the_old_file(
    client_as_alice, default_page, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_as_alice, "one.gif", GIF)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_as_alice, "two.webp", WEBP)
    default_page.refresh_from_db()
    current = default_page.logo.name
    kept = [f"logos/{p.name}" for p in (media / "logos").iterdir()]
    with django_capture_on_commit_callbacks(execute=True):
        client_as_alice.post("/manage/settings/", {**FORM, "logo-clear": "on"})
    default_page.refresh_from_db()

    assert kept == [current]
    assert current.endswith(".webp")
    assert default_page.logo.name == ""
    assert list((media / "logos").iterdir()) == []


def test_a_stored_file_that_is_not_an_image_is_never_served(default_page, media, client):
    # A logo uploaded before the bytes were checked: the render sniffs it again.
    (media / "logos").mkdir()
    (media / "logos" / "x.html").write_bytes(b"<html><script>alert(1)</script>")
    type(default_page).objects.filter(pk=default_page.pk).update(logo="logos/x.html")
    services.update_page(default_page, by=None, name="Renamed")

    assert client.get("/logo.png").status_code == 404
    assert client.get("/logo.html").status_code == 404
    assert "/logo" not in client.get("/").content.decode()
