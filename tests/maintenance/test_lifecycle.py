"""A maintenance's model, services and status rule: scheduled → in_progress → verifying →
completed, or cancelled; bad input refused with nothing written."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from candor.core import housekeeping, services
from candor.core.enums import ComponentStatus as CS
from candor.core.enums import Impact, IncidentKind, IncidentStatus
from candor.core.models import (
    AffectedComponent,
    AuditEntry,
    Component,
    Incident,
    IncidentUpdate,
)
from candor.core.services import maintenance
from candor.core.services.base import now


def status(component: Component) -> str:
    return Component.objects.get(pk=component.pk).status


def test_a_scheduled_window_is_a_maintenance_incident_that_holds_nothing_yet(
    page, make_component, schedule
):
    db = make_component("Database")
    window = schedule(components=[db], scheduled_remind_prior=True, remind_minutes_before=30)
    window.refresh_from_db()
    assert (window.kind, window.status, window.impact) == (
        IncidentKind.MAINTENANCE,
        IncidentStatus.SCHEDULED,
        Impact.MAINTENANCE,
    )
    assert (window.scheduled_remind_prior, window.remind_minutes_before) == (True, 30)
    assert window.started_at <= now() < window.scheduled_for
    assert window.announced_at is not None
    assert list(window.updates.values_list("status", "body")) == [
        ("scheduled", "We are upgrading the database.")
    ]
    assert status(db) == CS.OPERATIONAL
    assert list(Incident.objects.active()) == []  # not an open incident


def test_start_puts_components_under_maintenance_and_complete_returns_them(
    page, make_component, schedule
):
    db, api = make_component("Database"), make_component("API")
    window = schedule(components=[db])
    maintenance.start_maintenance(window, by=None)
    assert (status(db), status(api)) == (CS.UNDER_MAINTENANCE, CS.OPERATIONAL)
    services.post_update(window, by=None, status=IncidentStatus.VERIFYING, message="Checking")
    window.refresh_from_db()
    assert window.status == IncidentStatus.VERIFYING
    assert window.monitoring_at is not None  # Statuspage sets it on verifying
    assert status(db) == CS.UNDER_MAINTENANCE
    maintenance.complete_maintenance(window, by=None)
    window.refresh_from_db()
    assert window.status == IncidentStatus.COMPLETED
    assert window.resolved_at is not None
    assert status(db) == CS.OPERATIONAL
    assert list(window.updates.order_by("display_at").values_list("status", flat=True)) == [
        "scheduled",
        "in_progress",
        "verifying",
        "completed",
    ]


def test_an_outage_during_a_window_wins_and_the_window_holds_after_it(
    page, make_component, schedule
):
    db = make_component("Database")
    window = schedule(components=[db])
    maintenance.start_maintenance(window, by=None)
    outage = services.declare_incident(
        page, by=None, name="Database down", impact=Impact.CRITICAL, components=[db]
    )
    assert status(db) == CS.MAJOR_OUTAGE
    services.post_update(outage, by=None, status=IncidentStatus.RESOLVED)
    assert status(db) == CS.UNDER_MAINTENANCE
    maintenance.complete_maintenance(window, by=None)
    assert status(db) == CS.OPERATIONAL


def test_at_the_end_a_component_returns_to_what_the_other_layers_say(
    page, make_component, schedule
):
    db = make_component("Database", status=CS.DEGRADED_PERFORMANCE)
    window = schedule(components=[db])
    maintenance.start_maintenance(window, by=None)
    # Degraded is worse than under maintenance: the baseline still shows.
    assert status(db) == CS.DEGRADED_PERFORMANCE
    services.set_baseline_status(db, by=None, status=CS.OPERATIONAL)
    assert status(db) == CS.UNDER_MAINTENANCE
    services.set_baseline_status(db, by=None, status=CS.DEGRADED_PERFORMANCE)
    maintenance.complete_maintenance(window, by=None)
    assert status(db) == CS.DEGRADED_PERFORMANCE  # not blindly operational


def test_a_cancelled_window_never_starts(page, make_component, schedule):
    db = make_component("Database")
    window = schedule(components=[db], scheduled_auto_in_progress=True)
    maintenance.cancel_maintenance(window, by=None)
    window.refresh_from_db()
    assert (window.status, window.sequence) == (IncidentStatus.CANCELLED, 1)
    assert window.resolved_at is not None
    with pytest.raises(ValidationError) as refused:
        maintenance.start_maintenance(window, by=None)
    assert "status" in refused.value.message_dict
    assert maintenance.auto_start(window) is None
    assert status(db) == CS.OPERATIONAL


def test_a_maintenance_takes_maintenance_statuses_only(page, schedule):
    window = schedule()
    for bad in ("investigating", "resolved", "cancelled"):
        with pytest.raises(ValidationError) as refused:
            services.post_update(window, by=None, status=bad)
        assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.post_update(window, by=None, status="scheduled", impact="critical")
    assert "impact" in refused.value.message_dict
    assert window.updates.count() == 1


def test_an_incident_takes_no_maintenance_status_or_impact(page):
    with pytest.raises(ValidationError) as refused:
        services.declare_incident(page, by=None, name="Down", status="in_progress")
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.declare_incident(page, by=None, name="Down", impact="maintenance")
    assert "impact" in refused.value.message_dict
    assert Incident.objects.count() == 0


def test_rescheduling_adds_an_entry_raises_the_sequence_and_resets_the_reminder(page, schedule):
    window = schedule(scheduled_remind_prior=True)
    Incident.objects.filter(pk=window.pk).update(scheduled_reminded_at=now())
    later = now() + timedelta(days=1)
    maintenance.edit_maintenance(
        window, by=None, scheduled_for=later, scheduled_until=later + timedelta(hours=1)
    )
    window.refresh_from_db()
    assert window.scheduled_for == later
    assert window.sequence == 1
    assert window.scheduled_reminded_at is None
    latest = window.updates.order_by("-created_at").first()
    assert latest.status == "scheduled"
    assert latest.body.startswith("This maintenance has been rescheduled")


def counts() -> tuple[int, ...]:
    return (
        Incident.objects.count(),
        IncidentUpdate.objects.count(),
        AffectedComponent.objects.count(),
        AuditEntry.objects.filter(action__startswith="maintenance").count(),
    )


@pytest.mark.parametrize(
    ("start", "minutes", "extra", "field"),
    [
        (timedelta(hours=1), -30, {}, "scheduled_until"),
        (timedelta(hours=1), 0, {}, "scheduled_until"),
        (-timedelta(hours=1), 30, {}, "scheduled_for"),
        (timedelta(hours=1), 30, {"name": ""}, "name"),
        (timedelta(hours=1), 30, {"remind_minutes_before": 0}, "remind_minutes_before"),
        (timedelta(hours=1), 30, {"public_from": "after the end"}, "public_from"),
    ],
)
def test_bad_window_is_refused_naming_the_field_and_writes_nothing(
    page, make_component, start, minutes, extra, field
):
    db = make_component("Database")
    before = counts()
    begin = now() + start
    end = begin + timedelta(minutes=minutes)
    extra = dict(extra)
    public_from = end + timedelta(minutes=1) if extra.pop("public_from", None) else None
    name = extra.pop("name", "Upgrade")
    with pytest.raises(ValidationError) as refused:
        maintenance.schedule_maintenance(
            page,
            by=None,
            name=name,
            scheduled_for=begin,
            scheduled_until=end,
            components=[db],
            flags=maintenance.Flags(**extra),
            public_from=public_from,
        )
    assert field in refused.value.message_dict
    assert counts() == before
    assert not Incident.objects.filter(kind="maintenance").exists()


def test_a_naive_or_missing_time_is_refused(page):
    with pytest.raises(ValidationError) as refused:
        maintenance.schedule_maintenance(
            page, by=None, name="Upgrade", scheduled_for=None, scheduled_until=now()
        )
    assert "scheduled_for" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        maintenance.schedule_maintenance(
            page,
            by=None,
            name="Upgrade",
            scheduled_for=(now() + timedelta(hours=1)).replace(tzinfo=None),
            scheduled_until=now() + timedelta(hours=2),
        )
    assert "scheduled_for" in refused.value.message_dict
    assert Incident.objects.count() == 0


def test_a_window_in_progress_gets_no_stale_incident_reminder(
    page, alice, make_component, schedule
):
    window = schedule(components=[make_component("Database")])
    maintenance.start_maintenance(window, by=None)
    Incident.objects.filter(pk=window.pk).update(last_update_at=now() - timedelta(days=1))
    assert housekeeping.send_reminders() == 0


def test_a_maintenance_has_no_postmortem(page, schedule):
    window = schedule()
    maintenance.cancel_maintenance(window, by=None)
    with pytest.raises(ValidationError) as refused:
        services.save_postmortem(window, by=None, title="Why")
    assert "incident" in refused.value.message_dict
