"""Every link sent to subscribers comes from the page's one public address, every time is in
the page's time zone and written one way (candor/core/timefmt.py), and a webhook subscribed on
the public page gets a signed test ping with a manage link."""

import json
import re
from datetime import UTC, datetime

import pytest

from candor.core import links, services
from candor.core.models import Delivery, DeliveryKind, DeliveryState
from candor.core.transports.webhook import sign
from tests.support.processes import drain

PUBLIC = "https://status.acme.example"
POSTED = datetime(2026, 1, 15, 13, 5, tzinfo=UTC)  # 14:05 in Paris, winter: UTC+01:00


@pytest.fixture
def public_page(page, settings):
    settings.BASE_URL = "http://127.0.0.1:8000"
    page.is_default = True  # the public subscribe form's page
    page.save()
    return services.update_page(page, by=None, url=PUBLIC + "/")


def urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", text)


def test_notification_links_and_time_use_the_public_address_and_page_zone(
    public_page, smtp, fast, subscribe
):
    subscribe("ann@example.com")
    services.declare_incident(
        public_page,
        by=None,
        name="Outage",
        message="Looking.",
        started_at=POSTED,
        display_at=POSTED,
    )
    drain()
    [message] = smtp.handler.to("ann@example.com")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    found = urls(text) + [u for u in urls(html) if "standardwebhooks" not in u]
    found.append(message["List-Unsubscribe"].strip().strip("<>"))
    assert len(found) >= 6
    assert [u for u in found if not u.startswith(PUBLIC + "/")] == []
    assert "15 Jan 2026, 14:05 UTC+01:00" in text
    assert "15 Jan 2026, 14:05 UTC+01:00" in html
    assert " UTC\n" not in text and "CET" not in text


def test_confirmation_mail_links_use_the_public_address(public_page, smtp, fast, client):
    client.post("/subscribe/", {"mode": "email", "e-email": "new@example.com"})
    drain()
    [message] = smtp.handler.to("new@example.com")
    text = message.get_body(("plain",)).get_content()
    assert re.search(re.escape(PUBLIC) + r"/subscribe/confirm/\S+/", text)
    assert "127.0.0.1" not in text


def test_management_ui_and_public_page_write_the_same_time(public_page, client, alice):
    from candor.public.store import store

    incident = services.declare_incident(
        public_page,
        by=None,
        name="Outage",
        message="Looking.",
        started_at=POSTED,
        display_at=POSTED,
    )
    client.force_login(alice)
    manage = client.get(f"/manage/incidents/{incident.pk}/").content.decode()
    store.reset()
    public = client.get(f"/incidents/{incident.pk}").content.decode()
    label = "15 Jan 2026, 14:05 UTC+01:00"
    assert label in manage and label in public
    assert "CET" not in manage


def test_public_webhook_gets_a_signed_test_ping_with_a_manage_link(
    public_page, smtp, fast, receiver, client
):
    response = client.post(
        "/subscribe/",
        {"mode": "webhook", "w-endpoint": receiver.url("/hook"), "w-email": "ops@example.com"},
    )
    assert response.status_code == 200
    drain()
    [ping] = receiver.at("/hook")
    body = ping.json
    assert body["ping"]["message"].startswith("Test ping")
    assert body["page"]["url"] == PUBLIC
    assert body["meta"]["manage"].startswith(PUBLIC + "/subscribe/manage/")
    assert body["meta"]["unsubscribe"].startswith(PUBLIC + "/subscribe/unsubscribe/")
    delivery = Delivery.objects.get(kind=DeliveryKind.WEBHOOK_PING)
    assert delivery.state == DeliveryState.SENT
    headers = {k.lower(): v for k, v in ping.headers.items()}
    secret = delivery.subscriber.secret
    expected = sign(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), ping.body)
    assert headers["webhook-signature"] == expected

    # Its notifications carry the manage link too.
    services.declare_incident(public_page, by=None, name="Outage")
    drain()
    notification = receiver.at("/hook")[-1].json
    assert notification["meta"]["manage"] == body["meta"]["manage"]
    assert "incident" in notification
    assert json.dumps(notification).count("127.0.0.1:8000") == 0


def test_public_root_has_no_trailing_slash_and_falls_back_to_base_url(settings):
    settings.BASE_URL = "http://127.0.0.1:8000"
    assert links.public_root("") == "http://127.0.0.1:8000"
    assert links.public_root("https://status.example/") == "https://status.example"
