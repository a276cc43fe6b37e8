"""Users (Administrators only): invite people, change their role, deactivate them, and the
two-factor policy."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from candor.core import services
from candor.core.models import TwoFactor
from candor.core.roles import ADMINISTRATOR, RESPONDER, role_of
from candor.core.services import team
from candor.forms import add_service_errors
from candor.manage.access import admin_required
from candor.manage.common import actor, existing_managed_page, managed_page

ROLE_CHOICES = [
    (RESPONDER, "Responder: incidents, postmortems, components and subscribers"),
    (ADMINISTRATOR, "Administrator: everything, including users, API keys and page settings"),
]


class UserInviteForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)
    email = forms.EmailField(
        label="Email", help_text="The invitation goes here: they choose their own password."
    )
    role = forms.ChoiceField(
        label="Role", choices=ROLE_CHOICES, initial=RESPONDER, widget=forms.RadioSelect
    )


class UserEditForm(forms.Form):
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, widget=forms.RadioSelect)
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        help_text="Untick to deactivate: the user can no longer log in. Their name stays on "
        "the updates they posted.",
    )


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    users = list(get_user_model().objects.order_by("-is_active", "username"))
    with_two_factor = set(
        TwoFactor.objects.filter(confirmed_at__isnull=False).values_list("user_id", flat=True)
    )
    for u in users:
        u.invited = team.is_invited(u)  # type: ignore[attr-defined]
        u.has_two_factor = u.pk in with_two_factor  # type: ignore[attr-defined]
    page = existing_managed_page()
    return render(
        request,
        "manage/users/list.html",
        {"users": users, "required": team.required(page), "page": page},
    )


@admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    """Invite someone: the invitation mail (through the ledger) lets them choose a password."""
    form = UserInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.invite_user(
                by=actor(request), username=data["username"], email=data["email"], role=data["role"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Invitation sent to {user.email}: “{user.get_username()}” joins by "
                "choosing a password.",
            )
            return redirect("manage_users")
    return render(request, "manage/users/form.html", {"form": form})


@admin_required
@require_POST
def user_reinvite(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=user_id)
    try:
        services.resend_invitation(user, by=actor(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Invitation sent to {user.email} again.")
    return redirect("manage_users")


@admin_required
@require_POST
def two_factor_policy(request: HttpRequest) -> HttpResponse:
    """Require two-factor sign-in of every operator, or make it optional again; or turn it off
    for one user who lost their device."""
    if "user" in request.POST:
        user = get_object_or_404(get_user_model(), pk=request.POST["user"])
        services.disable_two_factor(user, by=actor(request))
        messages.success(request, f"Two-factor sign-in turned off for {user.get_username()}.")
        return redirect("manage_users")
    required = request.POST.get("required") == "on"
    services.set_two_factor_required(managed_page(request), by=actor(request), required=required)
    messages.success(
        request,
        "Every operator now signs in with a code; those without an authenticator set one up "
        "at their next page."
        if required
        else "Two-factor sign-in is optional.",
    )
    return redirect("manage_users")


@admin_required
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=user_id)
    initial = {"email": user.email, "role": role_of(user), "is_active": user.is_active}
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(user, by=actor(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"User “{user.get_username()}” saved.")
            return redirect("manage_users")
    return render(request, "manage/users/form.html", {"form": form, "edited": user})
