"""The Templates tab without a browser: bad input writes nothing, lists cost a fixed number of
queries, another page's templates do not exist, and a template prefills Create Incident."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candor.core import services
from candor.core.models import IncidentTemplate, UpdateSnippet


def test_template_form_refuses_a_missing_name_and_writes_nothing(client_as_bob, page):
    response = client_as_bob.post(
        "/manage/templates/new/", {"name": "", "status": "investigating", "impact": "none"}
    )
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert IncidentTemplate.objects.count() == 0


def test_snippet_form_refuses_an_empty_message_and_writes_nothing(client_as_bob, page):
    response = client_as_bob.post("/manage/snippets/new/", {"name": "Still on it", "body": ""})
    assert "This field is required." in response.text
    assert UpdateSnippet.objects.count() == 0


def test_template_of_another_page_is_a_404_everywhere(client_as_bob, page):
    other = services.create_page(by=None, name="Other")
    theirs = services.save_incident_template(other, by=None, name="Theirs")
    for url in (
        f"/manage/templates/{theirs.pk}/",
        f"/manage/templates/{theirs.pk}/delete/",
        f"/manage/incidents/new/?template={theirs.pk}",
    ):
        assert client_as_bob.get(url).status_code == 404
    assert client_as_bob.post(f"/manage/templates/{theirs.pk}/delete/").status_code == 404
    assert IncidentTemplate.objects.count() == 1


def test_template_prefills_create_incident(client_as_bob, page, make_component):
    email = make_component("Email")
    template = services.save_incident_template(
        page,
        by=None,
        name="Email delays",
        title="Email delivery delayed",
        impact="minor",
        components=[email],
        body="Mail is slow.",
    )
    response = client_as_bob.get(f"/manage/incidents/new/?template={template.pk}")
    assert 'value="Email delivery delayed"' in response.text
    assert "Filled in from “Email delays”" in response.text
    assert f'value="{email.pk}" id="affected-{email.pk}" checked' in response.text
    assert 'id="id_impact_minor" value="minor" checked' in response.text


@pytest.mark.parametrize("count", [1, 3])
def test_templates_list_query_count(client_as_bob, page, make_component, count):
    email = make_component("Email")
    for i in range(count):
        services.save_incident_template(page, by=None, name=f"T{i}", components=[email])
        services.save_snippet(page, by=None, name=f"S{i}", body="Still working.")
    with CaptureQueriesContext(connection) as queries:
        response = client_as_bob.get("/manage/templates/")
    assert response.status_code == 200
    assert len(queries) == QUERIES_TEMPLATE_LIST


# Session, user, page, templates, their components, snippets.
QUERIES_TEMPLATE_LIST = 7  # with the time zone's query (candor/manage/zone.py)
