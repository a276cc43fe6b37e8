"""One ordering of components, as the list shows it: groups and ungrouped components in one
sequence, and moves that step through the visible list (services/ordering.py)."""

import pytest
from django.core.exceptions import ValidationError

from candor.core import services
from candor.core.models import AuditEntry, Component, ComponentGroup
from candor.core.queries import components_by_group
from candor.core.services import ordering


def shown(page):
    """The list as the Components tab and the public page show it."""
    rows = []
    for group, components in components_by_group(page):
        if group is not None:
            rows.append(group.name)
        rows += [f"  {c.name}" if group else c.name for c in components]
    return rows


@pytest.fixture
def layout_page(page):
    """Status (ungrouped), Core Platform (API, Web), Email (ungrouped), in that order."""
    services.create_component(page, by=None, name="Status")
    core = services.create_group(page, by=None, name="Core Platform")
    services.create_component(page, by=None, name="API", group=core)
    services.create_component(page, by=None, name="Web", group=core)
    services.create_component(page, by=None, name="Email")
    return page


def step(page, kind, name, direction):
    model = ComponentGroup if kind == "group" else Component
    item = model.objects.get(name=name)
    changed = ordering.move(ordering.current_layout(page), kind, item.pk, direction)
    if changed is not None:
        services.arrange_components(page, by=None, layout=changed, summary="test")
    return changed


def test_new_components_and_groups_join_the_end_of_one_sequence(layout_page):
    assert shown(layout_page) == ["Status", "Core Platform", "  API", "  Web", "Email"]


def test_a_group_moves_past_an_ungrouped_component(layout_page):
    # "Move Core Platform up did nothing": it now moves above Status.
    assert step(layout_page, "group", "Core Platform", "up") is not None
    assert shown(layout_page) == ["Core Platform", "  API", "  Web", "Status", "Email"]


def test_a_component_steps_into_along_and_out_of_a_group(layout_page):
    # "Move Email up jumped over a group": it now enters the group, one place at a time.
    step(layout_page, "component", "Email", "up")
    assert shown(layout_page) == ["Status", "Core Platform", "  API", "  Web", "  Email"]
    step(layout_page, "component", "Email", "up")
    assert shown(layout_page) == ["Status", "Core Platform", "  API", "  Email", "  Web"]
    step(layout_page, "component", "Email", "up")
    step(layout_page, "component", "Email", "up")
    assert shown(layout_page) == ["Status", "Email", "Core Platform", "  API", "  Web"]
    step(layout_page, "component", "Email", "up")
    assert shown(layout_page) == ["Email", "Status", "Core Platform", "  API", "  Web"]
    assert step(layout_page, "component", "Email", "up") is None


def test_place_before_joins_the_target_rows_group(layout_page):
    email = Component.objects.get(name="Email")
    web = Component.objects.get(name="Web")
    changed = ordering.place_before(
        ordering.current_layout(layout_page), "component", email.pk, web.pk
    )
    assert ordering.describe(changed, "component", email.pk) == "in Core Platform, after API"
    services.arrange_components(layout_page, by=None, layout=changed, summary="Moved Email")
    assert shown(layout_page) == ["Status", "Core Platform", "  API", "  Email", "  Web"]
    assert AuditEntry.objects.filter(action="component.reorder").get().summary == "Moved Email"


def test_arrange_refuses_a_layout_that_misses_a_component_and_writes_nothing(layout_page):
    layout = ordering.current_layout(layout_page)
    before = shown(layout_page)
    with pytest.raises(ValidationError) as error:
        services.arrange_components(layout_page, by=None, layout=layout[:-1], summary="x")
    assert list(error.value.message_dict) == ["layout"]
    assert shown(layout_page) == before
    assert not AuditEntry.objects.filter(action="component.reorder").exists()


def test_deleting_a_group_keeps_its_components_at_the_end(layout_page):
    services.delete_group(ComponentGroup.objects.get(), by=None)
    assert shown(layout_page) == ["Status", "Email", "API", "Web"]
