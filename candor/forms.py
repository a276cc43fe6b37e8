"""Forms shared by more than one surface, and a service's refusal shown on the form that caused
it (every view that calls a service with a form's data uses add_service_errors)."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError next to the matching form field, or on top of the form.

    Services key their errors by their own argument names; `aliases` maps one to the form's
    field where the names differ (a name the form lacks goes on top of the form).
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        name = (aliases or {}).get(field, field)
        form.add_error(name if name in form.fields else None, errors)


class FirstAdminForm(UserCreationForm):
    email = forms.EmailField(help_text="Password resets and incident reminders go here.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
