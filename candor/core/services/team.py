"""The team: invitations by email (the invitee chooses their own password) and optional TOTP
two-factor sign-in with recovery codes, which an administrator can make compulsory."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

import pyotp
from django.contrib.auth import get_user_model
from django.db import transaction

from candor.core.models import DeliveryKind, Page, TwoFactor
from candor.core.roles import ADMINISTRATOR, RESPONDER, ROLES, require_administrator
from candor.core.services.base import DUPLICATE, Actor, audit, check_text, fail, now

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RECOVERY_CODES = 10
ISSUER = "Candor"


@transaction.atomic
def invite_user(*, by: Actor, username: str, email: str, role: str = RESPONDER) -> User:
    """A user without a password, and an invitation in the ledger: its link (composed when the
    worker sends it) lets them choose their password, once."""
    require_administrator(by)
    model = get_user_model()
    username = check_text("username", username, required=True, max_length=150)
    email = check_text("email", email, required=True, max_length=254)
    if "@" not in email:
        raise fail("email", "Enter an email address: the invitation goes there.")
    if role not in ROLES:
        raise fail("role", "Choose Administrator or Responder.")
    if model.objects.filter(username__iexact=username).exists():
        raise fail("username", "A user with this username already exists.", DUPLICATE)
    user = model(
        username=username,
        email=email,
        is_superuser=role == ADMINISTRATOR,
        is_staff=role == ADMINISTRATOR,
    )
    user.set_unusable_password()
    user.save()
    audit(None, by, "user.invite", user, f"Invited {role} {username} ({email})", role=role)
    _send_invitation(user)
    return user


def is_invited(user: User) -> bool:
    """Invited and not yet joined: no password chosen."""
    return not user.has_usable_password()


@transaction.atomic
def resend_invitation(user: User, *, by: Actor) -> None:
    require_administrator(by)
    if not is_invited(user):
        raise fail("user", f"{user.get_username()} has already chosen a password.")
    audit(None, by, "user.invite", user, f"Sent the invitation to {user.get_username()} again")
    _send_invitation(user)


def _send_invitation(user: User) -> None:
    from candor.core.notifications import enqueue_mail

    enqueue_mail(DeliveryKind.INVITATION, user=user)


# --- Two-factor sign-in ------------------------------------------------------------------------


def two_factor_of(user: User) -> TwoFactor | None:
    """The user's confirmed authenticator, if any."""
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).first()


def required(page: Page | None) -> bool:
    return bool(page and page.require_two_factor)


@transaction.atomic
def start_two_factor(user: User) -> TwoFactor:
    """A new secret to show (and enter in an app); it counts once a first code confirms it."""
    TwoFactor.objects.filter(user=user, confirmed_at__isnull=True).delete()
    if two_factor_of(user) is not None:
        raise fail("code", "Two-factor sign-in is already on: turn it off first to change it.")
    return TwoFactor.objects.create(user=user, secret=pyotp.random_base32(), created_at=now())


def provisioning_uri(device: TwoFactor) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.user.get_username(), issuer_name=ISSUER
    )


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _accept_totp(device: TwoFactor, code: str) -> bool:
    """A current code (one 30-second step of drift either way), never one already used."""
    code = code.replace(" ", "").strip()
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(device.secret)
    at = now()
    for drift in (0, -1, 1):
        step = totp.timecode(at) + drift
        if secrets.compare_digest(totp.generate_otp(step), code):
            # Compare-and-set: two requests with the same code cannot both pass.
            return (
                TwoFactor.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
                == 1
            )
    return False


@transaction.atomic
def confirm_two_factor(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with the first right code; returns the recovery codes, shown
    this once (only their digests are kept)."""
    device = TwoFactor.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed_at is not None:
        raise fail("code", "Start again: open the two-factor page for a new key.")
    if not _accept_totp(device, code):
        raise fail("code", "That code is not right: enter the 6 digits your app shows now.")
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    TwoFactor.objects.filter(pk=device.pk).update(
        confirmed_at=now(), recovery_codes=[_digest(c) for c in codes]
    )
    audit(None, user, "user.two_factor", user, f"{user.get_username()} turned on two-factor")
    return codes


@transaction.atomic
def verify_second_factor(user: User, code: str) -> bool:
    """A sign-in's second step: a current TOTP code, or an unused recovery code (then spent)."""
    device = (
        TwoFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    )
    if device is None:
        return False
    if _accept_totp(device, code):
        return True
    digest = _digest(code)
    if digest in device.recovery_codes:
        left = [c for c in device.recovery_codes if c != digest]
        TwoFactor.objects.filter(pk=device.pk).update(recovery_codes=left)
        audit(None, user, "user.recovery_code", user, f"{user.get_username()} used a recovery code")
        return True
    return False


@transaction.atomic
def disable_two_factor(user: User, *, by: Actor) -> None:
    """Turn two-factor off: the user themselves, or an administrator for someone who lost their
    device (they sign in with the password alone, then set it up again if it is required)."""
    if by is None or getattr(by, "pk", None) != user.pk:
        require_administrator(by)
    deleted, _ = TwoFactor.objects.filter(user=user).delete()
    if deleted:
        audit(None, by, "user.two_factor", user, f"Two-factor turned off for {user.get_username()}")


@transaction.atomic
def set_two_factor_required(page: Page, *, by: Actor, required: bool) -> Page:
    require_administrator(by)
    Page.objects.filter(pk=page.pk).update(require_two_factor=required)
    page.refresh_from_db()
    state = "required" if required else "optional"
    audit(page, by, "page.two_factor", page, f"Two-factor sign-in made {state}")
    return page
