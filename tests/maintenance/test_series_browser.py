"""A series in a real Chromium: from the Maintenance tab to its page, Edit series, End series
(with its confirmation), and the calendar at desktop and phone widths, axe on every screen."""

import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from candor.core import services
from candor.core.models import Incident, MaintenanceSeries
from candor.core.services import series
from candor.core.services.base import now
from tests.conftest import assert_accessible, assert_fits, screenshot

PASSWORD = "correct horse battery"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def weekly(transactional_db, django_user_model):
    django_user_model.objects.create_user("rita", "rita@example.com", PASSWORD)  # a Responder
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Status", time_zone="Europe/Berlin")
    database = services.create_component(page, by=None, name="Database")
    services.create_component(page, by=None, name="API")
    day = (now() + timedelta(days=1)).astimezone(BERLIN).date()
    return series.create_series(
        page,
        by=None,
        name="Database patching",
        rrule_text="FREQ=WEEKLY",
        time_zone="Europe/Berlin",
        starts_at=datetime(day.year, day.month, day.day, 2, 0, tzinfo=BERLIN),
        duration_minutes=60,
        components=[database],
    )


def sign_in(tab, base):
    tab.goto(f"{base}/manage/")
    tab.get_by_label("Username").fill("rita")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab).to_have_url(re.compile(r"/manage/$"))


@pytest.mark.browser
def test_edit_a_series_then_end_it_in_a_real_browser(live_server, browser_page, weekly):
    tab, base = browser_page, live_server.url
    sign_in(tab, base)
    nav = tab.get_by_role("navigation", name="Management")
    nav.get_by_role("link", name="Maintenance", exact=True).click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/")
    repeating = tab.get_by_role("region", name="Repeating")
    repeating.get_by_role("link", name="Database patching").click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/series/{weekly.pk}/")
    expect(tab.locator("main")).to_contain_text("at 02:00")
    assert_accessible(tab, "series page")
    screenshot(tab, "manage-maintenance-series")

    tab.get_by_role("link", name="Edit series").click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/series/{weekly.pk}/edit/")
    starts = tab.get_by_role("textbox", name="First window starts (required)")
    assert starts.input_value().endswith("T02:00")
    assert_accessible(tab, "edit series")
    day = starts.input_value()[:10]
    starts.fill(f"{day}T03:30")
    tab.get_by_role("textbox", name="First window ends (required)").fill(f"{day}T05:00")
    tab.get_by_role("textbox", name="Title (required)").fill("Database patching (late)")
    tab.get_by_role("button", name="Save series").click()
    expect(tab.locator(".messages")).to_contain_text("4 future windows changed")
    expect(tab).to_have_url(f"{base}/manage/maintenance/series/{weekly.pk}/")
    windows = Incident.objects.filter(series=weekly)
    assert {w.scheduled_for.astimezone(BERLIN).strftime("%H:%M") for w in windows} == {"03:30"}
    assert {w.name for w in windows} == {"Database patching (late)"}
    assert_accessible(tab, "series page after an edit")

    first = windows.order_by("scheduled_for").first()
    tab.get_by_role("link", name=re.compile(r"Database patching \(late\)")).first.click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/{first.pk}/")
    expect(tab.locator("main")).to_contain_text("Part of series")
    tab.get_by_role("link", name="Database patching (late)", exact=True).click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/series/{weekly.pk}/")

    tab.get_by_role("link", name="End series").click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/series/{weekly.pk}/end/")
    expect(tab.locator("main")).to_contain_text("4 future scheduled windows are cancelled")
    assert MaintenanceSeries.objects.get().ended_at is None
    assert_accessible(tab, "end series confirmation")
    tab.get_by_role("button", name="End series").click()
    expect(tab.locator(".messages")).to_contain_text("Series ended: 4 future windows cancelled")
    expect(tab).to_have_url(f"{base}/manage/maintenance/series/{weekly.pk}/")
    assert MaintenanceSeries.objects.get().ended_at is not None
    assert set(windows.values_list("status", flat=True)) == {"cancelled"}
    assert tab.get_by_role("link", name="Edit series").count() == 0
    assert_accessible(tab, "ended series")


@pytest.mark.browser
def test_the_calendar_reads_at_every_width_and_scheme(live_server, view_tab, weekly):
    tab, base = view_tab, live_server.url
    cancelled = weekly.occurrences.order_by("scheduled_for")[1]
    series.maintenance.cancel_maintenance(cancelled, by=None)
    sign_in(tab, base)
    tab.goto(f"{base}/manage/maintenance/")
    tab.get_by_role("link", name="Calendar", exact=True).click()
    expect(tab).to_have_url(f"{base}/manage/maintenance/calendar/")
    expect(tab.get_by_role("heading", name=re.compile("^Week of"))).to_have_count(6)
    expect(tab.locator("s").first).to_contain_text("Database patching")
    expect(tab.locator("main")).to_contain_text("Planned")
    assert_fits(tab, "calendar")
    assert_accessible(tab, f"calendar {tab.view}")
    scheme, width = tab.view
    if scheme == "light":
        screenshot(tab, f"manage-maintenance-calendar-{width}")
