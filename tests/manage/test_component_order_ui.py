"""The Components tab's arrows and drops, without a browser: they say what moved."""

from candor.core import services
from candor.core.models import Component, ComponentGroup
from candor.core.queries import components_by_group


def names(page):
    return [
        (group.name if group else None, [c.name for c in components])
        for group, components in components_by_group(page)
    ]


def test_move_group_up_past_a_component_says_where_it_went(client_as_alice, page):
    services.create_component(page, by=None, name="Status")
    core = services.create_group(page, by=None, name="Core Platform")
    services.create_component(page, by=None, name="API", group=core)
    response = client_as_alice.post(
        "/manage/components/reorder/",
        {"kind": "group", "id": core.pk, "direction": "up"},
        follow=True,
    )
    assert "Moved Core Platform up: now at the top of the list." in response.text
    assert names(page) == [("Core Platform", ["API"]), (None, ["Status"])]


def test_move_at_the_top_says_nothing_moved(client_as_alice, page):
    status = services.create_component(page, by=None, name="Status")
    response = client_as_alice.post(
        "/manage/components/reorder/",
        {"kind": "component", "id": status.pk, "direction": "up"},
        follow=True,
    )
    assert "Status is already at the top; nothing moved." in response.text


def test_drop_above_a_grouped_row_joins_the_group(client_as_alice, page):
    core = services.create_group(page, by=None, name="Core Platform")
    api = services.create_component(page, by=None, name="API", group=core)
    email = services.create_component(page, by=None, name="Email")
    response = client_as_alice.post(
        "/manage/components/reorder/",
        {"kind": "component", "id": email.pk, "before": api.pk},
        follow=True,
    )
    assert "Moved Email: now in Core Platform, first." in response.text
    assert Component.objects.get(pk=email.pk).group_id == core.pk
    assert ComponentGroup.objects.get().components.count() == 2


def test_move_of_another_pages_component_is_a_404(client_as_alice, page):
    other = services.create_page(by=None, name="Other")
    theirs = services.create_component(other, by=None, name="Theirs")
    response = client_as_alice.post(
        "/manage/components/reorder/", {"kind": "component", "id": theirs.pk, "direction": "up"}
    )
    assert response.status_code == 404
