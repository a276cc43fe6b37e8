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


def test_api_revoked_key_is_refused_with_401(page):
    key, plain = apikeys.create_api_key(by=None, name="old", page=page)
    apikeys.revoke_api_key(key, by=None)
    response = Api(plain).get(f"pages/{page.pk}")
    assert response.status_code == 401


def test_api_key_in_query_string_is_not_accepted(page, plain_key):
    response = Client().get(f"/v1/pages/{page.pk}?api_key={plain_key}")
    assert response.status_code == 401


def test_api_key_accepted_as_oauth_and_bearer(page, plain_key):
    oauth = Api(plain_key).get(f"pages/{page.pk}", scheme="OAuth")
    bearer = Api(plain_key).get(f"pages/{page.pk}", scheme="Bearer")
    assert (oauth.status_code, bearer.status_code) == (200, 200)


def test_api_key_is_stored_only_as_sha256(page):
    key, plain = apikeys.create_api_key(by=None, name="hashing", page=page)
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    # At least 32 random bytes: token_urlsafe(32) is 43 characters after the prefix.
    assert len(plain) - len(apikeys.PREFIX) >= 43


def test_api_key_use_sets_last_used_at(page):
    key, plain = apikeys.create_api_key(by=None, name="used", page=page)
    Api(plain).get(f"pages/{page.pk}")
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


def test_api_key_of_deactivated_creator_is_forbidden(page, admin):
    key, plain = apikeys.create_api_key(by=admin, name="theirs", page=page)
    admin.is_active = False
    admin.save()
    response = Api(plain).get(f"pages/{page.pk}")
    assert response.status_code == 403


def test_api_key_of_one_page_cannot_touch_another_page(page, other_page, json_api):
    component = services.create_component(other_page, by=None, name="Theirs")
    incident = services.declare_incident(other_page, by=None, name="Their incident")
    audit_before = AuditEntry.objects.count()
    responses = [
        json_api.get(f"pages/{other_page.pk}"),
        json_api.patch(f"pages/{other_page.pk}", {"page": {"name": "Mine now"}}),
        json_api.get(f"pages/{other_page.pk}/components"),
        json_api.patch(
            f"pages/{other_page.pk}/components/{component.pk}",
            {"component": {"status": "major_outage"}},
        ),
        json_api.delete(f"pages/{other_page.pk}/components/{component.pk}"),
        json_api.patch(
            f"pages/{other_page.pk}/incidents/{incident.pk}", {"incident": {"status": "resolved"}}
        ),
        json_api.delete(f"pages/{other_page.pk}/incidents/{incident.pk}"),
        # Another page's object through this key's own page is not found either.
        json_api.delete(f"pages/{page.pk}/incidents/{incident.pk}"),
        json_api.delete(f"pages/{page.pk}/components/{component.pk}"),
    ]
    assert [r.status_code for r in responses] == [404] * 9
    other_page.refresh_from_db()
    incident.refresh_from_db()
    assert (other_page.name, incident.status) == ("Other Status", "investigating")
    assert Component.objects.get(pk=component.pk).status == "operational"
    assert AuditEntry.objects.count() == audit_before


def test_api_key_of_one_page_lists_only_its_page(page, other_page, json_api):
    response = json_api.get("pages")
    assert [p["id"] for p in response.json()] == [page.pk]


def test_api_key_for_every_page_lists_every_page(page, other_page):
    _, plain = apikeys.create_api_key(by=None, name="all")
    response = Api(plain).get("pages")
    assert sorted(p["id"] for p in response.json()) == sorted([page.pk, other_page.pk])


def test_api_writes_are_audited_with_the_key(page, json_api):
    json_api.post(f"pages/{page.pk}/components", {"component": {"name": "Email"}})
    entry = AuditEntry.objects.filter(action="component.create").get()
    assert (entry.api_key.name, entry.user, entry.actor) == (
        "automation",
        None,
        "API key automation",
    )


@pytest.mark.parametrize("burst", [3])
def test_api_rate_limit_answers_429_with_retry_after(page, plain_key, settings, burst):
    # One request per 1000 s after a burst of 3: the fourth is over the limit whatever the clock.
    settings.CANDOR_API_RATE_LIMIT = 0.001
    settings.CANDOR_API_RATE_BURST = burst
    api = Api(plain_key)
    codes = [api.get(f"pages/{page.pk}").status_code for _ in range(burst + 1)]
    refused = api.get(f"pages/{page.pk}")
    assert codes == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 990 <= int(refused["Retry-After"]) <= 2000
    assert "Rate limit" in refused.json()["error"]


def test_api_rate_limit_is_per_key(page, plain_key, settings):
    settings.CANDOR_API_RATE_LIMIT = 0.001
    settings.CANDOR_API_RATE_BURST = 1
    _, second = apikeys.create_api_key(by=None, name="second", page=page)
    first_codes = [Api(plain_key).get(f"pages/{page.pk}").status_code for _ in range(2)]
    second_code = Api(second).get(f"pages/{page.pk}").status_code
    assert (first_codes, second_code) == ([200, 429], 200)


def test_api_rate_limit_zero_turns_it_off(page, plain_key, settings):
    settings.CANDOR_API_RATE_LIMIT = 0
    settings.CANDOR_API_RATE_BURST = 1
    api = Api(plain_key)
    codes = {api.get(f"pages/{page.pk}").status_code for _ in range(5)}
    assert codes == {200}


def test_api_rate_limit_is_kept_in_the_database(page, plain_key, settings):
    settings.CANDOR_API_RATE_LIMIT = 0.001
    settings.CANDOR_API_RATE_BURST = 2
    Api(plain_key).get(f"pages/{page.pk}")
    # A second process is another client and no shared memory: the row carries the state.
    assert Api(plain_key).get(f"pages/{page.pk}").status_code == 200
    assert Api(plain_key).get(f"pages/{page.pk}").status_code == 429
    assert ApiKey.objects.get(name="automation").rate_tat is not None


def test_api_unknown_path_answers_json_404(page, json_api):
    response = json_api.get(f"pages/{page.pk}/nothing-here")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")


def test_api_wrong_method_answers_json_405(page, json_api):
    response = json_api.post(f"pages/{page.pk}", {"page": {}})
    assert (response.status_code, response.json()["error"]) == (405, "POST is not allowed here.")
