"""Statuspage's v1 incident_templates, and Candor's get/change/delete beside them."""

from candor.core import services
from candor.core.models import IncidentTemplate


def test_api_template_create_list_get_change_delete(page, api, make_component):
    email = make_component("Email")
    created = api.post(
        f"pages/{page.pk}/incident_templates",
        {
            "template": {
                "name": "Email delays",
                "title": "Email delivery delayed",
                "body": "We are looking into delays.",
                "update_status": "investigating",
                "component_ids": [email.pk],
                "should_send_notifications": False,
                "should_tweet": False,
            }
        },
    )
    assert created.status_code == 201
    data = created.json()
    assert (data["name"], data["update_status"], data["should_send_notifications"]) == (
        "Email delays",
        "investigating",
        False,
    )
    assert [c["id"] for c in data["components"]] == [email.pk]
    listed = api.get(f"pages/{page.pk}/incident_templates")
    assert [t["id"] for t in listed.json()] == [data["id"]]
    changed = api.patch(
        f"pages/{page.pk}/incident_templates/{data['id']}",
        {"template": {"impact": "major", "component_ids": []}},
    )
    assert (changed.json()["impact"], changed.json()["components"]) == ("major", [])
    assert api.get(f"pages/{page.pk}/incident_templates/{data['id']}").json()["impact"] == "major"
    deleted = api.delete(f"pages/{page.pk}/incident_templates/{data['id']}")
    assert (deleted.status_code, IncidentTemplate.objects.count()) == (200, 0)


def test_api_template_bad_input_is_a_422_naming_the_field(page, json_api):
    for body, field in (
        ({"name": "x", "update_status": "sleeping"}, "update_status"),
        ({"name": "x", "component_ids": ["nope"]}, "component_ids"),
        ({"title": "no name"}, "name"),
    ):
        response = json_api.post(f"pages/{page.pk}/incident_templates", {"template": body})
        assert (response.status_code, list(response.json()["errors"])) == (422, [field])
    assert IncidentTemplate.objects.count() == 0


def test_api_template_of_another_page_is_a_404(page, json_api):
    other = services.create_page(by=None, name="Other")
    theirs = services.save_incident_template(other, by=None, name="Theirs")
    assert json_api.get(f"pages/{page.pk}/incident_templates/{theirs.pk}").status_code == 404
    assert json_api.delete(f"pages/{page.pk}/incident_templates/{theirs.pk}").status_code == 404
    assert IncidentTemplate.objects.count() == 1
