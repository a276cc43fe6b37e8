"""Targets that fail: a missing bucket, refused credentials, none at all. Each is a clear error
in the row (Page settings shows it) and the log, the other targets are unaffected, and nothing
is lost: the target catches up once it is fixed."""

from __future__ import annotations

import html
import json
import logging
import re

import boto3
import pytest
from django.urls import reverse
from django.utils import timezone

from candor.core import services
from candor.public.models import PublishTarget, RenderState
from candor.public.publish import ledger, stores
from tests.public.factories import full_page
from tests.support.personas import signed_in
from tests.support.processes import wait_until, worker_env
from tests.support.s3 import CREDENTIALS, S3Server

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


def publisher_key(server: S3Server) -> dict[str, str]:
    """An IAM user allowed to write the server's buckets: the credentials Candor should have."""
    iam = boto3.session.Session().client(
        "iam",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam.create_user(UserName="candor")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    iam.put_user_policy(UserName="candor", PolicyName="publish", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="candor")["AccessKey"]
    return {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def held(client, bucket: str) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listing
    }


def settings_text(user) -> str:
    body = signed_in(user).get(reverse("manage_settings")).content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def test_refused_credentials_are_a_clear_error(
    tmp_path, settings, default_page, alice, export, monkeypatch, caplog
):
    wrong = {"AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG1", "AWS_SECRET_ACCESS_KEY": "wrong"}
    for name, value in {**CREDENTIALS, **wrong}.items():
        monkeypatch.setenv(name, value)
    # Past its first four requests (the bucket, and a user whose key may write it), this server
    # checks every signature.
    server = S3Server(tmp_path, INITIAL_NO_AUTH_ACTION_COUNT="4")
    try:
        server.bucket("status-site")
        right = publisher_key(server)
        reader = server.client(**right)
        settings.CANDOR_PUBLISH_S3_ENDPOINT = server.endpoint
        settings.CANDOR_PUBLISH_S3_REGION = "us-east-1"
        settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
        stores.forget_credentials()  # the wrong keys above, not a previous test's session
        data = full_page(default_page)

        with caplog.at_level(logging.WARNING, logger="candor.publish"):
            ledger.run()

        row = PublishTarget.objects.get()
        assert row.last_error.startswith("The S3 credentials were refused (InvalidAccessKeyId)")
        assert (row.published_generation, row.attempts, row.failing) == (None, 1, True)
        # The log names the target and gives the same reason.
        logged = [
            r.getMessage()
            for r in caplog.records
            if r.name == "candor.publish" and r.levelno == logging.WARNING
        ]
        assert len(logged) == 1
        assert "s3://status-site failed (attempt 1;" in logged[0]
        assert logged[0].endswith(f": {row.last_error}")
        # Page settings show it to an Administrator.
        shown = settings_text(alice).split("s3://status-site", 1)[1]
        assert "Failing" in shown and "1 failed attempt;" in shown and "never" in shown
        assert row.last_error in shown
        assert held(reader, "status-site") == {}

        # Still refused while the page changes.
        services.post_update(data["live"], by=None, status="monitoring", message="Watching.")
        PublishTarget.objects.update(next_attempt_at=timezone.now())
        ledger.run()
        row.refresh_from_db()
        assert (row.attempts, row.published_generation) == (2, None)

        # The credentials are fixed: the next attempt reads them (the failure dropped the
        # session) and publishes the current state, all of it.
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", right["key"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", right["secret"])
        PublishTarget.objects.update(next_attempt_at=timezone.now())
        ledger.run()

        files = export()
        assert held(reader, "status-site") == files
        assert b"Watching." in files[f"incidents/{data['live'].pk}/index.html"]
        row.refresh_from_db()
        default_page.refresh_from_db()
        assert (row.attempts, row.failing, row.published_version, row.uploaded) == (
            0,
            False,
            default_page.version,
            len(files),
        )
        shown = settings_text(alice).split("s3://status-site", 1)[1]
        assert "Up to date" in shown and f" {default_page.version} " in shown
        assert "failed attempt" not in shown
    finally:
        server.stop()


def test_a_success_keeps_the_aws_session_and_a_failure_drops_it(s3, settings, default_page):
    s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
    data = full_page(default_page)
    ledger.run()
    session = stores._session()
    services.post_update(data["live"], by=None, status="monitoring", message="Watching.")
    ledger.run()
    assert PublishTarget.objects.get().attempts == 0
    assert stores._session() is session  # no new session (and credential lookup) per publish

    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-missing"]
    ledger.run()
    assert PublishTarget.objects.get(url="s3://status-missing").attempts == 1
    assert stores._session() is not session  # the next attempt reads the credentials again


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


def caught_up(url: str) -> bool:
    row = PublishTarget.objects.filter(url=url).first()
    generation = RenderState.objects.values_list("generation", flat=True).first()
    return row is not None and row.published_generation == generation and row.lease_until is None


def test_a_fixed_credentials_file_is_read_at_the_next_retry_without_a_restart(
    tmp_path, settings, default_page, export, monkeypatch, workers
):
    """The keys come from a credentials file (as with AWS_PROFILE or ~/.aws/credentials), and
    they are wrong: the running worker fails, then reads the corrected file at its next retry
    and publishes the current state, without a restart."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    credentials = tmp_path / "aws-credentials"

    def write_keys(key: str, secret: str) -> None:
        # As an editor saves it: the new file replaces the old one whole.
        fresh = tmp_path / "aws-credentials.new"
        fresh.write_text(
            f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
        )
        fresh.replace(credentials)

    write_keys("AKIAWRONGWRONGWRONG1", "wrong")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    # Past its first four requests (the bucket, and a user whose key may write it), this server
    # checks every signature.
    server = S3Server(tmp_path, INITIAL_NO_AUTH_ACTION_COUNT="4")
    try:
        server.bucket("status-site")
        right = publisher_key(server)
        reader = server.client(**right)
        settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
        data = full_page(default_page)
        env = worker_env(
            CANDOR_PUBLISH_TARGETS="s3://status-site",
            CANDOR_PUBLISH_S3_ENDPOINT=server.endpoint,
            CANDOR_PUBLISH_S3_REGION="us-east-1",
            CANDOR_PUBLIC_POLL_SECONDS="0.1",
        )
        assert "AWS_ACCESS_KEY_ID" not in env and "AWS_SECRET_ACCESS_KEY" not in env
        worker = workers(env)

        # Refused, and refused again at the retries (every 0.5 s here).
        failing = wait_until(
            lambda: PublishTarget.objects.filter(attempts__gte=3).first(), timeout=60
        )
        assert failing.last_error.startswith("The S3 credentials were refused (InvalidAccessKeyId)")
        assert failing.published_generation is None
        services.post_update(data["live"], by=None, status="monitoring", message="Watching.")

        # The file is corrected: the same worker's next retry publishes the current state.
        write_keys(right["key"], right["secret"])
        wait_until(lambda: caught_up("s3://status-site"), timeout=60)
        assert worker.poll() is None, "the worker was restarted"
        files = export()
        assert held(reader, "status-site") == files
        assert b"Watching." in files[f"incidents/{data['live'].pk}/index.html"]
        row = PublishTarget.objects.get()
        default_page.refresh_from_db()
        assert (row.attempts, row.failing, row.published_version) == (
            0,
            False,
            default_page.version,
        )
    finally:
        server.stop()
