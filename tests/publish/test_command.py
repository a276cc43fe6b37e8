"""`candor publish`: now, to every target or one, or only listing what would change."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from candor.core import services
from candor.public.models import PublishTarget
from tests.public.factories import full_page

pytestmark = pytest.mark.django_db(transaction=True)


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_dry_run_lists_what_would_change_and_writes_nothing(
    tmp_path, settings, default_page, capsys
):
    site = tmp_path / "site"
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{site}"]
    full_page(default_page)
    call_command("publish", "--dry-run")
    out = capsys.readouterr().out
    assert f"file://{site}: would write " in out and "delete 0, leave 0 unchanged" in out
    assert "  write  index.html\n" in out and "  write  api/v2/summary.json\n" in out
    assert not site.exists() or tree(site) == {}
    assert PublishTarget.objects.get().published_generation is None


def test_publish_now_then_only_the_change(tmp_path, settings, default_page, export, capsys):
    site, other = tmp_path / "site", tmp_path / "other"
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{site}", f"file://{other}"]
    data = full_page(default_page)
    call_command("publish", "--target", f"file://{site}/")
    assert tree(site) == export()
    assert not other.exists()
    capsys.readouterr()

    services.post_update(data["live"], by=None, status="monitoring", message="Watching.")
    call_command("publish", "--dry-run", "--target", f"file://{site}")
    listed = capsys.readouterr().out
    assert f"  write  incidents/{data['live'].pk}/index.html\n" in listed
    assert "  write  static/" not in listed

    call_command("publish")
    out = capsys.readouterr().out
    assert tree(site) == tree(other) == export()
    assert f"file://{other}: wrote {len(export())}, deleted 0, left 0 unchanged" in out


def test_a_target_that_is_not_configured_is_refused(tmp_path, settings, default_page):
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{tmp_path}/site"]
    with pytest.raises(CommandError, match=r"--target: s3://elsewhere is not in CANDOR_PUBLISH"):
        call_command("publish", "--target", "s3://elsewhere")
    with pytest.raises(CommandError, match=r"--target: 'ftp://x' must start with s3:// or file"):
        call_command("publish", "--target", "ftp://x")
    assert not (tmp_path / "site").exists()


def test_a_failing_target_fails_the_command(s3, settings, default_page, capsys):
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-missing"]
    with pytest.raises(CommandError, match="Publishing failed for s3://status-missing"):
        call_command("publish")
    assert "does not exist (NoSuchBucket)" in capsys.readouterr().err
    assert PublishTarget.objects.get().attempts == 1


def test_without_targets_it_says_what_to_set(settings, default_page):
    settings.CANDOR_PUBLISH_TARGETS = []
    with pytest.raises(CommandError, match="No publish targets: set CANDOR_PUBLISH_TARGETS"):
        call_command("publish")
