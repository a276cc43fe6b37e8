from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from candor.core import services
from candor.core.enums import ComponentStatus, Impact, IncidentStatus
from candor.core.models import Component, ComponentGroup, Incident, Page

SEED_TITLE = "Help Desk Ticket Submission Disrupted"
RETRO_TITLE = "Delayed email notifications"

# The seed's Example Update Sequence.
SEQUENCE = [
    (
        (14, 5),
        IncidentStatus.INVESTIGATING,
        "We are aware of reports that help desk ticket submission is failing "
        "and are investigating.",
    ),
    (
        (14, 22),
        IncidentStatus.IDENTIFIED,
        "We have identified a database connectivity issue affecting ticket creation. "
        "A fix is being applied.",
    ),
    (
        (14, 45),
        IncidentStatus.MONITORING,
        "The database issue has been resolved. "
        "We are monitoring to confirm service is fully restored.",
    ),
    (
        (15, 0),
        IncidentStatus.RESOLVED,
        "Help desk ticket submission is fully operational. We apologize for the disruption.",
    ),
]

COMPONENTS = {
    "Help Desk": ["Ticket Submission", "Knowledge Base", "Live Chat"],
    "Communication": ["Email", "SMS Alerts"],
    None: ["Website", "API"],
}


class Command(BaseCommand):
    help = "Fill the default page with example components, incidents and a postmortem (idempotent)."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        page = services.ensure_default_page()
        components = self._components(page)
        if not Incident.objects.filter(page=page, name=SEED_TITLE).exists():
            self._seed_incident(page, components["Ticket Submission"])
        if not Incident.objects.filter(page=page, name=RETRO_TITLE).exists():
            self._retroactive(page, components["Email"])
        self.stdout.write(f"Demo data is on page {page.name!r} ({page.pk}).")

    def _components(self, page: Page) -> dict[str, Component]:
        found: dict[str, Component] = {}
        for group_name, names in COMPONENTS.items():
            group = None
            # A page that already has a component of that name ("Help Desk" is the seed's own
            # example) gets no group beside it: the demo's components go ungrouped instead.
            taken = bool(group_name) and (
                Component.objects.filter(page=page, name__iexact=group_name).exists()
            )
            if group_name and not taken:
                group = ComponentGroup.objects.filter(page=page, name__iexact=group_name).first()
                group = group or services.create_group(page, by=None, name=group_name)
            for name in names:
                component = Component.objects.filter(page=page, name__iexact=name).first()
                found[name] = component or services.create_component(
                    page, by=None, name=name, group=group
                )
        return found

    def _seed_incident(self, page: Page, component: Component) -> None:
        day = timezone.localdate(timezone=page.tz) - timedelta(days=1)

        def at(hm: tuple[int, int]) -> datetime:
            return datetime.combine(day, time(*hm), tzinfo=page.tz)

        (first_at, first_status, first_message), *rest = SEQUENCE
        incident = services.declare_incident(
            page,
            by=None,
            name=SEED_TITLE,
            status=first_status,
            impact=Impact.MAJOR,
            components=[component],
            message=first_message,
            notify=False,
            display_at=at(first_at),
        )
        for hm, status, message in rest:
            services.post_update(
                incident, by=None, status=status, message=message, notify=False, display_at=at(hm)
            )
        services.save_postmortem(
            incident,
            by=None,
            title=f"Post-Incident Report: Help Desk Outage — {day:%B} {day.day}, {day.year}",
            summary="For 55 minutes, clients could not submit help desk tickets.",
            impact_description="All clients submitting tickets through the portal and by email "
            "between 2:05 PM and 3:00 PM; existing tickets stayed readable.",
            root_cause="A database connection pool was exhausted after a configuration change "
            "lowered its size.",
            corrective_actions="- Restore the pool size and alert on pool saturation\n"
            "- Review configuration changes to database settings in pairs",
            timeline=[(at(hm), f"{status.label}: {message}") for hm, status, message in SEQUENCE],
        )
        services.publish_postmortem(incident, by=None)

    def _retroactive(self, page: Page, component: Component) -> None:
        started = timezone.now().replace(second=0, microsecond=0) - timedelta(days=3, hours=2)
        services.declare_incident(
            page,
            by=None,
            name=RETRO_TITLE,
            status=IncidentStatus.RESOLVED,
            impact=Impact.MINOR,
            components={component: ComponentStatus.DEGRADED_PERFORMANCE},
            message="Between the times shown, notification emails were delayed by up to "
            "20 minutes. No messages were lost.",
            started_at=started,
            resolved_at=started + timedelta(minutes=40),
        )
