from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.core.models import Integration, IntegrationKind, IntegrationMode, Page
from candor.core.services import ensure_default_page, integrations


def hook_url(token: str) -> str:
    return f"{settings.BASE_URL}/hooks/alerts/{token}"


class Command(BaseCommand):
    help = "Create, list or revoke monitoring integrations (Alertmanager, Grafana, generic JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create one and print its URL (once) last")
        create.add_argument("--kind", required=True, choices=IntegrationKind.values)
        create.add_argument("--name", required=True)
        create.add_argument(
            "--mode", default=IntegrationMode.STATUS, choices=IntegrationMode.values
        )
        create.add_argument("--page", help="page id (default: the default page)")
        create.add_argument("--bearer-token", default="", help="require this Bearer token")
        create.add_argument("--hmac-secret", default="", help="require Grafana's HMAC signature")
        create.add_argument("--rules", default="", help="lines of MATCHERS -> COMPONENT[: STATUS]")
        create.add_argument("--hold-down", type=int, default=0, help="seconds an alert must fire")
        create.add_argument(
            "--clear-delay", type=int, default=0, help="seconds resolved before release"
        )
        sub.add_parser("list", help="list integrations (never their URLs)")
        revoke = sub.add_parser("revoke", help="revoke one by its id")
        revoke.add_argument("id")

    def handle(self, *args: object, action: str, **options: str) -> None:
        if action == "create":
            self._create(options)
        elif action == "list":
            for i in Integration.objects.select_related("page"):
                state = "revoked" if i.revoked_at else "frozen" if i.frozen_at else "active"
                self.stdout.write(
                    f"{i.pk}  {i.name}  {i.kind}  mode {i.mode}  {state}  "
                    f"/hooks/alerts/{i.token_prefix}…"
                )
        else:
            integration = Integration.objects.filter(pk=options["id"]).first()
            if integration is None:
                raise CommandError(
                    f"No integration with id {options['id']!r} (see `candor integration list`)."
                )
            integrations.revoke_integration(integration, by=None)
            self.stdout.write(f"Revoked {integration.name!r}: its URL answers 404 from now on.")

    def _create(self, options: dict) -> None:
        if options.get("page"):
            page = Page.objects.filter(pk=options["page"]).first()
            if page is None:
                raise CommandError(f"No page with id {options['page']!r}.")
        else:
            page = ensure_default_page()
        try:
            integration, token = integrations.create_integration(
                page,
                by=None,
                kind=options["kind"],
                name=options["name"],
                mode=options["mode"],
                bearer_token=options["bearer_token"],
                hmac_secret=options["hmac_secret"],
                rules=options["rules"],
                hold_down_seconds=int(options["hold_down"]),
                clear_delay_seconds=int(options["clear_delay"]),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            f"Created integration {integration.name!r} ({integration.kind}, mode "
            f"{integration.mode}) on page {page.name!r}, id {integration.pk}. "
            "Its URL is shown only now:"
        )
        self.stdout.write(hook_url(token))
