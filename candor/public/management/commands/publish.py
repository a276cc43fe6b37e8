"""`candor publish [--dry-run] [--target URL]`: publish the public site now, or list what would
change, to the targets of CANDOR_PUBLISH_TARGETS (docs/publishing.md)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.core.models import Page
from candor.public.publish import ledger
from candor.public.publish.targets import parse_target


class Command(BaseCommand):
    help = "Publish the public site to CANDOR_PUBLISH_TARGETS now, or list what would change."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be written and deleted"
        )
        parser.add_argument(
            "--target", metavar="URL", help="only this target (one of CANDOR_PUBLISH_TARGETS)"
        )

    def handle(self, *args: object, dry_run: bool, target: str | None, **options: object) -> None:
        urls = ledger.configured()
        if not urls:
            raise CommandError(
                "No publish targets: set CANDOR_PUBLISH_TARGETS (e.g. s3://bucket/prefix or "
                "file:///srv/status)."
            )
        if target is not None:
            try:
                wanted = parse_target(target).url
            except ValueError as exc:
                raise CommandError(f"--target: {exc}") from None
            if wanted not in urls:
                raise CommandError(
                    f"--target: {wanted} is not in CANDOR_PUBLISH_TARGETS ({', '.join(urls)})"
                )
            urls = [wanted]
        page = Page.default()
        if page is None:
            raise CommandError("There is no page yet: run `candor serve` or `candor migrate`.")
        ledger.ensure_rows(page)
        if dry_run:
            rows = list(ledger.PublishTarget.objects.filter(page=page, url__in=urls))
        else:
            rows = self._claim(page, urls)
        results = ledger.publish(page, rows, dry_run=dry_run)
        failed = []
        for result in sorted(results, key=lambda r: urls.index(r.url)):
            if result.error:
                failed.append(result.url)
                self.stderr.write(f"{result.url}: failed: {result.error}")
                continue
            todo = result.plan
            assert todo is not None
            if dry_run:
                self.stdout.write(
                    f"{result.url}: would write {len(todo.uploads)}, delete "
                    f"{len(todo.deletions)}, leave {todo.unchanged} unchanged"
                )
                for file in todo.uploads:
                    self.stdout.write(f"  write  {file.name}")
                for name in todo.deletions:
                    self.stdout.write(f"  delete {name}")
            else:
                out = result.outcome
                self.stdout.write(
                    f"{result.url}: wrote {len(out.uploaded)}, deleted {len(out.deleted)}, "
                    f"left {todo.unchanged} unchanged"
                )
        if failed:
            raise CommandError(f"Publishing failed for {', '.join(failed)}")

    def _claim(self, page: Page, urls: list[str]) -> list[ledger.PublishTarget]:
        """Every target asked for, waiting while a worker is publishing to one of them."""
        claimed: list[ledger.PublishTarget] = []
        deadline = time.monotonic() + float(settings.CANDOR_DELIVERY_LEASE) + 5
        while True:
            left = [u for u in urls if u not in {r.url for r in claimed}]
            claimed += ledger.claim(page, left, force=True)
            if len(claimed) == len(urls) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        busy = [u for u in urls if u not in {r.url for r in claimed}]
        for url in busy:
            self.stderr.write(f"{url}: skipped: another process is publishing to it")
        return claimed
