"""The audit log: every write, through the UI or the API, with who, what and when."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from candor.core.models import AuditEntry
from candor.manage.access import responder_required
from candor.manage.common import managed_page

PER_PAGE = 50
AREAS = [
    ("", "Everything"),
    ("incident", "Incidents and updates"),
    ("postmortem", "Postmortems"),
    ("component", "Components"),
    ("group", "Component groups"),
    ("page", "Page settings"),
    ("apikey", "API keys"),
    ("user", "Users"),
    ("subscriber", "Subscribers"),
]
ACTORS = [("", "Anyone"), ("user", "People (the UI)"), ("key", "API keys")]


class AuditFilter(forms.Form):
    area = forms.ChoiceField(label="What", choices=AREAS, required=False)
    by = forms.ChoiceField(label="Who", choices=ACTORS, required=False)
    q = forms.CharField(label="Search", required=False, max_length=100)


@responder_required
def audit_log(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    form = AuditFilter(request.GET or None)
    # This page's entries and the install-wide ones (users, keys for every page).
    entries = AuditEntry.objects.filter(Q(page=page) | Q(page__isnull=True)).select_related(
        "user", "api_key"
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["area"]:
            entries = entries.filter(
                Q(action__startswith=f"{data['area']}.") | Q(action__startswith=data["area"])
            )
        if data["by"] == "user":
            entries = entries.filter(user__isnull=False)
        elif data["by"] == "key":
            entries = entries.filter(api_key__isnull=False)
        if data["q"]:
            entries = entries.filter(
                Q(summary__icontains=data["q"]) | Q(actor__icontains=data["q"])
            )
    paginator = Paginator(entries, PER_PAGE)
    listing = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    with timezone.override(page.tz):
        return render(
            request,
            "manage/audit/list.html",
            {"form": form, "listing": listing, "query": query.urlencode(), "page": page},
        )
