import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candor.core import apikeys, services
from tests.api.conftest import Api
from tests.conftest import assert_accessible, screenshot


def test_audit_log_shows_ui_and_api_writes_with_who(admin_client, admin, page):
    admin_client.post(
        "/manage/api-keys/new/", {"name": "Monitoring", "page": page.pk}
    )  # a UI write
    _, plain = apikeys.create_api_key(by=admin, name="Bot", page=page)
    Api(plain).post(f"pages/{page.pk}/components", {"component": {"name": "Help Desk"}})
    response = admin_client.get("/manage/audit/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Created API key Monitoring" in text
    assert "API key Bot" in text and "Created component Help Desk" in text


def test_audit_log_is_readable_by_responders(responder_client, page):
    assert responder_client.get("/manage/audit/").status_code == 200


def test_audit_log_filters_by_who_and_what(admin_client, admin, page):
    services.create_component(page, by=admin, name="Email")
    _, plain = apikeys.create_api_key(by=None, name="Bot", page=page)
    Api(plain).post(f"pages/{page.pk}/incidents", {"incident": {"name": "Down"}})
    keys_only = admin_client.get("/manage/audit/?by=key").content.decode()
    components_only = admin_client.get("/manage/audit/?area=component").content.decode()
    assert ("Declared incident Down" in keys_only, "Created component Email" in keys_only) == (
        True,
        False,
    )
    assert ("Created component Email" in components_only, "Down" in components_only) == (
        True,
        False,
    )


def test_audit_log_pages_by_fifty(admin_client, admin, page):
    for i in range(55):
        services.create_component(page, by=admin, name=f"C{i}")
    first = admin_client.get("/manage/audit/").content.decode()
    second = admin_client.get("/manage/audit/?page=2").content.decode()
    assert ("Created component C54" in first, "Created component C0<" in first) == (True, False)
    assert "Created component C0<" in second


@pytest.mark.parametrize("count", [1, 3])
def test_audit_log_query_count(admin_client, admin, page, count):
    for i in range(count):
        services.create_component(page, by=admin, name=f"C{i}")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/manage/audit/")
    assert response.status_code == 200
    assert len(queries) == QUERIES_AUDIT_LOG


QUERIES_AUDIT_LOG = 5


@pytest.mark.browser
def test_audit_log_in_a_browser(live_server, browser_page, admin, page):
    services.create_component(page, by=admin, name="Help Desk")
    _, plain = apikeys.create_api_key(by=admin, name="Bot", page=page)
    Api(plain).post(f"pages/{page.pk}/incidents", {"incident": {"name": "Down"}})
    tab = browser_page
    tab.goto(f"{live_server.url}/manage/login/")
    tab.fill("#id_username", "admin")
    tab.fill("#id_password", "correct horse battery")
    tab.click("button[type=submit]")
    tab.goto(f"{live_server.url}/manage/audit/")
    assert tab.locator("td:has-text('Declared incident Down')").count() == 1
    assert_accessible(tab, "Audit log")
    screenshot(tab, "manage-audit-log")
