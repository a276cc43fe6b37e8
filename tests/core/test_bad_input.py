"""Bad input gives a validation error naming the field and writes nothing."""

import pytest
from django.core.exceptions import ValidationError

from candor.core import services
from candor.core.models import AffectedComponent, AuditEntry, Component, Incident, IncidentUpdate


def counts() -> tuple[int, ...]:
    return (
        Incident.objects.count(),
        IncidentUpdate.objects.count(),
        AffectedComponent.objects.count(),
        AuditEntry.objects.filter(action__startswith="incident").count(),
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"status": "exploded"}, "status"),
        ({"impact": "catastrophic"}, "impact"),
        ({"message": "x" * 25001}, "message"),
    ],
)
def test_declare_with_bad_field_is_refused_and_writes_nothing(page, make_component, kwargs, field):
    component = make_component()
    before = counts()
    arguments = {"name": "Outage", "components": [component], **kwargs}
    with pytest.raises(ValidationError) as error:
        services.declare_incident(page, by=None, **arguments)
    assert list(error.value.message_dict) == [field]
    assert counts() == before


def test_title_of_255_characters_is_accepted(page):
    incident = services.declare_incident(page, by=None, name="x" * 255)
    assert len(incident.name) == 255


def test_component_of_another_page_is_refused(page):
    other_page = services.create_page(by=None, name="Other")
    foreign = services.create_component(other_page, by=None, name="Foreign")
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.declare_incident(page, by=None, name="Outage", components=[foreign])
    assert list(error.value.message_dict) == ["components"]
    assert counts() == before
    assert Component.objects.get(pk=foreign.pk).status == "operational"


def test_update_with_component_of_another_page_is_refused(page):
    incident = services.declare_incident(page, by=None, name="Outage")
    foreign = services.create_component(
        services.create_page(by=None, name="Other"), by=None, name="X"
    )
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.post_update(incident, by=None, status="identified", components=[foreign])
    assert list(error.value.message_dict) == ["components"]
    assert counts() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "exploded"}, "status"),
        ({"status": "identified", "impact": "apocalyptic"}, "impact"),
        ({"status": "identified", "components": {"component": "on_fire"}}, "components"),
    ],
)
def test_update_with_bad_field_is_refused_and_writes_nothing(page, make_component, kwargs, field):
    component = make_component()
    incident = services.declare_incident(page, by=None, name="Outage", components=[component])
    if "components" in kwargs:
        kwargs["components"] = {component: kwargs["components"]["component"]}
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.post_update(incident, by=None, **kwargs)
    assert list(error.value.message_dict) == [field]
    assert counts() == before
    assert Incident.objects.get().status == "investigating"


def test_component_with_unknown_status_is_refused(page):
    with pytest.raises(ValidationError) as error:
        services.create_component(page, by=None, name="Help Desk", status="sideways")
    assert list(error.value.message_dict) == ["status"]
    assert Component.objects.count() == 0


def test_unknown_time_zone_is_refused(page):
    with pytest.raises(ValidationError) as error:
        services.update_page(page, by=None, time_zone="Mars/Olympus_Mons")
    assert list(error.value.message_dict) == ["time_zone"]
    page.refresh_from_db()
    assert page.time_zone == "Europe/Paris"
