import re

import pytest
from django.http import HttpResponse
from django.test import Client

from candor.api import urls
from candor.api.http import endpoint
from candor.api.openapi import document
from tests.conftest import assert_accessible


def _served() -> dict[str, set[str]]:
    """Every route of the API's URLconf and the methods it answers, asked of the server itself:
    an unknown method is answered 405 with the route's Allow header, before any key is needed."""
    served = {}
    for pattern in urls.urlpatterns:
        regex = pattern.pattern.regex.pattern
        if regex in (r"^openapi\.json$", r"^docs/?$", r"^(?P<rest>.*)$"):
            continue
        path = regex.removeprefix("^").removesuffix("$").removesuffix(r"(?:\.json)?")
        path = "/v1/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
        response = Client().generic("PROPFIND", re.sub(r"\{\w+\}", "x1", path))
        assert response.status_code == 405, path
        served[path] = set(response["Allow"].split(", ")) - {"HEAD"}
    return served


def _documented() -> dict[str, set[str]]:
    return {path: {m.upper() for m in ops} for path, ops in document()["paths"].items()}


def test_every_route_of_the_urlconf_is_documented_and_nothing_else(db):
    served = _served()
    assert len(served) == len(urls.urlpatterns) - 3
    assert _documented() == served


def test_documented_path_parameters_are_the_urlconfs(db):
    for path, operations in document()["paths"].items():
        names = re.findall(r"\{(\w+)\}", path)
        for op in operations.values():
            in_path = [p["name"] for p in op["parameters"] if p["in"] == "path"]
            assert in_path == names, op["operationId"]


def test_a_handler_without_a_declaration_cannot_be_routed():
    def undeclared(request, key):
        return HttpResponse()

    with pytest.raises(TypeError, match="declares no @operation"):
        endpoint(GET=undeclared)


def test_api_docs_page_is_served_without_a_key(db):
    response = Client().get("/v1/docs")
    assert response.status_code == 200
    assert b"/v1/openapi.json" in response.content


@pytest.mark.browser
def test_api_docs_render_every_operation_from_candor_alone(live_server, browser_page):
    outside = []
    browser_page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    browser_page.goto(f"{live_server.url}/v1/docs")
    browser_page.wait_for_selector("details.op")
    operations = browser_page.locator("details.op summary .method").count()
    browser_page.locator("#postIncident summary").click()
    assert operations == sum(len(methods) for methods in _documented().values())
    assert (
        browser_page.locator("#postIncident").get_by_text("incident[impact_override]").count() == 1
    )
    assert outside == []
    assert_accessible(browser_page, "API docs")


def test_documented_enums_are_the_domains(db):
    from candor.api.bodies.base import MAINTENANCE_STATUSES
    from candor.core.enums import POSTABLE_STATUSES, ComponentStatus, Impact, IncidentStatus
    from candor.core.models import SubscriberState

    doc = document()
    post = doc["paths"]["/v1/pages/{page_id}/incidents"]["post"]
    fields = post["requestBody"]["content"]["application/json"]["schema"]["properties"]
    incident = fields["incident"]["properties"]
    objects = doc["components"]["schemas"]
    assert incident["status"]["enum"] == [*POSTABLE_STATUSES, *MAINTENANCE_STATUSES]
    assert incident["impact_override"]["enum"] == list(Impact.values)
    assert incident["components"]["additionalProperties"]["enum"] == [*ComponentStatus.values, ""]
    # A cancelled maintenance reads `completed` to Statuspage's clients (docs/decisions.md).
    wire = [s for s in IncidentStatus.values if s != IncidentStatus.CANCELLED]
    assert objects["Incident"]["properties"]["status"]["enum"] == wire
    assert objects["Component"]["properties"]["status"]["enum"] == list(ComponentStatus.values)
    assert objects["Subscriber"]["properties"]["state"]["enum"] == list(SubscriberState.values)
