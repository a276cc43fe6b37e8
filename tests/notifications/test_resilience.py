"""Nothing is lost: worker crashes, a database restart, an SMTP outage. Real worker processes."""

import subprocess
from collections import defaultdict

import pytest
from django.db import connection

from candor.core import services, subscriptions
from candor.core.models import Delivery, DeliveryAttempt, DeliveryState, Subscriber
from tests.support.processes import wait_until, worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def add_subscribers(page, receiver, emails: int, webhooks: int) -> None:
    for i in range(emails):
        subscriptions.add_subscriber(page, by=None, mode="email", email=f"user{i}@example.com")
    for i in range(webhooks):
        subscriptions.add_subscriber(
            page, by=None, mode="webhook", endpoint=receiver.url(f"/hook/{i}"), email="ops@x.org"
        )


def sent() -> int:
    return Delivery.objects.filter(state=DeliveryState.SENT).count()


def ids_by_recipient(smtp, receiver) -> tuple[dict, dict]:
    mail_ids: dict[str, set[str]] = defaultdict(set)
    for message in list(smtp.messages):
        mail_ids[message["To"]].add(message["Message-ID"])
    hook_ids: dict[str, set[str]] = defaultdict(set)
    for request in list(receiver.requests):
        hook_ids[request.path].add(request.headers["webhook-id"])
    return mail_ids, hook_ids


def test_worker_killed_five_times_during_fanout_loses_nothing(
    page, smtp, receiver, settings, workers
):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    add_subscribers(page, receiver, 500, 500)
    smtp.handler.delay = 0.004
    receiver.default_delay = 0.004
    env = worker_env(smtp.port, CANDOR_DELIVERY_LEASE="2", CANDOR_EMAIL_BATCH="10")
    services.declare_incident(page, by=None, name="Outage")  # no components: 1,000 deliveries

    process = workers(env, "--threads", "2")
    for _ in range(5):
        arrived = len(smtp.messages) + len(receiver.requests)
        wait_until(lambda a=arrived: len(smtp.messages) + len(receiver.requests) >= a + 40)
        process.kill()
        process.wait()
        process = workers(env, "--threads", "2")
    wait_until(lambda: sent() == 1000, timeout=180, interval=0.5)

    mail_ids, hook_ids = ids_by_recipient(smtp, receiver)
    assert sorted(mail_ids) == sorted(f"user{i}@example.com" for i in range(500))
    assert sorted(hook_ids) == sorted(f"/hook/{i}" for i in range(500))
    # Any duplicate is a resend of the same delivery: one id per recipient.
    assert {len(ids) for ids in [*mail_ids.values(), *hook_ids.values()]} == {1}
    assert Delivery.objects.exclude(state=DeliveryState.SENT).count() == 0


@pytest.mark.postgres_only
@pytest.mark.serial
def test_worker_recovers_from_a_postgresql_restart(page, smtp, receiver, settings, workers):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    add_subscribers(page, receiver, 100, 100)
    smtp.handler.delay = 0.02
    receiver.default_delay = 0.02
    env = worker_env(smtp.port, CANDOR_EMAIL_BATCH="10")
    services.declare_incident(page, by=None, name="Outage")
    workers(env, "--threads", "2")

    wait_until(lambda: len(smtp.messages) + len(receiver.requests) >= 20)
    # The shared server: kept brief, and only here.
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"],
        check=True,
        capture_output=True,
    )
    connection.close()  # this test's own connection died with the server
    wait_until(lambda: sent() == 200, timeout=180, interval=0.5)

    mail_ids, hook_ids = ids_by_recipient(smtp, receiver)
    assert (len(mail_ids), len(hook_ids)) == (100, 100)
    assert {len(ids) for ids in [*mail_ids.values(), *hook_ids.values()]} == {1}


def test_smtp_down_then_up_delivers_everything_and_quarantines_nobody(page, smtp, workers):
    for i in range(20):
        subscriptions.add_subscriber(page, by=None, mode="email", email=f"user{i}@example.com")
    smtp.stop()
    env = worker_env(smtp.port, CANDOR_RETRY_SCHEDULE="0,1,1,1,1,1,1,1,1,1,1,1")
    services.declare_incident(page, by=None, name="Outage")
    workers(env)

    wait_until(lambda: DeliveryAttempt.objects.filter(ok=False).count() >= 40)
    smtp.start()
    wait_until(lambda: sent() == 20, timeout=60, interval=0.5)

    assert sorted({m["To"] for m in smtp.messages}) == sorted(
        f"user{i}@example.com" for i in range(20)
    )
    assert Subscriber.objects.exclude(state="active").count() == 0
