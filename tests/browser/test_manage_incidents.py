"""The seed's "Declaring an Incident" walked in a real Chromium, with axe on every screen."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from candor.core import services
from candor.core.models import Component, Incident
from tests.conftest import assert_accessible, screenshot
from tests.support.personas import PASSWORD

TITLE = "Help Desk Ticket Submission Disrupted"
SEQUENCE = [
    (
        "investigating",
        "We are aware of reports that help desk ticket submission is failing and are "
        "investigating.",
    ),
    (
        "identified",
        "We have identified a database connectivity issue affecting ticket creation. "
        "A fix is being applied.",
    ),
    (
        "monitoring",
        "The database issue has been resolved. We are monitoring to confirm service is fully "
        "restored.",
    ),
    (
        "resolved",
        "Help desk ticket submission is fully operational. We apologize for the disruption.",
    ),
]


@pytest.fixture
def setup_page(transactional_db, alice):
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Status", time_zone="Europe/Paris")
    help_desk = services.create_group(page, by=None, name="Help Desk")
    for name in ("Ticket Submission", "Knowledge Base", "Live Chat"):
        services.create_component(page, by=None, name=name, group=help_desk)
    services.create_component(page, by=None, name="Email")
    return page


def login(tab, base):
    tab.goto(f"{base}/manage/")
    assert "/manage/login/" in tab.url
    screenshot(tab, "manage-login")
    assert_accessible(tab, "login")
    tab.get_by_label("Username").fill("alice")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab).to_have_url(f"{base}/manage/")


def incidents_rows(tab, base, section):
    tab.goto(f"{base}/manage/")
    caption = "Active incidents" if section == "active" else "Incident history"
    table = tab.locator("table", has=tab.locator(f"caption:text-is('{caption}')"))
    if table.count() == 0:
        return []
    return [r.inner_text() for r in table.locator("tbody tr").all()]


def post_update(tab, status, message):
    tab.check(f"#id_status_{status}")
    tab.get_by_label("Update Message").fill(message)
    tab.get_by_role("button", name="Post", exact=True).click()
    tab.wait_for_selector(".message-success")


@pytest.mark.browser
def test_manage_seed_walkthrough_in_a_real_browser(live_server, browser_page, setup_page):
    tab, base = browser_page, live_server.url
    login(tab, base)
    assert incidents_rows(tab, base, "active") == []
    screenshot(tab, "manage-incidents-empty")
    assert_accessible(tab, "incidents (empty)")

    # Create Incident, with the seed's fields and labels.
    tab.get_by_role("link", name="Create Incident").click()
    expect(tab.locator("h1")).to_have_text("Create Incident")
    assert tab.is_checked("#id_status_investigating")
    assert tab.is_checked("#id_notify")
    assert tab.locator("[data-show-when-resolved]").is_hidden()
    tab.get_by_label("Title").fill(TITLE)
    tab.check("#id_impact_major")
    ticket = Component.objects.get(name="Ticket Submission")
    tab.check(f"#affected-{ticket.pk}")
    option = tab.locator(f"#id_status_{ticket.pk} option[value='']")
    assert option.inner_text() == "Set by impact (Partial Outage)"
    tab.get_by_label("Initial Message").fill(f"**{SEQUENCE[0][1]}**")
    tab.wait_for_selector("[data-preview-box]:not([hidden]) strong")
    screenshot(tab, "manage-create-incident")
    assert_accessible(tab, "create incident")
    tab.get_by_role("button", name="Create", exact=True).click()

    # The detail page: timeline, components now, Post Update.
    expect(tab.locator("h1")).to_have_text(TITLE)
    assert f"Incident “{TITLE}” created." in tab.locator(".messages").inner_text()
    assert SEQUENCE[0][1] in tab.locator(".timeline").inner_text()
    assert "Partial Outage" in tab.locator("#components-now + table").inner_text()
    [row] = incidents_rows(tab, base, "active")
    assert TITLE in row and "Investigating" in row and "Major impact" in row
    assert "Ticket Submission" in row

    incident = Incident.objects.get(name=TITLE)
    for status, message in SEQUENCE[1:]:
        tab.goto(f"{base}/manage/incidents/{incident.pk}/")
        post_update(tab, status, message)
        assert tab.locator(".timeline > li").first.inner_text().count(message) == 1
        if status != "resolved":
            [row] = incidents_rows(tab, base, "active")
            assert status.title() in row
    tab.goto(f"{base}/manage/incidents/{incident.pk}/")
    screenshot(tab, "manage-incident-detail")
    assert_accessible(tab, "incident detail")
    assert tab.locator(".timeline > li").count() == 4

    # Resolved: out of the active section, into the history; the component is back.
    assert incidents_rows(tab, base, "active") == []
    [row] = incidents_rows(tab, base, "history")
    assert TITLE in row and "Resolved" in row
    tab.goto(f"{base}/manage/components/")
    assert "Operational" in tab.locator("tr", has_text="Ticket Submission").inner_text()
    screenshot(tab, "manage-components")
    assert_accessible(tab, "components")

    # Add Postmortem, save as draft, move an entry, publish.
    tab.goto(f"{base}/manage/incidents/{incident.pk}/")
    tab.get_by_role("link", name="Add Postmortem").click()
    expect(tab.locator(".entries .entry")).to_have_count(4)
    tab.get_by_label("Summary").fill("Ticket submission failed for 55 minutes.")
    tab.get_by_label("Impact Description").fill("All clients could not open tickets.")
    tab.get_by_label("Root Cause").fill("The database connection pool was exhausted.")
    tab.get_by_label("Corrective Actions").fill("- Alert on pool usage\n- Raise the pool size")
    first = tab.locator(".entries .entry textarea").first.input_value()
    tab.get_by_role("button", name="Move entry 1 down").click()
    assert tab.locator(".entries .entry textarea").nth(1).input_value() == first
    tab.get_by_role("button", name="Save as Draft").click()
    expect(tab.locator(".messages")).to_contain_text("Postmortem saved as draft.")
    assert tab.locator(".entries .entry textarea").nth(1).input_value() == first
    screenshot(tab, "manage-postmortem")
    assert_accessible(tab, "postmortem editor")
    tab.get_by_role("button", name="Publish").click()
    expect(tab.locator(".messages")).to_contain_text("Postmortem published")
    [row] = incidents_rows(tab, base, "history")
    assert "Postmortem" in row

    # A retroactive incident: Resolved asks for Started at and Resolved at; notify is off.
    tab.goto(f"{base}/manage/incidents/new/")
    tab.get_by_label("Title").fill("Delayed email notifications")
    tab.check("#id_status_resolved")
    assert tab.locator("[data-show-when-resolved]").is_visible()
    assert not tab.is_checked("#id_notify")
    tz = setup_page.tz
    started = timezone.localtime(timezone.now() - timedelta(hours=5), tz)
    tab.get_by_label("Started at").fill(started.strftime("%Y-%m-%dT%H:%M"))
    tab.get_by_label("Resolved at").fill(
        (started + timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M")
    )
    tab.check("#id_impact_minor")
    tab.check(f"#affected-{Component.objects.get(name='Email').pk}")
    tab.get_by_label("Initial Message").fill("Emails were delayed by up to 40 minutes.")
    tab.get_by_role("button", name="Create", exact=True).click()
    expect(tab.locator("h1")).to_have_text("Delayed email notifications")
    history = incidents_rows(tab, base, "history")
    assert len(history) == 2 and "Retroactive" in history[0] + history[1]
    assert incidents_rows(tab, base, "active") == []

    # Delete, behind a confirmation that says what goes.
    retro = Incident.objects.get(name="Delayed email notifications")
    tab.goto(f"{base}/manage/incidents/{retro.pk}/")
    tab.get_by_role("link", name="Delete").click()
    expect(tab.locator(".card")).to_contain_text("permanently removes the incident")
    screenshot(tab, "manage-delete-incident")
    assert_accessible(tab, "delete confirmation")
    tab.get_by_role("button", name="Delete").click()
    expect(tab.locator(".messages")).to_contain_text("deleted")
    history = incidents_rows(tab, base, "history")
    assert len(history) == 1 and TITLE in history[0]
    screenshot(tab, "manage-incidents")
    assert_accessible(tab, "incidents")
