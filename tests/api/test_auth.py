import hashlib

import pytest
from django.test import Client

from candor.core import apikeys, services
from candor.core.models import ApiKey, AuditEntry, Component
from tests.api.conftest import Api


def test_api_missing_key_is_refused_with_401(page, suffix):
    response = Client().get(f"/v1/pages/{page.pk}{suffix}")
    assert (response.status_code, response.json()["error"][:13]) == (401, "Send an API k")
    assert "OAuth" in response["WWW-Authenticate"]


def test_api_wrong_key_is_refused_with_401(page):
    response = Api("cnd_not-a-key").get(f"pages/{page.pk}")
    assert response.status_code == 401


def test_api_revoked_key_is_refused_with_401(page, key_of_page, alice):
    apikeys.revoke_api_key(key_of_page.key, by=alice)
    response = Api(key_of_page).get(f"pages/{page.pk}")
    assert response.status_code == 401


def test_api_key_in_query_string_is_not_accepted(page, key_of_page):
    response = Client().get(f"/v1/pages/{page.pk}?api_key={key_of_page.token}")
    assert response.status_code == 401


def test_api_key_accepted_as_oauth_and_bearer(page, key_of_page):
    oauth = Api(key_of_page).get(f"pages/{page.pk}", scheme="OAuth")
    bearer = Api(key_of_page).get(f"pages/{page.pk}", scheme="Bearer")
    assert (oauth.status_code, bearer.status_code) == (200, 200)


def test_api_key_is_stored_only_as_sha256(page, key_of_page):
    key, plain = key_of_page.key, key_of_page.token
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    # At least 32 random bytes: token_urlsafe(32) is 43 characters after the prefix.
    assert len(plain) - len(apikeys.PREFIX) >= 43


def test_api_key_use_sets_last_used_at(page, key_of_page):
    assert key_of_page.key.last_used_at is None
    Api(key_of_page).get(f"pages/{page.pk}")
    assert ApiKey.objects.get(pk=key_of_page.key.pk).last_used_at is not None


def test_api_key_of_deactivated_creator_is_forbidden(page, key_of_page, alice):
    assert Api(key_of_page).get(f"pages/{page.pk}").status_code == 200
    alice.is_active = False
    alice.save()
    response = Api(key_of_page).get(f"pages/{page.pk}")
    assert response.status_code == 403


def test_api_key_of_another_page_cannot_touch_this_page(page, other_page, key_of_other_page, bob):
    """Alice's key of the other page is an Administrator's key, and still 404s on this page."""
    component = services.create_component(page, by=bob, name="Ours")
    incident = services.declare_incident(page, by=bob, name="Our incident")
    theirs = Api(key_of_other_page)
    audit_before = AuditEntry.objects.count()
    responses = [
        theirs.get(f"pages/{page.pk}"),
        theirs.patch(f"pages/{page.pk}", {"page": {"name": "Mine now"}}),
        theirs.get(f"pages/{page.pk}/components"),
        theirs.patch(
            f"pages/{page.pk}/components/{component.pk}",
            {"component": {"status": "major_outage"}},
        ),
        theirs.delete(f"pages/{page.pk}/components/{component.pk}"),
        theirs.patch(
            f"pages/{page.pk}/incidents/{incident.pk}", {"incident": {"status": "resolved"}}
        ),
        theirs.delete(f"pages/{page.pk}/incidents/{incident.pk}"),
        theirs.post(f"pages/{page.pk}/incidents", {"incident": {"name": "Planted"}}),
        # This page's objects through the key's own page are not found either.
        theirs.delete(f"pages/{other_page.pk}/incidents/{incident.pk}"),
        theirs.delete(f"pages/{other_page.pk}/components/{component.pk}"),
    ]
    assert [r.status_code for r in responses] == [404] * 10
    page.refresh_from_db()
    incident.refresh_from_db()
    assert (page.name, incident.status) == ("Acme Status", "investigating")
    assert Component.objects.get(pk=component.pk).status == "operational"
    assert page.incidents.count() == 1
    assert AuditEntry.objects.count() == audit_before
    # The same key does reach its own page: the 404s above are the scope, not a broken key.
    assert theirs.get(f"pages/{other_page.pk}").status_code == 200


def test_api_key_of_one_page_lists_only_its_page(page, other_page, json_api):
    response = json_api.get("pages")
    assert [p["id"] for p in response.json()] == [page.pk]


def test_api_key_for_every_page_lists_every_page(page, other_page, alice):
    _, plain = apikeys.create_api_key(by=alice, name="all")
    response = Api(plain).get("pages")
    assert sorted(p["id"] for p in response.json()) == sorted([page.pk, other_page.pk])


def test_api_writes_are_audited_with_the_key(page, json_api, key_of_page, alice):
    json_api.post(f"pages/{page.pk}/components", {"component": {"name": "Email"}})
    entry = AuditEntry.objects.filter(action="component.create").get()
    assert (entry.api_key, entry.user, entry.actor) == (key_of_page.key, None, "API key automation")
    # The key is alice's: its creation is hers in the log, and it acts with her role.
    created = AuditEntry.objects.get(action="apikey.create", object_id=str(key_of_page.key.pk))
    assert (created.user, created.actor) == (alice, "Alice Adams")


@pytest.mark.parametrize("burst", [3])
def test_api_rate_limit_answers_429_with_retry_after(page, key_of_page, settings, burst):
    # One request per 1000 s after a burst of 3: the fourth is over the limit whatever the clock.
    settings.CANDOR_API_RATE_LIMIT = 0.001
    settings.CANDOR_API_RATE_BURST = burst
    api = Api(key_of_page)
    codes = [api.get(f"pages/{page.pk}").status_code for _ in range(burst + 1)]
    refused = api.get(f"pages/{page.pk}")
    assert codes == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 990 <= int(refused["Retry-After"]) <= 2000
    assert "Rate limit" in refused.json()["error"]


def test_api_rate_limit_is_per_key(page, key_of_page, alice, settings):
    settings.CANDOR_API_RATE_LIMIT = 0.001
    settings.CANDOR_API_RATE_BURST = 1
    _, second = apikeys.create_api_key(by=alice, name="second", page=page)
    first_codes = [Api(key_of_page).get(f"pages/{page.pk}").status_code for _ in range(2)]
    second_code = Api(second).get(f"pages/{page.pk}").status_code
    assert (first_codes, second_code) == ([200, 429], 200)


def test_api_rate_limit_zero_turns_it_off(page, key_of_page, settings):
    settings.CANDOR_API_RATE_LIMIT = 0
    settings.CANDOR_API_RATE_BURST = 1
    api = Api(key_of_page)
    codes = {api.get(f"pages/{page.pk}").status_code for _ in range(5)}
    assert codes == {200}


def test_api_rate_limit_is_kept_in_the_database(page, key_of_page, settings):
    settings.CANDOR_API_RATE_LIMIT = 0.001
    settings.CANDOR_API_RATE_BURST = 2
    Api(key_of_page).get(f"pages/{page.pk}")
    # A second process is another client and no shared memory: the row carries the state.
    assert Api(key_of_page).get(f"pages/{page.pk}").status_code == 200
    assert Api(key_of_page).get(f"pages/{page.pk}").status_code == 429
    assert ApiKey.objects.get(name="automation").rate_tat is not None


def test_api_unknown_path_answers_json_404(page, json_api):
    response = json_api.get(f"pages/{page.pk}/nothing-here")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")


def test_api_wrong_method_answers_json_405(page, json_api):
    response = json_api.post(f"pages/{page.pk}", {"page": {}})
    assert (response.status_code, response.json()["error"]) == (405, "POST is not allowed here.")
