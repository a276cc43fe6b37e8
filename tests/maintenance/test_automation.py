"""The worker's maintenance job: announce, remind, start and complete on time, each once."""

from datetime import timedelta

from candor.core import scheduled, subscriptions
from candor.core.enums import ComponentStatus as CS
from candor.core.enums import IncidentStatus
from candor.core.management.commands.worker import jobs
from candor.core.models import Component, Delivery, Incident
from candor.core.services.base import now

from .conftest import due_now


def test_the_worker_runs_the_maintenance_job_and_wakes_for_new_windows():
    job = {j.name: j for j in jobs()}["maintenance"]
    assert job.run is scheduled.run
    assert job.on_wake


def test_nothing_ahead_means_no_due_time(page):
    assert scheduled.run() is None


def test_the_job_answers_the_seconds_to_the_next_auto_start(page, schedule):
    schedule(start=timedelta(minutes=10), scheduled_auto_in_progress=True)
    schedule(start=timedelta(minutes=5))  # no auto flag: nothing to do at its start
    seconds = scheduled.run()
    assert 9 * 60 < seconds <= 10 * 60


def test_the_job_answers_the_seconds_to_the_next_reminder(page, schedule):
    schedule(start=timedelta(minutes=70), scheduled_remind_prior=True, remind_minutes_before=60)
    seconds = scheduled.run()
    assert 9 * 60 < seconds <= 10 * 60


def test_a_due_window_starts_once_and_completes_once(page, make_component, schedule, subscribe):
    db = make_component("Database")
    subscribe("client@example.com")
    window = schedule(
        components=[db], scheduled_auto_in_progress=True, scheduled_auto_completed=True
    )
    due_now(window)
    scheduled.run()
    scheduled.run()  # a second worker, or the next run: nothing more
    window.refresh_from_db()
    assert window.status == IncidentStatus.IN_PROGRESS
    assert Component.objects.get(pk=db.pk).status == CS.UNDER_MAINTENANCE
    assert window.updates.filter(status="in_progress").count() == 1
    due_now(window, end=True)
    scheduled.run()
    scheduled.run()
    window.refresh_from_db()
    assert window.status == IncidentStatus.COMPLETED
    assert Component.objects.get(pk=db.pk).status == CS.OPERATIONAL
    statuses = list(
        Delivery.objects.filter(update__incident=window)
        .order_by("created_at", "pk")
        .values_list("update__status", flat=True)
    )
    assert statuses == ["scheduled", "in_progress", "completed"]


def test_the_start_notice_respects_its_flag(page, make_component, schedule, subscribe):
    subscribe("client@example.com")
    window = schedule(
        scheduled_auto_in_progress=True,
        auto_transition_deliver_notifications_at_start=False,
    )
    due_now(window)
    scheduled.run()
    window.refresh_from_db()
    assert window.status == IncidentStatus.IN_PROGRESS
    assert not Delivery.objects.filter(update__status="in_progress").exists()


def test_a_window_without_auto_start_waits_for_a_person(page, schedule):
    window = schedule()
    due_now(window)
    scheduled.run()
    window.refresh_from_db()
    assert window.status == IncidentStatus.SCHEDULED


def test_the_reminder_goes_out_once_without_components(page, make_component, schedule, subscribe):
    subscribe("client@example.com")
    window = schedule(
        start=timedelta(minutes=30),
        components=[make_component("Database")],
        scheduled_remind_prior=True,
        remind_minutes_before=60,
    )
    scheduled.run()
    scheduled.run()
    window.refresh_from_db()
    assert window.scheduled_reminded_at is not None
    reminders = window.updates.filter(body__contains="will begin in")
    assert reminders.count() == 1
    assert reminders.get().affected_components is None
    assert Delivery.objects.filter(update=reminders.get()).count() == 1


def test_a_window_public_later_is_announced_then_with_its_notice(page, schedule, subscribe):
    subscribe("client@example.com")
    window = schedule(public_from=now() + timedelta(minutes=5))
    window.refresh_from_db()
    assert window.announced_at is None
    assert not Delivery.objects.exists()
    assert list(Incident.objects.announced()) == []
    Incident.objects.filter(pk=window.pk).update(public_from=now() - timedelta(seconds=1))
    scheduled.run()
    scheduled.run()
    window.refresh_from_db()
    assert window.announced_at is not None
    assert list(Incident.objects.announced()) == [window]
    assert Delivery.objects.filter(update__incident=window).count() == 1


def test_subscribers_who_opted_out_get_no_maintenance_notice(page, schedule, subscribe):
    keen = subscribe("keen@example.com")
    quiet = subscribe("quiet@example.com")

    subscriptions.set_maintenance_notices(quiet, by=None, enabled=False)
    schedule()
    assert list(Delivery.objects.values_list("subscriber_id", flat=True)) == [keen.pk]
