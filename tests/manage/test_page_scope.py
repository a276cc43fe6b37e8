"""The management UI manages one page, the default one: another page's data does not exist there.

Roles are install-wide, so nothing per user could say which pages a Responder may see; the rule
is the page, decided in candor.manage.common (docs/decisions.md, "Pages and roles").
"""

import pytest

from candor.core import services, subscriptions
from candor.core.models import AuditEntry, Incident, Page, Subscriber


@pytest.fixture
def other_page(page):
    assert page.is_default
    return services.create_page(by=None, name="Secret Status")


@pytest.fixture
def theirs(other_page):
    """Another page's incident, component and subscriber."""
    component = services.create_component(other_page, by=None, name="Secret database")
    incident = services.declare_incident(
        other_page, by=None, name="Secret outage", components=[component], impact="major"
    )
    subscriber, _ = subscriptions.add_subscriber(
        other_page, by=None, mode="email", email="secret@example.com"
    )
    return {"component": component, "incident": incident, "subscriber": subscriber}


@pytest.mark.parametrize("client_name", ["client_as_bob", "client_as_alice"])
def test_page_id_in_the_query_does_not_show_another_pages_subscribers(
    request, other_page, theirs, client_name
):
    client = request.getfixturevalue(client_name)
    response = client.get("/manage/subscribers/", {"page_id": other_page.pk})
    assert response.status_code == 200
    assert b"secret@example.com" not in response.content
    assert response.context["page"].is_default


def test_adding_a_subscriber_with_another_page_id_adds_it_to_the_managed_page(
    client_as_bob, page, other_page
):
    response = client_as_bob.post(
        "/manage/subscribers/add/",
        {"mode": "email", "email": "ann@example.com", "page_id": other_page.pk},
    )
    assert response.status_code == 302
    assert Subscriber.objects.get(email="ann@example.com").page_id == page.pk


def test_another_pages_objects_are_not_found(client_as_bob, theirs):
    incident, update = theirs["incident"], theirs["incident"].updates.get()
    urls = [
        f"/manage/incidents/{incident.pk}/",
        f"/manage/incidents/{incident.pk}/rename/",
        f"/manage/incidents/{incident.pk}/delete/",
        f"/manage/incidents/{incident.pk}/update/",
        f"/manage/incidents/{incident.pk}/postmortem/",
        f"/manage/components/{theirs['component'].pk}/",
        f"/manage/subscribers/deliveries/{update.pk}/",
    ]
    for url in urls:
        response = client_as_bob.get(url)
        assert (url, response.status_code) == (url, 404)
        assert b"Secret outage" not in response.content


def test_another_pages_objects_cannot_be_changed(client_as_bob, theirs):
    incident, subscriber = theirs["incident"], theirs["subscriber"]
    audit_before = AuditEntry.objects.count()
    posts = [
        (f"/manage/incidents/{incident.pk}/rename/", {"name": "Renamed"}),
        (f"/manage/incidents/{incident.pk}/delete/", {}),
        (
            f"/manage/incidents/{incident.pk}/update/",
            {"status": "resolved", "message": "Fixed", "impact": "major"},
        ),
        (f"/manage/subscribers/{subscriber.pk}/remove/", {}),
        (f"/manage/subscribers/{subscriber.pk}/resend/", {}),
        (f"/manage/subscribers/{subscriber.pk}/reactivate/", {}),
        (f"/manage/subscribers/deliveries/{incident.updates.get().pk}/retry/", {}),
    ]
    for url, data in posts:
        assert (url, client_as_bob.post(url, data).status_code) == (url, 404)
    incident.refresh_from_db()
    assert (incident.name, incident.status) == ("Secret outage", "investigating")
    assert Subscriber.objects.get(pk=subscriber.pk).state == "active"
    assert AuditEntry.objects.count() == audit_before


def test_audit_log_shows_only_the_managed_pages_and_install_wide_entries(
    client_as_alice, alice, page, theirs
):
    services.create_component(page, by=alice, name="Our API")
    services.create_user(by=alice, username="newbie", email="n@example.com", password="pw-Long-1!x")
    text = client_as_alice.get("/manage/audit/").content.decode()
    assert "Our API" in text and "newbie" in text
    assert "Secret" not in text


def test_a_get_never_creates_a_page(alice, client):
    client.force_login(alice)  # no `page` fixture: there is no page yet
    for url in ("/manage/", "/manage/components/", "/manage/subscribers/", "/manage/settings/"):
        response = client.get(url)
        assert (url, response.status_code) == (url, 404)
    assert client.head("/manage/audit/").status_code == 404
    assert Page.objects.count() == 0
    # Pages that are not about a page still work without one.
    assert client.get("/manage/users/").status_code == 200
    assert client.get("/manage/api-keys/").status_code == 200


def test_a_first_write_creates_the_default_page(alice, client):
    client.force_login(alice)  # no `page` fixture: there is no page yet
    response = client.post("/manage/components/new/", {"name": "Email", "status": "operational"})
    assert response.status_code == 302
    assert Page.objects.get().is_default
    assert Incident.objects.count() == 0
