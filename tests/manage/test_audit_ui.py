import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candor.core import services
from tests.api.conftest import Api
from tests.conftest import assert_accessible, screenshot
from tests.support.personas import PASSWORD


def test_audit_log_shows_ui_and_api_writes_with_who(
    client_as_alice, client_as_bob, key_of_page, page
):
    client_as_alice.post("/manage/api-keys/new/", {"name": "Monitoring", "page": page.pk})  # UI
    client_as_bob.post("/manage/components/new/", {"name": "Email", "status": "operational"})
    Api(key_of_page).post(f"pages/{page.pk}/components", {"component": {"name": "Help Desk"}})
    response = client_as_bob.get("/manage/audit/")
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr>(.*?)</tr>", response.content.decode(), re.DOTALL)
    ]
    assert response.status_code == 200

    def row(summary):
        (found,) = [r for r in rows if summary in r]
        return found

    assert "Alice Adams" in row("Created API key Monitoring")
    assert "Bob Baker" in row("Created component Email")
    assert "API API key automation" in row("Created component Help Desk")


def test_audit_log_is_readable_by_responders(client_as_bob, page):
    assert client_as_bob.get("/manage/audit/").status_code == 200


def test_audit_log_filters_by_who_and_what(client_as_alice, alice, key_of_page, page):
    services.create_component(page, by=alice, name="Email")
    Api(key_of_page).post(f"pages/{page.pk}/incidents", {"incident": {"name": "Down"}})
    keys_only = client_as_alice.get("/manage/audit/?by=key").content.decode()
    components_only = client_as_alice.get("/manage/audit/?area=component").content.decode()
    assert ("Declared incident Down" in keys_only, "Created component Email" in keys_only) == (
        True,
        False,
    )
    assert ("Created component Email" in components_only, "Down" in components_only) == (
        True,
        False,
    )


def test_audit_log_pages_by_fifty(client_as_alice, alice, page):
    for i in range(55):
        services.create_component(page, by=alice, name=f"C{i}")
    first = client_as_alice.get("/manage/audit/").content.decode()
    second = client_as_alice.get("/manage/audit/?page=2").content.decode()
    assert ("Created component C54" in first, "Created component C0<" in first) == (True, False)
    assert "Created component C0<" in second


@pytest.mark.parametrize("count", [1, 3])
def test_audit_log_query_count(client_as_alice, alice, page, count):
    for i in range(count):
        services.create_component(page, by=alice, name=f"C{i}")
    with CaptureQueriesContext(connection) as queries:
        response = client_as_alice.get("/manage/audit/")
    assert response.status_code == 200
    assert len(queries) == QUERIES_AUDIT_LOG


# Includes the managed page's time zone (candor/manage/zone.py).
QUERIES_AUDIT_LOG = 6


@pytest.mark.browser
def test_audit_log_in_a_browser(live_server, browser_page, alice, key_of_page, page):
    services.create_component(page, by=alice, name="Help Desk")
    Api(key_of_page).post(f"pages/{page.pk}/incidents", {"incident": {"name": "Down"}})
    tab = browser_page
    tab.goto(f"{live_server.url}/manage/login/")
    tab.fill("#id_username", "alice")
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    tab.goto(f"{live_server.url}/manage/audit/")
    assert tab.locator("td:has-text('Declared incident Down')").count() == 1
    assert_accessible(tab, "Audit log")
    screenshot(tab, "manage-audit-log")
