"""The smaller operator-side fixes in a real Chromium: Markdown in the postmortem preview's
timeline, and a readable /v1/docs (full width, no overflow, `backticks` as code)."""

import pytest
from playwright.sync_api import expect

from candor.core import services
from tests.browser.operator import VIEW_IDS, VIEWS, signed_in_tab
from tests.conftest import assert_accessible, screenshot


@pytest.mark.browser
@pytest.mark.parametrize(("scheme", "width"), VIEWS, ids=VIEW_IDS)
def test_postmortem_preview_renders_markdown_in_timeline_entries(
    live_server, browser, operator_page, scheme, width
):
    incident = services.declare_incident(operator_page, by=None, name="Slow", message="Hm.")
    services.post_update(incident, by=None, status="resolved", message="Fixed.")
    tab = signed_in_tab(browser, live_server.url, scheme, width)
    tab.goto(f"{live_server.url}/manage/incidents/{incident.pk}/postmortem/")
    tab.locator("#id_timeline-0-description").fill("Pool **exhausted**, see `max_conn`.")
    tab.get_by_role("button", name="Preview").click()
    preview = tab.locator(".preview-timeline").first
    expect(preview.locator("strong", has_text="exhausted")).to_have_count(1)
    expect(preview.locator("code", has_text="max_conn")).to_have_count(1)
    assert "**" not in preview.inner_text()
    assert_accessible(tab, f"postmortem preview {scheme} {width}")
    tab.context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("scheme", "width"), VIEWS, ids=VIEW_IDS)
def test_api_docs_are_full_width_without_overflow(live_server, browser, scheme, width):
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    tab = context.new_page()
    tab.goto(f"{live_server.url}/v1/docs")
    tab.wait_for_selector("details.op")
    tab.locator("#postIncident summary").click()
    tab.locator("#patchIncidentUpdate summary").click()
    main = tab.locator("main").bounding_box()
    assert main["width"] >= min(width, 1440) * 0.95
    # Nothing is wider than the window: no sideways scrolling.
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    # A description's `backticks` are code, not raw backquotes.
    body = tab.locator("#postIncident").inner_text()
    assert "`" not in body
    described = tab.locator("#postIncident td:nth-child(4) code")
    assert "components" in described.all_inner_texts()
    assert_accessible(tab, f"API docs {scheme} {width}")
    if (scheme, width) == ("light", 1280):
        screenshot(tab, "api-docs")
    context.close()
