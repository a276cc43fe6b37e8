import io
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command

from candor.core import housekeeping, notifications, services
from candor.core.models import Delivery, DeliveryState, Incident, Subscriber
from candor.core.services.base import now
from candor.core.worker import Worker, claim, next_delay
from tests.support.processes import drain, wait_until, worker_env
from tests.support.servers import free_port


def test_claim_never_hands_one_delivery_to_two_claims(page, subscribe):
    for i in range(5):
        subscribe(f"user{i}@example.com")
    services.declare_incident(page, by=None, name="Outage")

    first = claim(3)
    second = claim(3)

    assert (len(first), len(second)) == (3, 2)
    assert {d.pk for d in first} & {d.pk for d in second} == set()
    assert claim(3) == []


def test_claim_takes_back_a_delivery_whose_lease_expired(page, subscribe):
    subscribe("ann@example.com")
    services.declare_incident(page, by=None, name="Outage")
    [taken] = claim(10, lease=60)
    Delivery.objects.filter(pk=taken.pk).update(lease_until=now() - timedelta(seconds=1))

    [again] = claim(10)

    assert (again.pk, again.attempts) == (taken.pk, 2)


def test_claim_waits_for_an_earlier_delivery_in_flight_to_the_same_subscriber(page, subscribe):
    subscribe("ann@example.com")
    incident = services.declare_incident(page, by=None, name="Outage")
    [first] = claim(1)
    services.post_update(incident, by=None, status="identified")

    assert claim(10) == []
    Delivery.objects.filter(pk=first.pk).update(state=DeliveryState.SENT, lease_until=None)
    assert len(claim(10)) == 1


def test_retry_schedule_has_jitter_within_20_percent(settings):
    settings.CANDOR_RETRY_SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 50400]
    settings.CANDOR_RETRY_JITTER = 0.2

    delays = [next_delay(n) for n in range(1, 9)]

    bounds = [(0.8 * s, 1.2 * s) for s in [5, 300, 1800, 7200, 18000, 36000, 50400]]
    assert all(lo <= d <= hi for d, (lo, hi) in zip(delays[:-1], bounds, strict=True))
    assert delays[-1] is None


def test_retry_failed_gives_failed_deliveries_a_new_schedule(page, receiver, fast, subscribe):
    receiver.script["/down"] = [500] * 8 + [200]
    subscribe(endpoint=receiver.url("/down"))
    subscribe("ann@example.com")
    incident = services.declare_incident(page, by=None, name="Outage")
    drain()
    Subscriber.objects.update(state="active")  # reactivated by an operator
    update = incident.updates.get()

    retried = notifications.retry_failed(update, by=None)
    drain()

    assert retried == 1
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_reminders_go_to_the_team_once_per_silence(page, smtp, alice, bob, charlie):
    incident = services.declare_incident(page, by=None, name="Outage")
    Incident.objects.filter(pk=incident.pk).update(last_update_at=now() - timedelta(minutes=31))

    first = housekeeping.send_reminders()
    second = housekeeping.send_reminders()
    Incident.objects.filter(pk=incident.pk).update(reminded_at=now() - timedelta(minutes=31))
    third = housekeeping.send_reminders()
    drain()

    assert (first, second, third) == (2, 0, 2)
    for person in (alice, bob):  # the Administrator and the Responder; not deactivated charlie
        assert [m["Subject"] for m in smtp.handler.to(person.email)] == [
            'Reminder: no update on "Outage" for 31 minutes'
        ] * 2
    assert smtp.handler.to(charlie.email) == []


def test_reminders_respect_the_page_setting(page, smtp, alice):
    services.update_page(page, by=None, stale_after_minutes=60)
    incident = services.declare_incident(page, by=None, name="Outage")
    Incident.objects.filter(pk=incident.pk).update(last_update_at=now() - timedelta(minutes=45))

    assert housekeeping.send_reminders() == 0


def test_prune_removes_old_deliveries_and_quarantined_subscribers(page, subscribe, fast, smtp):
    old = subscribe("old@example.com")
    subscribe("new@example.com")
    services.declare_incident(page, by=None, name="Outage")
    drain()
    long_ago = now() - timedelta(days=91)
    Delivery.objects.update(created_at=long_ago)
    Subscriber.objects.filter(pk=old.pk).update(state="quarantined", quarantined_at=long_ago)

    call_command("prune", stdout=io.StringIO())

    assert Delivery.objects.count() == 0
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["new@example.com"]


@pytest.mark.django_db(transaction=True)
def test_worker_finishes_in_flight_work_on_sigterm(page, receiver, subscribe, workers):
    receiver.delay["/slow"] = 2.0
    subscribe(endpoint=receiver.url("/slow"))
    services.declare_incident(page, by=None, name="Outage")
    process = workers(worker_env())

    wait_until(lambda: receiver.at("/slow"))
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=30)

    assert code == 0
    assert Delivery.objects.get().state == DeliveryState.SENT


@pytest.mark.django_db(transaction=True)
def test_serve_runs_a_worker_beside_the_web_server(page, smtp, subscribe):
    subscribe("ann@example.com")
    port = free_port()
    env = worker_env(smtp.port)
    serve = subprocess.Popen(
        [sys.executable, "-m", "candor.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        services.declare_incident(page, by=None, name="Outage")
        wait_until(lambda: smtp.handler.to("ann@example.com"), timeout=60)
    finally:
        serve.send_signal(signal.SIGINT)
        code = serve.wait(timeout=60)
    children = subprocess.run(
        ["pgrep", "-P", str(serve.pid)], capture_output=True, text=True
    ).stdout.split()

    assert (code, children) == (0, [])
    assert Delivery.objects.get().state == DeliveryState.SENT


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [1, 4])
def test_webhooks_to_slow_receivers_go_out_side_by_side(
    page, receiver, subscribe, workers, threads
):
    receiver.default_delay = 0.5
    for i in range(8):
        subscribe(endpoint=receiver.url(f"/slow/{i}"))
    services.declare_incident(page, by=None, name="Outage")
    workers(worker_env(), "--webhook-threads", str(threads))

    wait_until(lambda: Delivery.objects.filter(state=DeliveryState.SENT).count() == 8)

    assert len(receiver.requests) == 8
    assert receiver.most_at_once == threads


def drain_queries(count: int, subscribe, page, make_component, receiver) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    component = make_component(f"API {count}")
    for i in range(count):
        subscribe(f"user{count}.{i}@example.com")
        subscribe(endpoint=receiver.url(f"/hook/{count}/{i}"))
    incident = services.declare_incident(page, by=None, name="Outage", components=[component])
    services.post_update(incident, by=None, status="resolved", message="Fixed.")
    with CaptureQueriesContext(connection) as queries:
        Worker(threads=0).drain()
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 4 * count
    return len(queries)


def test_sending_costs_the_same_queries_for_3_or_30_subscribers(
    page, smtp, receiver, fast, subscribe, make_component
):
    """Every field sending reads is loaded with the claim: none is fetched row by row."""
    few = drain_queries(3, subscribe, page, make_component, receiver)
    Subscriber.objects.all().delete()
    many = drain_queries(30, subscribe, page, make_component, receiver)

    assert many == few
