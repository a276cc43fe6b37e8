"""Every outgoing message is a row of the delivery ledger, sent by the worker: no web request
talks to a mail server, and every kind gets the notifications' retries and attempt log."""

import json
import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from candor.core import housekeeping, services, subscriptions, teamchannels
from candor.core.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryState,
    Incident,
    Subscriber,
    SubscriberState,
)
from candor.core.services import alerts, integrations
from candor.core.services.base import now
from tests.support.processes import drain


@pytest.fixture
def default_page(page):
    page.is_default = True
    page.save(update_fields=["is_default"])
    return page


@pytest.fixture
def no_smtp_in_requests(monkeypatch):
    """Every SMTP connection opened, by anyone: a request handler must open none."""
    opened: list[tuple[str, int]] = []
    connect = smtplib.SMTP.connect

    def recording(self, host="localhost", port=0, source_address=None):
        opened.append((host, port))
        return connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", recording)
    return opened


def every_kind_of_request(page, receiver, bob) -> Client:
    """One request (or worker step) per kind of mail; returns the anonymous client used.

    Bob, a Responder, is the team that gets the reminder and the one who forgot his password.
    """
    client = Client()
    # A notification, to an active email subscriber.
    subscriptions.add_subscriber(page, by=None, mode="email", email="ann@example.com")
    # Confirmation, then already-subscribed.
    client.post("/subscribe/", {"mode": "email", "e-email": "new@example.com"})
    subscriptions.add_subscriber(page, by=None, mode="email", email="known@example.com")
    client.post("/subscribe/", {"mode": "email", "e-email": "known@example.com"})
    # A webhook's secret, then the notice that someone asked again.
    hook = {"mode": "webhook", "w-endpoint": receiver.url("/hook"), "w-email": "ops@example.com"}
    client.post("/subscribe/", hook)
    client.post("/subscribe/", hook)
    # A webhook that refuses everything gets quarantined, and its contact told.
    receiver.script["/down"] = [500]
    subscriptions.add_subscriber(
        page, by=None, mode="webhook", endpoint=receiver.url("/down"), email="down@example.com"
    )
    # A chat channel whose webhook was then deleted (404/410): disabled, its contact told.
    receiver.script["/slack-gone"] = [200, 410]  # the test message arrives, then gone
    subscriptions.add_subscriber(
        page, by=None, mode="slack", endpoint=receiver.url("/slack-gone"), email="chat@example.com"
    )
    # An email team channel that gets the silence reminders (a team event).
    teamchannels.add_channel(
        page, by=None, mode="email", name="On call", email="oncall@example.com", events=["reminder"]
    )
    incident = services.declare_incident(page, by=None, name="Outage")
    # A reminder to the team about a silent incident.
    Incident.objects.filter(pk=incident.pk).update(last_update_at=now() - timedelta(minutes=31))
    housekeeping.send_reminders()
    # A monitoring integration frozen for flapping: its Administrators are told.
    ada = get_user_model().objects.create_superuser("ada", "ada@example.com", "correct horse b")
    services.create_component(page, by=None, name="Help Desk")
    integration, _ = integrations.create_integration(
        page, by=ada, kind="generic", name="Probe", flap_limit=1
    )
    for status in ("major_outage", "resolved"):
        body = json.dumps({"id": "probe", "component": "Help Desk", "status": status})
        integrations.receive_payload(integration, body)
        alerts.process_next()
    # A password reset.
    client.post("/manage/password-reset/", {"email": bob.email})
    # An invitation to the team.
    services.invite_user(by=ada, username="ivy", email="ivy@example.com")
    return client


def test_every_kind_of_mail_is_a_ledger_row_sent_over_smtp(default_page, smtp, receiver, fast, bob):
    every_kind_of_request(default_page, receiver, bob)
    # A Slack team channel whose webhook was then deleted: disabled, the Administrators told.
    # (Here, not above: its failed team event is not a mail waiting for an SMTP server.)
    receiver.script["/team-gone"] = [200, 410]
    teamchannels.add_channel(
        default_page,
        by=None,
        mode="slack",
        name="#ops",
        endpoint=receiver.url("/team-gone"),
        events=["incident-proposed"],
    )
    teamchannels.notify_team(default_page, "incident-proposed", title="Proposed: Outage")

    drain()

    mails = (
        Delivery.objects.filter(subscriber__mode="email")
        | Delivery.objects.exclude(kind=DeliveryKind.NOTIFICATION)
    ).exclude(kind=DeliveryKind.WEBHOOK_PING)  # a webhook's test ping is no mail
    # Nor is a team event to a Slack channel.
    mails = mails.exclude(kind=DeliveryKind.TEAM_EVENT, team_channel__mode="slack")
    kinds = set(mails.values_list("kind", flat=True))
    # A new kind of mail must be added here.
    assert kinds == set(DeliveryKind.values) - {DeliveryKind.WEBHOOK_PING}
    assert set(mails.values_list("state", flat=True)) == {DeliveryState.SENT}
    # One message on the wire per ledger row, under the row's own Message-ID.
    ids = {m["Message-ID"] for m in smtp.messages}
    assert len(smtp.messages) == mails.count()
    for delivery in mails:
        assert f"<candor.{delivery.message_key}@127.0.0.1>" in ids
        assert delivery.attempt_log.filter(ok=True).count() == 1
    assert sorted(m["Subject"] for m in smtp.handler.to(bob.email)) == [
        'Reminder: no update on "Outage" for 31 minutes',
        "Reset your Candor password",
    ]
    frozen, team_gone = sorted(smtp.handler.to("ada@example.com"), key=lambda m: m["Subject"])
    assert frozen["Subject"].endswith("an integration is flapping")
    assert team_gone["Subject"] == (
        "[Acme Status] Team channel #ops was disabled: its Slack webhook was removed"
    )
    [notice] = smtp.handler.to("down@example.com")
    assert notice["Subject"].startswith("Webhook paused:")
    [gone] = smtp.handler.to("chat@example.com")
    assert gone["Subject"] == "Slack subscription stopped: the webhook was removed"
    [team] = smtp.handler.to("oncall@example.com")
    assert team["Subject"] == '[Acme Status] No update on "Outage" for 31 minutes'


def test_no_request_opens_an_smtp_connection_and_mail_goes_once_the_server_is_back(
    default_page, smtp, receiver, bob, key_of_page, no_smtp_in_requests, settings
):
    smtp.stop()  # the mail server is down while the requests are answered
    assert key_of_page.key.page == default_page
    client = every_kind_of_request(default_page, receiver, bob)
    pending = Subscriber.objects.get(email="new@example.com")
    bulk = client.post(
        f"/v1/pages/{default_page.pk}/subscribers/resend_confirmation",
        {"subscribers": [pending.pk]},
        content_type="application/json",
        **key_of_page.headers,
    )
    reset = client.post("/manage/password-reset/", {"email": bob.email})

    assert no_smtp_in_requests == []
    assert (bulk.status_code, reset.status_code) == (202, 302)

    drain()  # the worker tries: the server is down, so every mail waits for a retry
    waiting = Delivery.objects.exclude(
        kind__in=[DeliveryKind.NOTIFICATION, DeliveryKind.WEBHOOK_PING]
    )
    assert set(waiting.values_list("state", flat=True)) == {DeliveryState.PENDING}
    assert not DeliveryAttempt.objects.filter(delivery__in=waiting, ok=True).exists()
    assert smtp.messages == []

    smtp.start()
    waiting.update(next_attempt_at=now())
    drain()

    assert set(waiting.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert len(smtp.handler.to("new@example.com")) == 2  # subscribing, then the bulk resend
    assert len(smtp.handler.to(bob.email)) == 3  # a reminder and two resets
    for delivery in waiting:
        assert list(delivery.attempt_log.values_list("ok", flat=True)) == [False, True]


def test_a_refused_confirmation_fails_its_row_and_leaves_the_subscriber_alone(
    default_page, smtp, fast
):
    smtp.handler.refuse["ann@example.com"] = "550 No such user here"
    Client().post("/subscribe/", {"mode": "email", "e-email": "ann@example.com"})

    drain()

    delivery = Delivery.objects.get()
    subscriber = Subscriber.objects.get()
    assert (delivery.kind, delivery.state, delivery.attempts) == (
        DeliveryKind.CONFIRM,
        DeliveryState.FAILED,
        1,
    )
    assert "550" in delivery.last_error
    assert (subscriber.state, subscriber.consecutive_failures) == (SubscriberState.UNCONFIRMED, 0)


def test_a_test_backend_gets_the_bytes_production_sends(default_page, settings, fast):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Client().post("/subscribe/", {"mode": "email", "e-email": "ann@example.com"})

    drain()

    [message] = mail.outbox
    delivery = Delivery.objects.get()
    parsed = message.message()
    assert parsed["Message-ID"] == f"<candor.{delivery.message_key}@127.0.0.1>"
    assert parsed.get_boundary().startswith("=_candor_")  # the composer's, not Django's
    assert message.subject == "Confirm your subscription to Acme Status"
    assert "/subscribe/confirm/" in message.body


def test_metrics_count_mails_as_email(default_page, smtp, fast):
    from candor.core import health

    Client().post("/subscribe/", {"mode": "email", "e-email": "ann@example.com"})

    assert health.delivery_counts() == {(DeliveryState.PENDING, "email"): 1}
