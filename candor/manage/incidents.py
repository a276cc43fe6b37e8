"""The Incidents tab: the list, Create Incident, the detail with Post Update, and Delete."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from candor.core import services
from candor.core.enums import IMPACT_COMPONENT_STATUS, ComponentStatus, IncidentStatus
from candor.core.markdown import render_markdown
from candor.core.models import (
    AffectedComponent,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    ProposalState,
    ProposedIncident,
    UpdateSnippet,
)
from candor.core.queries import delivery_counts
from candor.core.services import integrations
from candor.core.services.base import NOT_FOUND, codes
from candor.forms import add_service_errors
from candor.manage.access import responder_required
from candor.manage.common import actor, managed_page, on_managed_page
from candor.manage.incident_forms import (
    IncidentCreateForm,
    PostUpdateForm,
    impact_choices_with_help,
    status_choices_with_help,
    template_initial,
)

HISTORY_PER_PAGE = 20


def _with_components(queryset: Any) -> Any:
    return queryset.prefetch_related(
        Prefetch(
            "affected",
            queryset=AffectedComponent.objects.select_related("component").order_by(
                "component__position", "component__name"
            ),
        )
    )


def is_stale(incident: Incident, page: Page) -> bool:
    limit = timezone.now() - timedelta(minutes=page.stale_after_minutes)
    return incident.is_active and incident.last_update_at < limit


@responder_required
def incident_list(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    incidents = Incident.objects.filter(page=page).incidents()  # windows: the Maintenance tab
    active = list(_with_components(incidents.active().order_by("-last_update_at")))
    for incident in active:
        incident.stale = is_stale(incident, page)
    history = Paginator(_with_components(incidents.history()), HISTORY_PER_PAGE)
    history_page = history.get_page(request.GET.get("page"))
    proposals = ProposedIncident.objects.filter(page=page, state=ProposalState.OPEN)
    return render(
        request,
        "manage/incidents/list.html",
        {
            "page": page,
            "active": active,
            "history": history_page,
            "proposals": proposals.select_related("integration").prefetch_related("components"),
        },
    )


def _open_proposal(page: Page, proposal_id: str | None) -> ProposedIncident | None:
    if not proposal_id:
        return None
    return ProposedIncident.objects.filter(
        page=page, pk=proposal_id, state=ProposalState.OPEN
    ).first()


@responder_required
def proposal_dismiss(request: HttpRequest, proposal_id: str) -> HttpResponse:
    proposal = on_managed_page(request, ProposedIncident.objects.all(), pk=proposal_id)
    if request.method == "POST":
        try:
            integrations.dismiss_proposal(proposal, by=actor(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Dismissed the proposed incident “{proposal.title}”.")
    return redirect("manage_incidents")


def _impact_map() -> dict[str, str]:
    return {
        impact: ComponentStatus(status).label for impact, status in IMPACT_COMPONENT_STATUS.items()
    }


def _form_context(page: Page, form: Any, **extra: Any) -> dict[str, Any]:
    message = form["message"].value() or ""
    return {
        "page": page,
        "form": form,
        "impact_choices": impact_choices_with_help(),
        "status_choices": status_choices_with_help(),
        "impact_map": _impact_map(),
        "impact_map_json": json.dumps(_impact_map()),
        "preview": render_markdown(message or ""),
        "templates": IncidentTemplate.objects.filter(page=page).only("id", "name"),
        "snippets": UpdateSnippet.objects.filter(page=page).only("id", "name"),
        **extra,
    }


@responder_required
def incident_create(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    with timezone.override(page.tz):
        proposal = _open_proposal(page, request.GET.get("proposal") or request.POST.get("proposal"))
        if request.method != "POST":
            retroactive = request.GET.get("status") == IncidentStatus.RESOLVED
            initial = {"status": IncidentStatus.RESOLVED, "notify": False} if retroactive else {}
            template = _chosen(request, IncidentTemplate, "template")
            if proposal is not None:
                # Approve: the proposal prefills the form; the person edits it before it goes out.
                initial = {
                    "name": proposal.title,
                    "impact": proposal.impact,
                    "message": proposal.message,
                    "components": [c.pk for c in proposal.components.all()],
                }
            elif template is not None:
                initial = template_initial(template)
            form = IncidentCreateForm(page=page, initial=initial)
            return render(
                request,
                "manage/incidents/create.html",
                _form_context(page, form, proposal=proposal, chosen_template=template),
            )
        form = IncidentCreateForm(request.POST, page=page)
        if "preview" in request.POST or not form.is_valid():
            return render(request, "manage/incidents/create.html", _form_context(page, form))
        data = form.cleaned_data
        retroactive = data["status"] == IncidentStatus.RESOLVED
        try:
            incident = services.declare_incident(
                page,
                by=actor(request),
                name=data["name"],
                status=data["status"],
                impact=data["impact"],
                components=form.component_choice(),
                message=data["message"],
                notify=data["notify"],
                started_at=data["started_at"] if retroactive else None,
                resolved_at=data["resolved_at"] if retroactive else None,
                idempotency_key=data["key"],
            )
        except ValidationError as error:
            add_service_errors(form, error, {"name": "name"})
            return render(
                request,
                "manage/incidents/create.html",
                _form_context(page, form, proposal=proposal),
            )
        if proposal is not None:
            with contextlib.suppress(ValidationError):  # dismissed meanwhile: the incident stands
                integrations.approve_proposal(proposal, by=actor(request), incident=incident)
    messages.success(request, f"Incident “{incident.name}” created.")
    return redirect("manage_incident", incident.pk)


def _detail_context(request: HttpRequest, incident: Incident, form: PostUpdateForm) -> dict:
    page = incident.page
    updates = list(incident.updates.select_related("author").order_by("-display_at", "-created_at"))
    counts = delivery_counts([u.pk for u in updates])
    affected = list(
        incident.affected.select_related("component__group").order_by("component__position")
    )
    postmortem = getattr(incident, "postmortem", None)
    return _form_context(
        page,
        form,
        incident=incident,
        updates=updates,
        counts=counts,
        affected=affected,
        postmortem=postmortem,
        stale=is_stale(incident, page),
    )


def _chosen(request: HttpRequest, model: Any, param: str) -> Any:
    """The template or snippet of the managed page named in the query string, if any."""
    chosen_id = request.GET.get(param)
    if not chosen_id:
        return None
    return on_managed_page(request, model.objects.all(), pk=chosen_id)


def _get_incident(request: HttpRequest, incident_id: str) -> Incident:
    return on_managed_page(request, Incident.objects.select_related("page"), pk=incident_id)


@responder_required
def incident_detail(request: HttpRequest, incident_id: str) -> HttpResponse:
    incident = _get_incident(request, incident_id)
    if incident.is_maintenance:  # the public page's operator link leads here too
        return redirect("manage_maintenance_detail", incident_id=incident.pk)
    with timezone.override(incident.page.tz):
        form = PostUpdateForm(incident=incident)
        snippet = _chosen(request, UpdateSnippet, "snippet")
        if snippet is not None:
            form.initial["message"] = snippet.body
            if snippet.status:
                form.initial["status"] = snippet.status
        return render(
            request, "manage/incidents/detail.html", _detail_context(request, incident, form)
        )


@responder_required
def incident_update(request: HttpRequest, incident_id: str) -> HttpResponse:
    incident = _get_incident(request, incident_id)
    if request.method != "POST":
        # Where a login that interrupted a Post Update comes back to: the form is on the detail.
        return redirect("manage_incident", incident.pk)
    with timezone.override(incident.page.tz):
        form = PostUpdateForm(request.POST, incident=incident)
        if "preview" in request.POST or not form.is_valid():
            context = _detail_context(request, incident, form)
            return render(request, "manage/incidents/detail.html", context, status=200)
        data = form.cleaned_data
        try:
            services.post_update(
                incident,
                by=actor(request),
                status=data["status"],
                message=data["message"],
                impact=data["impact"],
                components=form.component_choice(),
                notify=data["notify"],
                idempotency_key=data["key"],
            )
        except ValidationError as error:
            if NOT_FOUND in codes(error):
                raise Http404("This incident has been deleted.") from None
            add_service_errors(form, error)
            return render(
                request, "manage/incidents/detail.html", _detail_context(request, incident, form)
            )
    messages.success(request, f"Update posted: {IncidentStatus(data['status']).label}.")
    return redirect("manage_incident", incident.pk)


@responder_required
def incident_delete(request: HttpRequest, incident_id: str) -> HttpResponse:
    incident = _get_incident(request, incident_id)
    if request.method == "POST":
        name = incident.name
        try:
            services.delete_incident(incident, by=actor(request))
        except ValidationError:
            raise Http404("This incident has already been deleted.") from None
        messages.success(request, f"Incident “{name}” deleted.")
        return redirect("manage_incidents")
    has_postmortem = hasattr(incident, "postmortem")
    return render(
        request,
        "manage/incidents/delete.html",
        {
            "page": incident.page,
            "incident": incident,
            "update_count": IncidentUpdate.objects.filter(incident=incident).count(),
            "has_postmortem": has_postmortem,
        },
    )


@responder_required
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """The rendered, sanitised HTML of a Markdown text, for the live preview script."""
    return HttpResponse(render_markdown(request.POST.get("text", "")))


class RenameForm(forms.Form):
    name = forms.CharField(
        label="Title", max_length=255, widget=forms.TextInput(attrs={"autofocus": True})
    )


@responder_required
def incident_rename(request: HttpRequest, incident_id: str) -> HttpResponse:
    """Correct the title without adding a timeline entry (nobody is notified)."""
    incident = _get_incident(request, incident_id)
    form = RenameForm(request.POST or None, initial={"name": incident.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_incident(incident, by=actor(request), name=form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Title saved.")
            return redirect("manage_incident", incident.pk)
    return render(
        request,
        "manage/incidents/rename.html",
        {"page": incident.page, "incident": incident, "form": form},
    )
