from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.core.models import Page
from candor.public.export import export_site


class Command(BaseCommand):
    help = "Write the public site (HTML, JSON, feeds, assets) as static files for any web server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: object, directory: Path, **options: object) -> None:
        page = Page.default()
        if page is None:
            raise CommandError("There is no page yet: run `candor serve` or `candor migrate`.")
        written = export_site(page, directory)
        self.stdout.write(f"Wrote {len(written)} files to {directory}")
