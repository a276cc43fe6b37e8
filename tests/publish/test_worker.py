"""Continuous publishing by `candor worker` processes against a real S3 server: changes reach
the bucket, an S3 outage is caught up, a worker killed mid-publish leaves nothing a later run
does not fix. A burst publishes only the latest state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from candor.core import services
from candor.core.models import Incident
from candor.public.models import PublishTarget, RenderState
from candor.public.publish import ledger
from tests.public.factories import full_page
from tests.support.processes import wait_until, worker_env
from tests.support.s3 import SlowProxy

pytestmark = pytest.mark.django_db(transaction=True)


def publish_env(s3, targets: str, endpoint: str | None = None) -> dict[str, str]:
    return worker_env(
        CANDOR_PUBLISH_TARGETS=targets,
        CANDOR_PUBLISH_S3_ENDPOINT=endpoint or s3.endpoint,
        CANDOR_PUBLISH_S3_REGION="us-east-1",
        CANDOR_PUBLIC_POLL_SECONDS="0.1",
    )


def bodies(s3, bucket: str) -> dict[str, bytes]:
    return {name: o["body"] for name, o in s3.objects(bucket).items()}


def caught_up(url: str) -> bool:
    row = PublishTarget.objects.filter(url=url).first()
    generation = RenderState.objects.values_list("generation", flat=True).first()
    return row is not None and row.published_generation == generation and row.lease_until is None


def test_the_worker_publishes_each_change(s3, settings, default_page, export, workers):
    bucket = s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
    data = full_page(default_page)
    workers(publish_env(s3, "s3://status-site"))
    wait_until(lambda: caught_up("s3://status-site"), timeout=60)
    assert bodies(s3, bucket) == export()

    services.post_update(data["live"], by=None, status="resolved", message="All clear.")
    wait_until(lambda: caught_up("s3://status-site"), timeout=60)
    after = export()
    assert bodies(s3, bucket) == after
    assert b"All clear." in after[f"incidents/{data['live'].pk}/index.html"]


def test_a_burst_of_changes_publishes_the_latest_state_once(s3, settings, default_page, export):
    bucket = s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
    data = full_page(default_page)
    ledger.run()
    s3.mark()
    for n in range(5):
        services.post_update(data["live"], by=None, status="identified", message=f"Step {n}.")
    ledger.run()
    assert s3.requests("PUT").count(f"/{bucket}/index.html") == 1
    assert bodies(s3, bucket) == export()
    default_page.refresh_from_db()
    assert PublishTarget.objects.get().published_version == default_page.version


def test_an_s3_outage_is_caught_up_when_the_server_returns(
    s3, settings, default_page, export, workers
):
    bucket = s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
    data = full_page(default_page)
    workers(publish_env(s3, "s3://status-site"))
    wait_until(lambda: caught_up("s3://status-site"), timeout=60)

    s3.stop()
    services.post_update(data["live"], by=None, status="monitoring", message="Fix deployed.")
    services.delete_incident(Incident.objects.get(pk=data["past"].pk), by=None)
    failing = wait_until(lambda: PublishTarget.objects.filter(attempts__gt=0).first(), timeout=60)
    assert "Could not connect to the S3 endpoint" in failing.last_error
    assert failing.failing

    # The server comes back empty (moto keeps nothing), as a store restored from scratch would.
    s3.start()
    s3.bucket(bucket)
    wait_until(lambda: caught_up("s3://status-site"), timeout=60)
    assert bodies(s3, bucket) == export()
    row = PublishTarget.objects.get()
    assert (row.attempts, row.failing) == (0, False)
    # The last error stays on record, dated before the success.
    assert row.last_error and row.last_error_at < row.published_at


def test_a_worker_killed_mid_publish_leaves_nothing_the_next_run_does_not_fix(
    s3, settings, default_page, export, workers
):
    bucket = s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
    data = full_page(default_page)
    now = timezone.now()
    for n in range(12):
        services.declare_incident(
            default_page,
            by=None,
            name=f"Old incident {n}",
            status="resolved",
            message="Done.",
            started_at=now - timedelta(days=n + 3, hours=2),
            resolved_at=now - timedelta(days=n + 3),
        )
    total = len(export())
    proxy = SlowProxy(s3.endpoint, delay=0.2)
    try:
        s3.mark()
        first = workers(publish_env(s3, "s3://status-site", proxy.endpoint))
        wait_until(lambda: len(s3.requests("PUT")) >= 10, timeout=60, interval=0.01)
        first.kill()
        first.wait()
    finally:
        proxy.close()
    partial = bodies(s3, bucket)
    assert 0 < len(partial) < total, "the worker was not killed in the middle of a publish"
    # Meanwhile an incident whose pages the killed run may have sent is deleted.
    services.delete_incident(Incident.objects.get(pk=data["past"].pk), by=None)

    workers(publish_env(s3, "s3://status-site"))
    wait_until(lambda: caught_up("s3://status-site"), timeout=60)
    assert bodies(s3, bucket) == export()
