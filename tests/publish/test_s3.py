"""Publishing to a real S3 server (moto on 127.0.0.1): the bucket holds `candor export`, byte
for byte, with each file's headers; a change sends only what changed; deletions follow."""

from __future__ import annotations

import hashlib

import pytest

from candor.core import services
from candor.core.models import Incident
from candor.public.export import ASSET, FRONT, site_files
from candor.public.models import PublishTarget
from candor.public.publish import ledger
from tests.public.factories import full_page
from tests.support.s3 import _LINE

SHORT = "public, max-age=10, stale-while-revalidate=60, stale-if-error=86400"
# Committed writes: the render after each change runs on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
IMMUTABLE = "public, max-age=31536000, immutable"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",  # the maintenance calendars
    ".ico": "image/svg+xml",  # Candor's own favicon, an SVG at the path browsers ask for
}


def expected_headers(name: str) -> tuple[str, str, str]:
    plain = name.removesuffix(".gz")
    kind = next(t for ext, t in TYPES.items() if plain.endswith(ext))
    cache = IMMUTABLE if name.startswith("static/") else SHORT
    return kind, cache, "gzip" if name.endswith(".gz") else ""


def test_a_change_leaves_the_bucket_holding_exactly_the_export(s3, settings, default_page, export):
    bucket = s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site/public"]
    full_page(default_page)

    ledger.run()

    files = export()
    held = s3.objects(bucket, "public")
    assert sorted(held) == sorted(files)
    assert "api/v2/summary.json" in held and "updated.json" in held
    for name, body in files.items():
        got = held[name]
        assert (name, got["body"]) == (name, body)
        headers = (got["content_type"], got["cache_control"], got["content_encoding"])
        assert (name, headers) == (name, expected_headers(name))
        assert got["metadata"] == {"sha256": hashlib.sha256(body).hexdigest()}
    row = PublishTarget.objects.get(url="s3://status-site/public")
    default_page.refresh_from_db()
    assert (row.published_version, row.uploaded, row.attempts, row.last_error) == (
        default_page.version,
        len(files),
        0,
        "",
    )


def test_a_second_change_uploads_only_what_changed(s3, settings, default_page, export):
    bucket = s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
    data = full_page(default_page)
    ledger.run()
    before = export()

    s3.mark()
    services.post_update(data["live"], by=None, status="monitoring", message="A fix is live.")
    ledger.run()

    after = export()
    changed = {n for n, body in after.items() if before.get(n) != body}
    puts = {path.removeprefix(f"/{bucket}/") for path in s3.requests("PUT")}
    assert puts == changed
    assert f"incidents/{data['live'].pk}/index.html" in puts and "index.html" in puts
    assert "static/public/status.css" not in puts
    # The other incident's pages did not change: they were not sent again.
    assert not {n for n in puts if n.startswith(f"incidents/{data['past'].pk}/")}
    assert s3.requests("DELETE") == []
    assert {n: o["body"] for n, o in s3.objects(bucket).items()} == after


def test_nothing_is_sent_when_nothing_changed(s3, settings, default_page):
    s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site"]
    full_page(default_page)
    ledger.run()
    s3.mark()
    ledger.publish(default_page, ledger.claim(default_page, ["s3://status-site"], force=True))
    assert (s3.requests("PUT"), s3.requests("DELETE")) == ([], [])


def test_a_deleted_incidents_objects_are_removed(s3, settings, default_page, export):
    bucket = s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site/public"]
    data = full_page(default_page)
    ledger.run()
    past = data["past"]
    gone = {f"incidents/{past.pk}/index.html", f"incidents/{past.pk}/postmortem/index.html"}
    assert gone <= set(s3.objects(bucket, "public"))

    s3.mark()
    services.delete_incident(Incident.objects.get(pk=past.pk), by=None)
    ledger.run()

    held = s3.objects(bucket, "public")
    assert not {n for n in held if n.startswith(f"incidents/{past.pk}/")}
    assert {n: o["body"] for n, o in held.items()} == export()
    deleted = {p.removeprefix(f"/{bucket}/public/") for p in s3.requests("DELETE")}
    assert gone <= deleted
    row = PublishTarget.objects.get()
    assert row.deleted == len(deleted)


def logged(s3, bucket: str, prefix: str) -> list[tuple[str, str]]:
    """(method, name) of each PUT and DELETE on the bucket since the last mark, in the order the
    server answered them (it logs a request before sending its response)."""
    with s3.log.open("rb") as f:
        f.seek(s3.offset)
        text = f.read().decode(errors="replace")
    start = f"/{bucket}/{prefix}/"
    return [
        (m[1], m[2].removeprefix(start))
        for m in _LINE.finditer(text)
        if m[1] in ("PUT", "DELETE") and m[2].startswith(start)
    ]


def test_assets_go_first_then_pages_then_front_documents_and_deletions_last(
    s3, settings, default_page, export
):
    bucket = s3.bucket("status-site")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-site/public"]
    data = full_page(default_page)
    ledger.run()
    past, live = data["past"], data["live"]
    gone = {n for n in s3.objects(bucket, "public") if n.startswith(f"incidents/{past.pk}/")}
    assert {f"incidents/{past.pk}/index.html", f"incidents/{past.pk}/postmortem/index.html"} <= gone

    # One publish with all three kinds of work: assets the bucket holds stale bytes of (as
    # after a restore from an older copy), an incident updated, another deleted.
    for asset in ("static/public/status.css", "static/public/status.js"):
        s3.client().put_object(Bucket=bucket, Key=f"public/{asset}", Body=b"/* older */")
    services.post_update(live, by=None, status="monitoring", message="A fix is live.")
    services.delete_incident(Incident.objects.get(pk=past.pk), by=None)
    s3.mark()
    ledger.run()

    log = logged(s3, bucket, "public")
    puts = [name for method, name in log if method == "PUT"]
    deletes = [name for method, name in log if method == "DELETE"]
    assert set(deletes) == gone  # the deleted incident's objects, and nothing else
    assert len(deletes) == len(gone)
    live_page = f"incidents/{live.pk}/index.html"
    assets_sent = {"static/public/status.css", "static/public/status.js"}
    assert assets_sent | {live_page, "index.html", "updated.json"} <= set(puts)

    # Every DELETE after every PUT.
    assert max(i for i, (method, _) in enumerate(log) if method == "PUT") < min(
        i for i, (method, _) in enumerate(log) if method == "DELETE"
    )
    # Assets before every other document; the incident's pages before the front documents
    # that link to them; updated.json, which dates the copy, last of all.
    assets = [i for i, n in enumerate(puts) if n.startswith("static/")]
    others = [i for i, n in enumerate(puts) if not n.startswith("static/")]
    assert max(assets) < min(others), puts
    pages = [i for i, n in enumerate(puts) if n.startswith(f"incidents/{live.pk}/")]
    front = [i for i, n in enumerate(puts) if n.startswith(("index.html", "api/"))]
    assert pages and front and max(pages) < min(front), puts
    assert puts[-1] == "updated.json" and puts.count("updated.json") == 1, puts
    # And, by the export's own stages, no PUT of an earlier stage after one of a later stage.
    _, files = site_files(default_page)
    stage = {f.name: f.stage for f in files}
    order = [stage[n] for n in puts if n != "updated.json"]
    assert order == sorted(order) and order[0] == ASSET and order[-1] == FRONT, puts

    held = s3.objects(bucket, "public")
    assert {n: o["body"] for n, o in held.items()} == export()
    row = PublishTarget.objects.get()
    assert (row.uploaded, row.deleted, row.last_error) == (len(puts), len(deletes), "")
