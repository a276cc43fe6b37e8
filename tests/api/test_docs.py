import pytest
from django.test import Client

from tests.conftest import assert_accessible


def test_api_docs_page_is_served_without_a_key(db):
    response = Client().get("/v1/docs")
    assert response.status_code == 200
    assert b"/v1/openapi.json" in response.content


@pytest.mark.browser
def test_api_docs_render_every_operation_from_candor_alone(live_server, browser_page):
    outside = []
    browser_page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    browser_page.goto(f"{live_server.url}/v1/docs")
    browser_page.wait_for_selector("details.op")
    operations = browser_page.locator("details.op summary .method").count()
    browser_page.locator("#postIncident summary").click()
    assert operations == 41
    assert (
        browser_page.locator("#postIncident").get_by_text("incident[impact_override]").count() == 1
    )
    assert outside == []
    assert_accessible(browser_page, "API docs")
