"""Two updates posted at the same moment to one incident: both land, the later one wins."""

import threading

import pytest
from django.db import close_old_connections

from candor.core import services
from candor.core.models import Incident, IncidentUpdate

ROUNDS = 30  # one round rarely exposes a missing lock; thirty nearly always do


def race(incident: Incident) -> list[BaseException]:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def post(status: str) -> None:
        try:
            barrier.wait()
            services.post_update(incident, by=None, status=status, message=f"Now {status}.")
        except BaseException as exc:  # reported by the caller's assertion
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=post, args=(s,)) for s in ("identified", "monitoring")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_both_land_and_later_status_wins(page):
    outcomes = []
    for round_ in range(ROUNDS):
        incident = services.declare_incident(page, by=None, name=f"Outage {round_}")
        errors = race(incident)
        updates = list(
            IncidentUpdate.objects.filter(incident=incident).order_by("display_at", "created_at")
        )
        outcomes.append(
            (
                errors,
                len(updates),
                {u.status for u in updates[1:]},
                Incident.objects.get(pk=incident.pk).status == updates[-1].status,
            )
        )
    assert outcomes == [([], 3, {"identified", "monitoring"}, True)] * ROUNDS
