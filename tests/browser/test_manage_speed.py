"""Operator speed in a real Chromium: the first field focused, the unsaved-changes guard,
keyboard shortcuts and their "?" overlay, and the inline status control of the Components tab."""

import pytest
from playwright.sync_api import expect

from candor.core import services
from candor.core.models import Component, Incident
from tests.browser.operator import VIEW_IDS, VIEWS, signed_in_tab
from tests.conftest import assert_accessible


@pytest.mark.browser
def test_manage_create_incident_focuses_the_title(live_server, browser, operator_page):
    tab = signed_in_tab(browser, live_server.url, "light", 1280)
    tab.goto(f"{live_server.url}/manage/incidents/new/")
    # autofocus lands at Chromium's next rendering update, not necessarily before "load".
    expect(tab.get_by_label("Title")).to_be_focused()
    tab.keyboard.type("Typed at once")
    assert tab.get_by_label("Title").input_value() == "Typed at once"
    tab.context.close()


@pytest.mark.browser
def test_manage_unsaved_update_asks_before_leaving_by_a_tab(live_server, browser, operator_page):
    incident = services.declare_incident(operator_page, by=None, name="Slow", message="Hm.")
    tab = signed_in_tab(browser, live_server.url, "light", 1280)
    url = f"{live_server.url}/manage/incidents/{incident.pk}/"
    tab.goto(url)
    # Nothing typed: a tab link leaves without a question.
    tab.get_by_role("link", name="Components").click()
    tab.wait_for_url(f"{live_server.url}/manage/components/")
    tab.goto(url)
    tab.get_by_label("Update Message").fill("Half-written update")
    asked = []

    def answer(dialog, accept):
        asked.append((dialog.type, dialog.message))
        dialog.accept() if accept else dialog.dismiss()

    tab.once("dialog", lambda d: answer(d, False))
    tab.get_by_role("link", name="Components").click()
    assert asked == [
        ("confirm", "You have unsaved changes in this form. Leave without saving them?")
    ]
    assert (tab.url, tab.get_by_label("Update Message").input_value()) == (
        url,
        "Half-written update",
    )
    tab.once("dialog", lambda d: answer(d, True))
    tab.get_by_role("link", name="Components").click()
    tab.wait_for_url(f"{live_server.url}/manage/components/")
    assert len(asked) == 2
    tab.context.close()


@pytest.mark.browser
def test_manage_unsaved_text_arms_beforeunload_and_a_submit_disarms_it(
    live_server, browser, operator_page
):
    tab = signed_in_tab(browser, live_server.url, "light", 1280)
    tab.goto(f"{live_server.url}/manage/incidents/new/")
    tab.get_by_label("Title").fill("Not saved yet")
    with tab.expect_event("dialog") as asked:  # delivered asynchronously, after close() returns
        tab.close(run_before_unload=True)
    asked.value.dismiss()
    assert asked.value.type == "beforeunload" and not tab.is_closed()
    # A submitted form leaves without a question (a failed submit comes back unguarded).
    tab.get_by_label("Title").fill("")
    tab.get_by_role("button", name="Create", exact=True).click()
    tab.wait_for_selector(".errorlist")
    expect(tab.get_by_label("Title")).to_be_focused()
    tab.context.close()


@pytest.mark.browser
def test_manage_keyboard_shortcuts_post_an_update(live_server, browser, operator_page):
    incident = services.declare_incident(operator_page, by=None, name="Slow", message="Hm.")
    tab = signed_in_tab(browser, live_server.url, "light", 1280)
    tab.goto(f"{live_server.url}/manage/incidents/{incident.pk}/")
    tab.keyboard.press("u")
    expect(tab.locator("textarea[name=message]")).to_be_focused()
    tab.keyboard.type("Posted from the keyboard.")
    tab.keyboard.press("Control+Enter")
    tab.wait_for_selector(".message-success")
    assert incident.updates.filter(body="Posted from the keyboard.").count() == 1
    tab.locator("body").click(position={"x": 5, "y": 5})
    tab.keyboard.press("n")
    tab.wait_for_url(f"{live_server.url}/manage/incidents/new/")
    tab.context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("scheme", "width"), VIEWS, ids=VIEW_IDS)
def test_manage_shortcuts_overlay_and_inline_status_pass_axe(
    live_server, browser, operator_page, scheme, width
):
    tab = signed_in_tab(browser, live_server.url, scheme, width)
    tab.keyboard.press("?")
    overlay = tab.get_by_role("dialog", name="Keyboard shortcuts")
    assert overlay.is_visible() and "Create Incident" in overlay.inner_text()
    assert_accessible(tab, f"shortcuts overlay {scheme} {width}")
    tab.keyboard.press("Escape")
    assert not overlay.is_visible()

    tab.goto(f"{live_server.url}/manage/components/")
    assert_accessible(tab, f"components {scheme} {width}")
    tab.get_by_label("Baseline status of Email", exact=True).select_option("degraded_performance")
    tab.get_by_role("button", name="Set the baseline status of Email").click()
    tab.wait_for_selector(".message-success")
    assert (
        "Email: baseline status set to Degraded Performance"
        in tab.locator(".messages").inner_text()
    )
    email = Component.objects.get(name="Email")
    assert (email.baseline_status, email.status) == ("degraded_performance",) * 2
    tab.context.close()
    assert Incident.objects.count() == 0
