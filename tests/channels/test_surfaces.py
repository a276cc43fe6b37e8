"""Subscribing a chat channel from the public page (a form and a real browser) and from the
Subscribers tab."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from candor.core import links, services, teamchannels
from candor.core.channels import channel_for
from candor.core.models import AuditEntry, Subscriber, SubscriberState, TeamEvent
from tests.api.conftest import Api
from tests.channels import formats
from tests.channels.conftest import MODES
from tests.conftest import assert_accessible, screenshot
from tests.support.processes import drain


@pytest.fixture
def default_page(page):
    page.is_default = True
    page.save(update_fields=["is_default"])
    return page


def test_public_page_offers_each_chat_service_with_a_howto(default_page):
    html = Client().get("/subscribe/").content.decode()
    for label, howto in (
        ("Slack", "https://api.slack.com/messaging/webhooks"),
        ("Microsoft Teams", "https://support.microsoft.com/en-us/office/create-incoming-webhooks"),
        ("Discord", "https://support.discord.com/hc/en-us/articles/228383668"),
    ):
        assert f"Subscribe in {label}</button>" in html
        assert howto in html
    assert html.index("Subscribe in Slack") < html.index("Subscribe in Microsoft Teams")
    assert html.index("Subscribe in Microsoft Teams") < html.index("Subscribe in Discord")
    assert "This field is required" not in html  # nothing was posted yet


def test_public_form_subscribes_a_channel_with_components(default_page, receiver, make_component):
    api = make_component("API")
    response = Client().post(
        "/subscribe/",
        {
            "mode": "discord",
            "discord-endpoint": receiver.url("/discord"),
            "discord-email": "",
            "discord-components": [api.pk],
        },
    )
    assert response.status_code == 200
    assert "Subscribed in Discord" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert (subscriber.mode, subscriber.state, subscriber.email) == ("discord", "active", "")
    assert list(subscriber.components.all()) == [api]
    [test] = receiver.at("/discord")
    formats.discord(test.json)


def test_public_form_refusal_names_the_field_and_stores_nothing(default_page, receiver, settings):
    receiver.script["/slack"] = [404]
    bad = Client().post("/subscribe/", {"mode": "slack", "slack-endpoint": receiver.url("/slack")})
    assert bad.status_code == 400
    assert "Slack did not accept the test message (HTTP 404" in bad.content.decode()
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    other = Client().post(
        "/subscribe/", {"mode": "teams", "teams-endpoint": "https://example.com/hook"}
    )
    assert other.status_code == 400
    assert "This is not a Microsoft Teams incoming-webhook URL" in other.content.decode()
    assert not Subscriber.objects.exists()
    assert len(receiver.at("/slack")) == 1


def test_subscribers_tab_adds_a_chat_channel_after_its_test_message(
    client_as_alice, default_page, receiver
):
    client = client_as_alice
    added = client.post(
        "/manage/subscribers/add/",
        {"mode": "teams", "endpoint": receiver.url("/teams"), "email": "ops@example.com"},
    )
    receiver.script["/dead"] = [500]
    refused = client.post(
        "/manage/subscribers/add/", {"mode": "slack", "endpoint": receiver.url("/dead")}
    )
    listing = client.get("/manage/subscribers/")

    assert added.status_code == 302
    assert refused.status_code == 400
    assert "Slack did not accept the test message (HTTP 500" in refused.content.decode()
    [subscriber] = Subscriber.objects.all()
    assert (subscriber.mode, subscriber.email) == ("teams", "ops@example.com")
    rows = dict((label, cells) for label, cells, _ in listing.context["counts"]["rows"])
    assert rows["Microsoft Teams"] == [0, 1, 0, 0, 0] and rows["Slack"] == [0, 0, 0, 0, 0]
    assert receiver.url("/teams") in listing.content.decode()
    [entry] = AuditEntry.objects.filter(action="subscriber.create")  # not the refused one
    assert (entry.actor, entry.user.username, entry.object_id) == (
        "Alice Adams",
        "alice",
        str(subscriber.pk),
    )


# What a chat service (or, on a LAN install, any URL) answered is for operators: an anonymous
# visitor learns the status code, never the body, a redirect's target or why a connection failed.
SECRET = b"internal-only: db01.corp password=hunter2"


@pytest.mark.parametrize("status", [404, 500, 302])
@pytest.mark.parametrize("mode", MODES)
def test_public_form_shows_a_refused_test_message_s_status_but_not_its_body(
    default_page, receiver, mode, status
):
    receiver.script["/internal"] = [status]
    receiver.reply_body[status] = SECRET
    receiver.redirect_to = "http://10.20.30.40/admin?token=hunter2"
    label = channel_for(mode).label

    response = Client().post(
        "/subscribe/", {"mode": mode, f"{mode}-endpoint": receiver.url("/internal")}
    )
    html = response.content.decode()

    assert response.status_code == 400
    assert (
        f"{label} did not accept the test message (HTTP {status}). "
        "Check the webhook URL and try again." in html
    )
    assert ("hunter2" in html, "db01" in html, "10.20.30.40" in html) == (False, False, False)
    assert len(receiver.at("/internal")) == 1  # the test message did go
    assert not Subscriber.objects.exists()


def test_public_form_does_not_say_why_a_url_could_not_be_reached(default_page, receiver, fast):
    response = Client().post(
        "/subscribe/", {"mode": "slack", "slack-endpoint": "http://127.0.0.1:9/x"}
    )
    html = response.content.decode()

    assert response.status_code == 400
    assert "Slack could not be reached at this URL. Check the webhook URL and try again." in html
    assert ("Request failed" in html, "Errno" in html, "Connection" in html) == (
        False,
        False,
        False,
    )
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("mode", MODES)
def test_operator_surfaces_still_show_what_a_refused_test_message_answered(
    client_as_alice, default_page, key_of_page, receiver, mode
):
    receiver.script["/internal"] = [404]
    receiver.reply_body[404] = SECRET

    ui = client_as_alice.post(
        "/manage/subscribers/add/", {"mode": mode, "endpoint": receiver.url("/internal")}
    )
    api = Api(key_of_page).post(
        f"pages/{default_page.pk}/subscribers",
        {"subscriber": {"endpoint": receiver.url("/internal"), "mode": mode}},
    )

    assert ui.status_code == 400
    assert "HTTP 404" in ui.content.decode() and "hunter2" in ui.content.decode()
    assert api.status_code == 422
    [message] = api.json()["errors"]["endpoint"]
    assert "HTTP 404" in message and SECRET.decode() in message
    assert len(receiver.at("/internal")) == 2
    assert not Subscriber.objects.exists()
    assert not AuditEntry.objects.filter(action="subscriber.create").exists()


@pytest.fixture
def site(live_server, transactional_db, settings):
    settings.CANDOR_RETRY_SCHEDULE = [0] * 8
    page = services.ensure_default_page()
    services.create_component(page, by=None, name="Help Desk")
    return live_server.url, page


@pytest.mark.browser
def test_browser_subscribes_to_slack_from_the_public_page(site, receiver, browser_page):
    base, page = site
    tab = browser_page

    tab.goto(f"{base}/subscribe/")
    tab.get_by_text("Slack", exact=True).click()  # the <summary> opens Slack's form
    assert_accessible(tab, "subscribe with chat")
    tab.get_by_label("Slack webhook URL").fill(receiver.url("/slack"))
    tab.get_by_role("button", name="Subscribe in Slack").click()
    tab.get_by_role("heading", name="Subscribed in Slack").wait_for()
    assert_accessible(tab, "subscribed in Slack")
    screenshot(tab, "subscribe-slack")

    subscriber = Subscriber.objects.get()
    assert (subscriber.mode, subscriber.state) == ("slack", SubscriberState.ACTIVE)
    [test] = receiver.at("/slack")
    assert links.manage_url(subscriber.pk, links.public_root("")) in formats.all_text(
        formats.slack(test.json)
    )
    services.declare_incident(page, by=None, name="Help Desk Ticket Submission Disrupted")
    drain()
    _, update = receiver.at("/slack")
    assert formats.slack(update.json)["blocks"][0]["text"]["text"] == (
        "Help Desk Ticket Submission Disrupted"
    )


@pytest.mark.browser
def test_browser_an_administrator_adds_a_slack_team_channel(
    site, receiver, browser_page, django_user_model
):
    base, page = site
    django_user_model.objects.create_superuser("admin", "admin@example.com", "correct horse 1")
    tab = browser_page
    tab.goto(f"{base}/manage/login/")
    tab.get_by_label("Username").fill("admin")
    tab.get_by_label("Password").fill("correct horse 1")
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url("**/manage/")

    tab.get_by_role("link", name="Team channels").click()
    assert_accessible(tab, "team channels")
    tab.get_by_label("Slack").check()
    tab.get_by_label("Name").fill("#incidents")
    tab.get_by_label("Incoming-webhook URL").fill(receiver.url("/team"))
    tab.get_by_role("button", name="Add team channel").click()
    tab.get_by_text("Team channel #incidents added.").wait_for()
    assert_accessible(tab, "team channels, one added")
    screenshot(tab, "manage-team-channels")
    tab.set_viewport_size({"width": 320, "height": 800})
    assert tab.evaluate("document.documentElement.scrollWidth") <= 320

    from candor.core.models import TeamChannel

    team = TeamChannel.objects.get()
    assert (team.mode, team.events) == ("slack", ["channel-failing", "reminder"])
    assert len(receiver.at("/team")) == 1


@pytest.mark.browser
def test_browser_an_administrator_enables_a_disabled_team_channel_again(
    site, receiver, browser_page, django_user_model, smtp
):
    base, page = site
    django_user_model.objects.create_superuser("admin", "admin@example.com", "correct horse 1")
    receiver.script["/gone"] = [200, 410]  # its test message, then the webhook was deleted
    team = teamchannels.add_channel(
        page,
        by=None,
        mode="slack",
        name="#ops",
        endpoint=receiver.url("/gone"),
        events=[TeamEvent.INCIDENT_PROPOSED],
    )
    teamchannels.notify_team(page, TeamEvent.INCIDENT_PROPOSED, title="Proposed: API down")
    drain()
    tab = browser_page
    tab.goto(f"{base}/manage/login/")
    tab.get_by_label("Username").fill("admin")
    tab.get_by_label("Password").fill("correct horse 1")
    tab.get_by_role("button", name="Log in").click()

    tab.get_by_role("link", name="Team channels").click()
    expect(tab.locator(f"#team-{team.pk}")).to_contain_text("Disabled")
    expect(tab.locator(f"#team-{team.pk}")).to_contain_text("HTTP 410")
    assert_accessible(tab, "team channels, one disabled")
    tab.get_by_label("New incoming-webhook URL for #ops").fill(receiver.url("/new"))
    tab.get_by_role("button", name="Enable again #ops").click()
    expect(tab.get_by_text("Team channel #ops is enabled again.")).to_be_visible()

    team.refresh_from_db()
    assert (team.disabled_at, team.endpoint) == (None, receiver.url("/new"))
    assert len(receiver.at("/new")) == 1  # its test message
    expect(tab.locator(f"#team-{team.pk}")).not_to_contain_text("Disabled")
