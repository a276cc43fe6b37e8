import pytest
from django.test import Client


@pytest.fixture
def responder(db, django_user_model):
    return django_user_model.objects.create_user(
        "rita", "rita@example.com", "correct horse battery", first_name="Rita", last_name="Ops"
    )


@pytest.fixture
def admin_client(admin, page) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def responder_client(responder, page) -> Client:
    client = Client()
    client.force_login(responder)
    return client
