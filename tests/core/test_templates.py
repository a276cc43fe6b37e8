"""Incident templates and update snippets: the services validate before writing anything."""

import pytest
from django.core.exceptions import ValidationError

from candor.core import services
from candor.core.models import AuditEntry, IncidentTemplate, UpdateSnippet


def test_template_saves_and_changes_only_given_fields(page, make_component):
    email = make_component("Email")
    template = services.save_incident_template(
        page,
        by=None,
        name="Email delays",
        title="Email delivery delayed",
        status="identified",
        impact="minor",
        body="Mail is **slow**.",
        components=[email],
        notify=False,
    )
    services.save_incident_template(page, by=None, template=template, title="Mail slow")
    template = IncidentTemplate.objects.get()
    assert (template.name, template.title, template.status, template.impact) == (
        "Email delays",
        "Mail slow",
        "identified",
        "minor",
    )
    assert (list(template.components.all()), template.notify) == ([email], False)
    assert AuditEntry.objects.filter(action="template.save").count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x", "status": "postmortem"}, "status"),
        ({"name": "x", "impact": "huge"}, "impact"),
        ({"name": "x", "title": "t" * 256}, "title"),
        ({"name": "x", "body": "bad \x01"}, "body"),
    ],
)
def test_template_bad_input_names_the_field_and_writes_nothing(page, fields, field):
    with pytest.raises(ValidationError) as error:
        services.save_incident_template(page, by=None, **fields)
    assert list(error.value.message_dict) == [field]
    assert IncidentTemplate.objects.count() == 0
    assert not AuditEntry.objects.filter(action="template.save").exists()


def test_template_refuses_another_pages_component(page, other_page):
    theirs = services.create_component(other_page, by=None, name="Theirs")
    with pytest.raises(ValidationError) as error:
        services.save_incident_template(page, by=None, name="x", components=[theirs])
    assert list(error.value.message_dict) == ["components"]
    assert IncidentTemplate.objects.count() == 0


def test_snippet_needs_a_name_and_a_message(page):
    for fields, field in (({"name": "", "body": "b"}, "name"), ({"name": "n", "body": ""}, "body")):
        with pytest.raises(ValidationError) as error:
            services.save_snippet(page, by=None, **fields)
        assert list(error.value.message_dict) == [field]
    assert UpdateSnippet.objects.count() == 0
    snippet = services.save_snippet(page, by=None, name="Still on it", body="Still investigating.")
    assert (snippet.status, snippet.body) == ("", "Still investigating.")
    services.save_snippet(page, by=None, snippet=snippet, status="identified")
    assert UpdateSnippet.objects.get().status == "identified"
    services.delete_snippet(snippet, by=None)
    assert UpdateSnippet.objects.count() == 0
