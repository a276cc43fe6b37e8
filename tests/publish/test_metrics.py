"""/metrics shows each publish target's last success, failing-since and published version,
labelled by its place in CANDOR_PUBLISH_TARGETS and its scheme only: never its URL. Real
targets (moto's S3 server, one bucket missing; a directory), parsed by prometheus_client."""

from __future__ import annotations

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from candor.public.models import PublishTarget
from candor.public.publish import ledger
from tests.public.factories import full_page

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "metrics-token-for-tests"
NAMES = (
    "candor_publish_last_success_timestamp_seconds",
    "candor_publish_failing_since_timestamp_seconds",
    "candor_publish_version",
)


def scrape(client) -> tuple[str, dict[str, dict[tuple[str, str], float]]]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    text = response.content.decode()
    found = {}
    for family in text_string_to_metric_families(text):
        if family.name in NAMES:
            assert family.type == "gauge"
            samples = {}
            for sample in family.samples:
                assert set(sample.labels) == {"target", "scheme"}, sample
                samples[(sample.labels["target"], sample.labels["scheme"])] = sample.value
            found[family.name] = samples
    return text, found


def test_each_target_is_a_gauge_by_place_and_scheme_never_by_url(
    client, s3, settings, fast, tmp_path, default_page
):
    settings.CANDOR_METRICS_TOKEN = TOKEN
    s3.bucket("status-good")
    directory = tmp_path / "mirror"
    settings.CANDOR_PUBLISH_TARGETS = [
        "s3://status-good/site",
        "s3://status-missing/site",
        f"file://{directory}",
    ]
    full_page(default_page)
    ledger.run()
    good, bad, mirror = (
        PublishTarget.objects.get(url=url) for url in settings.CANDOR_PUBLISH_TARGETS
    )
    assert good.published_at and mirror.published_at and bad.failing_since
    assert bad.published_at is None

    text, got = scrape(client)

    assert set(got) == set(NAMES)
    targets = {("1", "s3"), ("2", "s3"), ("3", "file")}
    assert all(set(samples) == targets for samples in got.values())
    last, failing, version = (got[name] for name in NAMES)
    assert last == {
        ("1", "s3"): good.published_at.timestamp(),
        ("2", "s3"): 0,
        ("3", "file"): mirror.published_at.timestamp(),
    }
    assert failing == {("1", "s3"): 0, ("2", "s3"): bad.failing_since.timestamp(), ("3", "file"): 0}
    default_page.refresh_from_db()
    assert good.published_version == default_page.version > 0
    assert version == {
        ("1", "s3"): default_page.version,
        ("2", "s3"): 0,
        ("3", "file"): default_page.version,
    }
    # /metrics may be reachable by many: no bucket, endpoint, path or error in it.
    for secret in ("status-good", "status-missing", s3.endpoint, str(directory), "NoSuchBucket"):
        assert secret not in text

    # The bucket is made: the next attempt publishes, and the failing target is healthy again.
    s3.bucket("status-missing")
    PublishTarget.objects.filter(pk=bad.pk).update(next_attempt_at=timezone.now())
    ledger.run()
    bad.refresh_from_db()
    assert bad.failing_since is None and bad.published_at is not None

    _, healed = scrape(client)
    assert healed["candor_publish_failing_since_timestamp_seconds"][("2", "s3")] == 0
    assert healed["candor_publish_last_success_timestamp_seconds"][("2", "s3")] == (
        bad.published_at.timestamp()
    )
    assert healed["candor_publish_version"][("2", "s3")] == default_page.version


def test_the_publish_gauges_stay_behind_the_metrics_token(client, settings, default_page):
    settings.CANDOR_PUBLISH_TARGETS = ["file:///tmp/never-published"]
    settings.CANDOR_METRICS_TOKEN = TOKEN
    refused = client.get("/metrics")
    assert refused.status_code == 401 and b"candor_publish" not in refused.content

    text, got = scrape(client)
    # Configured but not published yet: present, all zero.
    assert got == {name: {("1", "file"): 0} for name in NAMES}
    assert "never-published" not in text
