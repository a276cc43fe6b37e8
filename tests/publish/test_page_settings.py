"""Page settings show each published copy: last success, version published, last error."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from candor.core import services
from candor.public.publish import ledger
from tests.public.factories import full_page

pytestmark = pytest.mark.django_db(transaction=True)


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def admin_client(alice, default_page) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_page_settings_show_each_target_with_its_state(s3, settings, default_page, admin_client):
    s3.bucket("status-good")
    settings.CANDOR_PUBLISH_TARGETS = ["s3://status-good", "s3://status-missing"]
    full_page(default_page)
    ledger.run()
    default_page.refresh_from_db()

    shown = text(admin_client.get(reverse("manage_settings")))

    good = shown.split("s3://status-good", 1)[1].split("s3://status-missing", 1)[0]
    assert "Up to date" in good and f" {default_page.version} " in good
    assert "Last error" not in good and "none" in good
    bad = shown.split("s3://status-missing", 1)[1]
    assert "Failing" in bad and "1 failed attempt;" in bad and "never" in bad
    assert "The bucket 'status-missing' does not exist (NoSuchBucket): create it first." in bad


def test_page_settings_say_how_to_configure_publishing_without_targets(
    settings, default_page, admin_client
):
    settings.CANDOR_PUBLISH_TARGETS = []
    shown = text(admin_client.get(reverse("manage_settings")))
    assert "Published copies None. Set CANDOR_PUBLISH_TARGETS" in shown


def test_a_target_not_yet_published_says_so(settings, default_page, admin_client, tmp_path):
    settings.CANDOR_PUBLISH_TARGETS = [f"file://{tmp_path}/site"]
    services.update_page(default_page, by=None, name="Acme")
    shown = text(admin_client.get(reverse("manage_settings")))
    assert f"file://{tmp_path}/site Not published yet never none none" in shown
