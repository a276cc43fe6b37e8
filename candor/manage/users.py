"""Users (Administrators only): add people, change their role, deactivate them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from candor.core import services
from candor.core.roles import ADMINISTRATOR, RESPONDER, role_of
from candor.forms import add_service_errors
from candor.manage.access import admin_required
from candor.manage.common import actor

ROLE_CHOICES = [
    (RESPONDER, "Responder: incidents, postmortems, components and subscribers"),
    (ADMINISTRATOR, "Administrator: everything, including users, API keys and page settings"),
]


class UserCreateForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150)
    email = forms.EmailField(label="Email", help_text="Password resets go here.")
    role = forms.ChoiceField(
        label="Role", choices=ROLE_CHOICES, initial=RESPONDER, widget=forms.RadioSelect
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password. They can change it later, "
        "or reset it by email.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") != data.get("password"):
            self.add_error("password2", "The two passwords differ.")
        return data


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
    users = get_user_model().objects.order_by("-is_active", "username")
    return render(request, "manage/users/list.html", {"users": users})


@admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                by=actor(request),
                username=data["username"],
                email=data["email"],
                password=data["password"],
                role=data["role"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"User “{user.get_username()}” added.")
            return redirect("manage_users")
    return render(request, "manage/users/form.html", {"form": form})


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
