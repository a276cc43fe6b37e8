"""Who may do what: Administrators and Responders, for people and for the API keys acting for them.

Roles are install-wide (docs/decisions.md). An API key has no role of its own: it acts with the
role its owner (the user who created it) has *now*, so demoting the owner to Responder takes the
key's Administrator powers away at the next request, and deactivating the owner stops the key.
A key without an owner was created on the server's command line (`candor apikey create`), by
whoever runs the install, and acts as an Administrator; a key never outlives its owner (the row
is deleted with the user), so "no owner" cannot come from a deleted account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

from candor.core.models import ApiKey, Integration

if TYPE_CHECKING:
    from candor.core.services.base import Actor

ADMINISTRATOR = "administrator"
RESPONDER = "responder"
ROLES = (ADMINISTRATOR, RESPONDER)


def role_of(user: Any) -> str:
    """The role a user holds (whether or not the account is active)."""
    return ADMINISTRATOR if user.is_superuser else RESPONDER


def acting_role(by: Actor) -> str | None:
    """The role `by` acts with now; None for a deactivated account (or a key of one)."""
    if by is None:
        return ADMINISTRATOR  # Candor itself: the command line, migrations, the worker
    if isinstance(by, Integration):
        return RESPONDER  # an integration opens and resolves incidents, and nothing more
    user = by.created_by if isinstance(by, ApiKey) else by
    if user is None:
        return ADMINISTRATOR  # a key created on the command line
    if not user.is_active:
        return None
    return role_of(user)


def require_administrator(by: Actor) -> None:
    """Page settings, users and API keys are for Administrators, through every surface."""
    if acting_role(by) != ADMINISTRATOR:
        raise PermissionDenied("Only Administrators can do this.")
