import re

import pytest

from candor.core import services
from tests.conftest import assert_accessible, screenshot

# The five overall states: each component's status, and an incident to show its timeline.
STATES = {
    "operational": (["operational"] * 4, None),
    "minor": (["degraded_performance", "operational", "operational", "operational"], "minor"),
    "major": (["major_outage", "operational", "partial_outage", "operational"], "major"),
    "critical": (["major_outage"] * 4, "critical"),
    "maintenance": (["under_maintenance", "operational", "operational", "operational"], None),
}
BANNERS = {
    "operational": "All Systems Operational",
    "minor": "Partially Degraded Service",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
    "maintenance": "Service Under Maintenance",
}


@pytest.fixture(autouse=True)
def polled_every_request(fresh_store):
    """tests/support/public.py: the public site rendered afresh, checked on every request."""


def build(state):
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Cloud", time_zone="Europe/Paris")
    statuses, impact = STATES[state]
    group = services.create_group(page, by=None, name="Help Desk")
    names = ["Ticket Submission", "Knowledge Base", "Email", "Website"]
    components = [
        services.create_component(
            page,
            by=None,
            name=name,
            group=group if n < 2 else None,
            description="Where clients open tickets" if n == 0 else "",
        )
        for n, name in enumerate(names)
    ]
    for component, status in zip(components, statuses, strict=True):
        if status != "operational" and impact is None:
            services.update_component(component, by=None, status=status)
    if impact is not None:
        incident = services.declare_incident(
            page,
            by=None,
            name="Help Desk Ticket Submission Disrupted",
            impact=impact,
            components={
                c: s for c, s in zip(components, statuses, strict=True) if s != "operational"
            },
            message="We are aware of reports that help desk ticket submission is failing "
            "and are investigating.",
        )
        services.post_update(
            incident,
            by=None,
            status="identified",
            message="We have identified a **database connectivity** issue. A fix is being applied.",
        )
    return page


@pytest.mark.browser
@pytest.mark.parametrize("state", list(STATES))
def test_public_status_page_in_each_overall_state(
    live_server, browser_page, transactional_db, state
):
    build(state)
    browser_page.goto(f"{live_server.url}/")
    banner = browser_page.locator(".banner")
    assert banner.inner_text().strip().endswith(BANNERS[state])
    assert browser_page.locator(".bars").count() == 4
    screenshot(browser_page, f"public-{state}")
    assert_accessible(browser_page, f"/ ({state})")


@pytest.mark.browser
def test_public_status_page_dark_scheme_is_accessible(live_server, browser, transactional_db):
    build("major")
    context = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(f"{live_server.url}/")
    screenshot(tab, "public-dark")
    assert_accessible(tab, "/ (dark)")
    context.close()


@pytest.mark.browser
def test_public_long_titles_wrap_on_a_phone(live_server, browser, transactional_db):
    page = services.ensure_default_page()
    services.declare_incident(page, by=None, name="W" * 255, message="M" * 3000)
    context = browser.new_context(viewport={"width": 375, "height": 700})
    tab = context.new_page()
    tab.goto(f"{live_server.url}/")
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0


@pytest.mark.browser
def test_public_incident_page_reveals_the_manage_link_to_an_operator(
    live_server, browser, transactional_db, alice, client
):
    page = services.ensure_default_page()
    incident = services.declare_incident(page, by=None, name="Email delayed")
    url = f"{live_server.url}/incidents/{incident.pk}"

    anonymous = browser.new_context()
    tab = anonymous.new_page()
    tab.goto(url)
    tab.wait_for_load_state("networkidle")
    assert tab.locator("#manage-link").is_hidden()
    tab.goto(f"{live_server.url}/")
    tab.wait_for_load_state("networkidle")
    assert tab.locator("#incidents-tab-link").is_hidden()
    anonymous.close()

    client.force_login(alice)
    cookie = client.cookies["sessionid"]
    operator = browser.new_context()
    operator.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    tab = operator.new_page()
    tab.goto(url)
    link = tab.locator("#manage-link")
    link.wait_for(state="visible")
    assert link.get_attribute("href") == f"/manage/incidents/{incident.pk}/"
    # The seed's first step: from the status page to the Incidents tab.
    tab.goto(f"{live_server.url}/")
    incidents_tab = tab.locator("#incidents-tab-link")
    incidents_tab.wait_for(state="visible")
    assert incidents_tab.get_attribute("href") == "/manage/"
    assert_accessible(tab, "incident page")
    operator.close()


@pytest.mark.browser
def test_public_page_refreshes_itself_every_60_seconds(live_server, browser_page, transactional_db):
    page = services.ensure_default_page()
    component = services.create_component(page, by=None, name="Email")
    browser_page.clock.install()
    browser_page.goto(f"{live_server.url}/")
    assert browser_page.locator(".banner").inner_text().strip().endswith("All Systems Operational")
    services.update_component(component, by=None, status="major_outage")
    browser_page.clock.run_for(61_000)
    browser_page.locator(".banner.i-critical").wait_for()
    assert browser_page.locator(".banner").inner_text().strip().endswith("Major System Outage")


@pytest.mark.browser
def test_public_status_page_with_90_days_of_history(live_server, browser_page, transactional_db):
    from datetime import timedelta

    from django.utils import timezone

    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Cloud", time_zone="Europe/Paris")
    started = (timezone.now() - timedelta(days=120)).date()
    group = services.create_group(page, by=None, name="Help Desk")
    names = ["Ticket Submission", "Knowledge Base", "Live Chat", "Email", "Website", "API"]
    components = [
        services.create_component(
            page, by=None, name=name, group=group if n < 3 else None, start_date=started
        )
        for n, name in enumerate(names)
    ]
    now = timezone.now()
    for n, (days, hours, impact) in enumerate(
        [
            (3, 2, "critical"),
            (11, 1, "major"),
            (25, 5, "minor"),
            (40, 3, "major"),
            (63, 1, "critical"),
            (80, 8, "minor"),
        ]
    ):
        start = now - timedelta(days=days)
        services.declare_incident(
            page,
            by=None,
            name=f"Elevated error rates on {names[n]}",
            status="resolved",
            impact=impact,
            components=[components[n]],
            message="Between the times shown, some requests failed. Service is fully restored.",
            started_at=start,
            resolved_at=start + timedelta(hours=hours),
        )
    incident = services.declare_incident(
        page,
        by=None,
        name="Help Desk Ticket Submission Disrupted",
        impact="major",
        components=[components[0]],
        message="We are aware of reports that help desk ticket submission is failing "
        "and are investigating.",
    )
    services.post_update(
        incident,
        by=None,
        status="identified",
        message="We have identified a **database connectivity** issue. A fix is being applied.",
    )
    browser_page.goto(f"{live_server.url}/")
    assert browser_page.locator(".bars .mo").count() >= 2
    # The browser reads 90 days a bar (no end tags needed), each with its own tooltip in words.
    days = browser_page.locator(".bars").first.locator("li")
    assert days.count() == 90
    titles = days.evaluate_all("items => items.map(i => i.dataset.d)")
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}: .+", t) for t in titles)
    outage = browser_page.locator(".bars .mo").first.get_attribute("data-d")
    assert "major outage" in outage and "%" in outage
    screenshot(browser_page, "public-status")
    assert_accessible(browser_page, "/ with history")
