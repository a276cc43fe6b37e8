"""Correcting a posted update from the incident's timeline: Edit (with its history) and Delete."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from candor.core import services
from candor.core.enums import INCIDENT_STATUS_HELP, IncidentStatus
from candor.core.markdown import render_markdown
from candor.core.models import IncidentUpdate
from candor.core.services.base import NOT_FOUND, codes
from candor.forms import LocalDateTimeField, add_service_errors
from candor.manage.access import responder_required
from candor.manage.common import actor, on_managed_page
from candor.manage.incident_forms import DATETIME_WIDGET, STATUS_CHOICES


class EditUpdateForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES)
    message = forms.CharField(
        label="Update Message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "data-preview": "", "autofocus": True}),
        help_text="Markdown is supported. The public timeline marks the update as edited.",
    )
    display_at = LocalDateTimeField(
        label="Display time",
        widget=DATETIME_WIDGET,
        help_text="When the update shows as posted, in the page's time zone.",
    )
    notify = forms.BooleanField(
        label="Notify subscribers of this correction",
        required=False,
        help_text="Off by default: a fixed typo is not news. Tick it when the meaning changed.",
    )

    def __init__(self, *args: Any, entry: IncidentUpdate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if entry.status == IncidentStatus.POSTMORTEM:
            # The postmortem's own entry keeps its status: reverting the postmortem removes it.
            self.fields["status"].choices = [  # type: ignore[attr-defined]
                (entry.status, IncidentStatus(entry.status).label)
            ]


def _entry(request: HttpRequest, incident_id: str, update_id: str) -> IncidentUpdate:
    return on_managed_page(
        request,
        IncidentUpdate.objects.select_related("incident__page"),
        page_field="incident__page",
        pk=update_id,
        incident_id=incident_id,
    )


def _status_choices(form: EditUpdateForm) -> list[tuple[str, str, str]]:
    return [
        (value, label, INCIDENT_STATUS_HELP.get(value, ""))
        for value, label in form.fields["status"].choices  # type: ignore[attr-defined]
    ]


@responder_required
def update_edit(request: HttpRequest, incident_id: str, update_id: str) -> HttpResponse:
    entry = _entry(request, incident_id, update_id)
    incident = entry.incident
    with timezone.override(incident.page.tz):
        initial = {
            "status": entry.status,
            "message": entry.body,
            "display_at": timezone.localtime(entry.display_at),
        }
        if request.method == "POST":
            form = EditUpdateForm(request.POST, entry=entry, initial=initial)
        else:
            form = EditUpdateForm(entry=entry, initial=initial)
        if request.method == "POST" and "preview" not in request.POST and form.is_valid():
            data = form.cleaned_data
            # The time field shows minutes: the same minute sent back is the time unchanged,
            # not a move to its first second (which could fall before the incident started).
            display_at = data["display_at"]
            if display_at == entry.display_at.replace(second=0, microsecond=0):
                display_at = None
            try:
                services.edit_update(
                    entry,
                    by=actor(request),
                    body=data["message"],
                    status=data["status"],
                    display_at=display_at,
                    notify=data["notify"],
                )
            except ValidationError as error:
                if NOT_FOUND in codes(error):
                    raise Http404("This update has been deleted.") from None
                add_service_errors(form, error, {"body": "message"})
            else:
                told = " Subscribers will be notified." if data["notify"] else ""
                messages.success(request, f"Update corrected.{told}")
                return redirect("manage_incident", incident.pk)
        message = form["message"].value() or ""
        return render(
            request,
            "manage/incidents/edit_update.html",
            {
                "page": incident.page,
                "incident": incident,
                "entry": entry,
                "form": form,
                "status_choices": _status_choices(form),
                "preview": render_markdown(message),
                "revisions": list(entry.revisions.all()),
            },
        )


@responder_required
def update_delete(request: HttpRequest, incident_id: str, update_id: str) -> HttpResponse:
    entry = _entry(request, incident_id, update_id)
    incident = entry.incident
    error = None
    if request.method == "POST":
        try:
            services.delete_update(entry, by=actor(request))
        except ValidationError as refusal:
            if NOT_FOUND in codes(refusal):
                raise Http404("This update has already been deleted.") from None
            error = " ".join(refusal.messages)
        else:
            messages.success(request, "Update deleted. The incident's status follows the timeline.")
            return redirect("manage_incident", incident.pk)
    with timezone.override(incident.page.tz):
        return render(
            request,
            "manage/incidents/delete_update.html",
            {"page": incident.page, "incident": incident, "entry": entry, "error": error},
            status=409 if error else 200,
        )
