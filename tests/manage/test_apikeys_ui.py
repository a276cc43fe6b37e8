import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candor.core import apikeys
from candor.core.models import ApiKey, AuditEntry
from tests.api.conftest import Api
from tests.conftest import assert_accessible, screenshot
from tests.support.personas import PASSWORD


def test_api_keys_page_is_for_administrators_only(client_as_bob):
    assert client_as_bob.get("/manage/api-keys/").status_code == 403
    assert client_as_bob.post("/manage/api-keys/new/", {"name": "x"}).status_code == 403
    assert ApiKey.objects.count() == 0


def test_api_key_created_in_ui_is_shown_once_and_works(client_as_alice, alice, page):
    response = client_as_alice.post(
        "/manage/api-keys/new/", {"name": "Monitoring", "page": page.pk}
    )
    plain = re.search(rb'value="(cnd_[^"]+)"', response.content).group(1).decode()
    key = ApiKey.objects.get()
    listing = client_as_alice.get("/manage/api-keys/")
    assert (response.status_code, response["Cache-Control"]) == (200, "no-store")
    assert (key.name, key.page_id, key.key_hash) == ("Monitoring", page.pk, apikeys.hash_key(plain))
    assert key.created_by == alice  # the key acts with alice's role from now on
    assert plain.encode() not in listing.content
    assert key.prefix.encode() in listing.content
    assert Api(plain).get(f"pages/{page.pk}").status_code == 200


def test_api_key_for_every_page(client_as_alice, page):
    client_as_alice.post("/manage/api-keys/new/", {"name": "Everything", "page": ""})
    assert ApiKey.objects.get().page is None


def test_api_key_without_name_is_refused(client_as_alice, page):
    response = client_as_alice.post("/manage/api-keys/new/", {"name": "", "page": page.pk})
    assert (response.status_code, ApiKey.objects.count()) == (200, 0)
    assert b"This field is required" in response.content


def test_api_key_list_shows_last_used(client_as_alice, key_of_page, page):
    before = client_as_alice.get("/manage/api-keys/").content
    Api(key_of_page).get("pages")
    after = client_as_alice.get("/manage/api-keys/").content
    assert (b"Never" in before, b"Never" in after) == (True, False)


def test_api_key_revoke_asks_then_revokes_and_audits(client_as_alice, alice, key_of_page, page):
    key, plain = key_of_page.key, key_of_page.token
    confirm = client_as_alice.get(f"/manage/api-keys/{key.pk}/revoke/")
    done = client_as_alice.post(f"/manage/api-keys/{key.pk}/revoke/")
    entry = AuditEntry.objects.get(action="apikey.revoke")
    assert (confirm.status_code, done.status_code) == (200, 302)
    assert ApiKey.objects.get().revoked_at is not None
    assert Api(plain).get(f"pages/{page.pk}").status_code == 401
    assert (entry.user, entry.object_id) == (alice, str(key.pk))


@pytest.mark.parametrize("count", [1, 3])
def test_api_key_list_query_count(client_as_alice, alice, page, count):
    for i in range(count):
        apikeys.create_api_key(by=alice, name=f"Key {i}", page=page)
    with CaptureQueriesContext(connection) as queries:
        response = client_as_alice.get("/manage/api-keys/")
    assert response.status_code == 200
    assert len(queries) == QUERIES_API_KEY_LIST


# Session, user, page (navigation), the keys with their pages and creators.
# Includes the managed page's time zone (candor/manage/zone.py).
QUERIES_API_KEY_LIST = 5


@pytest.mark.browser
def test_api_key_ui_in_a_browser(live_server, browser_page, alice, page):
    tab = browser_page
    tab.goto(f"{live_server.url}/manage/login/")
    tab.fill("#id_username", "alice")
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit]")
    tab.goto(f"{live_server.url}/manage/api-keys/")
    assert_accessible(tab, "API keys (empty)")
    tab.click("text=Create API key")
    tab.fill("#id_name", "Monitoring")
    assert_accessible(tab, "Create API key")
    tab.click("button:has-text('Create API key')")
    plain = tab.input_value("#new-api-key")
    assert_accessible(tab, "API key created")
    screenshot(tab, "manage-api-key-created")
    tab.click("text=Done")
    assert_accessible(tab, "API keys")
    screenshot(tab, "manage-api-keys")
    assert plain.startswith("cnd_")
    assert tab.locator("td[data-label=Name]").all_inner_texts() == ["Monitoring"]
