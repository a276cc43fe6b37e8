"""Grow the bench page's history to N incidents: resolved ones, older than the bench's recent
200 (181 days to five years back), each with two updates and one affected component.

Written in bulk, not through the services: this is fixture data for the benchmark, years of
history that no reader sees on the front page, and thousands of service calls would take
minutes. Usage: python history.py N
"""

import os
import random
import sys
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
from candor.datadir import prepare  # noqa: E402

prepare()  # the data directory and secret key, as the `candor` command makes them
django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from candor.core.models import (  # noqa: E402
    AffectedComponent,
    Component,
    Incident,
    IncidentUpdate,
    Page,
)


def main(total: int) -> None:
    rng = random.Random(7)
    page = Page.objects.get(is_default=True)
    components = list(Component.objects.filter(page=page))
    missing = total - Incident.objects.filter(page=page).count()
    now = timezone.now()
    incidents, updates, affected = [], [], []
    for n in range(max(0, missing)):
        start = now - timedelta(days=rng.uniform(181, 5 * 365))
        end = start + timedelta(minutes=rng.randint(5, 240))
        incident = Incident(
            page=page,
            name=f"Archived incident {n}",
            status="resolved",
            impact=rng.choice(["minor", "major", "critical"]),
            started_at=start,
            resolved_at=end,
            last_update_at=end,
            created_at=start,
            updated_at=end,
        )
        incidents.append(incident)
        for status, at, body in (
            ("investigating", start, "We are investigating elevated error rates."),
            ("resolved", end, "This incident has been resolved."),
        ):
            updates.append(
                IncidentUpdate(
                    incident=incident,
                    status=status,
                    body=body,
                    impact=incident.impact,
                    display_at=at,
                    created_at=at,
                    updated_at=at,
                    deliver_notifications=False,
                )
            )
        affected.append(
            AffectedComponent(
                incident=incident, component=rng.choice(components), status="partial_outage"
            )
        )
    with transaction.atomic():
        Incident.objects.bulk_create(incidents, batch_size=500)
        IncidentUpdate.objects.bulk_create(updates, batch_size=500)
        AffectedComponent.objects.bulk_create(affected, batch_size=500)
    print(f"history={Incident.objects.filter(page=page).count()}")


if __name__ == "__main__":
    main(int(sys.argv[1]))
