import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candor.core import services, subscriptions
from candor.core.models import Delivery, DeliveryState, Subscriber, SubscriberState
from tests.support.processes import drain


@pytest.fixture
def staff(client_as_alice, page):
    assert page.is_default  # the page the management UI manages
    return client_as_alice


def test_subscribers_tab_lists_counts_and_searches(staff, subscribe, receiver):
    subscribe("ann@example.com")
    subscribe("bob@example.com")
    subscribe(endpoint=receiver.url("/hook"))

    response = staff.get("/manage/subscribers/", {"q": "ann"})

    assert response.status_code == 200
    assert response.context["counts"]["rows"][0] == ("Email", [0, 2, 0, 0, 0], 2)
    assert response.context["counts"]["rows"][1] == ("Webhook", [0, 1, 0, 0, 0], 1)
    assert [s.email for s in response.context["listing"]] == ["ann@example.com"]


def test_subscribers_tab_needs_a_login(client, page):
    response = client.get("/manage/subscribers/")

    assert response.status_code == 302


def test_subscribers_add_confirms_at_once(staff, page, smtp):
    response = staff.post("/manage/subscribers/add/", {"mode": "email", "email": "ann@example.com"})

    assert response.status_code == 302
    assert Subscriber.objects.get().state == SubscriberState.ACTIVE
    assert smtp.messages == []


def test_subscribers_add_webhook_shows_secret_once(staff, page, receiver):
    response = staff.post(
        "/manage/subscribers/add/",
        {"mode": "webhook", "email": "ops@example.com", "endpoint": receiver.url("/hook")},
        follow=True,
    )

    secret = Subscriber.objects.get().secret
    assert secret.encode() in response.content
    assert secret.encode() not in staff.get("/manage/subscribers/").content


def test_subscribers_add_bad_address_shows_error(staff, page):
    response = staff.post("/manage/subscribers/add/", {"mode": "email", "email": "nope"})

    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert Subscriber.objects.count() == 0


def test_subscribers_remove_resend_reactivate(staff, page, subscribe, smtp):
    gone = subscribe("gone@example.com")
    subscriptions.subscribe_email(page, email="pending@example.com")
    pending = Subscriber.objects.get(email="pending@example.com")
    quarantined = subscribe("q@example.com")
    subscriptions.quarantine(quarantined.pk, "550 no such user")

    staff.post(f"/manage/subscribers/{gone.pk}/remove/")
    staff.post(f"/manage/subscribers/{pending.pk}/resend/")
    staff.post(f"/manage/subscribers/{quarantined.pk}/reactivate/")
    drain()

    assert not Subscriber.objects.filter(pk=gone.pk).exists()
    assert len(smtp.handler.to("pending@example.com")) == 2
    quarantined.refresh_from_db()
    assert quarantined.state == SubscriberState.ACTIVE


def test_subscribers_remove_asks_first_and_a_get_removes_nothing(staff, page, subscribe):
    ann = subscribe("ann@example.com")

    asked = staff.get(f"/manage/subscribers/{ann.pk}/remove/")

    assert asked.status_code == 200
    assert b"Remove this subscriber?" in asked.content
    assert b"ann@example.com" in asked.content
    assert Subscriber.objects.filter(pk=ann.pk).exists()
    listing = staff.get("/manage/subscribers/").content.decode()
    assert f'href="/manage/subscribers/{ann.pk}/remove/"' in listing  # a link to the question
    removed = staff.post(f"/manage/subscribers/{ann.pk}/remove/")
    assert removed.status_code == 302
    assert not Subscriber.objects.filter(pk=ann.pk).exists()


def test_deliveries_page_shows_attempts_and_retries_failed(staff, page, subscribe, receiver, fast):
    receiver.script["/down"] = [500] * 8 + [200]
    subscribe(endpoint=receiver.url("/down"))
    incident = services.declare_incident(page, by=None, name="Outage")
    drain()
    update = incident.updates.get()
    Subscriber.objects.update(state="active")

    response = staff.get(f"/manage/subscribers/deliveries/{update.pk}/")
    retried = staff.post(f"/manage/subscribers/deliveries/{update.pk}/retry/")
    drain()

    assert response.context["summary"] == {
        "sent": 0,
        "pending": 0,
        "failing": 0,
        "failed": 1,
        "cancelled": 0,
    }
    assert response.content.count(b"failed: HTTP 500") == 8
    assert retried.status_code == 302
    assert Delivery.objects.get(kind="notification").state == DeliveryState.SENT


@pytest.mark.parametrize("n", [1, 3])
def test_subscribers_tab_query_count_does_not_grow(staff, subscribe, n):
    for i in range(n):
        subscribe(f"user{i}@example.com")

    with CaptureQueriesContext(connection) as queries:
        response = staff.get("/manage/subscribers/")

    assert response.status_code == 200
    assert len(queries) == EXPECTED_INDEX_QUERIES


@pytest.mark.parametrize("n", [1, 3])
def test_deliveries_page_query_count_does_not_grow(staff, page, subscribe, smtp, fast, n):
    for i in range(n):
        subscribe(f"user{i}@example.com")
    incident = services.declare_incident(page, by=None, name="Outage")
    drain()

    with CaptureQueriesContext(connection) as queries:
        response = staff.get(f"/manage/subscribers/deliveries/{incident.updates.get().pk}/")

    assert response.status_code == 200
    assert len(queries) == EXPECTED_DELIVERY_QUERIES


# Each includes the managed page's time zone (candor/manage/zone.py): one query, whatever the size.
EXPECTED_INDEX_QUERIES = 8
EXPECTED_DELIVERY_QUERIES = 9
