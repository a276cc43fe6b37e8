from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.core.apikeys import create_api_key, revoke_api_key
from candor.core.models import ApiKey, Page


class Command(BaseCommand):
    help = "Create, list or revoke API keys for the management API."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key and print it (once) on the last line")
        create.add_argument("--name", required=True)
        create.add_argument("--page", help="limit the key to this page id (default: every page)")
        sub.add_parser("list", help="list keys (never the keys themselves)")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: object, action: str, **options: str) -> None:
        if action == "create":
            page = None
            if options.get("page"):
                page = Page.objects.filter(pk=options["page"]).first()
                if page is None:
                    raise CommandError(f"No page with id {options['page']!r}.")
            try:
                api_key, plain = create_api_key(by=None, name=options["name"], page=page)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
            scope = f"page {page.pk}" if page else "every page"
            self.stdout.write(
                f"Created API key {api_key.name!r} for {scope}. It is shown only now:"
            )
            self.stdout.write(plain)
        elif action == "list":
            for key in ApiKey.objects.all():
                state = "revoked" if key.revoked_at else "active"
                self.stdout.write(
                    f"{key.prefix}…  {key.name}  {state}  last used {key.last_used_at or 'never'}"
                )
        else:
            matches = list(ApiKey.objects.filter(prefix=options["prefix"], revoked_at__isnull=True))
            if len(matches) != 1:
                raise CommandError(
                    "Give the prefix of exactly one active key (see `candor apikey list`)."
                )
            revoke_api_key(matches[0], by=None)
            self.stdout.write(f"Revoked {matches[0].name!r}.")
