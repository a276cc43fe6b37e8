"""Team channels (Administrators only): where the team hears about what needs it, in Slack,
Teams, Discord or by email, each choosing its events (candor.core.teamchannels)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from candor.core import teamchannels
from candor.core.models import Delivery, DeliveryState, SubscriberMode, TeamChannel, TeamEvent
from candor.forms import add_service_errors
from candor.manage.access import admin_required
from candor.manage.common import actor, managed_page, on_managed_page

MODES = [(m, label) for m, label in SubscriberMode.choices if m in teamchannels.TEAM_MODES]
# What a new channel gets unless the Administrator chooses otherwise.
INITIAL = {"events": [TeamEvent.REMINDER, TeamEvent.CHANNEL_FAILING]}


class EventsForm(forms.Form):
    events = forms.MultipleChoiceField(
        label="Events",
        choices=TeamEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Alerts and maintenance reminders are sent once those features are set up.",
    )


class TeamChannelForm(EventsForm):
    mode = forms.ChoiceField(
        label="Where", choices=MODES, initial=SubscriberMode.SLACK, widget=forms.RadioSelect
    )
    name = forms.CharField(label="Name", max_length=100, help_text="For example #incidents.")
    endpoint = forms.CharField(
        label="Incoming-webhook URL",
        max_length=2000,
        required=False,
        help_text="For Slack, Teams or Discord: a test message is posted there first.",
    )
    email = forms.CharField(
        label="Email address", max_length=254, required=False, help_text="For email."
    )
    field_order = ["mode", "name", "endpoint", "email", "events"]


class EnableForm(forms.Form):
    endpoint = forms.CharField(
        label="Incoming-webhook URL",
        max_length=2000,
        help_text="A new webhook's URL (or the same, once it works again): a test message is "
        "posted there first.",
    )


def _last_failure(team: TeamChannel) -> str:
    """Why the channel's latest message failed for good, if it did (a mailbox refusing...).
    Reads `team.latest`, prefetched by _render."""
    if team.disabled:
        return ""  # the disabled notice says why
    latest: list[Delivery] = getattr(team, "latest", [])
    if not latest or latest[0].state != DeliveryState.FAILED:
        return ""
    return latest[0].last_error


def _enable_form(team: TeamChannel, posted: EnableForm | None) -> EnableForm:
    form = posted or EnableForm(initial={"endpoint": team.endpoint}, prefix=f"enable-{team.pk}")
    # One per disabled channel on the page: each label says which.
    form.fields["endpoint"].label = f"New incoming-webhook URL for {team.name}"
    return form


def _render(
    request: HttpRequest,
    form: TeamChannelForm,
    status: int = 200,
    enabling: tuple[str, EnableForm] | None = None,
) -> HttpResponse:
    page = managed_page(request)
    # Each channel's latest message in one query, whatever the number of channels.
    latest = Delivery.objects.order_by("-created_at", "-pk")[:1]
    teams = list(
        TeamChannel.objects.filter(page=page).prefetch_related(
            Prefetch("deliveries", queryset=latest, to_attr="latest")
        )
    )
    rows = [
        (
            team,
            EventsForm(initial={"events": team.events}, prefix=team.pk),
            _last_failure(team),
            _enable_form(team, enabling[1] if enabling and enabling[0] == team.pk else None),
        )
        for team in teams
    ]
    return render(
        request,
        "manage/team_channels.html",
        {"page": page, "rows": rows, "form": form},
        status=status,
    )


@admin_required
def index(request: HttpRequest) -> HttpResponse:
    return _render(request, TeamChannelForm(initial=INITIAL))


@admin_required
@require_POST
def add(request: HttpRequest) -> HttpResponse:
    page = managed_page(request)
    form = TeamChannelForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            team = teamchannels.add_channel(
                page,
                by=actor(request),
                mode=data["mode"],
                name=data["name"],
                endpoint=data["endpoint"],
                email=data["email"],
                events=data["events"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Team channel {team.name} added.")
            return redirect("manage_team_channels")
    return _render(request, form, status=400)


@admin_required
@require_POST
def events(request: HttpRequest, team_id: str) -> HttpResponse:
    team = on_managed_page(request, TeamChannel.objects.select_related("page"), pk=team_id)
    form = EventsForm(request.POST, prefix=team.pk)
    if form.is_valid():
        teamchannels.set_events(team, form.cleaned_data["events"], by=actor(request))
        messages.success(request, f"Saved the events of {team.name}.")
    else:
        messages.error(request, f"{team.name}: choose at least one event.")
    return redirect("manage_team_channels")


@admin_required
@require_POST
def enable(request: HttpRequest, team_id: str) -> HttpResponse:
    """A disabled channel (its webhook was deleted) with a working URL again."""
    team = on_managed_page(request, TeamChannel.objects.select_related("page"), pk=team_id)
    form = EnableForm(request.POST, prefix=f"enable-{team.pk}")
    if form.is_valid():
        try:
            teamchannels.enable(team, by=actor(request), endpoint=form.cleaned_data["endpoint"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Team channel {team.name} is enabled again.")
            return redirect("manage_team_channels")
    return _render(request, TeamChannelForm(initial=INITIAL), 400, enabling=(team.pk, form))


@admin_required
@require_POST
def remove(request: HttpRequest, team_id: str) -> HttpResponse:
    team = on_managed_page(request, TeamChannel.objects.select_related("page"), pk=team_id)
    teamchannels.remove_channel(team, by=actor(request))
    messages.success(request, f"Removed team channel {team.name}.")
    return redirect("manage_team_channels")


urlpatterns = [
    path("", index, name="manage_team_channels"),
    path("add/", add, name="manage_team_channel_add"),
    path("<str:team_id>/events/", events, name="manage_team_channel_events"),
    path("<str:team_id>/enable/", enable, name="manage_team_channel_enable"),
    path("<str:team_id>/remove/", remove, name="manage_team_channel_remove"),
]
