"""People who run the page: Administrators (superusers) and Responders (every other user).

Users are plain Django auth users, not domain models, but changes to them are audited like any
other write, and the last active Administrator cannot be removed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from candor.core.models import ApiKey
from candor.core.roles import ADMINISTRATOR, RESPONDER, ROLES, require_administrator, role_of
from candor.core.services.base import DUPLICATE, Actor, audit, check_text, fail

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def create_user(
    *, by: Actor, username: str, email: str, password: str, role: str = RESPONDER
) -> User:
    require_administrator(by)
    model = get_user_model()
    username = check_text("username", username, required=True, max_length=150)
    email = check_text("email", email, required=True, max_length=254)
    if role not in ROLES:
        raise fail("role", "Choose Administrator or Responder.")
    if model.objects.filter(username__iexact=username).exists():
        raise fail("username", "A user with this username already exists.", DUPLICATE)
    candidate = model(username=username, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user = model.objects.create_user(
        username=username,
        email=email,
        password=password,
        is_superuser=role == ADMINISTRATOR,
        is_staff=role == ADMINISTRATOR,
    )
    audit(None, by, "user.create", user, f"Added {role} {username}", role=role)
    return user


def _is_self(by: Actor, user: User) -> bool:
    return by is not None and not isinstance(by, ApiKey) and by.pk == user.pk


def _other_active_admins(user: User) -> bool:
    model = get_user_model()
    return model.objects.filter(is_superuser=True, is_active=True).exclude(pk=user.pk).exists()


@transaction.atomic
def update_user(
    user: User,
    *,
    by: Actor,
    email: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a user's email, role or active flag; nobody can demote or deactivate themselves."""
    require_administrator(by)
    model = get_user_model()
    user = model.objects.select_for_update().get(pk=user.pk)
    changed: list[str] = []
    if email is not None:
        email = check_text("email", email, required=True, max_length=254)
        if email != user.email:
            user.email = email
            changed.append("email")
    if role is not None and role != role_of(user):
        if role not in ROLES:
            raise fail("role", "Choose Administrator or Responder.")
        if by is not None and _is_self(by, user):
            raise fail("role", "You cannot change your own role.")
        if role == RESPONDER and user.is_active and not _other_active_admins(user):
            raise fail("role", "Candor needs at least one active Administrator.")
        user.is_superuser = user.is_staff = role == ADMINISTRATOR
        changed.append("role")
    if is_active is not None and is_active != user.is_active:
        if not is_active and by is not None and _is_self(by, user):
            raise fail("is_active", "You cannot deactivate yourself.")
        if not is_active and user.is_superuser and not _other_active_admins(user):
            raise fail("is_active", "Candor needs at least one active Administrator.")
        user.is_active = is_active
        changed.append("is_active")
    if not changed:
        return user
    user.save()
    audit(
        None,
        by,
        "user.update",
        user,
        f"Changed {', '.join(changed)} of {user.get_username()}",
        fields=changed,
        role=role_of(user),
        is_active=user.is_active,
    )
    return user
