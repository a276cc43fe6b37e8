"""Forms shared by more than one surface, and a service's refusal shown on the form that caused
it (every view that calls a service with a form's data uses add_service_errors)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from candor.core import branding, timefmt


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


class TimeZoneField(forms.CharField):
    """A canonical IANA zone, typed with the searchable list that
    manage/includes/time_zone_field.html renders next to it: "berl" finds Europe/Berlin, an
    old alias is refused naming its canonical zone. The zone already saved (`current`) is
    accepted as it is, even when the list no longer has it."""

    def __init__(self, *, current: str = "UTC", **kwargs: Any) -> None:
        kwargs.setdefault("label", "Time zone")
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)
        self.current = current

    @property
    def zones(self) -> tuple[str, ...]:
        return branding.canonical_time_zones()

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        zones = self.zones
        if value in zones or value == self.current:
            return str(value)
        match = {z.lower(): z for z in zones}.get(value.lower())
        if match:
            return match
        canonical = branding.canonical_for(value)
        if canonical:
            raise ValidationError(f"{value} is an old alias: choose {canonical}.")
        raise ValidationError(
            f"{value!r} is not a time zone: type a city and pick from the list "
            "(for example Europe/Berlin)."
        )


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time typed in the current time zone (the page's, or a series' own). In the
    hour that repeats when the clocks go back it means the first pass, as calendars read it
    (Django refuses it, so an incident that began then could not be entered at all); a time
    the clocks skip is refused, saying so."""

    def to_python(self, value: Any) -> datetime | None:
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if exc.code != "ambiguous_timezone":
                raise
            naive: datetime = (exc.params or {})["datetime"]
        try:
            return timefmt.place(naive, timezone.get_current_timezone())
        except ValueError as exc:
            raise ValidationError(str(exc), code="nonexistent") from None


class WeakPasswordUnderPassword:
    """Django shows a weak password's errors under the confirmation field; they are about the
    password typed first, so they go under it (the confirmation keeps "didn't match")."""

    FIRST = {"password2": "password1", "new_password2": "new_password1"}

    def validate_password_for_user(
        self,
        user: object,
        password_field_name: str = "password2",  # noqa: S107 - a field name
    ) -> None:
        first = self.FIRST.get(password_field_name, password_field_name)
        super().validate_password_for_user(user, password_field_name=first)  # type: ignore[misc]


class SetPasswordForm(WeakPasswordUnderPassword, auth_forms.SetPasswordForm):  # type: ignore[misc]
    pass


class PasswordChangeForm(WeakPasswordUnderPassword, auth_forms.PasswordChangeForm):  # type: ignore[misc]
    pass


class FirstAdminForm(WeakPasswordUnderPassword, UserCreationForm):  # type: ignore[misc]
    email = forms.EmailField(help_text="Password resets and incident reminders go here.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
