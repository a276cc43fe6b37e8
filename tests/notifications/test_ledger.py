"""Every outgoing message is a row of the delivery ledger, sent by the worker: no web request
talks to a mail server, and every kind gets the notifications' retries and attempt log."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from candor.core import apikeys, housekeeping, services, subscriptions
from candor.core.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryKind,
    DeliveryState,
    Incident,
    Subscriber,
    SubscriberState,
)
from candor.core.services.base import now
from tests.notifications.conftest import drain


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


def every_kind_of_request(page, receiver, django_user_model) -> Client:
    """One request (or worker step) per kind of mail; returns the anonymous client used."""
    client = Client()
    django_user_model.objects.create_user("rita", "rita@example.com", "correct horse battery")
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
    incident = services.declare_incident(page, by=None, name="Outage")
    # A reminder to the team about a silent incident.
    Incident.objects.filter(pk=incident.pk).update(last_update_at=now() - timedelta(minutes=31))
    housekeeping.send_reminders()
    # A password reset.
    client.post("/manage/password-reset/", {"email": "rita@example.com"})
    return client


def test_every_kind_of_mail_is_a_ledger_row_sent_over_smtp(
    default_page, smtp, receiver, fast, django_user_model
):
    every_kind_of_request(default_page, receiver, django_user_model)

    drain()

    mails = Delivery.objects.filter(subscriber__mode="email") | Delivery.objects.exclude(
        kind=DeliveryKind.NOTIFICATION
    )
    kinds = set(mails.values_list("kind", flat=True))
    assert kinds == set(DeliveryKind.values)  # a new kind of mail must be added here
    assert set(mails.values_list("state", flat=True)) == {DeliveryState.SENT}
    # One message on the wire per ledger row, under the row's own Message-ID.
    ids = {m["Message-ID"] for m in smtp.messages}
    assert len(smtp.messages) == mails.count()
    for delivery in mails:
        assert f"<candor.{delivery.message_key}@127.0.0.1>" in ids
        assert delivery.attempt_log.filter(ok=True).count() == 1
    assert sorted(m["Subject"] for m in smtp.handler.to("rita@example.com")) == [
        'Reminder: no update on "Outage" for 31 minutes',
        "Reset your Candor password",
    ]
    [notice] = smtp.handler.to("down@example.com")
    assert notice["Subject"].startswith("Webhook paused:")


def test_no_request_opens_an_smtp_connection_and_mail_goes_once_the_server_is_back(
    default_page, smtp, receiver, django_user_model, no_smtp_in_requests, settings
):
    smtp.stop()  # the mail server is down while the requests are answered
    _, key = apikeys.create_api_key(by=None, name="automation", page=default_page)
    client = every_kind_of_request(default_page, receiver, django_user_model)
    pending = Subscriber.objects.get(email="new@example.com")
    bulk = client.post(
        f"/v1/pages/{default_page.pk}/subscribers/resend_confirmation",
        {"subscribers": [pending.pk]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"OAuth {key}",
    )
    reset = client.post("/manage/password-reset/", {"email": "rita@example.com"})

    assert no_smtp_in_requests == []
    assert (bulk.status_code, reset.status_code) == (202, 302)

    drain()  # the worker tries: the server is down, so every mail waits for a retry
    waiting = Delivery.objects.exclude(kind=DeliveryKind.NOTIFICATION)
    assert set(waiting.values_list("state", flat=True)) == {DeliveryState.PENDING}
    assert not DeliveryAttempt.objects.filter(delivery__in=waiting, ok=True).exists()
    assert smtp.messages == []

    smtp.start()
    waiting.update(next_attempt_at=now())
    drain()

    assert set(waiting.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert len(smtp.handler.to("new@example.com")) == 2  # subscribing, then the bulk resend
    assert len(smtp.handler.to("rita@example.com")) == 3  # a reminder and two resets
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
