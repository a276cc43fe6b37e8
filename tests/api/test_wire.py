import pytest
from django.test import Client

from candor.api.http import ApiError, parse_form
from candor.core.models import Component


def test_parse_form_builds_nested_hashes_and_lists():
    data = parse_form(
        "incident[name]=Down&incident[component_ids][]=a&incident[component_ids][]=b"
        "&incident[components][a]=major_outage&incident[deliver_notifications]=f"
    )
    assert data == {
        "incident": {
            "name": "Down",
            "component_ids": ["a", "b"],
            "components": {"a": "major_outage"},
            "deliver_notifications": "f",
        }
    }


def test_parse_form_builds_lists_of_hashes():
    data = parse_form("p[t][][at]=1&p[t][][d]=x&p[t][][at]=2&p[t][][d]=y")
    assert data == {"p": {"t": [{"at": "1", "d": "x"}, {"at": "2", "d": "y"}]}}


def test_parse_form_refuses_a_name_used_as_value_and_hash():
    with pytest.raises(ApiError) as raised:
        parse_form("a=1&a[b]=2")
    assert raised.value.status == 400


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", False), ("false", True), ("t", False), ("f", True), ("1", False), ("0", True)],
)
def test_api_booleans_accept_true_false_t_f_1_0(page, json_api, raw, expected):
    # showcase=true hides nothing; the assertion reads only_show_if_degraded back.
    response = json_api.client.post(
        f"/v1/pages/{page.pk}/components",
        f"component[name]=Email&component[only_show_if_degraded]={raw}&component[showcase]={raw}",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"OAuth {json_api.key}",
    )
    assert response.status_code == 201
    assert response.json()["only_show_if_degraded"] is (not expected)


def test_api_json_booleans_accept_strings_too(page, json_api):
    response = json_api.post(
        f"pages/{page.pk}/components", {"component": {"name": "Email", "showcase": "f"}}
    )
    assert (response.status_code, response.json()["showcase"]) == (201, False)


def test_api_boolean_out_of_set_is_refused_with_422(page, json_api):
    response = json_api.post(
        f"pages/{page.pk}/components", {"component": {"name": "Email", "showcase": "maybe"}}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"showcase": ["Must be a boolean: true/false, t/f or 1/0."]}
    assert Component.objects.count() == 0


def test_api_ignores_content_type_on_bodiless_get(page, json_api):
    response = Client().get(
        f"/v1/pages/{page.pk}/components.json",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"OAuth {json_api.key}",
    )
    assert (response.status_code, response.json()) == (200, [])


def test_api_ignores_unknown_fields(page, json_api):
    response = json_api.post(
        f"pages/{page.pk}/components",
        {"component": {"name": "Email", "automation_email": "x@y", "shiny": 1}, "extra": True},
    )
    assert (response.status_code, response.json()["name"]) == (201, "Email")


def test_api_invalid_json_is_a_400(page, json_api):
    response = json_api.client.post(
        f"/v1/pages/{page.pk}/components",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"OAuth {json_api.key}",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"error": "The body is not valid JSON."},
    )


def test_api_unwrapped_body_is_a_400(page, json_api):
    response = json_api.post(f"pages/{page.pk}/components", {"name": "Email"})
    assert response.status_code == 400
    assert Component.objects.count() == 0


def test_api_refuses_nul_characters_with_400(page, json_api):
    response = json_api.post(f"pages/{page.pk}/components", {"component": {"name": "E\x00"}})
    assert response.status_code == 400


def test_api_answers_bare_arrays_and_objects(page, json_api, make_component):
    make_component("Email")
    listing = json_api.get(f"pages/{page.pk}/components").json()
    single = json_api.get(f"pages/{page.pk}").json()
    assert (type(listing), type(single)) == (list, dict)


def test_api_names_every_invalid_field_at_once_and_writes_nothing(page, api):
    response = api.post(
        f"pages/{page.pk}/components",
        {"component": {"name": "Email", "showcase": "maybe", "start_date": "soon"}},
    )
    assert (response.status_code, response.json()) == (
        422,
        {
            "error": "Must be a boolean: true/false, t/f or 1/0.",
            "errors": {
                "showcase": ["Must be a boolean: true/false, t/f or 1/0."],
                "start_date": ["Must be a date, like 2026-03-05."],
            },
        },
    )
    assert Component.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("per_page=many", "per_page must be a whole number."),
        ("per_page=101", "per_page must be between 1 and 100."),
        ("page=0", "page must be between 1 and 100000."),
    ],
)
def test_api_refuses_a_malformed_paging_query_with_400(page, json_api, query, message):
    response = json_api.get(f"pages/{page.pk}/components?{query}")
    assert (response.status_code, response.json()) == (400, {"error": message})
