"""The Maintenance tab's forms. Times are typed in the page's time zone (the views read them
under timezone.override(page.tz)), which the forms show next to every time field."""

from __future__ import annotations

import zoneinfo
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django import forms

from candor.core.enums import MAINTENANCE_POSTABLE, MAINTENANCE_STATUS_HELP, IncidentStatus
from candor.core.models import Component, MaintenanceSeries, Page
from candor.core.services import maintenance, series
from candor.core.services.base import now
from candor.forms import LocalDateTimeField, TimeZoneField
from candor.manage.incident_forms import DATETIME_WIDGET

REPEAT_CHOICES = [
    ("", "Does not repeat"),
    ("FREQ=DAILY", "Every day"),
    ("FREQ=WEEKLY", "Every week on the same weekday"),
    ("FREQ=MONTHLY", "Every month on the same day"),
    ("custom", "Custom rule (RRULE)"),
]


class ScheduleForm(forms.Form):
    name = forms.CharField(
        label="Title", max_length=255, help_text='What is done, e.g. "Database upgrade".'
    )
    scheduled_for = LocalDateTimeField(label="Starts", widget=DATETIME_WIDGET)
    scheduled_until = LocalDateTimeField(label="Ends", widget=DATETIME_WIDGET)
    components = forms.ModelMultipleChoiceField(
        label="Affected components",
        queryset=Component.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Shown under maintenance while the window is in progress.",
    )
    message = forms.CharField(
        label="Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What clients should know: what changes, what to expect. Markdown is supported.",
    )
    deliver_notifications = forms.BooleanField(
        label="Notify subscribers now (and of reschedules, cancellation, reminder)",
        required=False,
        initial=True,
    )
    scheduled_remind_prior = forms.BooleanField(
        label="Send a reminder before the start", required=False, initial=True
    )
    remind_minutes_before = forms.IntegerField(
        label="Reminder, minutes before the start", min_value=1, initial=60
    )
    scheduled_auto_in_progress = forms.BooleanField(
        label="Start automatically at the start time", required=False, initial=True
    )
    auto_transition_deliver_notifications_at_start = forms.BooleanField(
        label="Notify subscribers when it starts", required=False, initial=True
    )
    scheduled_auto_completed = forms.BooleanField(
        label="Complete automatically at the end time", required=False, initial=True
    )
    auto_transition_deliver_notifications_at_end = forms.BooleanField(
        label="Notify subscribers when it ends", required=False, initial=True
    )
    public_from = LocalDateTimeField(
        label="Public from",
        required=False,
        widget=DATETIME_WIDGET,
        help_text="Leave empty to announce it now.",
    )
    repeat = forms.ChoiceField(label="Repeat", choices=REPEAT_CHOICES, required=False)
    rrule = forms.CharField(
        label="Custom rule",
        required=False,
        max_length=500,
        help_text="An RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=1TU (the first Tuesday).",
    )
    excluded_dates = forms.CharField(
        label="Skip these dates",
        required=False,
        help_text="Dates without a window, comma-separated, e.g. 2027-12-26, 2028-01-02.",
    )

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        components = self.fields["components"]
        assert isinstance(components, forms.ModelMultipleChoiceField)
        components.queryset = Component.objects.filter(page=page).order_by("position", "name")

    def rule(self) -> str:
        repeat = self.cleaned_data.get("repeat") or ""
        return self.cleaned_data.get("rrule", "") if repeat == "custom" else repeat

    def dates(self) -> list[str]:
        text = self.cleaned_data.get("excluded_dates") or ""
        return [d.strip() for d in text.split(",") if d.strip()]

    def duration_minutes(self) -> int:
        """A series' window length, from the first window typed; the service's window rule
        (the end after the start) raises its ValidationError naming `scheduled_until`."""
        start, end = maintenance.check_window(
            self.cleaned_data["scheduled_for"],
            self.cleaned_data["scheduled_until"],
            new=False,
            at=now(),
        )
        return max(1, int((end - start).total_seconds() // 60))


class WindowUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=[(s, IncidentStatus(s).label) for s in MAINTENANCE_POSTABLE],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label="Update Message", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    notify = forms.BooleanField(label="Notify subscribers", required=False, initial=True)


def status_help() -> dict[str, str]:
    return dict(MAINTENANCE_STATUS_HELP)


class RescheduleForm(forms.Form):
    scheduled_for = LocalDateTimeField(label="Starts", widget=DATETIME_WIDGET)
    scheduled_until = LocalDateTimeField(label="Ends", widget=DATETIME_WIDGET)


class SeriesForm(ScheduleForm):
    """Edit series: Schedule Maintenance's fields for a repeating window, prefilled from it. The
    first window's start and end give the time of day and the duration of every window, as
    wall-clock times in the series' time zone (the one chosen here, when it changes)."""

    time_zone = TimeZoneField(
        help_text="The zone the times below are read in: 02:00 stays 02:00 in it across "
        "daylight-saving changes. Type to search, e.g. Berlin or New_York."
    )

    def __init__(self, *args: Any, page: Page, current_zone: str, **kwargs: Any) -> None:
        super().__init__(*args, page=page, **kwargs)
        zone = self.fields["time_zone"]
        assert isinstance(zone, TimeZoneField)
        zone.current = current_zone
        del self.fields["public_from"]
        self.fields["scheduled_for"].label = "First window starts"
        self.fields["scheduled_until"].label = "First window ends"
        repeat = self.fields["repeat"]
        assert isinstance(repeat, forms.ChoiceField)
        repeat.choices = REPEAT_CHOICES[1:]
        repeat.required = True
        self.fields[
            "deliver_notifications"
        ].label = "Notify subscribers of new windows (and of reschedules, cancellation, reminder)"

    @staticmethod
    def initial_for(made: MaintenanceSeries) -> dict[str, Any]:
        tz = zoneinfo.ZoneInfo(made.time_zone)
        start = made.starts_at.astimezone(tz).replace(tzinfo=None)
        preset = {value for value, _ in REPEAT_CHOICES[1:-1]}
        return {
            "name": made.name,
            "time_zone": made.time_zone,
            "scheduled_for": start,
            "scheduled_until": start + timedelta(minutes=made.duration_minutes),
            "components": list(made.components.all()),
            "message": made.message,
            "repeat": made.rrule if made.rrule in preset else "custom",
            "rrule": "" if made.rrule in preset else made.rrule,
            "excluded_dates": ", ".join(made.excluded_dates),
            **{k: v for k, v in asdict(series.flags_of(made)).items() if k in SERIES_FLAGS},
        }


SERIES_FLAGS = (
    "deliver_notifications",
    "scheduled_remind_prior",
    "remind_minutes_before",
    "scheduled_auto_in_progress",
    "auto_transition_deliver_notifications_at_start",
    "scheduled_auto_completed",
    "auto_transition_deliver_notifications_at_end",
)
