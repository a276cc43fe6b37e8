"""A repeating maintenance: its page (the rule in words, its next windows), Edit series and End
series. Series verbs change only future, still scheduled windows nobody edited alone; the
messages say how many, and that the rest were left alone."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from candor.core.enums import IncidentStatus
from candor.core.models import MaintenanceSeries
from candor.core.services import series as series_service
from candor.core.services.base import now
from candor.forms import add_service_errors
from candor.manage.access import responder_required
from candor.manage.common import actor, on_managed_page
from candor.manage.maintenance.forms import SeriesForm
from candor.manage.maintenance.rules import in_words
from candor.manage.maintenance.views import SERIES_ALIASES, flags_from

NEXT_SHOWN = 10


def _series(request: HttpRequest, series_id: str) -> MaintenanceSeries:
    return on_managed_page(request, MaintenanceSeries.objects.select_related("page"), pk=series_id)


def _windows(count: int) -> str:
    return f"{count} future window{pluralize(count)}"


@responder_required
def series_detail(request: HttpRequest, series_id: str) -> HttpResponse:
    made = _series(request, series_id)
    upcoming = made.occurrences.filter(scheduled_for__gte=now()).order_by("scheduled_for")
    return render(
        request,
        "manage/maintenance/series.html",
        {
            "page": made.page,
            "series": made,
            "rule": in_words(made),
            "components": made.components.order_by("position", "name"),
            "upcoming": list(upcoming[:NEXT_SHOWN]),
            "more": max(0, upcoming.count() - NEXT_SHOWN),
            "past": made.occurrences.filter(scheduled_for__lt=now()).count(),
            "cancelled": IncidentStatus.CANCELLED,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@responder_required
def series_edit(request: HttpRequest, series_id: str) -> HttpResponse:
    made = _series(request, series_id)
    if made.ended_at is not None:
        messages.error(request, "This series has ended; it can no longer be changed.")
        return redirect("manage_maintenance_series", series_id=made.pk)
    with timezone.override(zoneinfo.ZoneInfo(made.time_zone)):
        form = SeriesForm(
            request.POST or None,
            page=made.page,
            current_zone=made.time_zone,
            initial=SeriesForm.initial_for(made),
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                done = series_service.edit_series(
                    made,
                    by=actor(request),
                    name=data["name"],
                    message=data["message"],
                    rrule_text=form.rule(),
                    time_zone=data["time_zone"],
                    # The typed wall clock, read in the zone chosen (the service attaches it).
                    starts_at=timezone.make_naive(data["scheduled_for"]),
                    duration_minutes=form.duration_minutes(),
                    excluded_dates=form.dates(),
                    components=list(data["components"]),
                    flags=flags_from(data, series_service.flags_of(made)),
                )
            except ValidationError as exc:
                add_service_errors(form, exc, SERIES_ALIASES)
            else:
                said = f"Series saved: {_windows(done.changed)} changed"
                if done.cancelled:
                    said += f", {done.cancelled} cancelled (the rule no longer has them)"
                if done.made:
                    said += f", {done.made} added"
                said += (
                    ". Left alone: past windows, windows under way, and "
                    f"{_windows(done.left_alone)} edited or cancelled on their own."
                )
                messages.success(request, said)
                return redirect("manage_maintenance_series", series_id=made.pk)
    return render(
        request,
        "manage/maintenance/series_edit.html",
        {"page": made.page, "series": made, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@responder_required
def series_end(request: HttpRequest, series_id: str) -> HttpResponse:
    """GET asks for confirmation, saying what will be cancelled; POST ends the series."""
    made = _series(request, series_id)
    if made.ended_at is not None:
        messages.error(request, "This series has already ended.")
        return redirect("manage_maintenance_series", series_id=made.pk)
    if request.method == "POST":
        try:
            done = series_service.end_series(
                made, by=actor(request), notify=request.POST.get("notify") == "on"
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            told = ""
            if done.notified is not None:
                told = " Subscribers are told once, with the cancellation of the next window."
            messages.success(
                request,
                f"Series ended: {_windows(done.cancelled)} cancelled. Left alone: past "
                f"windows, windows under way, and {_windows(done.left_alone)} edited or "
                f"cancelled on their own.{told}",
            )
        return redirect("manage_maintenance_series", series_id=made.pk)
    doomed = series_service.future_occurrences(made)
    return render(
        request,
        "manage/maintenance/series_end.html",
        {"page": made.page, "series": made, "doomed": doomed},
    )
