"""Uptime bars: each day's details by keyboard, touch and pointer; 30 wider days at 375 px; the
percentage over the days a component existed, "since <date>" when younger than 90 days."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from candor.core import services
from tests.conftest import assert_accessible, assert_fits, screenshot


@pytest.fixture(autouse=True)
def polled_every_request(fresh_store):
    """tests/support/public.py: the public site rendered afresh, checked on every request."""


@pytest.fixture
def site(live_server, transactional_db):
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Cloud", time_zone="Europe/Paris")
    old = services.create_component(
        page,
        by=None,
        name="Help Desk",
        start_date=(timezone.now() - timedelta(days=200)).date(),
    )
    new = services.create_component(page, by=None, name="Chat")
    # A 30-second blip on the new component: its uptime is over today, not 96 % of minutes.
    incident = services.declare_incident(
        page, by=None, name="Blip", impact="critical", components=[new, old]
    )
    services.post_update(incident, by=None, status="resolved")
    return live_server.url, page, old, new


def bar(tab, name):
    return tab.locator(f".bars[aria-label^='{name}:'] ol")


@pytest.mark.browser
def test_a_bar_is_one_tab_stop_and_the_arrow_keys_read_each_day(site, view_tab):
    base, page, old, new = site
    tab = view_tab
    scheme, width = tab.view
    tab.goto(f"{base}/")
    help_desk = bar(tab, "Help Desk")
    help_desk.focus()
    pop = tab.locator(".bars[aria-label^='Help Desk:'] .bar-pop")
    today = timezone.localtime(timezone=page.tz)
    assert pop.is_visible()
    assert pop.get_attribute("role") == "status"
    assert pop.inner_text().startswith(f"{today.day} {today:%b}: ")
    tab.keyboard.press("ArrowLeft")
    yesterday = today - timedelta(days=1)
    assert pop.inner_text() == f"{yesterday.day} {yesterday:%b}: 100%"
    tab.keyboard.press("Home")
    first = today - timedelta(days=(89 if width > 640 else 29))
    assert pop.inner_text().startswith(f"{first.day} {first:%b}: ")
    assert_accessible(tab, f"/ bar focused {scheme} {width}")
    tab.keyboard.press("Escape")
    assert pop.is_hidden()
    # Narrow screens show 30 wider days; wide ones 90.
    shown = help_desk.locator("li").evaluate_all(
        "days => days.filter(d => d.offsetParent !== null).length"
    )
    assert shown == (90 if width > 640 else 30)
    day_width = help_desk.locator("li").last.bounding_box()["width"]
    assert day_width >= (5 if width > 640 else 8)
    assert_fits(tab, "/")
    if (scheme, width) == ("dark", 375):
        tab.keyboard.press("ArrowLeft")
        screenshot(tab, "public-status-dark-375")


@pytest.mark.browser
def test_a_tap_on_a_day_shows_its_details(site, browser):
    base, page, old, new = site
    context = browser.new_context(
        viewport={"width": 375, "height": 800}, has_touch=True, is_mobile=True
    )
    tab = context.new_page()
    try:
        tab.goto(f"{base}/")
        bar(tab, "Chat").locator("li").last.tap()
        pop = tab.locator(".bars[aria-label^='Chat:'] .bar-pop")
        assert "major outage" in pop.inner_text()
        tab.locator("#components-title").tap()
        assert pop.is_hidden()
    finally:
        context.close()


@pytest.mark.browser
def test_a_young_component_says_since_when_and_counts_whole_days(site, browser_page):
    base, page, old, new = site
    tab = browser_page
    tab.goto(f"{base}/")
    today = timezone.localtime(timezone=page.tz)
    legend = tab.locator(".bars[aria-label^='Chat:'] + .bars-legend").inner_text()
    assert f"since {today.day} {today:%b %Y}" in legend
    percent = float(re.search(r"(\d+\.\d\d)% uptime", legend).group(1))
    # A few seconds' outage counted over the day so far, not over the minutes it existed.
    assert percent > 99.0
    old_legend = tab.locator(".bars[aria-label^='Help Desk:'] + .bars-legend").inner_text()
    assert "over 90 days" in old_legend
