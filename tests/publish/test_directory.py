"""The file:// target: a directory kept equal to `candor export`, written atomically."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import call_command

from candor.core import services
from candor.core.models import Incident
from candor.public.models import PublishTarget
from candor.public.publish import ledger
from candor.public.publish.stores import TEMP_PREFIX
from tests.public.factories import full_page

pytestmark = pytest.mark.django_db(transaction=True)


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_directory_holds_the_export_and_follows_deletions(
    tmp_path, settings, default_page, export
):
    site = tmp_path / "site"
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{site}"]
    data = full_page(default_page)
    ledger.run()
    assert tree(site) == export()
    assert oct((site / "index.html").stat().st_mode & 0o777) == "0o644"

    services.delete_incident(Incident.objects.get(pk=data["past"].pk), by=None)
    ledger.run()
    assert tree(site) == export()
    assert not (site / "incidents" / data["past"].pk).exists()  # no empty directory left


def test_files_candor_did_not_write_are_left_alone(tmp_path, settings, default_page, export):
    site = tmp_path / "site"
    (site / "extra").mkdir(parents=True)
    (site / "extra" / "robots.txt").write_text("User-agent: *\n")
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{site}"]
    full_page(default_page)
    ledger.run()
    assert tree(site) == {**export(), "extra/robots.txt": b"User-agent: *\n"}


def test_readers_never_see_a_half_written_file(tmp_path, settings, default_page, export):
    site = tmp_path / "site"
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{site}"]
    data = full_page(default_page)
    ledger.run()
    versions = {export()["index.html"]}
    stop = threading.Event()
    seen: list[bytes] = []

    def read() -> None:
        while not stop.is_set():
            seen.append((site / "index.html").read_bytes())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(15):
            message = f"Update {n}: " + "details " * 400  # a larger file takes longer to write
            services.post_update(data["live"], by=None, status="identified", message=message)
            ledger.run()
            versions.add(export()["index.html"])
    finally:
        stop.set()
        reader.join()
    assert len(seen) > 100
    assert {body for body in seen} <= versions  # each read was one whole published version
    assert not [p for p in site.rglob("*") if p.name.startswith(TEMP_PREFIX)]
    assert PublishTarget.objects.get().attempts == 0


def test_an_unwritable_directory_is_a_clear_error(tmp_path, settings, default_page):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{blocker}/site"]
    full_page(default_page)
    ledger.run()
    row = PublishTarget.objects.get()
    assert row.attempts == 1 and row.last_error.startswith(f"Could not write to file://{blocker}")


def test_a_page_that_cannot_be_written_keeps_the_front_documents_back(
    tmp_path, settings, default_page, export
):
    site = tmp_path / "site"
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{site}"]
    data = full_page(default_page)
    blocked = site / "incidents" / data["live"].pk / "index.html"
    blocked.mkdir(parents=True)  # a directory where the incident's page goes

    ledger.run()

    row = PublishTarget.objects.get()
    assert row.attempts == 1 and "index.html" in row.last_error
    written = tree(site)
    assert "static/public/status.css" in written  # assets went first
    # The front page, which links to the incident, was not published before its page.
    assert "index.html" not in written and "api/v2/summary.json" not in written
    assert row.manifest["static/public/status.css"] != ""

    blocked.rmdir()
    PublishTarget.objects.update(next_attempt_at=row.last_error_at)
    ledger.run()
    assert tree(site) == export()


def test_the_manifest_forgets_names_neither_held_nor_published(
    tmp_path, settings, default_page, export
):
    site = tmp_path / "site"
    url = f"file://{site}"
    settings.CANDOR_PUBLISH_TARGETS = [url]
    data = full_page(default_page)
    ledger.run()
    # An old page removed by hand, and an upload named by a worker killed before it began.
    row = PublishTarget.objects.get()
    PublishTarget.objects.filter(pk=row.pk).update(
        manifest={**row.manifest, "incidents/gone/index.html": "ab" * 32, "never/sent.html": ""}
    )

    # A dry run lists nothing to do and changes nothing.
    call_command("publish", "--dry-run", stdout=io.StringIO())
    assert "never/sent.html" in PublishTarget.objects.get().manifest

    # With nothing to publish, `candor publish` still forgets them.
    call_command("publish", stdout=io.StringIO())
    assert set(PublishTarget.objects.get().manifest) == set(export())

    # And so does a publish after a change; a page still held is deleted, as before.
    (site / "stale.html").write_text("old")
    row = PublishTarget.objects.get()
    PublishTarget.objects.filter(pk=row.pk).update(
        manifest={**row.manifest, "stale.html": "", "never/sent.html": ""}
    )
    services.post_update(data["live"], by=None, status="monitoring", message="Watching.")
    ledger.run()
    assert tree(site) == export()
    assert set(PublishTarget.objects.get().manifest) == set(export())
