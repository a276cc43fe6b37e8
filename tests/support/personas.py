"""The people and keys the tests speak as, the way healthchecks' hc/test.py has alice, bob, charlie.

- **alice** is an Administrator (a superuser): page settings, users, API keys.
- **bob** is a Responder: incidents, updates, components, subscribers; 403 on Administrator work.
- **charlie** was a Responder and has been deactivated: he cannot sign in, and a key he made stops.
- **key_of_page** is an API key of `page`, created by alice, so it acts as an Administrator and
  the audit log names it (and, through it, alice as its owner).
- **key_of_other_page** is alice's key of `other_page`: a key that must not reach `page`. Keys are
  scoped by their `page` (None: every page) and roles are install-wide, so "another page's key"
  is the key a stranger to this page holds (docs/decisions.md, "Personas in the tests").

Roles are install-wide (candor/core/roles.py), so nobody is a member of a page; the management
UI manages the default page, which `page` is (it is created first).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from candor.core import apikeys, services
from candor.core.models import ApiKey, Page

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Key:
    """A stored API key and the token only its holder knows (the service shows it once)."""

    key: ApiKey
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Django test-client headers carrying the token as Statuspage clients send it."""
        return {"HTTP_AUTHORIZATION": f"OAuth {self.token}"}


def _person(django_user_model, username: str, first: str, last: str, *, admin: bool):
    make = (
        django_user_model.objects.create_superuser
        if admin
        else django_user_model.objects.create_user
    )
    return make(username, f"{username}@example.com", PASSWORD, first_name=first, last_name=last)


@pytest.fixture
def alice(db, django_user_model):
    """An Administrator."""
    return _person(django_user_model, "alice", "Alice", "Adams", admin=True)


@pytest.fixture
def bob(db, django_user_model):
    """A Responder."""
    return _person(django_user_model, "bob", "Bob", "Baker", admin=False)


@pytest.fixture
def charlie(db, django_user_model):
    """A Responder who has been deactivated: no access at all."""
    user = _person(django_user_model, "charlie", "Charlie", "Clark", admin=False)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_as_alice(alice) -> Client:
    return signed_in(alice)


@pytest.fixture
def client_as_bob(bob) -> Client:
    return signed_in(bob)


@pytest.fixture
def other_page(page) -> Page:
    """A second page; `page` came first, so `page` stays the default (managed) one."""
    assert page.is_default
    return services.create_page(by=None, name="Other Status")


def make_key(*, by, page: Page | None, name: str) -> Key:
    key, token = apikeys.create_api_key(by=by, name=name, page=page)
    return Key(key, token)


@pytest.fixture
def key_of_page(page, alice) -> Key:
    return make_key(by=alice, page=page, name="automation")


@pytest.fixture
def key_of_other_page(other_page, alice) -> Key:
    return make_key(by=alice, page=other_page, name="their automation")
