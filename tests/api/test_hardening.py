"""Issue #11 on the management API: deep nesting, HEAD, and a demoted owner's key."""

import json

import pytest
from django.test import Client

from candor.core import apikeys, services
from candor.core.models import AuditEntry, Component, Incident, Page
from tests.api.conftest import Api

MAX_DEPTH = 32  # candor.api.http.MAX_DEPTH


def _nested(levels: int) -> dict:
    value: dict = {"leaf": "x"}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def _nested_json(levels: int) -> str:
    # Built as text: json.dumps itself recurses, and 5,000 levels is past its limit.
    return '{"a":' * levels + "1" + "}" * levels


def _post(api, path: str, body: str, content_type: str):
    return api.client.post(
        f"/v1/{path}", body, content_type=content_type, HTTP_AUTHORIZATION=f"OAuth {api.key}"
    )


def test_api_deeply_nested_json_is_a_400_and_writes_nothing(page, json_api):
    audit_before = AuditEntry.objects.count()
    body = '{"incident":{"name":"Deep","metadata":' + _nested_json(5000) + "}}"
    response = _post(json_api, f"pages/{page.pk}/incidents", body, "application/json")
    assert (response.status_code, response.json()) == (
        400,
        {"error": f"The body is nested too deeply (more than {MAX_DEPTH} levels)."},
    )
    assert (Incident.objects.count(), AuditEntry.objects.count()) == (0, audit_before)


def test_api_deeply_nested_form_key_is_a_400_and_writes_nothing(page, json_api):
    audit_before = AuditEntry.objects.count()
    body = "incident[name]=Deep&incident[metadata]" + "[a]" * 5000 + "=1"
    response = _post(
        json_api, f"pages/{page.pk}/incidents", body, "application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("The body is nested too deeply")
    assert (Incident.objects.count(), AuditEntry.objects.count()) == (0, audit_before)


def test_api_deeply_nested_arrays_in_a_component_body_are_a_400(page, json_api):
    body = '{"component":{"name":"Email","group_id":' + "[" * 5000 + "]" * 5000 + "}}"
    response = _post(json_api, f"pages/{page.pk}/components", body, "application/json")
    assert response.status_code == 400
    assert Component.objects.count() == 0


def test_api_nesting_up_to_the_limit_is_read(page, api):
    # The wrapper and "metadata" are two levels: the deepest body allowed still goes through.
    metadata = _nested(MAX_DEPTH - 2)
    response = api.post(
        f"pages/{page.pk}/incidents",
        {"incident": {"name": "Shallow enough", "metadata": metadata}},
    )
    assert response.status_code == 201
    assert Incident.objects.get().name == "Shallow enough"


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),
        ('{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, False),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), True),
        ("[]" * 10_000, False),
        ('"unterminated' + "[" * 100, False),
    ],
)
def test_json_depth_counts_brackets_outside_strings_only(text, deep):
    from candor.api import http

    assert http.MAX_DEPTH == MAX_DEPTH
    assert http.json_depth_exceeds(text) is deep


# --- HEAD answers as GET, without a body ---


@pytest.mark.parametrize("suffix", ["", ".json"])
def test_api_head_answers_as_get_without_a_body(page, key_of_page, make_component, suffix):
    make_component("Email")
    api = Api(key_of_page)
    for path in (f"pages/{page.pk}{suffix}", f"pages/{page.pk}/components{suffix}", "pages"):
        got, head = api.get(path), api.call("HEAD", path)
        assert (head.status_code, head.content) == (200, b""), path
        assert got.content
        assert head["Content-Type"] == got["Content-Type"] == "application/json"
        assert int(head["Content-Length"]) == len(got.content)


def test_api_head_needs_a_key_and_knows_404_like_get(page, key_of_page):
    assert Client().head(f"/v1/pages/{page.pk}").status_code == 401
    missing = Api(key_of_page).call("HEAD", "pages/nosuchpage00")
    assert (missing.status_code, missing.content) == (404, b"")


def test_api_head_is_listed_as_allowed_where_get_is(page, key_of_page):
    response = Api(key_of_page).call("POST", f"pages/{page.pk}", {"page": {}})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, PATCH, PUT"


def test_api_head_on_a_write_only_url_is_405(page, key_of_page):
    incident = services.declare_incident(page, by=None, name="Down")
    update = incident.updates.get()
    path = f"pages/{page.pk}/incidents/{incident.pk}/incident_updates/{update.pk}"
    assert Api(key_of_page).call("HEAD", path).status_code == 405


def test_api_docs_head_has_no_body(db):
    got, head = Client().get("/v1/openapi.json"), Client().head("/v1/openapi.json")
    assert (head.status_code, head.content) == (200, b"")
    assert int(head["Content-Length"]) == len(got.content)


# --- an API key acts with its owner's current role ---


@pytest.fixture
def demoted_key(page, alice, bob):
    """Bob's key: made while alice had made him an Administrator, then alice demoted him back.

    Nobody can make a key as a Responder, so a Responder's key is always one like this.
    """
    promoted = services.update_user(bob, by=alice, role="administrator")
    _, plain = apikeys.create_api_key(by=promoted, name="bob's bot", page=page)
    services.update_user(bob, by=alice, role="responder")
    return Api(plain)


def test_demoted_administrators_key_is_refused_administrator_actions(page, demoted_key):
    audit_before = AuditEntry.objects.count()
    responses = [
        demoted_key.patch(f"pages/{page.pk}", {"page": {"name": "Taken over"}}),
        demoted_key.put(f"pages/{page.pk}", {"page": {"time_zone": "UTC"}}),
    ]
    assert [r.status_code for r in responses] == [403, 403]
    assert responses[0].json() == {"error": "Only Administrators can do this."}
    stored = Page.objects.get(pk=page.pk)
    assert (stored.name, stored.time_zone) == ("Acme Status", "Europe/Paris")
    assert AuditEntry.objects.count() == audit_before


def test_demoted_administrators_key_still_does_responder_work(page, demoted_key):
    assert demoted_key.get(f"pages/{page.pk}").status_code == 200
    created = demoted_key.post(
        f"pages/{page.pk}/incidents", {"incident": {"name": "Down", "status": "investigating"}}
    )
    component = demoted_key.post(f"pages/{page.pk}/components", {"component": {"name": "Email"}})
    assert (created.status_code, component.status_code) == (201, 201)


def test_key_regains_administrator_actions_when_owner_is_promoted_again(
    page, demoted_key, bob, alice
):
    services.update_user(bob, by=alice, role="administrator")
    response = demoted_key.patch(f"pages/{page.pk}", {"page": {"name": "Renamed"}})
    assert (response.status_code, response.json()["name"]) == (200, "Renamed")


def test_administrators_key_may_change_page_settings(page, key_of_page):
    response = Api(key_of_page).patch(f"pages/{page.pk}", {"page": {"name": "Renamed"}})
    entry = AuditEntry.objects.get(action="page.update")
    assert response.status_code == 200
    assert (entry.api_key, entry.user, entry.actor) == (key_of_page.key, None, "API key automation")


def test_command_line_key_acts_as_administrator(page):
    # `candor apikey create` makes keys without an owner: whoever runs the server.
    _, plain = apikeys.create_api_key(by=None, name="from the shell", page=page)
    response = Api(plain).patch(f"pages/{page.pk}", {"page": {"name": "Renamed"}})
    assert response.status_code == 200


def test_key_is_deleted_with_its_owner(page, key_of_page, alice):
    key, plain = key_of_page.key, key_of_page.token
    alice.delete()
    # Not an ownerless (command-line) key with Administrator powers: no key at all.
    assert Api(plain).get(f"pages/{page.pk}").status_code == 401
    assert not type(key).objects.filter(pk=key.pk).exists()


def test_key_made_by_a_key_belongs_to_the_same_owner(page, key_of_page, alice):
    child, _ = apikeys.create_api_key(by=key_of_page.key, name="child", page=page)
    assert child.created_by == alice


def test_services_refuse_administrator_work_from_a_responder_key(page, demoted_key):
    from django.core.exceptions import PermissionDenied

    key = apikeys.authenticate(demoted_key.key)
    with pytest.raises(PermissionDenied):
        services.update_page(page, by=key, name="Taken over")
    with pytest.raises(PermissionDenied):
        apikeys.create_api_key(by=key, name="escalate", page=page)
    assert json.loads(Api(demoted_key.key).get(f"pages/{page.pk}").content)["name"] == (
        "Acme Status"
    )
