"""The Maintenance tab: upcoming, in progress and past windows; Schedule Maintenance (once or
repeating); a window's page with Post Update, start, complete, cancel and reschedule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from candor.core import services
from candor.core.enums import MAINTENANCE_ACTIVE, IncidentStatus
from candor.core.models import AffectedComponent, Incident, MaintenanceSeries, Page
from candor.core.services import maintenance, series
from candor.forms import add_service_errors
from candor.manage.access import responder_required
from candor.manage.common import actor, managed_page, on_managed_page
from candor.manage.maintenance.forms import (
    RescheduleForm,
    ScheduleForm,
    WindowUpdateForm,
    status_help,
)
from candor.manage.maintenance.rules import in_words

PAST_PER_PAGE = 20
# A series' errors are about the form's fields under other names.
SERIES_ALIASES = {"starts_at": "scheduled_for", "duration_minutes": "scheduled_until"}


def _windows(queryset: Any) -> Any:
    return queryset.prefetch_related(
        Prefetch(
            "affected",
            queryset=AffectedComponent.objects.select_related("component").order_by(
                "component__position", "component__name"
            ),
        )
    ).select_related("series")


@responder_required
def maintenance_list(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    windows = Incident.objects.maintenances().filter(page=page)
    past = windows.exclude(status__in=[IncidentStatus.SCHEDULED, *MAINTENANCE_ACTIVE])
    history = Paginator(_windows(past.order_by("-scheduled_for", "pk")), PAST_PER_PAGE)
    return render(
        request,
        "manage/maintenance/list.html",
        {
            "page": page,
            "in_progress": list(_windows(windows.in_progress().order_by("scheduled_for", "pk"))),
            "upcoming": list(_windows(windows.upcoming().order_by("scheduled_for", "pk"))),
            "past": history.get_page(request.GET.get("page")),
            **_series(page),
        },
    )


def _series(page: Page) -> dict[str, list[MaintenanceSeries]]:
    """Running series, and ended ones (newest end first) kept findable for their history."""
    mine = MaintenanceSeries.objects.filter(page=page)
    running = list(mine.filter(ended_at__isnull=True).order_by("name"))
    ended = list(mine.filter(ended_at__isnull=False).order_by("-ended_at"))
    for made in running + ended:
        made.in_words = in_words(made)  # type: ignore[attr-defined]
    return {"series": running, "ended_series": ended}


def flags_from(data: dict[str, Any], current: maintenance.Flags | None = None) -> maintenance.Flags:
    """The form's flags over `current` (a new window's defaults): a flag the form does not show
    (auto_transition_to_*_state, set through the API) keeps its value."""
    shown = {name: data[name] for name in maintenance.FLAG_FIELDS if name in data}
    return replace(current or maintenance.Flags(), **shown)


@responder_required
def maintenance_schedule(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    with timezone.override(page.tz):  # the times are typed in the page's time zone
        form = ScheduleForm(request.POST or None, page=page)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if form.rule():
                    made = series.create_series(
                        page,
                        by=actor(request),
                        name=data["name"],
                        rrule_text=form.rule(),
                        time_zone=page.time_zone,
                        starts_at=data["scheduled_for"],
                        duration_minutes=form.duration_minutes(),
                        message=data["message"],
                        excluded_dates=form.dates(),
                        components=data["components"],
                        flags=flags_from(data),
                    )
                    messages.success(request, f"Scheduled the recurring maintenance {made.name}.")
                    return redirect("manage_maintenance")
                window = maintenance.schedule_maintenance(
                    page,
                    by=actor(request),
                    name=data["name"],
                    scheduled_for=data["scheduled_for"],
                    scheduled_until=data["scheduled_until"],
                    components=data["components"],
                    message=data["message"],
                    flags=flags_from(data),
                    public_from=data["public_from"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, SERIES_ALIASES)
            else:
                messages.success(request, f"Scheduled {window.name}.")
                return redirect("manage_maintenance_detail", incident_id=window.pk)
    return render(
        request,
        "manage/maintenance/schedule.html",
        {"page": page, "form": form},
        status=400 if form.errors else 200,
    )


def _window(request: HttpRequest, incident_id: str) -> Incident:
    return on_managed_page(request, Incident.objects.maintenances(), pk=incident_id)


@responder_required
def maintenance_detail(
    request: HttpRequest,
    incident_id: str,
    update_form: WindowUpdateForm | None = None,
    reschedule_form: RescheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    window = _window(request, incident_id)
    page = window.page
    local = {
        "scheduled_for": timezone.localtime(window.scheduled_for, page.tz),
        "scheduled_until": timezone.localtime(window.scheduled_until, page.tz),
    }
    following: dict[str, str] = {
        IncidentStatus.SCHEDULED: IncidentStatus.IN_PROGRESS,
        IncidentStatus.IN_PROGRESS: IncidentStatus.VERIFYING,
    }
    next_status = following.get(window.status, window.status)
    return render(
        request,
        "manage/maintenance/detail.html",
        {
            "page": page,
            "window": window,
            "updates": window.updates.order_by("-display_at", "-created_at"),
            "affected": window.affected.select_related("component").order_by("component__position"),
            "update_form": update_form or WindowUpdateForm(initial={"status": next_status}),
            "reschedule_form": reschedule_form
            or RescheduleForm(initial={k: v.replace(tzinfo=None) for k, v in local.items()}),
            "status_help": status_help(),
            "open": window.status in (IncidentStatus.SCHEDULED, *MAINTENANCE_ACTIVE),
            "can_start": window.status == IncidentStatus.SCHEDULED,
            "can_complete": window.status in MAINTENANCE_ACTIVE,
        },
        status=status,
    )


@require_POST
@responder_required
def maintenance_action(request: HttpRequest, incident_id: str, action: str) -> HttpResponse:
    window = _window(request, incident_id)
    by = actor(request)
    message = request.POST.get("message", "")
    try:
        if action == "start":
            maintenance.start_maintenance(window, by=by, message=message)
            messages.success(request, "Maintenance started: its components are under maintenance.")
        elif action == "complete":
            maintenance.complete_maintenance(window, by=by, message=message)
            messages.success(request, "Maintenance completed.")
        elif action == "cancel":
            maintenance.cancel_maintenance(window, by=by, message=message)
            messages.success(request, "Maintenance cancelled.")
        elif action == "update":
            form = WindowUpdateForm(request.POST)
            if not form.is_valid():
                return maintenance_detail(request, incident_id, update_form=form, status=400)
            data = form.cleaned_data
            try:
                services.post_update(
                    window,
                    by=by,
                    status=data["status"],
                    message=data["message"],
                    notify=data["notify"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                return maintenance_detail(request, incident_id, update_form=form, status=400)
            messages.success(request, "Update posted.")
        elif action == "reschedule":
            with timezone.override(window.page.tz):
                reschedule = RescheduleForm(request.POST)
                valid = reschedule.is_valid()
            if not valid:
                return maintenance_detail(
                    request, incident_id, reschedule_form=reschedule, status=400
                )
            try:
                maintenance.edit_maintenance(window, by=by, **reschedule.cleaned_data)
            except ValidationError as exc:
                add_service_errors(reschedule, exc)
                return maintenance_detail(
                    request, incident_id, reschedule_form=reschedule, status=400
                )
            messages.success(request, "Maintenance rescheduled.")
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        # A refusal of the window's state (it started meanwhile, say): said on its page.
        messages.error(request, " ".join(exc.messages))
    return redirect("manage_maintenance_detail", incident_id=window.pk)
