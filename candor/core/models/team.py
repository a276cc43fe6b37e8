from __future__ import annotations

from django.conf import settings
from django.db import models


class TwoFactor(models.Model):
    """An operator's TOTP authenticator (RFC 6238), confirmed once a first code was right.
    Recovery codes are kept as SHA-256 digests; each works once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step a code was accepted for: the same code is never taken twice.
    last_step = models.BigIntegerField(default=0)
    recovery_codes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
