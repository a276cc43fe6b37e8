import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candor.core import services
from candor.public.render import build_front
from candor.public.store import store


def incidents(page, component, count):
    for n in range(count):
        incident = services.declare_incident(
            page, by=None, name=f"Incident {n}", impact="minor", components=[component]
        )
        services.post_update(incident, by=None, status="resolved", message="Fixed.")
        services.save_postmortem(incident, by=None, title="Report", summary="Why.")
        services.publish_postmortem(incident, by=None)


def render_queries(page):
    with CaptureQueriesContext(connection) as queries:
        docs, failures = build_front(page)
    assert failures == {}
    return len(queries), len(docs)


@pytest.mark.parametrize("count", [1, 3])
def test_rendering_queries_do_not_grow_with_incidents(default_page, component, count):
    incidents(default_page, component, count)
    queries, docs = render_queries(default_page)
    # The newest incidents' ids, then those shown with updates, affected components and
    # postmortem timelines; components (twice: grouped and Statuspage's flat list), and the
    # uptime log; the latest maintenances' ids. Incident pages are rendered on request, not
    # here. The documents include /maintenance.ics and one calendar per component, the 404
    # and 500 pages, /favicon.ico and /updated.json (which asks nothing more).
    assert (queries, docs) == (11, 17)


@pytest.fixture
def own_host_signal(settings, tmp_path):
    """A host signal of this test's own: the suite's other process shares the data directory,
    and its writes bump the shared one, which makes a request here reload (a query)."""
    settings.DATA_DIR = tmp_path


@pytest.mark.usefixtures("own_host_signal")
def test_serving_a_current_document_costs_one_query(client, default_page, component):
    incidents(default_page, component, 3)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert (response.status_code, len(queries)) == (200, 1)


@pytest.mark.usefixtures("own_host_signal")
def test_serving_without_polling_costs_no_query(settings, client, default_page):
    client.get("/")
    settings.CANDOR_PUBLIC_POLL_SECONDS = 60
    store.checked = 10**12  # just polled
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v2/summary.json").status_code == 200
    assert len(queries) == 0
