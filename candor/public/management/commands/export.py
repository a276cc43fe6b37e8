from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.core.models import Page
from candor.public.export import export_site
from candor.public.render import render_page
from candor.public.store import load_site


class Command(BaseCommand):
    help = "Write the public site (HTML, JSON, feeds, assets) as static files for any web server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: object, directory: Path, **options: object) -> None:
        page = Page.objects.filter(is_default=True).first()
        if page is None:
            raise CommandError("There is no page yet: run `candor serve` or `candor migrate`.")
        render_page(page.pk)  # a no-op when the stored documents are current
        state = Page.objects.filter(pk=page.pk).values_list("render_state__version", flat=True)
        site = load_site(page.pk, state[0] or 0)
        written = export_site(site, directory)
        self.stdout.write(f"Wrote {len(written)} files to {directory}")
