"""`candor integration create|list|revoke`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from candor.core.models import Integration
from candor.core.services import integrations


def run(*args: str) -> str:
    out = StringIO()
    call_command("integration", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_create_prints_the_url_on_its_last_line_and_list_never_shows_it(page, settings):
    settings.BASE_URL = "https://status.example.com"
    out = run("create", "--kind", "grafana", "--name", "Grafana", "--mode", "propose")
    url = out.strip().splitlines()[-1]
    assert url.startswith("https://status.example.com/hooks/alerts/cah_")
    integration = Integration.objects.get()
    assert (integration.kind, integration.mode, integration.page) == ("grafana", "propose", page)
    assert integrations.authenticate(url.rsplit("/", 1)[1]) == integration
    listed = run("list")
    assert "Grafana  grafana  mode propose  active" in listed
    assert url.rsplit("/", 1)[1] not in listed
    assert "its URL answers 404" in run("revoke", integration.pk)
    assert integrations.authenticate(url.rsplit("/", 1)[1]) is None


@pytest.mark.django_db
def test_create_refuses_a_bad_rule_and_writes_nothing(page, make_component):
    with pytest.raises(CommandError, match="no component is named 'Nowhere'"):
        run("create", "--kind", "alertmanager", "--name", "A", "--rules", "team=x -> Nowhere")
    with pytest.raises(CommandError, match="No integration with id"):
        run("revoke", "nope")
    assert Integration.objects.count() == 0
