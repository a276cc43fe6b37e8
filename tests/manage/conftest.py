import pytest
from django.test import Client


# The management UI manages the default page, and a GET never creates it: signed-in clients here
# come with the page in place (tests/support/personas.py has the people).
@pytest.fixture
def client_as_alice(client_as_alice, page) -> Client:
    return client_as_alice


@pytest.fixture
def client_as_bob(client_as_bob, page) -> Client:
    return client_as_bob
