"""/healthz reports a publish target that has been failing for longer than
CANDOR_HEALTH_PUBLISH_SECONDS (its copy of the page is going stale), the way it reports a
public document that fails to render: 503, a line naming the check, never the target's URL or
error. Real targets: moto's S3 server with a missing bucket, and a directory that cannot be
made."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from candor.core import health, services
from candor.public.models import PublishTarget
from candor.public.publish import ledger
from tests.public.factories import full_page

pytestmark = pytest.mark.django_db(transaction=True)

ELEVEN_MINUTES = timedelta(minutes=11)


@pytest.fixture
def alive(db):
    """A worker beat just now: only the publish check can fail."""
    return health.beat(None, started_at=timezone.now())


def publish_check(client) -> dict[str, str]:
    return client.get("/healthz.json").json()["checks"]["publish"]


def retry_now(row: PublishTarget) -> None:
    PublishTarget.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def failed_earlier(row: PublishTarget, by: timedelta) -> None:
    """Its first failure was `by` ago (what the worker would have recorded then)."""
    PublishTarget.objects.filter(pk=row.pk).update(failing_since=row.failing_since - by)


def test_an_s3_target_failing_past_the_threshold_fails_healthz_until_it_publishes(
    client, s3, settings, fast, default_page, alive
):
    s3.bucket("status-good")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-good/site", "s3://status-missing/site"]
    settings.CANDOR_HEALTH_PUBLISH_SECONDS = 600
    data = full_page(default_page)

    ledger.run()
    bad = PublishTarget.objects.get(url="s3://status-missing/site")
    first_failure = bad.failing_since
    fresh = client.get("/healthz")

    # A failure younger than the threshold is being retried: healthy.
    assert first_failure is not None and first_failure == bad.last_error_at
    assert (fresh.status_code, fresh.content) == (200, b"ok\n")
    assert re.fullmatch(
        r"1 of 2 targets failing for \d s, retrying \(limit 600 s\)",
        publish_check(client)["detail"],
    )

    # Ten minutes on, still failing: another real attempt keeps the first failure's time.
    failed_earlier(bad, ELEVEN_MINUTES)
    services.post_update(data["live"], by=None, status="monitoring", message="Watching.")
    retry_now(bad)
    ledger.run()
    bad.refresh_from_db()
    assert (bad.attempts, bad.failing_since) == (2, first_failure - ELEVEN_MINUTES)
    assert bad.last_error_at > bad.failing_since

    plain = client.get("/healthz")
    verbose = client.get("/healthz?verbose=1")
    as_json = client.get("/healthz.json")

    assert plain.status_code == 503
    assert re.fullmatch(
        r"publish failing: 1 of 2 targets failing for longer than 600 s: #2 s3 for 66\d s\n",
        plain.content.decode(),
    )
    assert verbose.status_code == 503 and "(2 failed attempts)" in verbose.content.decode()
    assert "publish failing: 1 of 2" in verbose.content.decode()
    assert as_json.status_code == 503 and as_json.json()["status"] == "failing"
    assert as_json.json()["checks"]["publish"]["status"] == "failing"
    for answer in (plain, verbose, as_json):
        text = answer.content.decode()
        # Never the bucket, the endpoint or the error: Page settings show those.
        assert "status-missing" not in text and s3.endpoint not in text
        assert "NoSuchBucket" not in text
    assert publish_check(client)["detail"] == as_json.json()["checks"]["publish"]["detail"]

    # The bucket is made: the next attempt publishes, and healthz is well again.
    s3.bucket("status-missing")
    retry_now(bad)
    ledger.run()
    bad.refresh_from_db()
    assert (bad.attempts, bad.failing_since, bad.failing) == (0, None, False)
    assert client.get("/healthz").status_code == 200
    assert publish_check(client) == {"status": "ok", "detail": "2 targets, none failing"}


def test_a_directory_target_that_cannot_be_written_fails_healthz_past_the_threshold(
    client, tmp_path, settings, default_page, alive
):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")  # so nothing can be made under it
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{blocker}/site"]
    settings.CANDOR_HEALTH_PUBLISH_SECONDS = 600
    full_page(default_page)
    ledger.run()
    row = PublishTarget.objects.get()
    assert row.failing

    failed_earlier(row, ELEVEN_MINUTES)
    response = client.get("/healthz")

    assert response.status_code == 503
    text = response.content.decode()
    assert text.startswith("publish failing: 1 of 1 target failing for longer than 600 s: #1 file")
    assert str(blocker) not in text

    settings.CANDOR_HEALTH_PUBLISH_SECONDS = 0  # the check is off
    assert client.get("/healthz").status_code == 200
    assert publish_check(client)["detail"] == "not checked (CANDOR_HEALTH_PUBLISH_SECONDS=0)"


def test_without_publish_targets_the_check_passes(client, settings, default_page, alive):
    settings.CANDOR_PUBLISH_TARGETS = []

    assert client.get("/healthz").status_code == 200
    assert publish_check(client) == {"status": "ok", "detail": "no publish targets configured"}


def test_a_target_no_longer_configured_is_not_reported(
    client, tmp_path, settings, default_page, alive
):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{blocker}/site"]
    full_page(default_page)
    ledger.run()
    failed_earlier(PublishTarget.objects.get(), ELEVEN_MINUTES)
    assert client.get("/healthz").status_code == 503

    settings.CANDOR_PUBLISH_TARGETS = [f"file://{tmp_path}/elsewhere"]  # the operator moved it

    assert client.get("/healthz").status_code == 200
    assert publish_check(client)["detail"] == "1 target, none failing"
