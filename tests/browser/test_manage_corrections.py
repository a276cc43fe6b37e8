"""Correcting a posted update in a real Chromium: the incident follows, "edited" shows, and the
history is kept; in light and dark, at 1280 and 375 px, with axe on every screen."""

from datetime import timedelta

import pytest
from django.utils import timezone

from candor.core import services
from candor.core.models import Incident, IncidentUpdateRevision
from tests.browser.operator import VIEW_IDS, VIEWS, signed_in_tab
from tests.conftest import assert_accessible, screenshot


@pytest.fixture(autouse=True)
def polled_every_request(fresh_store):
    """tests/support/public.py: the public site rendered afresh, checked on every request."""


@pytest.mark.browser
@pytest.mark.parametrize(("scheme", "width"), VIEWS, ids=VIEW_IDS)
def test_manage_edit_update_rederives_and_marks_edited(
    live_server, browser, operator_page, scheme, width
):
    start = timezone.now() - timedelta(hours=1)
    incident = services.declare_incident(
        operator_page,
        by=None,
        name="Email delayed",
        message="Looking.",
        started_at=start,
        display_at=start,
    )
    services.post_update(incident, by=None, status="resolved", message="Fixd, sorry.")
    tab = signed_in_tab(browser, live_server.url, scheme, width, user="rita")
    tab.goto(f"{live_server.url}/manage/incidents/{incident.pk}/")
    assert_accessible(tab, f"incident detail {scheme} {width}")
    tab.get_by_role("link", name="Edit the Resolved update", exact=False).click()
    assert_accessible(tab, f"edit update {scheme} {width}")
    tab.check("#id_status_monitoring")
    tab.get_by_label("Update Message").fill("Fixed; **watching** the queues.")
    assert not tab.get_by_label("Notify subscribers of this correction").is_checked()
    tab.get_by_role("button", name="Save correction").click()
    tab.wait_for_selector(".message-success")
    assert Incident.objects.get(pk=incident.pk).status == "monitoring"
    entries = tab.locator("ol.timeline > li")
    assert "Edited" in entries.first.inner_text()
    assert "Monitoring" in tab.locator(".page-header .tags").inner_text()

    tab.get_by_role("link", name="Edit the Monitoring update", exact=False).click()
    history = tab.locator("ol.revisions").inner_text()
    assert "rita" in history and "Resolved" in history and "Fixd, sorry." in history
    assert_accessible(tab, f"edit history {scheme} {width}")
    if (scheme, width) == ("light", 1280):
        screenshot(tab, "manage-edit-update")

    public = tab.context.new_page()
    public.goto(f"{live_server.url}/incidents/{incident.pk}")
    first = public.locator("ol.timeline > li").first
    assert "(edited" in first.inner_text() and "watching" in first.inner_text()
    assert_accessible(public, f"public incident {scheme} {width}")
    assert IncidentUpdateRevision.objects.count() == 1
    tab.context.close()


@pytest.mark.browser
def test_manage_delete_update_asks_then_rederives(live_server, browser, operator_page):
    incident = services.declare_incident(operator_page, by=None, name="Slow", message="Hm.")
    services.post_update(incident, by=None, status="resolved", message="Posted too early.")
    tab = signed_in_tab(browser, live_server.url, "light", 1280)
    tab.goto(f"{live_server.url}/manage/incidents/{incident.pk}/")
    tab.get_by_role("link", name="Delete the Resolved update", exact=False).click()
    assert "Posted too early." in tab.locator(".danger-zone").inner_text()
    assert_accessible(tab, "delete update")
    tab.get_by_role("button", name="Delete update").click()
    tab.wait_for_selector(".message-success")
    assert Incident.objects.get(pk=incident.pk).status == "investigating"
    assert tab.locator("ol.timeline > li").count() == 1
    # The only update left offers no Delete.
    assert tab.get_by_role("link", name="Delete the Investigating update").count() == 0
    tab.context.close()
