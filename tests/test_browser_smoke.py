import pytest

from tests.conftest import assert_accessible


@pytest.mark.browser
def test_browser_smoke_setup_page_renders(live_server, browser_page, db):
    from candor.core import setup

    token = setup.issue_token()
    browser_page.goto(f"{live_server.url}/setup/{token}/")
    assert browser_page.locator("h1").inner_text() == "Welcome to Candor"
    assert_accessible(browser_page, "setup")
