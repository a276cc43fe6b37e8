"""A newcomer subscribes on the public page and confirms from the email; every notifications
page passes axe in Chromium."""

import re

import pytest

from candor.core import services, subscriptions
from candor.core.models import Subscriber, SubscriberState
from tests.conftest import assert_accessible, screenshot
from tests.support.personas import PASSWORD
from tests.support.processes import drain


@pytest.fixture
def site(live_server, transactional_db, settings):
    settings.CANDOR_RETRY_SCHEDULE = [0] * 8
    page = services.ensure_default_page()
    component = services.create_component(page, by=None, name="Help Desk")
    return live_server.url, page, component


@pytest.mark.browser
def test_browser_subscribe_confirm_and_manage(site, smtp, browser_page):
    base, page, component = site
    tab = browser_page

    tab.goto(f"{base}/subscribe/")
    assert_accessible(tab, "subscribe")
    screenshot(tab, "subscribe")
    tab.get_by_label("Email address").fill("newcomer@example.com")
    tab.get_by_role("button", name="Subscribe by email").click()
    tab.get_by_role("heading", name="Check your inbox").wait_for()
    assert_accessible(tab, "check inbox")
    drain()  # the worker sends the confirmation: the request only wrote its ledger row
    [mail] = smtp.handler.to("newcomer@example.com")
    text = mail.get_body(("plain",)).get_content()
    confirm = re.search(r"http://127\.0\.0\.1:8000(/subscribe/confirm/\S+/)", text).group(1)
    tab.goto(base + confirm)
    tab.get_by_role("heading", name="You are subscribed").wait_for()
    assert_accessible(tab, "confirmed")
    tab.get_by_role("link", name="Choose components or unsubscribe").click()
    assert_accessible(tab, "manage subscription")

    assert Subscriber.objects.get().state == SubscriberState.ACTIVE
    services.declare_incident(page, by=None, name="Help Desk Ticket Submission Disrupted")
    drain()
    assert [m["Subject"] for m in smtp.handler.to("newcomer@example.com")][-1] == (
        "[Investigating] Help Desk Ticket Submission Disrupted"
    )


@pytest.mark.browser
def test_browser_subscribers_tab_and_deliveries_pass_axe(site, smtp, browser_page, alice):
    base, page, component = site
    subscriptions.add_subscriber(page, by=None, mode="email", email="ann@example.com")
    subscriptions.subscribe_email(page, email="pending@example.com")
    incident = services.declare_incident(page, by=None, name="Outage", message="Looking.")
    drain()
    tab = browser_page
    tab.goto(f"{base}/manage/login/")
    tab.get_by_label("Username").fill("alice")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(f"{base}/manage/")

    for path, shot in [
        ("/manage/subscribers/", "manage-subscribers"),
        (f"/manage/subscribers/deliveries/{incident.updates.get().pk}/", "manage-deliveries"),
    ]:
        response = tab.goto(base + path)
        assert response.status == 200, path
        assert_accessible(tab, path)
        screenshot(tab, shot)
        tab.set_viewport_size({"width": 320, "height": 800})
        width = tab.evaluate("document.documentElement.scrollWidth")
        tab.set_viewport_size({"width": 1280, "height": 900})
        assert width <= 320, path
