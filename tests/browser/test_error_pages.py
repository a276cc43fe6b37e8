"""Error pages in the site's design: the public 404 and 500 are stored documents; management
and first-run errors say what happened and where to go; every page has a favicon."""

import pytest
from django.test import RequestFactory

from candor import errors
from candor.core import services
from candor.core import setup as first_run
from candor.public.store import store
from tests.conftest import assert_accessible, assert_fits, screenshot

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def polled_every_request(fresh_store):
    """tests/support/public.py: the public site rendered afresh, checked on every request."""


@pytest.fixture
def site(live_server, transactional_db, django_user_model):
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Cloud")
    return live_server.url, page


@pytest.mark.browser
def test_public_404_pages_are_in_the_site_design(site, view_tab):
    base, page = site
    tab = view_tab
    scheme, width = tab.view
    for path in ("/no-such-page", "/incidents/nope", "/history/999"):
        response = tab.goto(base + path)
        assert response.status == 404, path
        assert tab.get_by_role("heading", name="Not found").is_visible()
        assert tab.title() == "Not found · Acme Cloud Status"
        assert tab.get_by_role("link", name="Subscribe to updates").is_visible()
    assert_accessible(tab, f"public 404 {scheme} {width}")
    assert_fits(tab, "404")
    if (scheme, width) == ("light", 1280):
        screenshot(tab, "public-404")
    icon = tab.request.get(f"{base}/favicon.ico")
    assert icon.status == 200


@pytest.mark.browser
def test_management_404_and_reused_setup_link(site, view_tab, django_user_model):
    base, page = site
    tab = view_tab
    scheme, width = tab.view
    token = first_run.issue_token()
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    response = tab.goto(f"{base}/setup/{token}/")
    assert response.status == 404
    tab.get_by_role("heading", name="An administrator already exists").wait_for()
    assert_accessible(tab, f"setup used {scheme} {width}")
    tab.get_by_role("link", name="Log in").click()
    tab.get_by_label("Username").fill("admin")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(f"{base}/manage/**")
    for path in ("/manage/nothing-here/", "/manage/incidents/nope/"):
        response = tab.goto(base + path)
        assert response.status == 404, path
        assert tab.get_by_role("heading", name="Not found").is_visible()
        assert tab.get_by_role("link", name="Incidents").is_visible()
    assert_accessible(tab, f"manage 404 {scheme} {width}")
    assert_fits(tab, "manage 404")
    icon = tab.locator("link[rel=icon]").get_attribute("href")
    assert tab.request.get(base + icon).status == 200


def test_public_500_is_the_stored_page_and_manage_500_needs_no_database(db):
    services.update_page(services.ensure_default_page(), by=None, name="Acme Cloud")
    store.reset()
    store.current()
    public = errors.server_error(RequestFactory().get("/incidents/x"))
    assert public.status_code == 500
    body = public.content.decode()
    assert "Something went wrong" in body and "Acme Cloud Status" in body
    manage = errors.server_error(RequestFactory().get("/manage/incidents/"))
    assert manage.status_code == 500
    assert "Something went wrong" in manage.content.decode()
    api = errors.server_error(RequestFactory().get("/v1/pages.json"))
    assert api["Content-Type"] == "application/json"
