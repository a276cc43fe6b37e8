"""Branding in Page settings: colours (AA-checked), favicon, links, about text, custom CSS and a
searchable list of canonical time zones; the public site shows them, as stored documents."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from candor.core import services
from candor.public.export import export_site
from candor.public.store import store
from tests.conftest import assert_accessible, assert_fits, screenshot

PASSWORD = "correct horse battery"
# A real 1x1 PNG: browsers decode it as the tab's icon.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005000201a5f3a0a40000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def polled_every_request(fresh_store, settings, tmp_path):
    """tests/support/public.py's fresh site, with uploads in a directory of this test's own."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def site(live_server, transactional_db, django_user_model):
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Cloud")
    services.create_component(page, by=None, name="Help Desk")
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    return live_server.url, page


def log_in(tab, base):
    tab.goto(f"{base}/manage/login/")
    tab.get_by_label("Username").fill("admin")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(f"{base}/manage/**")


@pytest.mark.browser
def test_page_settings_branding_form_is_accessible_and_refuses_a_low_contrast_colour(
    site, view_tab
):
    base, page = site
    tab = view_tab
    scheme, width = tab.view
    log_in(tab, base)
    tab.goto(f"{base}/manage/settings/")
    assert_accessible(tab, f"settings {scheme} {width}")
    assert_fits(tab, "settings")
    if (scheme, width) == ("light", 1280):
        screenshot(tab, "manage-settings")
    # The time zone is a searchable text box backed by a list of canonical names.
    zone = tab.get_by_label("Time zone")
    assert zone.get_attribute("list") == "time-zones"
    options = tab.locator("#time-zones option").evaluate_all("o => o.map(x => x.value)")
    assert "Europe/Berlin" in options and "US/Eastern" not in options
    tab.get_by_label("Accent colour (light scheme)").fill("#ffcc00")
    tab.get_by_role("button", name="Save settings").click()
    error = tab.locator("#id_accent_light_errors")
    assert "contrast of 1.42:1" in error.inner_text()
    assert_accessible(tab, f"settings error {scheme} {width}")
    page.refresh_from_db()
    assert page.accent_light == ""


@pytest.mark.browser
def test_the_public_site_wears_the_brand(site, browser, tmp_path):
    base, page = site
    services.update_page(
        page,
        by=None,
        accent_light="#5a2d82",
        accent_dark="#d2b4ff",
        header_links="Docs | https://docs.acme.test",
        footer_links="Privacy | https://acme.test/privacy",
        about="We run **Acme Cloud** for 2,000 schools.",
        custom_css=".about { font-style: italic; }",
        favicon=SimpleUploadedFile("icon.png", PNG, content_type="image/png"),
    )
    for scheme, width, accent in [
        ("light", 1280, "rgb(90, 45, 130)"),
        ("dark", 375, "rgb(210, 180, 255)"),
    ]:
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        tab = context.new_page()
        try:
            tab.goto(f"{base}/")
            assert tab.title() == "Acme Cloud Status"
            docs = tab.get_by_role("link", name="Docs")
            assert docs.get_attribute("href") == "https://docs.acme.test"
            assert docs.evaluate("a => getComputedStyle(a).color") == accent
            assert tab.get_by_role("link", name="Privacy").is_visible()
            about = tab.locator(".about")
            assert "2,000 schools" in about.inner_text()
            assert about.evaluate("e => getComputedStyle(e).fontStyle") == "italic"
            assert_accessible(tab, f"/ branded {scheme} {width}")
            assert_fits(tab, "/")
            tab.goto(f"{base}/subscribe/")
            button = tab.get_by_role("button", name="Subscribe by email")
            assert button.evaluate("b => getComputedStyle(b).backgroundColor") == accent
            assert_accessible(tab, f"/subscribe/ branded {scheme} {width}")
            icon = tab.request.get(f"{base}/favicon.ico")
            assert (icon.status, icon.headers["content-type"], icon.body()) == (
                200,
                "image/png",
                PNG,
            )
        finally:
            context.close()
    # The static copy carries the same documents.
    written = {p.name for p in export_site(page, tmp_path / "site")}
    assert {"favicon.ico", "brand.css", "logo.png"} & written >= {"favicon.ico", "brand.css"}


def test_favicon_without_an_upload_is_candors_own(client, db):
    services.ensure_default_page()
    store.reset()
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert client.get("/brand.css").status_code == 404  # no branding: no stylesheet
