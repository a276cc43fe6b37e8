import secrets
import string

from django.db import models

_ALPHABET = string.ascii_lowercase + string.digits


def new_id() -> str:
    """A Statuspage-style public id: 12 characters of [0-9a-z]."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


class PublicIdField(models.CharField):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("default", new_id)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("primary_key", True)
        super().__init__(*args, **kwargs)
