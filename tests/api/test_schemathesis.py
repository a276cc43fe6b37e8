"""Schemathesis against /v1/openapi.json: every operation, 100 generated requests each, valid and
invalid. No 5xx, every answer as the document says, and invalid input refused with a 4xx."""

import uuid

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from candor.api.openapi import document
from candor.core import services, subscriptions
from candor.core.services import series

EXAMPLES = 100
_django = WSGIHandler()


def application(environ, start_response):
    """Django's own WSGI handler (candor.wsgi's public fast path would start its poller thread
    here), kept from closing the test's database connection at the end of each request, as
    Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = _django(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


CALLS = {}

schema = schemathesis.openapi.from_dict(
    document(),
    config=schemathesis.Config.from_dict(
        {
            "seed": 20260305,
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES,
                # Unknown query parameters are ignored by design, like unknown body fields.
                "allow-extra-parameters": False,
                "with-security-parameters": False,
            },
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    ),
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module", autouse=True)
def every_operation_gets_its_examples():
    """After the run: each operation that ran was called at least EXAMPLES times."""
    yield
    short = {label: n for label, n in CALLS.items() if n < EXAMPLES}
    assert short == {}


@pytest.fixture
def world(page, key_of_page, settings):
    settings.CANDOR_API_RATE_LIMIT = 0
    return page, key_of_page.token


def _objects(page, path):
    """Fresh objects for each generated request (so that deletes do not starve later ones), as
    the operation's path needs them: their ids replace the generated ones."""
    known = {"page_id": page.pk}
    if "{component_id}" in path or "{component_group_id}" in path:
        component = services.create_component(page, by=None, name="Help Desk")
        group = services.create_group(page, by=None, name="Desk", components=[component])
        known.update(component_id=component.pk, component_group_id=group.pk)
    if "/postmortem" in path:
        start = timezone.now() - timezone.timedelta(hours=2)
        past = services.declare_incident(
            page, by=None, name="Past", status="resolved", started_at=start
        )
        services.save_postmortem(past, by=None, title="Report", summary="It broke.")
        if path.endswith("/revert"):
            services.publish_postmortem(past, by=None)
        known["incident_id"] = past.pk
    elif "{incident_id}" in path:
        live = services.declare_incident(page, by=None, name="Live")
        known.update(incident_id=live.pk, incident_update_id=live.updates.get().pk)
    if "{series_id}" in path:
        made = series.create_series(
            page,
            by=None,
            name="Nightly backup",
            rrule_text="FREQ=DAILY",
            time_zone="Europe/Berlin",
            starts_at=timezone.now() + timezone.timedelta(hours=1),
            duration_minutes=30,
        )
        known["series_id"] = made.pk
    if "{subscriber_id}" in path:
        subscriber, _ = subscriptions.add_subscriber(
            page, by=None, mode="email", email=f"{uuid.uuid4().hex}@example.com"
        )
        known["subscriber_id"] = subscriber.pk
    return known


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_conforms_to_its_openapi_document(case, world):
    page, key = world
    known = _objects(page, case.operation.path)
    if case.path_parameters:
        case.path_parameters = {k: known.get(k, v) for k, v in case.path_parameters.items()}
    case.call_and_validate(
        app=application, headers={"Authorization": f"OAuth {key}"}, checks=CHECKS
    )
    CALLS[case.operation.label] = CALLS.get(case.operation.label, 0) + 1


def test_openapi_document_is_served_as_generated(db):
    # That it lists every route of the URLconf: tests/api/test_docs.py.
    response = Client().get("/v1/openapi.json")
    assert (response.status_code, response.json()["openapi"]) == (200, "3.0.3")
    assert response.json() == document()
