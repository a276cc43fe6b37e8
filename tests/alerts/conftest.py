"""An integration and its hook, posted to through Django's test client; the worker's job run in
process (`process()`), as `candor worker` runs it."""

from __future__ import annotations

import pytest

from candor.core.services import alerts, integrations


@pytest.fixture
def hook(page, alice, client):
    def make(kind="alertmanager", **kwargs):
        integration, token = integrations.create_integration(
            page, by=alice, kind=kind, name="Prometheus", **kwargs
        )

        def post(body: bytes, **headers):
            return client.post(
                f"/hooks/alerts/{token}", body, content_type="application/json", **headers
            )

        post.integration = integration
        post.token = token
        return post

    return make


def process() -> None:
    while alerts.process_next():
        pass
    alerts.settle_due()


def status_of(component) -> str:
    component.refresh_from_db()
    return component.status
