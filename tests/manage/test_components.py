import pytest

from candor.core import services
from candor.core.models import Component, ComponentGroup


def test_components_tab_lists_effective_and_baseline_status_and_drivers(
    client_as_bob, page, make_component
):
    component = make_component("Ticket Submission")
    incident = services.declare_incident(
        page, by=None, name="DB down", impact="critical", components=[component]
    )
    html = client_as_bob.get("/manage/components/").content.decode()
    assert "Ticket Submission" in html
    assert "Major Outage" in html and "Operational" in html
    assert f'href="/manage/incidents/{incident.pk}/">DB down</a>' in html


def test_component_create(client_as_bob, page):
    group = services.create_group(page, by=None, name="Help Desk")
    response = client_as_bob.post(
        "/manage/components/new/",
        {
            "name": "Live Chat",
            "description": "",
            "group": group.pk,
            "status": "under_maintenance",
            "showcase": "on",
        },
    )
    component = Component.objects.get()
    assert response["Location"] == "/manage/components/"
    assert (component.name, component.group, component.baseline_status, component.status) == (
        "Live Chat",
        group,
        "under_maintenance",
        "under_maintenance",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 256}, "name", "Ensure this value has at most 255 characters"),
        ({"status": "broken"}, "status", "Select a valid choice."),
        ({"group": "nope"}, "group", "Select a valid choice."),
    ],
)
def test_component_create_rejects_bad_input(client_as_bob, page, data, field, message):
    response = client_as_bob.post(
        "/manage/components/new/", {"name": "API", "status": "operational", **data}
    )
    assert any(message in e for e in response.context["form"].errors[field])
    assert Component.objects.count() == 0


def test_component_create_refuses_group_of_another_page(client_as_bob, page):
    other = services.create_page(by=None, name="Other")
    group = services.create_group(other, by=None, name="Elsewhere")
    response = client_as_bob.post(
        "/manage/components/new/", {"name": "API", "status": "operational", "group": group.pk}
    )
    assert response.context["form"].errors["group"]
    assert Component.objects.count() == 0


def test_component_edit_sets_baseline_and_effective_follows(client_as_bob, page, make_component):
    component = make_component("API")
    services.declare_incident(page, by=None, name="x", impact="minor", components=[component])
    client_as_bob.post(
        f"/manage/components/{component.pk}/",
        {"name": "Public API", "status": "major_outage", "showcase": "on"},
    )
    component.refresh_from_db()
    assert (component.name, component.baseline_status, component.status) == (
        "Public API",
        "major_outage",
        "major_outage",
    )


def test_component_edit_escapes_script_name(client_as_bob, page, make_component):
    component = make_component("API")
    client_as_bob.post(
        f"/manage/components/{component.pk}/",
        {"name": "<script>alert(1)</script>", "status": "operational"},
    )
    html = client_as_bob.get("/manage/components/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_component_delete_confirms_then_deletes(client_as_bob, page, make_component):
    component = make_component("API")
    html = client_as_bob.get(f"/manage/components/{component.pk}/delete/").content.decode()
    assert "permanently deletes the component" in html
    client_as_bob.post(f"/manage/components/{component.pk}/delete/")
    assert Component.objects.count() == 0


def test_component_reorder_moves_within_group(client_as_bob, page, make_component):
    make_component("A"), make_component("B")
    c = make_component("C")
    client_as_bob.post(
        "/manage/components/reorder/", {"kind": "component", "id": c.pk, "direction": "up"}
    )
    names = list(Component.objects.order_by("position").values_list("name", flat=True))
    assert names == ["A", "C", "B"]


def test_group_create_edit_reorder_delete_keeps_components(client_as_bob, page, make_component):
    client_as_bob.post("/manage/groups/new/", {"name": "Help Desk", "description": ""})
    client_as_bob.post("/manage/groups/new/", {"name": "Communication"})
    first, second = ComponentGroup.objects.order_by("position")
    component = make_component("Email", group=second)
    client_as_bob.post(f"/manage/groups/{second.pk}/", {"name": "Comms", "description": "x"})
    client_as_bob.post(
        "/manage/components/reorder/", {"kind": "group", "id": second.pk, "direction": "up"}
    )
    names = list(ComponentGroup.objects.order_by("position").values_list("name", flat=True))
    assert names == ["Comms", "Help Desk"]
    html = client_as_bob.get(f"/manage/groups/{second.pk}/delete/").content.decode()
    assert "Its components are kept, ungrouped." in html
    client_as_bob.post(f"/manage/groups/{second.pk}/delete/")
    component.refresh_from_db()
    assert (ComponentGroup.objects.count(), component.group) == (1, None)


def test_group_create_requires_name(client_as_bob, page):
    response = client_as_bob.post("/manage/groups/new/", {"name": " "})
    assert response.context["form"].errors["name"] == ["This field is required."]
    assert ComponentGroup.objects.count() == 0


def test_components_query_count_does_not_grow(
    client_as_bob, page, make_component, django_assert_max_num_queries
):
    for n in (1, 3):
        for i in range(n):
            group = services.create_group(page, by=None, name=f"G{n}{i}")
            c = make_component(f"C{n}{i}", group=group)
            services.declare_incident(
                page, by=None, name=f"I{n}{i}", impact="minor", components=[c]
            )
        with django_assert_max_num_queries(8):
            assert client_as_bob.get("/manage/components/").status_code == 200
