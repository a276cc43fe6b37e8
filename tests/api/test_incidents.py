from datetime import timedelta

from django.utils import timezone

from candor.core import services
from candor.core.models import (
    AuditEntry,
    Component,
    Delivery,
    Incident,
    IncidentUpdate,
)


def _create(api, page, **fields):
    return api.post(f"pages/{page.pk}/incidents", {"incident": fields})


def test_api_creates_an_incident_with_components_and_first_update(page, api, make_component):
    help_desk, email = make_component("Help Desk"), make_component("Email")
    response = _create(
        api,
        page,
        name="Help Desk Ticket Submission Disrupted",
        status="investigating",
        body="We are investigating.",
        component_ids=[help_desk.pk, email.pk],
        components={help_desk.pk: "major_outage"},
    )
    body = response.json()
    assert response.status_code == 201
    assert (body["name"], body["status"], body["impact"]) == (
        "Help Desk Ticket Submission Disrupted",
        "investigating",
        "critical",
    )
    assert [u["body"] for u in body["incident_updates"]] == ["We are investigating."]
    assert sorted(c["name"] for c in body["components"]) == ["Email", "Help Desk"]
    # Email has no status of its own: it follows the impact (critical → major_outage).
    assert dict(Component.objects.values_list("name", "status")) == {
        "Help Desk": "major_outage",
        "Email": "major_outage",
    }


def test_api_incident_impact_override_sets_impact_and_component_status(page, api, make_component):
    help_desk = make_component("Help Desk")
    response = _create(
        api, page, name="Slow", impact_override="minor", component_ids=[help_desk.pk]
    )
    assert (response.json()["impact"], response.json()["impact_override"]) == ("minor", "minor")
    assert Component.objects.get().status == "degraded_performance"


def test_api_incident_impact_follows_worst_component_status(page, api, make_component):
    a, b = make_component("A"), make_component("B")
    response = _create(
        api, page, name="x", components={a.pk: "degraded_performance", b.pk: "partial_outage"}
    )
    assert response.json()["impact"] == "major"


def test_api_incident_without_components_has_impact_none(page, api):
    response = _create(api, page, name="Something odd")
    assert (response.json()["impact"], response.json()["components"]) == ("none", [])


def test_api_incident_deliver_notifications_false_notifies_nobody(page, api):
    services_sub = _subscriber(page)
    response = _create(api, page, name="Quiet", deliver_notifications=False)
    notified = _create(api, page, name="Loud")
    assert response.json()["incident_updates"][0]["deliver_notifications"] is False
    assert Delivery.objects.filter(subscriber=services_sub).count() == 1
    assert notified.json()["incident_updates"][0]["deliver_notifications"] is True


def _subscriber(page):
    from candor.core.models import Subscriber

    now = timezone.now()
    # Fixture data for the fan-out, as the subscriptions service would leave it.
    return Subscriber.objects.create(
        page=page,
        mode="email",
        email="c@example.com",
        state="active",
        created_at=now,
        updated_at=now,
    )


def test_api_backfilled_incident_is_retroactive(page, api, make_component):
    help_desk = make_component("Help Desk")
    response = _create(
        api,
        page,
        name="Last week",
        backfilled=True,
        backfill_date="2026-01-05",
        component_ids=[help_desk.pk],
        impact_override="critical",
    )
    body = response.json()
    assert (response.status_code, body["status"], body["backfilled"]) == (201, "resolved", True)
    assert body["started_at"] == "2026-01-05T00:00:00.000+01:00"
    assert Component.objects.get().status == "operational"


def test_api_resolved_incident_with_times_is_retroactive(page, api):
    start = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    end = start + timedelta(hours=1)
    response = _create(
        api,
        page,
        name="Brief outage",
        status="resolved",
        started_at=start.isoformat(),
        resolved_at=end.isoformat(),
        body="It was down for an hour.",
    )
    incident = Incident.objects.get()
    assert response.status_code == 201
    assert (incident.backfilled, incident.started_at, incident.resolved_at) == (True, start, end)
    assert Delivery.objects.count() == 0


def test_api_incident_validation_error_writes_nothing(page, api, make_component):
    help_desk = make_component("Help Desk")
    attempts = [
        _create(api, page, name=""),
        _create(api, page, name="x", status="exploded"),
        _create(api, page, name="x", impact_override="apocalyptic"),
        _create(api, page, name="x", component_ids=["nope"]),
        _create(api, page, name="x", components={help_desk.pk: "on_fire"}),
        _create(api, page, name="x", status="resolved"),
        _create(api, page, name="x", status="scheduled"),
        _create(api, page, name="x", started_at="yesterday-ish"),
    ]
    assert [r.status_code for r in attempts] == [422] * 8
    assert (Incident.objects.count(), IncidentUpdate.objects.count()) == (0, 0)
    assert AuditEntry.objects.filter(action__startswith="incident").count() == 0
    assert Component.objects.get().status == "operational"


def test_api_incident_body_too_long_is_reported_as_body(page, api):
    response = _create(api, page, name="x", body="a" * 25001)
    assert (response.status_code, list(response.json()["errors"])) == (422, ["body"])


def test_api_patch_status_and_body_make_one_update(page, api, make_component):
    help_desk = make_component("Help Desk")
    incident = services.declare_incident(
        page, by=None, name="Down", impact="critical", components=[help_desk]
    )
    response = api.patch(
        f"pages/{page.pk}/incidents/{incident.pk}",
        {"incident": {"status": "identified", "body": "Found it."}},
    )
    body = response.json()
    assert response.status_code == 200
    assert [(u["status"], u["body"]) for u in body["incident_updates"]] == [
        ("identified", "Found it."),
        ("investigating", ""),
    ]
    assert body["status"] == "identified"


def test_api_put_resolves_and_components_return(page, api, make_component):
    help_desk = make_component("Help Desk")
    incident = services.declare_incident(
        page, by=None, name="Down", impact="critical", components=[help_desk]
    )
    response = api.put(
        f"pages/{page.pk}/incidents/{incident.pk}",
        {"incident": {"status": "resolved", "body": "Fixed."}},
    )
    assert (response.json()["status"], response.json()["impact"]) == ("resolved", "critical")
    assert Component.objects.get().status == "operational"


def test_api_patch_name_only_renames_without_an_update(page, api):
    incident = services.declare_incident(page, by=None, name="Down")
    response = api.patch(f"pages/{page.pk}/incidents/{incident.pk}", {"incident": {"name": "Up"}})
    assert (response.json()["name"], len(response.json()["incident_updates"])) == ("Up", 1)


def test_api_patch_components_change_status_and_impact(page, api, make_component):
    help_desk = make_component("Help Desk")
    incident = services.declare_incident(page, by=None, name="Down", components=[help_desk])
    response = api.patch(
        f"pages/{page.pk}/incidents/{incident.pk}",
        {"incident": {"components": {help_desk.pk: "partial_outage"}}},
    )
    assert response.json()["impact"] == "major"
    assert Component.objects.get().status == "partial_outage"


def test_api_patch_validation_error_writes_nothing(page, api):
    incident = services.declare_incident(page, by=None, name="Down")
    response = api.patch(
        f"pages/{page.pk}/incidents/{incident.pk}",
        {"incident": {"name": "Renamed", "status": "postmortem"}},
    )
    incident.refresh_from_db()
    assert response.status_code == 422
    assert (incident.name, incident.updates.count()) == ("Down", 1)


def test_api_lists_incidents_with_q_and_paging(page, api):
    for name in ("Email down", "Chat slow", "Email slow"):
        services.declare_incident(page, by=None, name=name)
    everything = api.get(f"pages/{page.pk}/incidents")
    found = api.client.get(
        f"/v1/pages/{page.pk}/incidents{api.suffix}?q=email&per_page=1&page=2",
        HTTP_AUTHORIZATION=f"OAuth {api.key}",
    )
    limited = api.client.get(
        f"/v1/pages/{page.pk}/incidents{api.suffix}?limit=2",
        HTTP_AUTHORIZATION=f"OAuth {api.key}",
    )
    assert len(everything.json()) == 3
    assert len(found.json()) == 1 and "Email" in found.json()[0]["name"]
    assert len(limited.json()) == 2


def test_api_bad_paging_is_a_400(page, api):
    response = api.client.get(
        f"/v1/pages/{page.pk}/incidents{api.suffix}?per_page=1000",
        HTTP_AUTHORIZATION=f"OAuth {api.key}",
    )
    assert response.status_code == 400


def test_api_lists_unresolved_incidents(page, api):
    live = services.declare_incident(page, by=None, name="Live")
    start = timezone.now() - timedelta(hours=2)
    services.declare_incident(page, by=None, name="Past", status="resolved", started_at=start)
    response = api.get(f"pages/{page.pk}/incidents/unresolved")
    assert [i["id"] for i in response.json()] == [live.pk]


def test_api_gets_an_incident_with_manage_fields(page, api):
    incident = services.declare_incident(page, by=None, name="Down")
    body = api.get(f"pages/{page.pk}/incidents/{incident.pk}").json()
    assert (body["id"], body["postmortem_body"], body["backfilled"]) == (incident.pk, None, False)
    assert "wants_twitter_update" in body["incident_updates"][0]


def test_api_delete_returns_the_incident(page, api, make_component):
    help_desk = make_component("Help Desk")
    incident = services.declare_incident(
        page, by=None, name="Down", impact="major", components=[help_desk]
    )
    response = api.delete(f"pages/{page.pk}/incidents/{incident.pk}")
    assert (response.status_code, response.json()["id"]) == (200, incident.pk)
    assert (Incident.objects.count(), Component.objects.get().status) == (0, "operational")


def test_api_edits_an_incident_update(page, api):
    start = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    incident = services.declare_incident(
        page, by=None, name="Down", message="Tpyo", started_at=start, display_at=start
    )
    update = incident.updates.get()
    later = start + timedelta(minutes=5)
    response = api.patch(
        f"pages/{page.pk}/incidents/{incident.pk}/incident_updates/{update.pk}",
        {"incident_update": {"body": "Typo", "display_at": later.isoformat()}},
    )
    update.refresh_from_db()
    assert (response.status_code, response.json()["body"]) == (200, "Typo")
    assert (update.body, update.display_at) == ("Typo", later)
    assert Incident.objects.get().last_update_at == later


def test_api_refuses_to_move_an_update_before_the_incident_started(page, api):
    incident = services.declare_incident(page, by=None, name="Down", message="Tpyo")
    update = incident.updates.get()
    earlier = (timezone.now() - timedelta(minutes=5)).replace(microsecond=0)
    response = api.patch(
        f"pages/{page.pk}/incidents/{incident.pk}/incident_updates/{update.pk}",
        {"incident_update": {"body": "Typo", "display_at": earlier.isoformat()}},
    )
    update.refresh_from_db()
    assert (response.status_code, list(response.json()["errors"])) == (422, ["display_at"])
    assert (update.body, update.display_at) == ("Tpyo", incident.started_at)
    assert not AuditEntry.objects.filter(action="incident_update.edit").exists()


def test_api_incident_update_of_another_incident_is_a_404(page, api):
    first = services.declare_incident(page, by=None, name="One")
    second = services.declare_incident(page, by=None, name="Two")
    update = second.updates.get()
    response = api.put(
        f"pages/{page.pk}/incidents/{first.pk}/incident_updates/{update.pk}",
        {"incident_update": {"body": "Hijack"}},
    )
    assert response.status_code == 404
    assert IncidentUpdate.objects.get(pk=update.pk).body == ""
