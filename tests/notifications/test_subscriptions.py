import re

import pytest
from django.test import Client

from candor.core import links, subscriptions
from candor.core.models import AuditEntry, Subscriber, SubscriberState, SubscriptionThrottle
from tests.support.processes import drain


@pytest.fixture
def default_page(page):
    page.is_default = True
    page.save(update_fields=["is_default"])
    return page


def link(message, kind: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"http://127\.0\.0\.1:8000(/subscribe/{kind}/\S+/)", text).group(1)


def post_email(client, address, ip="198.51.100.7", **extra):
    return client.post(
        "/subscribe/", {"mode": "email", "e-email": address, **extra}, REMOTE_ADDR=ip
    )


def test_subscribe_email_double_opt_in(default_page, make_component, smtp):
    client = Client()
    help_desk = make_component("Help Desk")

    response = post_email(client, "ann@example.com", **{"e-components": [help_desk.pk]})
    subscriber = Subscriber.objects.get()
    drain()
    [mail] = smtp.handler.to("ann@example.com")
    confirmed = client.get(link(mail, "confirm"))
    subscriber.refresh_from_db()

    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert confirmed.status_code == 200
    assert subscriber.state == SubscriberState.ACTIVE
    assert list(subscriber.components.all()) == [help_desk]
    assert response.cookies == {} and confirmed.cookies == {}
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/subscribe/manage/" in mail.get_body(("plain",)).get_content()


def test_subscribe_same_response_for_new_pending_and_subscribed(default_page, smtp):
    client = Client()
    new = post_email(client, "new@example.com")
    pending = post_email(client, "new@example.com")
    subscriptions.confirm(links.confirm_token(Subscriber.objects.get().pk))
    subscribed = post_email(client, "new@example.com")
    drain()

    assert new.status_code == pending.status_code == subscribed.status_code == 200
    assert new.content == pending.content == subscribed.content
    assert [m["Subject"] for m in smtp.handler.to("new@example.com")] == [
        "Confirm your subscription to Acme Status",
        "Confirm your subscription to Acme Status",
        "Your subscription to Acme Status",
    ]


def test_subscribe_at_most_10_mails_per_address_per_hour(default_page, smtp):
    client = Client()
    responses = [post_email(client, "ann@example.com", ip=f"198.51.100.{i}") for i in range(12)]
    drain()

    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert len(smtp.handler.to("ann@example.com")) == 10


def test_subscribe_at_most_20_per_client_ip_per_hour(default_page, smtp):
    client = Client()
    responses = [post_email(client, f"user{i}@example.com") for i in range(21)]
    drain()

    assert [r.status_code for r in responses] == [200] * 20 + [429]
    assert len(smtp.messages) == 20


def test_subscribe_limits_are_kept_in_the_database(default_page, smtp):
    # Another web process sees the same counters: they are rows, not process memory.
    post_email(Client(), "ann@example.com")

    assert SubscriptionThrottle.objects.filter(key__startswith="ip:").count() == 1
    assert SubscriptionThrottle.objects.filter(key__startswith="email:").count() == 1


def test_subscribe_invalid_email_is_refused(default_page, smtp):
    response = post_email(Client(), "not an address")

    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert Subscriber.objects.count() == 0


def post_webhook(client, endpoint, contact="ops@example.com", ip="198.51.100.7"):
    data = {"mode": "webhook", "w-endpoint": endpoint, "w-email": contact}
    return client.post("/subscribe/", data, REMOTE_ADDR=ip)


def test_subscribe_webhook_answers_alike_for_new_and_subscribed_endpoints(
    default_page, receiver, smtp
):
    client = Client()

    first = post_webhook(client, receiver.url("/hook"))
    again = post_webhook(client, receiver.url("/hook"), contact="eve@example.com")
    subscriber = Subscriber.objects.get()
    drain()
    [created] = smtp.handler.to("ops@example.com")[:1]
    notices = smtp.handler.to("ops@example.com")[1:]

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.content == again.content
    assert subscriber.secret.encode() not in first.content
    assert subscriber.state == SubscriberState.ACTIVE
    assert (subscriber.email, subscriber.endpoint) == ("ops@example.com", receiver.url("/hook"))
    assert created["Subject"] == "Your webhook for Acme Status is active"
    assert subscriber.secret in created.get_body(("plain",)).get_content()
    assert [m["Subject"] for m in notices] == ["Your webhook for Acme Status"]
    assert subscriber.secret not in notices[0].get_body(("plain",)).get_content()
    assert smtp.handler.to("eve@example.com") == []


def test_subscribe_webhook_again_without_a_contact_is_audited(default_page, receiver, smtp):
    Subscriber.objects.create(
        page=default_page,
        mode="webhook",
        endpoint=receiver.url("/hook"),
        secret=subscriptions.new_secret(),
        state="active",
        created_at=default_page.created_at,
        updated_at=default_page.created_at,
    )

    response = post_webhook(Client(), receiver.url("/hook"), contact="eve@example.com")

    assert response.status_code == 200
    assert b"Check the contact" in response.content
    assert AuditEntry.objects.filter(action="subscriber.resubscribe").count() == 1
    assert smtp.messages == []
    assert Subscriber.objects.get().email == ""


def test_subscribe_webhook_to_private_address_refused(default_page, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False

    response = post_webhook(Client(), "http://10.0.0.1/hook")

    assert response.status_code == 400
    assert b"This address cannot receive webhooks" in response.content
    assert Subscriber.objects.count() == 0


def test_subscribe_webhook_never_tells_what_a_name_resolves_to(default_page, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False

    response = post_webhook(Client(), "http://localhost:8080/hook")
    text = response.content.decode()

    assert response.status_code == 400
    assert "This address cannot receive webhooks" in text
    assert ("127.0.0.1" in text, "resolves" in text, "::1" in text) == (False, False, False)
    assert Subscriber.objects.count() == 0


@pytest.mark.parametrize("port", ["99999", "65536"])
def test_subscribe_webhook_port_out_of_range_is_400_and_writes_nothing(default_page, port):
    audits = AuditEntry.objects.count()

    response = post_webhook(Client(), f"http://example.com:{port}/")

    assert response.status_code == 400
    assert b"Enter a port from 1 to 65535." in response.content
    assert (Subscriber.objects.count(), AuditEntry.objects.count()) == (0, audits)


def test_subscribe_throttle_counts_refused_requests_and_comes_first(default_page, smtp, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = False
    client = Client()
    probes = [post_webhook(client, f"http://localhost:{8000 + i}/") for i in range(20)]

    internal = post_webhook(client, "http://localhost/")
    public = post_webhook(client, "http://192.0.2.10/hook")
    email = post_email(client, "ann@example.com")
    malformed = post_webhook(client, "not a url")

    assert {p.status_code for p in probes} == {400}
    assert [r.status_code for r in (internal, public, email, malformed)] == [429] * 4
    assert internal.content == public.content == email.content == malformed.content
    assert b"cannot receive" not in internal.content
    assert (Subscriber.objects.count(), len(smtp.messages)) == (0, 0)


def test_unsubscribe_one_click_without_cookies(page, smtp, subscribe):
    subscriber = subscribe("ann@example.com")
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        f"/subscribe/unsubscribe/{links.manage_token(subscriber.pk)}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    subscriber.refresh_from_db()

    assert response.status_code == 200
    assert response.cookies == {}
    assert subscriber.state == SubscriberState.UNSUBSCRIBED


def test_unsubscribe_get_asks_first(page, subscribe):
    subscriber = subscribe("ann@example.com")

    response = Client().get(f"/subscribe/unsubscribe/{links.manage_token(subscriber.pk)}/")
    subscriber.refresh_from_db()

    assert response.status_code == 200
    assert subscriber.state == SubscriberState.ACTIVE


@pytest.mark.parametrize("kind", ["unsubscribe", "manage", "confirm"])
def test_tampered_token_is_400_and_changes_nothing(page, subscribe, kind):
    subscriber = subscribe("ann@example.com")
    token = links.manage_token(subscriber.pk)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    response = Client().post(f"/subscribe/{kind}/{tampered}/")
    subscriber.refresh_from_db()

    assert response.status_code in (400, 405)
    assert subscriber.state == SubscriberState.ACTIVE


def test_manage_page_changes_components(page, make_component, subscribe):
    help_desk = make_component("Help Desk")
    subscriber = subscribe("ann@example.com")
    url = f"/subscribe/manage/{links.manage_token(subscriber.pk)}/"

    response = Client().post(url, {"components": [help_desk.pk]})

    assert response.status_code == 200
    assert list(subscriber.components.all()) == [help_desk]


def test_confirm_link_expires_after_7_days(page, smtp, monkeypatch):
    subscriptions.subscribe_email(page, email="late@example.com")
    subscriber = Subscriber.objects.get()
    token = links.confirm_token(subscriber.pk)
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 8 * 86400)

    assert subscriptions.confirm(token) is None
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.UNCONFIRMED


def test_unconfirmed_subscriptions_lapse_after_7_days(page, smtp):
    from datetime import timedelta

    from candor.core.services.base import now

    subscriptions.subscribe_email(page, email="late@example.com")
    Subscriber.objects.update(
        created_at=now() - timedelta(days=8), confirmation_sent_at=now() - timedelta(days=8)
    )

    assert subscriptions.expire_unconfirmed() == 1
    assert Subscriber.objects.count() == 0
