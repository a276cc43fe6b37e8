"""The Maintenance tab in a real Chromium, with axe on every screen: schedule a window, start it,
see it blue on the public page, complete it."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from candor.core import services
from candor.core.models import Component, Incident
from candor.core.services.base import now
from tests.conftest import assert_accessible, screenshot

PASSWORD = "correct horse battery"


@pytest.fixture
def setup_page(transactional_db, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Status", time_zone="Europe/Berlin")
    for name in ("Database", "API"):
        services.create_component(page, by=None, name=name)
    return page


@pytest.mark.browser
def test_schedule_start_and_complete_a_window_in_a_real_browser(
    live_server, browser_page, setup_page
):
    tab, base = browser_page, live_server.url
    tab.goto(f"{base}/manage/")
    tab.get_by_label("Username").fill("admin")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(f"{base}/manage/")

    nav = tab.get_by_role("navigation", name="Management")
    nav.get_by_role("link", name="Maintenance", exact=True).click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/")
    assert_accessible(tab, "maintenance list (empty)")
    tab.get_by_role("link", name="Schedule Maintenance").click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/new/")
    expect(tab.locator("main")).to_contain_text("Times are in the page's time zone: Europe/Berlin")
    assert_accessible(tab, "schedule form")
    start = (now() + timedelta(days=2)).astimezone(setup_page.tz).replace(minute=0)
    tab.get_by_role("textbox", name="Title (required)").fill("Database upgrade")
    tab.get_by_role("textbox", name="Starts (required)").fill(start.strftime("%Y-%m-%dT%H:%M"))
    tab.get_by_role("textbox", name="Ends (required)").fill(
        (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    tab.get_by_role("checkbox", name="Database").check()
    tab.get_by_role("textbox", name="Message").fill(
        "We are upgrading the database to a new major version."
    )
    screenshot(tab, "manage-maintenance-schedule")
    tab.get_by_role("button", name="Schedule").click()

    expect(tab).to_have_url(re.compile(rf"{re.escape(base)}/manage/maintenance/(?!new/)\w+/$"))
    window = Incident.objects.get()
    assert tab.url == f"{base}/manage/maintenance/{window.pk}/"
    assert window.scheduled_for.astimezone(setup_page.tz).strftime("%H:%M") == start.strftime(
        "%H:%M"
    )
    assert_accessible(tab, "maintenance detail")
    tab.goto(f"{base}/")
    assert tab.get_by_role("heading", name="Scheduled maintenance").is_visible()
    assert_accessible(tab, "public page with an upcoming window")
    screenshot(tab, "public-maintenance-upcoming")

    tab.goto(f"{base}/manage/maintenance/{window.pk}/")
    tab.get_by_role("button", name="Start now").click()
    expect(tab.locator(".messages")).to_contain_text("Maintenance started")
    assert Component.objects.get(name="Database").status == "under_maintenance"
    screenshot(tab, "manage-maintenance-detail")
    tab.goto(f"{base}/")
    tab.reload()  # the public page may be cached for a few seconds: ask again
    assert tab.get_by_role("heading", name="Maintenance in progress").is_visible()
    expect(tab.locator("body")).to_contain_text("Service Under Maintenance")
    assert_accessible(tab, "public page with a window in progress")
    screenshot(tab, "public-maintenance-in-progress")

    tab.goto(f"{base}/manage/maintenance/{window.pk}/")
    tab.get_by_role("button", name="Complete").click()
    expect(tab.locator(".messages")).to_contain_text("Maintenance completed")
    nav = tab.get_by_role("navigation", name="Management")
    nav.get_by_role("link", name="Maintenance", exact=True).click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/")
    screenshot(tab, "manage-maintenance-list")
    assert_accessible(tab, "maintenance list")
    assert Component.objects.get(name="Database").status == "operational"
