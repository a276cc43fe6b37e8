"""Targets that fail: a missing bucket, refused credentials, none at all. Each is a clear error
in the row (Page settings shows it) and the log, the other targets are unaffected, and nothing
is lost: the target catches up once it is fixed."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from candor.core import services
from candor.public.models import PublishTarget
from candor.public.publish import ledger, stores
from tests.public.factories import full_page
from tests.support.s3 import S3Server

pytestmark = pytest.mark.django_db(transaction=True)


def bodies(s3, bucket: str, prefix: str = "") -> dict[str, bytes]:
    return {name: o["body"] for name, o in s3.objects(bucket, prefix).items()}


def test_two_targets_one_failing_the_other_is_unaffected(
    s3, settings, fast, default_page, export, caplog
):
    good = s3.bucket("status-good")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-good/site", "s3://status-missing/site"]
    data = full_page(default_page)

    with caplog.at_level(logging.WARNING, logger="candor.publish"):
        ledger.run()

    assert bodies(s3, good, "site") == export()
    ok = PublishTarget.objects.get(url="s3://status-good/site")
    bad = PublishTarget.objects.get(url="s3://status-missing/site")
    default_page.refresh_from_db()
    assert (ok.published_version, ok.attempts, ok.last_error) == (default_page.version, 0, "")
    message = "The bucket 'status-missing' does not exist (NoSuchBucket): create it first."
    assert (bad.published_generation, bad.attempts, bad.last_error) == (None, 1, message)
    assert message in caplog.text and "s3://status-missing/site" in caplog.text

    # Still failing on the next change; the good one goes on publishing.
    services.post_update(data["live"], by=None, status="monitoring", message="Watching.")
    ledger.run()
    bad.refresh_from_db()
    assert bad.attempts == 2
    assert bodies(s3, good, "site") == export()

    # The bucket is created: the next attempt publishes everything, nothing was lost.
    s3.bucket("status-missing")
    PublishTarget.objects.filter(pk=bad.pk).update(next_attempt_at=timezone.now())
    ledger.run()
    bad.refresh_from_db()
    assert (bad.attempts, bad.failing, bad.published_version) == (
        0,
        False,
        ok.published_version + 1,
    )
    assert bodies(s3, "status-missing", "site") == export()


def test_a_failure_waits_on_the_ledgers_schedule(s3, settings, default_page):
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-missing"]
    settings.CANDOR_RETRY_SCHEDULE = [0, 300, 1800]
    settings.CANDOR_RETRY_JITTER = 0
    full_page(default_page)
    wait = ledger.run()
    row = PublishTarget.objects.get()
    assert (row.next_attempt_at - row.last_error_at).total_seconds() == 300
    # Meanwhile it looks for new documents sooner than that (other targets may be due).
    assert wait is not None and wait <= ledger.LISTENING_CHECK_SECONDS
    s3.mark()
    ledger.run()  # not due yet: not tried again
    assert (PublishTarget.objects.get().attempts, s3.requests()) == (1, [])


def test_refused_credentials_are_a_clear_error(tmp_path, settings, default_page, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG1",
        "AWS_SECRET_ACCESS_KEY": "wrong",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    # Past its first request (creating the bucket), this server checks every signature.
    server = S3Server(tmp_path, INITIAL_NO_AUTH_ACTION_COUNT="1")
    try:
        server.bucket("status-site")
        settings.CANDOR_PUBLISH_S3_ENDPOINT = server.endpoint
        settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
        stores.forget_credentials()
        full_page(default_page)
        ledger.run()
    finally:
        server.stop()
    row = PublishTarget.objects.get()
    assert row.last_error.startswith("The S3 credentials were refused (InvalidAccessKeyId)")
    assert (row.published_generation, row.attempts) == (None, 1)


def test_no_credentials_at_all_say_which_variables_to_set(s3, settings, default_page, monkeypatch):
    s3.bucket("status-site")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    stores.forget_credentials()
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
    full_page(default_page)
    ledger.run()
    row = PublishTarget.objects.get()
    assert row.last_error == (
        "No S3 credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
        "(or AWS_PROFILE) in Candor's environment."
    )
