"""The public subscribe and manage pages: the public site's design, no error before a submit,
components grouped as on the status page with whole-group choices, axe-clean in both schemes."""

import pytest

from candor.core import links, services, subscriptions
from candor.core.models import Subscriber
from tests.conftest import assert_accessible, assert_fits, screenshot

# Which of the four views are saved under docs/screenshots/ (by `make screenshots`), and as what.
SHOTS = {("light", 1280): "", ("dark", 375): "-dark-375"}


@pytest.fixture
def site(live_server, transactional_db):
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Cloud")
    services.create_component(page, by=None, name="Website")
    group = services.create_group(page, by=None, name="Help Desk")
    tickets = services.create_component(page, by=None, name="Ticket Submission", group=group)
    services.create_component(page, by=None, name="Knowledge Base", group=group)
    services.create_component(page, by=None, name="API")
    return live_server.url, page, group, tickets


@pytest.mark.browser
def test_subscribe_page_fresh_visit_grouped_and_accessible(site, view_tab):
    base, page, group, tickets = site
    tab = view_tab
    scheme, width = tab.view
    tab.goto(f"{base}/subscribe/")
    assert "This field is required" not in tab.content()
    assert tab.locator(".field-error, .errorlist li").count() == 0
    # The status page's order: Website, the Help Desk group with its components, then API.
    email = tab.locator("form").first
    labels = [t.strip() for t in email.locator("label.pick").all_inner_texts()]
    assert labels == [
        "Website",
        "Help Desk (whole group)",
        "Ticket Submission",
        "Knowledge Base",
        "API",
    ]
    # Styled like the public site: the button has the link colour as background, the input a border.
    button_bg = email.get_by_role("button", name="Subscribe by email").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert button_bg not in ("rgba(0, 0, 0, 0)", "rgb(239, 239, 239)")
    assert_accessible(tab, f"subscribe {scheme} {width}")
    assert_fits(tab, "subscribe")
    if tab.view in SHOTS:
        screenshot(tab, f"subscribe{SHOTS[tab.view]}")

    # Errors only after a submit, under the field, and accessible in this scheme.
    email.get_by_role("button", name="Subscribe by email").click()
    error = tab.locator("#id_e-email_error")
    assert error.inner_text() == "This field is required."
    assert tab.get_by_label("Email address").get_attribute("aria-invalid") == "true"
    assert_accessible(tab, f"subscribe errors {scheme} {width}")
    assert Subscriber.objects.count() == 0


@pytest.mark.browser
def test_whole_group_choice_subscribes_to_every_component_of_it(site, browser_page):
    base, page, group, tickets = site
    tab = browser_page
    tab.goto(f"{base}/subscribe/")
    email = tab.locator("form").first
    email.get_by_label("Email address").fill("ann@example.com")
    email.get_by_label("Help Desk (whole group)").check()
    # The script ticks the group's components with it.
    assert email.get_by_label("Ticket Submission").is_checked()
    assert email.get_by_label("Knowledge Base").is_checked()
    email.get_by_label("Knowledge Base").uncheck()
    assert not email.get_by_label("Help Desk (whole group)").is_checked()
    email.get_by_label("Help Desk (whole group)").check()
    email.get_by_role("button", name="Subscribe by email").click()
    tab.get_by_role("heading", name="Check your inbox").wait_for()
    subscriber = Subscriber.objects.get()
    assert sorted(c.name for c in subscriber.components.all()) == [
        "Knowledge Base",
        "Ticket Submission",
    ]


@pytest.mark.browser
def test_manage_page_groups_saves_and_is_accessible(site, view_tab):
    base, page, group, tickets = site
    subscriber, _ = subscriptions.add_subscriber(
        page, by=None, mode="email", email="ann@example.com", components=[tickets]
    )
    tab = view_tab
    scheme, width = tab.view
    manage = links.manage_url(subscriber.pk, "")
    tab.goto(base + manage)
    assert tab.get_by_label("Ticket Submission").is_checked()
    assert not tab.get_by_label("Help Desk (whole group)").is_checked()
    assert "This field is required" not in tab.content()
    assert_accessible(tab, f"manage {scheme} {width}")
    assert_fits(tab, "manage")
    if tab.view in SHOTS:
        screenshot(tab, f"subscription-manage{SHOTS[tab.view]}")
    tab.get_by_label("Help Desk (whole group)").check()
    tab.get_by_role("button", name="Save").click()
    tab.get_by_role("status").wait_for()
    assert tab.get_by_label("Help Desk (whole group)").is_checked()
    assert sorted(c.name for c in subscriber.components.all()) == [
        "Knowledge Base",
        "Ticket Submission",
    ]
    assert_accessible(tab, f"manage saved {scheme} {width}")


def test_a_group_of_another_page_is_refused_and_nothing_written(client, page, db):
    other = services.create_page(by=None, name="Other")
    group = services.create_group(other, by=None, name="Elsewhere")
    services.create_component(other, by=None, name="Theirs", group=group)
    response = client.post(
        "/subscribe/", {"mode": "email", "e-email": "ann@example.com", "e-groups": [group.pk]}
    )
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content, "the group field names its error"
    assert Subscriber.objects.count() == 0


def test_a_ticked_group_posted_without_script_means_all_its_components(client, page, db):
    group = services.create_group(page, by=None, name="Help Desk")
    a = services.create_component(page, by=None, name="A", group=group)
    b = services.create_component(page, by=None, name="B", group=group)
    services.create_component(page, by=None, name="C")
    response = client.post(
        "/subscribe/", {"mode": "email", "e-email": "ann@example.com", "e-groups": [group.pk]}
    )
    assert response.status_code == 200
    assert {c.pk for c in Subscriber.objects.get().components.all()} == {a.pk, b.pk}
