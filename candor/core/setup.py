"""First run: a one-time link, printed only on the server's console, creates the first admin.

Nobody on the network can claim the install: without the token there is no setup form at all.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

TOKEN_FILE = "setup-token.sha256"  # noqa: S105 - a file name, not a secret


def _path():  # type: ignore[no-untyped-def]
    return settings.DATA_DIR / TOKEN_FILE


def needs_setup() -> bool:
    return not get_user_model().objects.exists()


def issue_token() -> str:
    """A fresh one-time token; only its hash is kept, in the data directory."""
    token = secrets.token_urlsafe(24)
    path = _path()
    path.write_text(hashlib.sha256(token.encode()).hexdigest())
    path.chmod(0o600)
    return token


def check_token(token: str) -> bool:
    path = _path()
    if not path.exists() or not needs_setup():
        return False
    expected = path.read_text().strip()
    return hmac.compare_digest(expected, hashlib.sha256(token.encode()).hexdigest())


@transaction.atomic
def create_first_admin(*, username: str, email: str, password: str):  # type: ignore[no-untyped-def]
    from candor.core.services.base import check_text

    username = check_text("username", username, required=True, max_length=150)
    email = check_text("email", email, required=True, max_length=254)
    user = get_user_model().objects.create_superuser(
        username=username, email=email, password=password
    )
    _path().unlink(missing_ok=True)
    return user
