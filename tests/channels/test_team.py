"""Team channels: Administrators add Slack, Teams, Discord or email destinations for the team,
each choosing its events; reminders, failing channels and quarantines reach them through the
ledger, and notify_team() is there for the features that come next."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from candor.core import housekeeping, services, teamchannels
from candor.core.models import (
    AuditEntry,
    Delivery,
    DeliveryState,
    Incident,
    TeamChannel,
    TeamEvent,
)
from candor.core.services.base import now
from tests.channels import formats
from tests.support.processes import drain, wait_until


@pytest.fixture
def default_page(page):
    page.is_default = True
    page.save(update_fields=["is_default"])
    return page


def add(page, mode, path_or_email, events, receiver=None, name=None):
    if mode == "email":
        return teamchannels.add_channel(
            page, by=None, mode=mode, name=name or "On call", email=path_or_email, events=events
        )
    return teamchannels.add_channel(
        page,
        by=None,
        mode=mode,
        name=name or f"#{mode}",
        endpoint=receiver.url(path_or_email),
        events=events,
    )


def test_an_administrator_adds_a_team_channel_after_its_test_message(
    client, alice, bob, default_page, receiver
):
    client.force_login(alice)
    page = client.get("/manage/team-channels/")
    added = client.post(
        "/manage/team-channels/add/",
        {
            "mode": "slack",
            "name": "#incidents",
            "endpoint": receiver.url("/team"),
            "events": ["reminder", "channel-failing"],
        },
    )
    no_events = client.post(
        "/manage/team-channels/add/",
        {"mode": "email", "name": "Ops", "email": "ops@example.com"},
    )
    assert page.status_code == 200 and "Team channels" in page.content.decode()
    assert added.status_code == 302
    assert no_events.status_code == 400 and "This field is required" in no_events.content.decode()
    [team] = TeamChannel.objects.all()
    assert (team.mode, team.name, team.events) == (
        "slack",
        "#incidents",
        ["channel-failing", "reminder"],
    )
    [test] = receiver.at("/team")
    assert "team notices" in formats.all_text(formats.slack(test.json))

    other = Client()
    other.force_login(bob)  # a Responder
    assert other.get("/manage/team-channels/").status_code == 403
    assert other.post(f"/manage/team-channels/{team.pk}/remove/").status_code == 403
    assert TeamChannel.objects.count() == 1


def test_a_refused_test_message_or_url_stores_no_team_channel(page, receiver, settings):
    receiver.script["/dead"] = [404]
    with pytest.raises(Exception) as refused:
        add(page, "discord", "/dead", ["reminder"], receiver)
    assert "did not accept the test message" in str(refused.value)
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    with pytest.raises(Exception) as not_slack:
        teamchannels.add_channel(
            page,
            by=None,
            mode="slack",
            name="x",
            endpoint="https://example.com/x",
            events=["reminder"],
        )
    assert "not a Slack incoming-webhook URL" in str(not_slack.value)
    assert not TeamChannel.objects.exists()


def test_the_silence_reminder_reaches_each_team_channel_that_wants_it(page, receiver, smtp, fast):
    add(page, "slack", "/slack", ["reminder"], receiver)
    add(page, "teams", "/teams", ["reminder", "channel-failing"], receiver)
    add(page, "discord", "/discord", ["channel-failing"], receiver)  # not reminders
    add(page, "email", "oncall@example.com", ["reminder"])
    incident = services.declare_incident(page, by=None, name="Outage", impact="major")
    Incident.objects.filter(pk=incident.pk).update(last_update_at=now() - timedelta(minutes=31))

    housekeeping.send_reminders()
    housekeeping.send_reminders()  # once per silence, whichever worker runs it
    drain()

    for mode in ("slack", "teams"):
        _, reminder = receiver.at(f"/{mode}")
        text = formats.all_text(formats.VALIDATE[mode](reminder.json))
        assert 'No update on "Outage" for 31 minutes' in text
        assert f"/manage/incidents/{incident.pk}/" in text
    assert len(receiver.at("/discord")) == 1  # its test message only
    [mail] = smtp.handler.to("oncall@example.com")
    assert mail["Subject"] == '[Acme Status] No update on "Outage" for 31 minutes'
    assert set(Delivery.objects.filter(kind="team-event").values_list("state", flat=True)) == {
        DeliveryState.SENT
    }


def test_a_quarantined_subscriber_and_a_failing_channel_are_told_once(
    page, receiver, fast, subscribe
):
    add(page, "discord", "/team", ["subscriber-quarantined", "channel-failing"], receiver)
    receiver.script["/down"] = [500]
    subscribe(endpoint=receiver.url("/down"))
    services.declare_incident(page, by=None, name="Outage")
    drain()  # eight failed attempts: quarantined

    teamchannels.check_failing_channels()
    teamchannels.check_failing_channels()  # told once an hour, not on every run
    drain()

    test, *told = [r.json for r in receiver.at("/team")]
    titles = sorted(formats.discord(p)["embeds"][0]["title"] for p in told)
    assert titles == ["Webhook deliveries are failing", "Webhook subscriber quarantined"]


def test_notify_team_is_one_call_for_the_events_of_features_to_come(page, receiver, fast):
    add(page, "slack", "/alerts", ["incident-proposed"], receiver)
    add(page, "teams", "/maintenance", ["maintenance-reminder"], receiver)

    written = teamchannels.notify_team(
        page,
        TeamEvent.INCIDENT_PROPOSED,
        title="Alertmanager proposes: API latency high",
        text="**HighLatency** firing for 5 minutes.",
        url="http://127.0.0.1:8000/manage/",
        button="Review",
    )
    drain()

    assert written == 1
    _, proposed = receiver.at("/alerts")
    data = formats.slack(proposed.json)
    assert formats.slack_body(data) == "*HighLatency* firing for 5 minutes."
    assert len(receiver.at("/maintenance")) == 1


def test_removing_a_team_channel_and_choosing_its_events(client, alice, default_page, receiver):
    team = add(default_page, "slack", "/t", ["reminder"], receiver)
    client.force_login(alice)
    client.post(
        f"/manage/team-channels/{team.pk}/events/", {f"{team.pk}-events": ["channel-failing"]}
    )
    team.refresh_from_db()
    assert team.events == ["channel-failing"]
    client.post(f"/manage/team-channels/{team.pk}/remove/")
    assert not TeamChannel.objects.exists()


def test_a_mailbox_refusing_a_team_email_shows_why_and_disables_nothing(
    client, alice, default_page, smtp, fast
):
    smtp.handler.refuse = {"gone@example.com": "550 No such user"}
    team = add(default_page, "email", "gone@example.com", ["incident-proposed"])
    teamchannels.notify_team(default_page, TeamEvent.INCIDENT_PROPOSED, title="Proposed")
    drain()

    client.force_login(alice)
    html = client.get("/manage/team-channels/").content.decode()
    assert "Its last message could not be delivered" in html
    assert Delivery.objects.get(kind="team-event").state == DeliveryState.FAILED
    team.refresh_from_db()
    assert team.disabled_at is None


def test_the_page_reads_each_channels_latest_message_in_queries_that_do_not_grow(
    client, alice, default_page, smtp, fast
):
    smtp.handler.refuse = {"gone@example.com": "550 No such user"}
    add(default_page, "email", "gone@example.com", ["incident-proposed"], name="Gone")
    client.force_login(alice)
    teamchannels.notify_team(default_page, TeamEvent.INCIDENT_PROPOSED, title="Proposed")
    drain()
    with CaptureQueriesContext(connection) as one:
        assert client.get("/manage/team-channels/").status_code == 200

    for n in (1, 2):
        add(default_page, "email", f"oncall{n}@example.com", ["incident-proposed"], name=f"Ok{n}")
    teamchannels.notify_team(default_page, TeamEvent.INCIDENT_PROPOSED, title="Again")
    drain()
    with CaptureQueriesContext(connection) as three:
        html = client.get("/manage/team-channels/").content.decode()
    assert len(three) == len(one)
    # The refused address's latest message failed; the others' were delivered.
    assert html.count("Its last message could not be delivered") == 1
    assert html.count("550 No such user") == 1


# --- A team channel whose webhook was deleted (404/410): disabled, as a chat subscriber is ---


def proposed(page, title="Proposed: API down") -> int:
    return teamchannels.notify_team(page, TeamEvent.INCIDENT_PROPOSED, title=title)


@pytest.fixture
def gone(default_page, receiver, fast, alice, bob, smtp):
    """A Slack team channel whose webhook took its test message, then was deleted (410), and
    the two events that were waiting for it, sent by the worker."""
    receiver.script["/gone"] = [200, 410]
    team = add(default_page, "slack", "/gone", ["incident-proposed"], receiver, name="#ops")
    proposed(default_page, "First")
    proposed(default_page, "Second")
    drain()
    team.refresh_from_db()
    return team


def test_a_410_disables_the_team_channel_and_nothing_more_is_tried(gone, default_page, receiver):
    assert gone.disabled_at is not None
    assert gone.last_error.startswith("HTTP 410: the Slack webhook no longer exists")
    # Its test message and one attempt: the second event is not tried, and no new one is made.
    assert len(receiver.at("/gone")) == 2
    states = sorted(Delivery.objects.filter(kind="team-event").values_list("state", flat=True))
    assert states == [DeliveryState.CANCELLED, DeliveryState.FAILED]
    assert proposed(default_page, "Third") == 0
    drain()
    assert len(receiver.at("/gone")) == 2
    [entry] = AuditEntry.objects.filter(action="teamchannel.disable")
    assert (entry.object_id, entry.actor) == (gone.pk, "Candor")
    assert "HTTP 410" in entry.summary


def test_every_administrator_is_emailed_through_the_ledger(gone, smtp):
    [notice] = Delivery.objects.filter(kind="team-channel-disabled")
    assert (notice.state, notice.team_channel_id) == (DeliveryState.SENT, gone.pk)
    [mail] = smtp.handler.to("alice@example.com")  # the Administrator
    assert smtp.handler.to("bob@example.com") == []  # a Responder is not
    assert mail["Subject"] == (
        "[Acme Status] Team channel #ops was disabled: its Slack webhook was removed"
    )
    text = mail.get_body(("plain",)).get_content()
    assert "HTTP 410" in text and gone.endpoint in text
    assert "/manage/team-channels/#team-" + gone.pk in text


def test_the_team_channels_page_shows_it_disabled_and_why(client, alice, gone, default_page):
    client.force_login(alice)
    html = client.get("/manage/team-channels/").content.decode()

    assert "Disabled</span>" in html
    assert "HTTP 410: the Slack webhook no longer exists" in html
    # When, as a <time> in the page's zone (Europe/Paris), and why.
    when = gone.disabled_at.astimezone(default_page.tz).isoformat(timespec="seconds")
    assert f'Disabled <time datetime="{when}">' in html
    assert f"/manage/team-channels/{gone.pk}/enable/" in html
    assert "Its last message could not be delivered" not in html


def test_an_administrator_enables_it_again_with_a_url_that_works(
    client, alice, bob, gone, default_page, receiver
):
    client.force_login(alice)
    url = f"/manage/team-channels/{gone.pk}/enable/"
    field = f"enable-{gone.pk}-endpoint"
    receiver.script["/still-gone"] = [404]

    refused = client.post(url, {field: receiver.url("/still-gone")})
    empty = client.post(url, {field: ""})
    gone.refresh_from_db()
    assert refused.status_code == 400
    assert "Slack did not accept the test message (HTTP 404" in refused.content.decode()
    assert "the channel stays disabled" in refused.content.decode()
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()
    assert gone.disabled_at is not None and not gone.endpoint.endswith("/still-gone")
    other = Client()
    other.force_login(bob)  # a Responder
    assert other.post(url, {field: receiver.url("/new")}).status_code == 403
    assert not receiver.at("/new")
    assert not AuditEntry.objects.filter(action="teamchannel.enable").exists()

    enabled = client.post(url, {field: receiver.url("/new")})

    assert enabled.status_code == 302
    gone.refresh_from_db()
    assert (gone.disabled_at, gone.last_error, gone.endpoint) == (None, "", receiver.url("/new"))
    [entry] = AuditEntry.objects.filter(action="teamchannel.enable")
    assert entry.actor == "Alice Adams"
    assert proposed(default_page, "After the fix") == 1
    drain()
    test, message = receiver.at("/new")
    assert "After the fix" in formats.all_text(formats.slack(message.json))


def test_enabling_it_before_the_notice_went_cancels_the_notice(gone, default_page, receiver, alice):
    Delivery.objects.filter(kind="team-channel-disabled").update(state=DeliveryState.PENDING)

    teamchannels.enable(gone, by=alice, endpoint=receiver.url("/new"))

    [notice] = Delivery.objects.filter(kind="team-channel-disabled")
    assert notice.state == DeliveryState.CANCELLED
    with pytest.raises(ValidationError, match="is not disabled"):
        teamchannels.enable(gone, by=alice, endpoint=receiver.url("/other"))
    assert not receiver.at("/other")


@pytest.mark.parametrize("mode", ["teams", "discord"])
def test_a_404_disables_teams_and_discord_team_channels_too(
    default_page, receiver, fast, alice, smtp, mode
):
    receiver.script[f"/{mode}"] = [200, 404]
    team = add(default_page, mode, f"/{mode}", ["incident-proposed"], receiver)
    proposed(default_page)
    drain()

    team.refresh_from_db()
    assert team.disabled_at is not None and "HTTP 404" in team.last_error
    assert len(smtp.handler.to("alice@example.com")) == 1


def test_a_429_still_waits_and_delivers_without_disabling(
    default_page, receiver, fast, alice, smtp
):
    receiver.script["/busy"] = [200, 429, 200]
    receiver.reply_headers[429] = {"Retry-After": "1"}
    team = add(default_page, "slack", "/busy", ["incident-proposed"], receiver)
    proposed(default_page)

    drain()
    delivery = Delivery.objects.get(kind="team-event")
    assert delivery.state == DeliveryState.PENDING
    wait_until(lambda: now() >= delivery.next_attempt_at, timeout=5)
    drain()

    delivery.refresh_from_db()
    team.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)
    assert team.disabled_at is None
    assert not Delivery.objects.filter(kind="team-channel-disabled").exists()
    assert smtp.handler.to("alice@example.com") == []
