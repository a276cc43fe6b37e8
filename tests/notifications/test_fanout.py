from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from candor.core import services, subscriptions
from candor.core.models import Delivery
from candor.core.services.base import now
from tests.support.processes import drain


def incident_bodies(receiver, path="/hook"):
    return [r.json for r in receiver.at(path) if "incident" in r.json]


@pytest.fixture
def timeline(page, make_component):
    """Create plus three updates, the seed's example sequence."""

    def run(components, **kwargs):
        incident = services.declare_incident(
            page,
            by=None,
            name="Help Desk Ticket Submission Disrupted",
            impact="major",
            components=components,
            message="We are aware of reports that help desk ticket submission is failing.",
            **kwargs,
        )
        for status, message in [
            ("identified", "We have identified a database connectivity issue."),
            ("monitoring", "The database issue has been resolved. We are monitoring."),
            ("resolved", "Help desk ticket submission is fully operational."),
        ]:
            services.post_update(incident, by=None, status=status, message=message, **kwargs)
        return incident

    return run


def test_fanout_each_confirmed_subscriber_gets_every_update_in_order(
    page, make_component, smtp, receiver, fast, subscribe, timeline
):
    help_desk, email_component = make_component("Help Desk"), make_component("Email")
    subscribe("all@example.com")
    subscribe("helpdesk@example.com", components=[help_desk])
    subscribe("other@example.com", components=[email_component])
    hook = subscribe(endpoint=receiver.url("/hook"))
    subscriptions.subscribe_email(page, email="pending@example.com")

    timeline([help_desk])
    drain()

    expected = [
        "[Investigating] Help Desk Ticket Submission Disrupted",
        "[Identified] Help Desk Ticket Submission Disrupted",
        "[Monitoring] Help Desk Ticket Submission Disrupted",
        "[Resolved] Help Desk Ticket Submission Disrupted",
    ]
    assert [m["Subject"] for m in smtp.handler.to("all@example.com")] == expected
    assert [m["Subject"] for m in smtp.handler.to("helpdesk@example.com")] == expected
    assert smtp.handler.to("other@example.com") == []
    assert [m["Subject"] for m in smtp.handler.to("pending@example.com")] == [
        "Confirm your subscription to Acme Status"
    ]
    bodies = incident_bodies(receiver)
    assert [b["incident"]["status"] for b in bodies] == [
        "investigating",
        "identified",
        "monitoring",
        "resolved",
    ]
    assert [len(b["incident"]["incident_updates"]) for b in bodies] == [1, 2, 3, 4]
    signer = Webhook(hook.secret)
    for request in receiver.at("/hook"):
        signer.verify(request.body, request.headers)


def test_fanout_webhook_subscribers_hear_component_status_changes(
    page, make_component, smtp, receiver, fast, subscribe, timeline
):
    help_desk = make_component("Help Desk")
    subscribe(endpoint=receiver.url("/hook"))

    timeline([help_desk])
    drain()

    changes = [r.json for r in receiver.at("/hook") if "component" in r.json]
    assert [
        (c["component_update"]["old_status"], c["component_update"]["new_status"]) for c in changes
    ] == [
        ("operational", "partial_outage"),
        ("partial_outage", "operational"),
    ]
    assert changes[0]["component"]["id"] == help_desk.pk
    assert changes[0]["page"]["id"] == page.pk


def test_fanout_notify_unticked_tells_nobody(
    page, make_component, smtp, receiver, fast, subscribe, timeline
):
    subscribe("all@example.com")
    subscribe(endpoint=receiver.url("/hook"))

    timeline([make_component("Help Desk")], notify=False)
    drain()

    assert (Delivery.objects.count(), smtp.messages, receiver.requests) == (0, [], [])


def test_fanout_retroactive_incident_and_postmortem_tell_nobody(
    page, make_component, smtp, receiver, fast, subscribe
):
    subscribe("all@example.com")
    subscribe(endpoint=receiver.url("/hook"))
    incident = services.declare_incident(
        page,
        by=None,
        name="Brief outage last night",
        status="resolved",
        impact="critical",
        components=[make_component("Help Desk")],
        started_at=now() - timedelta(hours=5),
        resolved_at=now() - timedelta(hours=4),
    )
    services.save_postmortem(incident, by=None, title="What happened", summary="A disk filled.")
    services.publish_postmortem(incident, by=None)

    drain()

    assert (Delivery.objects.count(), smtp.messages, receiver.requests) == (0, [], [])


def test_fanout_incident_without_components_goes_to_everyone(
    page, make_component, smtp, fast, subscribe
):
    subscribe("limited@example.com", components=[make_component("Email")])

    services.declare_incident(page, by=None, name="Something is off")
    drain()

    assert [m["Subject"] for m in smtp.handler.to("limited@example.com")] == [
        "[Investigating] Something is off"
    ]


def test_webhooks_are_claimed_before_the_emails_of_the_same_update(page, subscribe, receiver):
    from candor.core.worker import claim

    for i in range(3):
        subscribe(f"user{i}@example.com")
    hook = subscribe(endpoint=receiver.url("/hook"))
    services.declare_incident(page, by=None, name="Outage")

    [first] = claim(1)

    assert first.subscriber_id == hook.pk
