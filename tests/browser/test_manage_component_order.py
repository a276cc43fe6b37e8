"""Reordering components in a real Chromium: by keyboard (the arrows step through the list as
shown, focus stays on the moved item) and by drag and drop, each confirmed by a message."""

import pytest
from playwright.sync_api import expect

from candor.core.queries import components_by_group
from tests.browser.operator import VIEW_IDS, VIEWS, signed_in_tab
from tests.conftest import assert_accessible


def shown(tab):
    return [
        " ".join(row.split())
        for row in tab.locator(
            "table.data tbody tr td:first-child, table.data tbody tr th"
        ).all_inner_texts()
    ]


def order(page):
    return [
        (group.name if group else None, [c.name for c in components])
        for group, components in components_by_group(page)
    ]


@pytest.mark.browser
@pytest.mark.parametrize(("scheme", "width"), VIEWS, ids=VIEW_IDS)
def test_manage_reorder_by_keyboard(live_server, browser, operator_page, scheme, width):
    # The page: Help Desk (Ticket Submission, Knowledge Base), then Email.
    tab = signed_in_tab(browser, live_server.url, scheme, width)
    tab.goto(f"{live_server.url}/manage/components/")
    assert_accessible(tab, f"components {scheme} {width}")
    tab.get_by_role("button", name="Move Email up").focus()
    tab.keyboard.press("Enter")
    tab.wait_for_selector(".message-success")
    assert (
        "Moved Email up: now in Help Desk, after Knowledge Base."
        in tab.locator(".messages").inner_text()
    )
    # Focus comes back to the same arrow: pressing Enter again keeps moving it. (Chromium
    # applies autofocus at its next rendering update, which may follow the message's arrival.)
    expect(tab.get_by_role("button", name="Move Email up")).to_be_focused()
    tab.keyboard.press("Enter")
    tab.wait_for_selector("text=Moved Email up: now in Help Desk, after Ticket Submission.")
    assert order(operator_page) == [("Help Desk", ["Ticket Submission", "Email", "Knowledge Base"])]
    tab.get_by_role("button", name="Move Help Desk up").focus()
    tab.keyboard.press("Enter")
    tab.wait_for_selector("text=Help Desk is already at the top; nothing moved.")
    assert_accessible(tab, f"components after a move {scheme} {width}")
    tab.context.close()


@pytest.mark.browser
def test_manage_reorder_by_drag_and_drop(live_server, browser, operator_page):
    tab = signed_in_tab(browser, live_server.url, "light", 1280)
    tab.goto(f"{live_server.url}/manage/components/")
    email = tab.locator("tr[data-drag-kind=component]", has_text="Email")
    help_desk = tab.locator("tr[data-drag-kind=group]", has_text="Help Desk")
    # A person's drag: press on Email, move over Help Desk's upper half in steps, release.
    source, target = email.bounding_box(), help_desk.bounding_box()
    tab.mouse.move(source["x"] + 20, source["y"] + source["height"] / 2)
    tab.mouse.down()
    tab.mouse.move(target["x"] + 20, target["y"] + 4, steps=8)
    tab.mouse.up()
    tab.wait_for_selector(".message-success")
    assert "Moved Email: now at the top of the list." in tab.locator(".messages").inner_text()
    assert order(operator_page) == [
        (None, ["Email"]),
        ("Help Desk", ["Ticket Submission", "Knowledge Base"]),
    ]
    tab.context.close()
