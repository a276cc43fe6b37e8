"""A page with every kind of thing the public documents show, built through the services."""

from datetime import timedelta

from django.utils import timezone

from candor.core import services


def full_page(page):
    group = services.create_group(page, by=None, name="Help Desk")
    tickets = services.create_component(
        page, by=None, name="Ticket Submission", group=group, description="Creating tickets"
    )
    chat = services.create_component(page, by=None, name="Live Chat", group=group)
    email = services.create_component(page, by=None, name="Email")
    live = services.declare_incident(
        page,
        by=None,
        name="Help Desk Ticket Submission Disrupted",
        impact="major",
        components=[tickets],
        message="We are aware of reports that help desk ticket submission is failing.",
    )
    services.post_update(
        live, by=None, status="identified", message="A database connectivity issue."
    )
    now = timezone.now()
    past = services.declare_incident(
        page,
        by=None,
        name="Delayed email notifications",
        status="resolved",
        impact="minor",
        components=[email],
        message="Emails were delayed by up to 20 minutes.",
        started_at=now - timedelta(days=2, hours=1),
        resolved_at=now - timedelta(days=2),
    )
    services.save_postmortem(
        past, by=None, title="Post-incident report", summary="A queue filled up."
    )
    services.publish_postmortem(past, by=None)
    bare = services.declare_incident(page, by=None, name="Slow logins", impact="minor")
    return {
        "group": group,
        "tickets": tickets,
        "chat": chat,
        "email": email,
        "live": live,
        "past": past,
        "bare": bare,
    }
