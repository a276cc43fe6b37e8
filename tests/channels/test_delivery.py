"""Chat subscribers through the delivery ledger, against a real HTTP receiver standing in for
Slack, Teams and Discord: what arrives, in what order, in what format, and what a service's
429, 404/410 or 500 does to the delivery and the subscriber."""

import pytest
from django.core.exceptions import ValidationError

from candor.core import links, services, subscriptions
from candor.core.models import Delivery, DeliveryState, Subscriber, SubscriberState
from candor.core.services.base import now
from tests.channels import formats
from tests.channels.conftest import MODES
from tests.support.processes import drain, wait_until

UPDATES = [
    ("identified", "We found a **database** problem."),
    ("monitoring", "A fix is out:\n\n- restarted the primary\n- raised the limit"),
    ("resolved", "All good. See [the report](https://example.com/report_(final))."),
]
STATUS_LABELS = ["Investigating", "Identified", "Monitoring", "Resolved"]


def status_of(mode: str, payload: dict) -> str:
    if mode == "slack":
        fields = [b for b in payload["blocks"] if b["type"] == "section" and "fields" in b]
        return fields[0]["fields"][0]["text"].split("\n")[1]
    if mode == "teams":
        facts = [e for e in payload["attachments"][0]["content"]["body"] if e["type"] == "FactSet"]
        return next(f["value"] for f in facts[0]["facts"] if f["title"] == "Status")
    fields = payload["embeds"][0]["fields"]
    return next(f["value"] for f in fields if f["name"] == "Status")


def test_incident_and_three_updates_reach_each_chat_in_order(page, receiver, fast, chat):
    subscribers = {mode: chat(mode) for mode in MODES}
    incident = services.declare_incident(
        page, by=None, name="Login <failures> & errors", impact="major", message="Looking."
    )
    for status, message in UPDATES:
        services.post_update(incident, by=None, status=status, message=message)

    drain()

    for mode, subscriber in subscribers.items():
        test, *messages = [r.json for r in receiver.at(f"/{mode}")]
        assert len(messages) == 4, mode
        for payload in [test, *messages]:
            formats.VALIDATE[mode](payload)
        assert [status_of(mode, p) for p in messages] == STATUS_LABELS
        unsubscribe, manage = links.manage_urls(subscriber.pk, links.public_root(""))
        for payload in messages:
            text = formats.all_text(payload)
            assert incident.pk in text  # the button to the incident page
            # The manage and unsubscribe links (escaped as each service wants: same here).
            assert manage in text and unsubscribe in text
        assert Delivery.objects.filter(subscriber=subscriber, state=DeliveryState.SENT).count() == 4


def test_the_test_message_is_posted_on_subscribing(page, receiver, chat):
    for mode in MODES:
        subscriber = chat(mode)
        [test] = receiver.at(f"/{mode}")
        payload = formats.VALIDATE[mode](test.json)
        text = formats.all_text(payload)
        assert "test message" in text and page.name in text
        assert links.manage_url(subscriber.pk, links.public_root("")) in text
        assert test.headers["Content-Type"].startswith("application/json")
    assert Delivery.objects.count() == 0  # a check, answered at once: no ledger row


@pytest.mark.parametrize("status", [404, 500, 302])
def test_a_refused_test_message_stores_nothing(page, receiver, status):
    receiver.script["/bad"] = [status]
    for mode in MODES:
        with pytest.raises(ValidationError) as refused:
            subscriptions.add_subscriber(page, by=None, mode=mode, endpoint=receiver.url("/bad"))
        [message] = refused.value.message_dict["endpoint"]
        assert "did not accept the test message" in message and f"HTTP {status}" in message
    assert len(receiver.at("/bad")) == 3
    assert Subscriber.objects.count() == 0


def test_an_unreachable_url_stores_nothing(page, receiver, settings):
    settings.CANDOR_WEBHOOK_TIMEOUT = 2
    with pytest.raises(ValidationError) as refused:
        subscriptions.add_subscriber(page, by=None, mode="slack", endpoint="http://127.0.0.1:9/x")
    assert "Request failed" in refused.value.message_dict["endpoint"][0]
    assert Subscriber.objects.count() == 0


def test_component_limited_chat_subscribers_get_only_their_components(
    page, receiver, fast, chat, make_component
):
    api, web = make_component("API"), make_component("Website")
    for mode in MODES:
        chat(mode, components=[api])
    services.declare_incident(page, by=None, name="Website slow", components=[web])
    services.declare_incident(page, by=None, name="API down", components=[api])

    drain()

    for mode in MODES:
        test, *messages = receiver.at(f"/{mode}")
        assert len(messages) == 1
        assert "API down" in formats.all_text(messages[0].json)
        assert "Website slow" not in formats.all_text(messages[0].json)


@pytest.mark.parametrize("mode", MODES)
def test_429_waits_as_told_then_delivers_once_without_counting_a_failure(
    page, receiver, fast, chat, mode
):
    receiver.script[f"/{mode}"] = [200, 429, 200]  # the test message, then a 429, then OK
    receiver.reply_headers[429] = {"Retry-After": "1"}
    if mode == "discord":  # Discord says it in the body too (seconds, a float)
        receiver.reply_body[429] = b'{"message": "You are being rate limited.", "retry_after": 1.5}'
    subscriber = chat(mode)
    services.declare_incident(page, by=None, name="Outage")

    drain()

    delivery = Delivery.objects.get(subscriber=subscriber)
    [told] = delivery.attempt_log.all()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 0)
    assert "HTTP 429" in told.error
    waited = (delivery.next_attempt_at - told.at).total_seconds()
    assert waited == pytest.approx(1.5 if mode == "discord" else 1.0, abs=0.05)

    # Not before the time the service asked for: drain() sends only what is due.
    wait_until(lambda: now() >= delivery.next_attempt_at, timeout=5)
    drain()

    delivery.refresh_from_db()
    subscriber.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)
    assert [a.ok for a in delivery.attempt_log.all()] == [False, True]
    assert (subscriber.state, subscriber.consecutive_failures) == (SubscriberState.ACTIVE, 0)
    assert len(receiver.at(f"/{mode}")) == 3  # test, 429, delivered: once


@pytest.mark.parametrize("mode,status", [("slack", 410), ("teams", 404), ("discord", 404)])
def test_a_deleted_webhook_disables_the_subscription_and_tells_its_contact(
    page, receiver, smtp, fast, chat, mode, status
):
    receiver.script[f"/{mode}"] = [200, status]
    subscriber = chat(mode, contact="owner@example.com")
    incident = services.declare_incident(page, by=None, name="Outage")
    services.post_update(incident, by=None, status="identified")

    drain()

    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.DISABLED
    assert f"HTTP {status}" in subscriber.last_error
    # One attempt; the next update is not tried at all.
    assert len(receiver.at(f"/{mode}")) == 2
    states = set(
        Delivery.objects.filter(subscriber=subscriber, kind="notification").values_list(
            "state", flat=True
        )
    )
    assert states == {DeliveryState.FAILED, DeliveryState.CANCELLED}
    [notice] = smtp.handler.to("owner@example.com")
    assert "subscription stopped" in notice["Subject"]


@pytest.mark.parametrize("mode", MODES)
def test_always_500_is_quarantined_at_the_end_of_the_schedule(page, receiver, fast, chat, mode):
    receiver.script[f"/{mode}"] = [200, 500]
    subscriber = chat(mode)
    services.declare_incident(page, by=None, name="Outage")

    drain()

    subscriber.refresh_from_db()
    delivery = Delivery.objects.get(subscriber=subscriber)
    assert (subscriber.state, delivery.state, delivery.attempts) == (
        SubscriberState.QUARANTINED,
        DeliveryState.FAILED,
        8,
    )
    assert len(receiver.at(f"/{mode}")) == 1 + 8


def test_retry_failed_sends_a_chat_delivery_again(page, receiver, fast, chat):
    from candor.core import notifications

    receiver.script["/slack"] = [200, 500, 500, 500, 500, 500, 500, 500, 500, 200]
    subscriber = chat("slack")
    incident = services.declare_incident(page, by=None, name="Outage")
    drain()
    subscriptions.reactivate(subscriber, by=None)

    assert notifications.retry_failed(incident.updates.get(), by=None) == 1
    drain()

    delivery = Delivery.objects.get(subscriber=subscriber)
    assert delivery.state == DeliveryState.SENT


def test_chat_deliveries_come_before_the_emails_in_a_fan_out(page, receiver, chat, subscribe):
    subscribe("aaa@example.com")
    for mode in MODES:
        chat(mode)
    services.declare_incident(page, by=None, name="Outage")

    modes = list(Delivery.objects.order_by("pk").values_list("subscriber__mode", flat=True))
    assert modes[-1] == "email" and sorted(modes[:-1]) == sorted(MODES)
