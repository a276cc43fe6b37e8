"""The postmortem editor: sections, structured timeline entries, draft, publish, revert."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from candor.core import services
from candor.core.models import Incident, Postmortem
from candor.core.services.postmortems import timeline_from_updates
from candor.forms import LocalDateTimeField, add_service_errors
from candor.manage.access import responder_required
from candor.manage.common import actor, on_managed_page
from candor.manage.incident_forms import DATETIME_WIDGET

SECTION_HELP = {
    "summary": "One-paragraph executive summary of the incident.",
    "impact_description": "How many clients/services were affected and for how long.",
    "root_cause": "Technical explanation of what caused the incident.",
    "corrective_actions": "What you're doing to prevent recurrence.",
}


def _section(label: str, field: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=25000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=SECTION_HELP[field] + " Markdown is supported.",
    )


class PostmortemForm(forms.Form):
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=255,
        help_text="E.g. “Post-Incident Report: Help Desk Outage — March 5, 2026”.",
    )
    summary = _section("Summary", "summary")
    impact_description = _section("Impact Description", "impact_description")
    root_cause = _section("Root Cause", "root_cause")
    corrective_actions = _section("Corrective Actions", "corrective_actions")
    notify = forms.BooleanField(
        label="Notify subscribers when publishing",
        required=False,
        help_text="Off by default: subscribers are not re-notified when a postmortem is published.",
    )


class TimelineEntryForm(forms.Form):
    at = LocalDateTimeField(label="Time", required=False, widget=DATETIME_WIDGET)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("description") and not data.get("at"):
            self.add_error("at", "Give the time of this entry.")
        if data.get("at") and not (data.get("description") or "").strip():
            self.add_error("description", "Describe what happened at this time.")
        return data


TimelineFormSet = forms.formset_factory(
    TimelineEntryForm, extra=0, can_delete=True, can_order=True, max_num=200
)


def _initial(incident: Incident, postmortem: Postmortem | None) -> tuple[dict, list[dict]]:
    if postmortem is not None:
        fields = {
            f: getattr(postmortem, f)
            for f in ("title", "summary", "impact_description", "root_cause", "corrective_actions")
        }
        entries = [{"at": e.at, "description": e.description} for e in postmortem.timeline.all()]
        return fields, entries
    day = timezone.localtime(incident.started_at).strftime("%B %-d, %Y")
    fields = {"title": f"Post-Incident Report: {incident.name} — {day}"}
    entries = [{"at": at, "description": text} for at, text in timeline_from_updates(incident)]
    return fields, entries


def _entries(formset: Any) -> list[dict]:
    """The timeline in the order the operator set, without removed or blank entries."""
    return [
        {"at": f.cleaned_data.get("at"), "description": f.cleaned_data.get("description", "")}
        for f in formset.ordered_forms
        if f.cleaned_data.get("at") or f.cleaned_data.get("description")
    ]


def _unbound(prefix_entries: list[dict]) -> Any:
    formset = TimelineFormSet(initial=prefix_entries, prefix="timeline")
    for i, form in enumerate(formset.forms, start=1):
        form.fields["ORDER"].initial = i
    return formset


def _render(request: HttpRequest, incident: Incident, form: Any, formset: Any) -> HttpResponse:
    postmortem = getattr(incident, "postmortem", None)
    values = form.cleaned_data if form.is_bound and form.is_valid() else form.initial
    if formset.is_bound and formset.is_valid():
        preview_entries = _entries(formset)
    elif formset.is_bound:
        preview_entries = []
    else:
        preview_entries = formset.initial or []
    return render(
        request,
        "manage/postmortems/edit.html",
        {
            "page": incident.page,
            "incident": incident,
            "postmortem": postmortem,
            "form": form,
            "formset": formset,
            "preview": values,
            "preview_entries": preview_entries,
        },
    )


def _rearranged(entries: list[dict], action: str, move: str) -> list[dict]:
    """The timeline with a blank entry added, or entry `i` moved one step (`move` is "i:up")."""
    if action == "add_entry":
        return [*entries, {"at": None, "description": ""}]
    index, _, direction = move.partition(":")
    i = int(index) if index.isdigit() else -1
    j = i - 1 if direction == "up" else i + 1
    if 0 <= i < len(entries) and 0 <= j < len(entries):
        entries[i], entries[j] = entries[j], entries[i]
    return entries


def _revert(request: HttpRequest, incident: Incident) -> HttpResponse:
    try:
        services.revert_postmortem(incident, by=actor(request))
    except ValidationError:
        messages.error(request, "This incident has no postmortem to revert.")
        return redirect("manage_postmortem", incident.pk)
    messages.success(request, "Postmortem reverted to draft; it is no longer public.")
    return redirect("manage_postmortem", incident.pk)


def _save(
    request: HttpRequest, incident: Incident, form: Any, formset: Any, *, publish: bool
) -> HttpResponse:
    """Save the draft and, when asked, publish it: both or neither."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            services.save_postmortem(
                incident,
                by=actor(request),
                title=data["title"],
                summary=data["summary"],
                impact_description=data["impact_description"],
                root_cause=data["root_cause"],
                corrective_actions=data["corrective_actions"],
                timeline=[(e["at"], e["description"]) for e in _entries(formset)],
            )
            if publish:
                services.publish_postmortem(incident, by=actor(request), notify=data["notify"])
    except ValidationError as error:
        add_service_errors(form, error, {"postmortem": "__all__", "incident": "__all__"})
        return _render(request, incident, form, formset)
    if publish:
        messages.success(request, "Postmortem published: it is now on the public page.")
        return redirect("manage_incident", incident.pk)
    messages.success(request, "Postmortem saved as draft.")
    return redirect("manage_postmortem", incident.pk)


def _post(request: HttpRequest, incident: Incident) -> HttpResponse:
    """One form, several buttons: revert, add or move a timeline entry, preview, save, publish."""
    action = request.POST.get("action", "save")
    if action == "revert":
        return _revert(request, incident)
    form = PostmortemForm(request.POST)
    formset = TimelineFormSet(request.POST, prefix="timeline")
    if not (form.is_valid() and formset.is_valid()):
        return _render(request, incident, form, formset)
    move = request.POST.get("move", "")
    if action == "add_entry" or move:
        entries = _rearranged(_entries(formset), action, move)
        return _render(request, incident, form, _unbound(entries))
    if action == "preview":
        return _render(request, incident, form, formset)
    return _save(request, incident, form, formset, publish=action == "publish")


@responder_required
def edit(request: HttpRequest, incident_id: str) -> HttpResponse:
    incident = on_managed_page(request, Incident.objects.select_related("page"), pk=incident_id)
    if incident.is_active:
        messages.error(request, "A postmortem can be added only to a resolved incident.")
        return redirect("manage_incident", incident.pk)
    with timezone.override(incident.page.tz):
        if request.method == "POST":
            return _post(request, incident)
        fields, entries = _initial(incident, getattr(incident, "postmortem", None))
        return _render(request, incident, PostmortemForm(initial=fields), _unbound(entries))
