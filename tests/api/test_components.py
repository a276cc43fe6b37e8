from candor.core import services
from candor.core.models import Component, ComponentGroup


def test_api_creates_a_component(page, api):
    response = api.post(
        f"pages/{page.pk}/components",
        {
            "component": {
                "name": "Help Desk",
                "description": "Tickets",
                "status": "degraded_performance",
                "showcase": False,
                "start_date": "2026-01-02",
            }
        },
    )
    body = response.json()
    assert response.status_code == 201
    assert (body["name"], body["status"], body["showcase"], body["start_date"]) == (
        "Help Desk",
        "degraded_performance",
        False,
        "2026-01-02",
    )
    assert (body["page_id"], body["group"]) == (page.pk, False)


def test_api_lists_components_with_groups(page, api, make_component):
    email = make_component("Email")
    services.create_group(page, by=None, name="Mail", components=[email])
    make_component("Help Desk")
    response = api.get(f"pages/{page.pk}/components")
    assert sorted((c["name"], c["group"]) for c in response.json()) == [
        ("Email", False),
        ("Help Desk", False),
        ("Mail", True),
    ]


def test_api_component_list_pages_with_per_page(page, api, make_component):
    for name in ("A", "B", "C"):
        make_component(name)
    first = api.call("GET", f"pages/{page.pk}/components", None)
    response = api.client.get(
        f"/v1/pages/{page.pk}/components{api.suffix}?page=2&per_page=2",
        HTTP_AUTHORIZATION=f"OAuth {api.key}",
    )
    assert len(first.json()) == 3
    assert [c["name"] for c in response.json()] == ["C"]


def test_api_gets_updates_and_deletes_a_component(page, api, make_component):
    component = make_component("Help Desk")
    path = f"pages/{page.pk}/components/{component.pk}"
    got = api.get(path)
    patched = api.patch(path, {"component": {"status": "major_outage", "name": "Helpdesk"}})
    put = api.put(path, {"component": {"description": "Tickets", "status": ""}})
    deleted = api.delete(path)
    assert (got.status_code, got.json()["id"]) == (200, component.pk)
    assert (patched.json()["status"], patched.json()["name"]) == ("major_outage", "Helpdesk")
    assert (put.json()["description"], put.json()["status"]) == ("Tickets", "major_outage")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert Component.objects.count() == 0


def test_api_moves_a_component_into_and_out_of_a_group(page, api, make_component):
    component = make_component("Email")
    group = services.create_group(page, by=None, name="Mail")
    path = f"pages/{page.pk}/components/{component.pk}"
    grouped = api.patch(path, {"component": {"group_id": group.pk}})
    ungrouped = api.patch(path, {"component": {"group_id": None}})
    assert (grouped.json()["group_id"], ungrouped.json()["group_id"]) == (group.pk, None)


def test_api_component_validation_error_writes_nothing(page, api, make_component):
    component = make_component("Email")
    created = api.post(f"pages/{page.pk}/components", {"component": {"name": ""}})
    bad_status = api.patch(
        f"pages/{page.pk}/components/{component.pk}",
        {"component": {"name": "Mail", "status": "on_fire"}},
    )
    bad_group = api.post(
        f"pages/{page.pk}/components", {"component": {"name": "X", "group_id": "nope"}}
    )
    assert [created.status_code, bad_status.status_code, bad_group.status_code] == [422] * 3
    assert list(Component.objects.values_list("name", "status")) == [("Email", "operational")]


def test_api_component_group_crud(page, api, make_component):
    email, chat = make_component("Email"), make_component("Chat")
    created = api.post(
        f"pages/{page.pk}/component-groups",
        {"component_group": {"name": "Messaging", "components": [email.pk, chat.pk]}},
    )
    group_id = created.json()["id"]
    path = f"pages/{page.pk}/component-groups/{group_id}"
    listed = api.get(f"pages/{page.pk}/component-groups")
    got = api.get(path)
    patched = api.patch(
        path,
        {"component_group": {"name": "Talk", "components": [chat.pk]}, "description": "People"},
    )
    deleted = api.delete(path)
    assert created.status_code == 201
    assert sorted(created.json()) == sorted(
        [
            "id",
            "page_id",
            "name",
            "description",
            "components",
            "position",
            "created_at",
            "updated_at",
        ]
    )
    assert created.json()["components"] == [email.pk, chat.pk]
    assert [g["name"] for g in listed.json()] == ["Messaging"]
    assert got.json()["id"] == group_id
    assert (patched.json()["name"], patched.json()["components"]) == ("Talk", [chat.pk])
    assert patched.json()["description"] == "People"
    assert (deleted.status_code, deleted.json()["id"]) == (200, group_id)
    assert (ComponentGroup.objects.count(), Component.objects.count()) == (0, 2)


def test_api_component_group_with_unknown_component_writes_nothing(page, api):
    response = api.post(
        f"pages/{page.pk}/component-groups",
        {"component_group": {"name": "Messaging", "components": ["nope"]}},
    )
    assert response.status_code == 422
    assert ComponentGroup.objects.count() == 0
