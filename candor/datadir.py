"""The data directory and the generated secret key, created by what needs them: the `candor`
command (cli.py), the WSGI entry point and the test suite call prepare() before anything else.
Importing the settings only reads them."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def prepare() -> None:
    """Create the data directory and, unless SECRET_KEY is set, the secret-key file (once)."""
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    Path(settings.STATIC_ROOT).mkdir(exist_ok=True)
    try:
        if settings.SECRET_KEY:
            return
    except ImproperlyConfigured:  # empty: neither SECRET_KEY nor the file exists yet
        pass
    settings.SECRET_KEY = _create_key(Path(settings.SECRET_KEY_FILE))


def _create_key(path: Path) -> str:
    """A new key, readable by its owner only, in place at once (written aside, then linked);
    a process that lost the race to create it reads the winner's."""
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(50))
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    finally:
        aside.unlink()
    return path.read_text().strip()
