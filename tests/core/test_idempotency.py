"""A form submitted twice (a double click) declares or posts once: the services take its key."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from candor.core import services
from candor.core.models import Incident, IncidentUpdate
from candor.core.services.base import CONFLICT, codes


def test_declare_incident_with_a_used_key_returns_the_first_incident(page):
    first = services.declare_incident(page, by=None, name="API errors", idempotency_key="k1")
    again = services.declare_incident(page, by=None, name="API errors", idempotency_key="k1")
    other = services.declare_incident(page, by=None, name="API errors", idempotency_key="k2")
    assert (again.pk, Incident.objects.count(), other.pk != first.pk) == (first.pk, 2, True)


def test_post_update_with_a_used_key_returns_the_first_entry(page):
    incident = services.declare_incident(page, by=None, name="API errors")
    post = dict(by=None, status="identified", message="Found it.", idempotency_key="u1")
    first = services.post_update(incident, **post)
    again = services.post_update(incident, **post)
    assert (again.pk, incident.updates.count()) == (first.pk, 2)


def test_a_key_used_for_another_incident_is_refused_and_posts_nothing(page):
    one = services.declare_incident(page, by=None, name="One", idempotency_key="k")
    two = services.declare_incident(page, by=None, name="Two")
    with pytest.raises(ValidationError) as refused:
        services.post_update(two, by=None, status="identified", idempotency_key="k")
    assert (codes(refused.value), two.updates.count(), one.updates.count()) == ({CONFLICT}, 1, 1)


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except BaseException as exc:  # reported by the caller's assertion
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_itself_declares_and_posts_once(page):
    def declare():
        return services.declare_incident(page, by=None, name="Outage", idempotency_key="d")

    declared, errors = race(declare, declare)
    incident = Incident.objects.get()

    def post():
        return services.post_update(incident, by=None, status="identified", idempotency_key="p")

    posted, post_errors = race(post, post)
    assert (errors, post_errors) == ([], [])
    assert {i.pk for i in declared} == {incident.pk}
    assert ({u.pk for u in posted}, IncidentUpdate.objects.count()) == (
        {IncidentUpdate.objects.get(idempotency_key="p").pk},
        2,
    )
