"""The Subscribers tab in a real Chromium: every row's actions are in view without scrolling the
table sideways, and Remove asks first (Cancel keeps the subscriber)."""

import pytest
from playwright.sync_api import expect

from candor.core import subscriptions
from candor.core.models import AuditEntry, Subscriber
from tests.browser.operator import VIEW_IDS, VIEWS, signed_in_tab
from tests.conftest import assert_accessible

LONG_URL = "http://127.0.0.1:9/hooks/candor/" + "a-long-path-segment-of-a-webhook-" * 4 + "end"


@pytest.fixture
def subscribers(operator_page, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True  # the URL is never called here
    page = operator_page
    subscriptions.subscribe_email(page, email="pending.customer@example.com")  # Resend, Remove
    hook, _ = subscriptions.add_subscriber(
        page, by=None, mode="webhook", endpoint=LONG_URL, email="ops@example.com"
    )
    subscriptions.quarantine(hook.pk, "HTTP 500 eight times")  # Reactivate, Remove
    subscriptions.add_subscriber(page, by=None, mode="email", email="ann@example.com")
    return page


@pytest.mark.browser
@pytest.mark.parametrize(("scheme", "width"), VIEWS, ids=VIEW_IDS)
def test_every_subscribers_actions_are_in_view(live_server, browser, subscribers, scheme, width):
    tab = signed_in_tab(browser, live_server.url, scheme, width)
    tab.goto(f"{live_server.url}/manage/subscribers/")
    assert_accessible(tab, f"subscribers {scheme} {width}")
    table = tab.locator("#list-title ~ .table-wrap")
    # No sideways scroll inside the table, none on the page.
    assert table.evaluate("w => w.scrollWidth - w.clientWidth") <= 0
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    buttons = [
        tab.get_by_role("button", name="Resend confirmation"),
        tab.get_by_role("button", name="Reactivate"),
        tab.get_by_role("link", name="Remove pending.customer@example.com"),
        tab.get_by_role("link", name=f"Remove {LONG_URL}"),
        tab.get_by_role("link", name="Remove ann@example.com"),
    ]
    for button in buttons:
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    tab.context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("scheme", "width"), [VIEWS[1], VIEWS[2]], ids=[VIEW_IDS[1], VIEW_IDS[2]])
def test_remove_asks_first_and_cancel_keeps_the_subscriber(
    live_server, browser, subscribers, scheme, width
):
    tab = signed_in_tab(browser, live_server.url, scheme, width)
    tab.goto(f"{live_server.url}/manage/subscribers/")
    tab.get_by_role("link", name="Remove ann@example.com").click()
    expect(tab.get_by_role("heading", name="Remove this subscriber?")).to_be_visible()
    assert_accessible(tab, f"remove subscriber {scheme} {width}")
    assert Subscriber.objects.filter(email="ann@example.com").exists()  # asking removed nothing

    tab.get_by_role("link", name="Cancel").click()
    tab.wait_for_url(f"{live_server.url}/manage/subscribers/")
    assert Subscriber.objects.filter(email="ann@example.com").exists()

    tab.get_by_role("link", name="Remove ann@example.com").click()
    tab.get_by_role("button", name="Remove subscriber").click()
    expect(tab.locator(".message-success")).to_have_text("Removed ann@example.com.")
    assert not Subscriber.objects.filter(email="ann@example.com").exists()
    assert AuditEntry.objects.filter(action="subscriber.delete").count() == 1
    expect(tab.get_by_role("link", name="Remove ann@example.com")).to_have_count(0)
    tab.context.close()
