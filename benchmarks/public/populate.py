"""Bench data through the services: 20 components (4 groups), 200 incidents over 180 days."""

import os
import random
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
from candor.datadir import prepare  # noqa: E402

prepare()  # the data directory and secret key, as the `candor` command makes them
django.setup()

from django.utils import timezone  # noqa: E402

from candor.core import events, services  # noqa: E402
from candor.public.render import render_page  # noqa: E402

MESSAGES = [
    ("investigating", "We are aware of reports of errors and are investigating."),
    ("identified", "We have identified a **database connectivity** issue. A fix is being applied."),
    ("monitoring", "The fix is live. We are monitoring to confirm service is fully restored."),
    ("resolved", "Service is fully operational. We apologize for the disruption."),
]


def main() -> None:
    # One render at the end instead of one per service call.
    events.page_changed.disconnect(dispatch_uid="candor.public.render")
    rng = random.Random(4)
    page = services.ensure_default_page()
    page = services.update_page(page, by=None, name="Acme Cloud", time_zone="Europe/Paris")
    components = []
    for g in range(4):
        group = services.create_group(page, by=None, name=f"Region {g + 1}")
        for c in range(4):
            components.append(
                services.create_component(
                    page,
                    by=None,
                    name=f"Service {g + 1}.{c + 1}",
                    group=group,
                    description="Customer-facing service",
                    start_date=(timezone.now() - timedelta(days=365)).date(),
                )
            )
    for c in range(4):
        components.append(services.create_component(page, by=None, name=f"Edge {c + 1}"))

    now = timezone.now()
    for n in range(198):
        start = now - timedelta(days=rng.uniform(1, 180))
        affected = rng.sample(components, rng.randint(1, 3))
        impact = rng.choice(["minor", "major", "critical"])
        if n % 4 == 0:  # documented after the fact
            services.declare_incident(
                page,
                by=None,
                name=f"Retroactive incident {n}",
                status="resolved",
                impact=impact,
                components=affected,
                message="Between the times shown, some requests failed.",
                started_at=start,
                resolved_at=start + timedelta(minutes=rng.randint(5, 120)),
            )
            continue
        incident = services.declare_incident(
            page,
            by=None,
            name=f"Elevated error rates on {affected[0].name} ({n})",
            impact=impact,
            components=affected,
            message=MESSAGES[0][1],
            display_at=start,
            notify=False,
        )
        for k, (status, message) in enumerate(MESSAGES[1:], start=1):
            services.post_update(
                incident,
                by=None,
                status=status,
                message=message,
                display_at=start + timedelta(minutes=15 * k),
                notify=False,
            )
        if n % 10 == 1:
            services.save_postmortem(
                incident, by=None, title="Post-incident report", summary="Why."
            )
            services.publish_postmortem(incident, by=None)
    for n in range(2):
        services.declare_incident(
            page,
            by=None,
            name=f"Ongoing degradation {n}",
            impact="minor",
            components=[components[n]],
            message=MESSAGES[0][1],
            notify=False,
        )
    started = time.perf_counter()
    render_page(page.pk)
    print(f"render_seconds={time.perf_counter() - started:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
