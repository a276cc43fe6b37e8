import pytest
from standardwebhooks import Webhook

from candor.core import services
from candor.core.models import Delivery, DeliveryState, SubscriberState
from candor.core.worker import Worker
from tests.support.processes import drain


def declare(page):
    return services.declare_incident(page, by=None, name="Login failures", message="Looking.")


def test_webhook_body_is_statuspage_shape_and_signed(page, receiver, fast, subscribe):
    hook = subscribe(endpoint=receiver.url("/hook"))
    incident = declare(page)

    drain()

    [request] = receiver.at("/hook")
    payload = Webhook(hook.secret).verify(request.body, request.headers)
    delivery = Delivery.objects.get(kind="notification")
    assert request.headers["webhook-id"] == f"msg_u{delivery.update_id}.{hook.pk}"
    assert sorted(payload) == ["incident", "meta", "page"]
    assert payload["page"] == {
        "id": page.pk,
        "status_indicator": "none",
        "status_description": "All Systems Operational",
    }
    assert payload["incident"]["id"] == incident.pk
    assert payload["incident"]["incident_updates"][0]["body"] == "Looking."
    assert payload["meta"]["unsubscribe"].startswith("http://127.0.0.1:8000/subscribe/unsubscribe/")


def test_webhook_500_three_times_then_200_delivers_on_fourth_attempt(
    page, receiver, fast, subscribe
):
    receiver.script["/flaky"] = [500, 500, 500, 200]
    subscribe(endpoint=receiver.url("/flaky"))
    declare(page)

    drain()

    delivery = Delivery.objects.get(kind="notification")
    requests = receiver.at("/flaky")
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 4)
    assert [a.ok for a in delivery.attempt_log.all()] == [False, False, False, True]
    assert len({r.headers["webhook-id"] for r in requests}) == 1


def test_webhook_always_500_is_quarantined_and_contact_emailed(
    page, receiver, smtp, fast, subscribe
):
    receiver.script["/down"] = [500]
    hook = subscribe(endpoint=receiver.url("/down"), contact="ops@example.com")
    declare(page)

    drain()

    hook.refresh_from_db()
    delivery = Delivery.objects.get(kind="notification")
    assert (hook.state, delivery.state, delivery.attempts) == (
        SubscriberState.QUARANTINED,
        DeliveryState.FAILED,
        8,
    )
    assert len(receiver.at("/down")) == 8
    [notice] = smtp.handler.to("ops@example.com")
    assert notice["Subject"].startswith("Webhook paused:")


def test_webhook_410_disables_after_one_attempt(page, receiver, fast, subscribe):
    receiver.script["/gone"] = [410]
    hook = subscribe(endpoint=receiver.url("/gone"))
    declare(page)
    services.post_update(page.incidents.get(), by=None, status="identified")

    drain()

    hook.refresh_from_db()
    assert hook.state == SubscriberState.DISABLED
    assert len(receiver.at("/gone")) == 1
    assert sorted(Delivery.objects.filter(kind="notification").values_list("state", flat=True)) == [
        DeliveryState.CANCELLED,
        DeliveryState.FAILED,
    ]


def test_webhook_slower_than_timeout_counts_as_failure(page, receiver, fast, subscribe, settings):
    settings.CANDOR_WEBHOOK_TIMEOUT = 0.3
    settings.CANDOR_RETRY_SCHEDULE = [0, 3600]
    receiver.delay["/slow"] = 1.0
    subscribe(endpoint=receiver.url("/slow"))
    declare(page)

    drain()

    delivery = Delivery.objects.get(kind="notification")
    [attempt] = delivery.attempt_log.all()
    assert (delivery.state, attempt.ok) == (DeliveryState.PENDING, False)
    assert attempt.error == "No response within 0.3 s"


@pytest.mark.parametrize("status", [301, 302, 307])
def test_webhook_redirect_is_not_followed(page, receiver, fast, subscribe, status):
    receiver.script["/moved"] = [status]
    receiver.redirect_to = receiver.url("/elsewhere")
    subscribe(endpoint=receiver.url("/moved"))
    declare(page)

    drain()

    assert receiver.at("/elsewhere") == []
    assert Delivery.objects.get(kind="notification").last_error.startswith(
        f"HTTP {status}: redirects are not followed"
    )


def test_webhooks_to_one_receiver_share_a_kept_alive_connection(page, receiver, fast, subscribe):
    for i in range(5):
        subscribe(endpoint=receiver.url(f"/hook/{i}"))
    declare(page)

    drain()

    assert len(receiver.requests) == 5
    assert receiver.connections == 1
    assert set(Delivery.objects.values_list("state", "attempts")) == {(DeliveryState.SENT, 1)}


def test_webhook_connection_the_receiver_closed_is_opened_again(page, receiver, fast, subscribe):
    receiver.hang_up = True
    for i in range(3):
        subscribe(endpoint=receiver.url(f"/hook/{i}"))
    declare(page)

    drain()

    assert sorted(r.path for r in receiver.requests) == ["/hook/0", "/hook/1", "/hook/2"]
    assert receiver.connections == 3
    assert set(Delivery.objects.values_list("state", "attempts")) == {(DeliveryState.SENT, 1)}


@pytest.fixture
def tls_receiver(settings, monkeypatch):
    """An HTTPS receiver whose certificate, for `localhost`, a test authority signed."""
    import ssl

    import trustme

    from candor.core.transports import webhook
    from tests.support.receiver import make_receiver

    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    authority = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_side)
    client_side = ssl.create_default_context()
    authority.configure_trust(client_side)
    monkeypatch.setattr(webhook, "_tls", lambda: client_side)
    receiver, server = make_receiver(tls=server_side)
    yield receiver
    server.shutdown()
    server.server_close()


def test_https_webhook_verifies_the_certificate_for_the_name(page, tls_receiver, fast, subscribe):
    hook = subscribe(endpoint=tls_receiver.url("/hook", host="localhost"))
    declare(page)

    drain()

    [request] = tls_receiver.at("/hook")
    assert request.headers["Host"] == f"localhost:{tls_receiver.port}"
    Webhook(hook.secret).verify(request.body, request.headers)
    assert Delivery.objects.get(kind="notification").state == DeliveryState.SENT


def test_https_webhook_with_a_certificate_for_another_name_fails(
    page, tls_receiver, fast, subscribe
):
    # 127.0.0.1 is where localhost points, but the certificate does not name it.
    subscribe(endpoint=tls_receiver.url("/hook", host="127.0.0.1"))
    declare(page)

    Worker(threads=0).run_once()

    delivery = Delivery.objects.get(kind="notification")
    assert delivery.state == DeliveryState.PENDING
    assert "certificate verify failed" in delivery.last_error
    assert tls_receiver.requests == []


def test_webhook_path_and_host_go_on_the_wire_as_ascii(page, receiver, fast, subscribe):
    subscribe(endpoint=receiver.url("/hooks/stätus?team=ops&tag=a%20b"))
    declare(page)

    drain()

    [request] = receiver.requests
    assert request.path == "/hooks/st%C3%A4tus?team=ops&tag=a%20b"
    assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert request.headers["User-Agent"] == "Candor-Webhooks/1"
    assert Delivery.objects.get(kind="notification").state == DeliveryState.SENT
