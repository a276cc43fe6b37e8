from django.core import mail

from candor.core import services
from candor.core.models import Delivery, DeliveryState, SubscriberState
from tests.notifications.conftest import drain


def declare(page, components=(), **kwargs):
    return services.declare_incident(
        page,
        by=None,
        name="Help Desk Ticket Submission Disrupted",
        impact="minor",
        components=components,
        message="We are **investigating** <script>alert(1)</script> reports.",
        **kwargs,
    )


def test_email_notification_has_parts_links_and_one_click_headers(
    page, make_component, smtp, fast, subscribe, client
):
    subscriber = subscribe("ann@example.com")
    incident = declare(page, [make_component("Help Desk")])

    drain()

    [message] = smtp.handler.to("ann@example.com")
    delivery = Delivery.objects.get()
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert message["Subject"] == "[Investigating] Help Desk Ticket Submission Disrupted"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == f"<candor.u{delivery.update_id}.{subscriber.pk}@127.0.0.1>"
    assert "Help Desk: Degraded Performance" in text
    assert f"/incidents/{incident.pk}" in text
    assert unsubscribe in text and unsubscribe in html
    assert "<strong>investigating</strong>" in html
    assert "<script>" not in html
    assert "/subscribe/manage/" in text
    assert delivery.state == DeliveryState.SENT


def test_email_batch_reuses_one_smtp_connection(page, smtp, fast, subscribe):
    for i in range(5):
        subscribe(f"user{i}@example.com")
    declare(page)

    drain()

    assert (len(smtp.messages), len(smtp.handler.sessions)) == (5, 1)


def test_email_4xx_retries_then_delivers(page, smtp, fast, subscribe):
    subscriber = subscribe("busy@example.com")
    smtp.handler.refuse["busy@example.com"] = "451 Try again later"
    declare(page)

    drain_once = drain  # the schedule is zero seconds: one drain runs it all
    smtp.handler.refuse.clear()
    drain_once()
    delivery = Delivery.objects.get()

    assert delivery.state == DeliveryState.SENT
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_email_4xx_until_the_schedule_ends_fails_without_quarantine(page, smtp, fast, subscribe):
    subscriber = subscribe("busy@example.com")
    smtp.handler.refuse["busy@example.com"] = "451 Try again later"
    declare(page)

    drain()

    delivery = Delivery.objects.get()
    subscriber.refresh_from_db()
    assert (delivery.state, delivery.attempts, subscriber.state) == (
        DeliveryState.FAILED,
        8,
        SubscriberState.ACTIVE,
    )
    assert delivery.attempt_log.filter(ok=False).count() == 8
    assert "451" in delivery.last_error


def test_email_5xx_for_recipient_quarantines_subscriber(page, smtp, fast, subscribe):
    subscriber = subscribe("gone@example.com")
    subscribe("fine@example.com")
    smtp.handler.refuse["gone@example.com"] = "550 No such user here"
    declare(page)

    drain()

    subscriber.refresh_from_db()
    delivery = Delivery.objects.get(subscriber=subscriber)
    assert (subscriber.state, delivery.state, delivery.attempts) == (
        SubscriberState.QUARANTINED,
        DeliveryState.FAILED,
        1,
    )
    assert "550" in subscriber.last_error
    assert len(smtp.handler.to("fine@example.com")) == 1


def test_email_console_backend_by_default(page, fast, subscribe, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    subscribe("ann@example.com")
    declare(page)

    drain()

    assert [m.subject for m in mail.outbox] == [
        "[Investigating] Help Desk Ticket Submission Disrupted"
    ]
