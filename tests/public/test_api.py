import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from candor.core import services
from tests.public.factories import full_page

PARIS = ZoneInfo("Europe/Paris")

ID = re.compile(r"^[0-9a-z]{12}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
IMPACTS = {"none", "minor", "major", "critical"}
INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
COMPONENT_KEYS = [
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "start_date",
    "group_id",
    "page_id",
    "group",
    "only_show_if_degraded",
]
INCIDENT_KEYS = [
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
    "reminder_intervals",
]
UPDATE_KEYS = [
    "id",
    "status",
    "body",
    "incident_id",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
    "custom_tweet",
    "tweet_id",
]


@pytest.fixture
def data(default_page):
    services.update_page(default_page, by=None, time_zone="Europe/Paris")
    return full_page(default_page)


def time_or_none(value):
    return value is None or bool(TIME.match(value))


def check_page(page, expected):
    assert list(page) == ["id", "name", "url", "time_zone", "updated_at"]
    assert ID.match(page["id"]) and page["id"] == expected.pk
    assert (page["name"], page["time_zone"]) == (expected.name, "Europe/Paris")
    assert isinstance(page["url"], str) and TIME.match(page["updated_at"])


def check_component(c):
    keys = COMPONENT_KEYS + (["components"] if c["group"] else [])
    assert list(c) == keys
    assert ID.match(c["id"]) and ID.match(c["page_id"])
    assert c["status"] in COMPONENT_STATUSES
    assert TIME.match(c["created_at"]) and TIME.match(c["updated_at"])
    assert isinstance(c["position"], int) and isinstance(c["name"], str)
    assert c["description"] is None or isinstance(c["description"], str)
    assert isinstance(c["showcase"], bool) and isinstance(c["only_show_if_degraded"], bool)
    assert c["start_date"] is None or re.match(r"^\d{4}-\d\d-\d\d$", c["start_date"])
    assert c["group_id"] is None or ID.match(c["group_id"])
    if c["group"]:
        assert c["group_id"] is None and all(ID.match(i) for i in c["components"])


def check_incident(i):
    assert list(i) == INCIDENT_KEYS
    assert ID.match(i["id"]) and ID.match(i["page_id"])
    assert i["status"] in INCIDENT_STATUSES and i["impact"] in IMPACTS
    for key in ("created_at", "updated_at", "started_at"):
        assert TIME.match(i[key]), key
    assert time_or_none(i["monitoring_at"]) and time_or_none(i["resolved_at"])
    assert i["shortlink"].endswith(f"/incidents/{i['id']}")
    assert i["reminder_intervals"] is None
    for c in i["components"]:
        check_component(c)
    displayed = [u["display_at"] for u in i["incident_updates"]]
    assert displayed == sorted(displayed, reverse=True)  # newest first
    for u in i["incident_updates"]:
        assert list(u) == UPDATE_KEYS
        assert ID.match(u["id"]) and u["incident_id"] == i["id"]
        assert u["status"] in INCIDENT_STATUSES and isinstance(u["body"], str)
        for key in ("created_at", "updated_at", "display_at"):
            assert TIME.match(u[key]), key
        assert isinstance(u["deliver_notifications"], bool)
        assert (u["custom_tweet"], u["tweet_id"]) == (None, None)
        assert u["affected_components"] is None or all(
            list(a) == ["code", "name", "old_status", "new_status"]
            and ID.match(a["code"])
            and {a["old_status"], a["new_status"]} <= COMPONENT_STATUSES
            for a in u["affected_components"]
        )


def check_status(status):
    assert list(status) == ["indicator", "description"]
    assert status["indicator"] in INDICATORS and isinstance(status["description"], str)


def get(client, path):
    response = client.get(path)
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_summary_json_shape(client, default_page, data):
    body = get(client, "/api/v2/summary.json")
    assert list(body) == ["page", "components", "incidents", "scheduled_maintenances", "status"]
    check_page(body["page"], default_page)
    for c in body["components"]:
        check_component(c)
    for i in body["incidents"]:
        check_incident(i)
    check_status(body["status"])
    names = sorted(i["name"] for i in body["incidents"])
    assert names == ["Help Desk Ticket Submission Disrupted", "Slow logins"]
    assert body["scheduled_maintenances"] == []
    assert body["status"] == {"indicator": "minor", "description": "Minor Service Outage"}


def test_status_json_shape(client, default_page, data):
    body = get(client, "/api/v2/status.json")
    assert list(body) == ["page", "status"]
    check_page(body["page"], default_page)
    check_status(body["status"])


def test_components_json_lists_groups_with_their_children(client, default_page, data):
    body = get(client, "/api/v2/components.json")
    assert list(body) == ["page", "components"]
    for c in body["components"]:
        check_component(c)
    group = next(c for c in body["components"] if c["group"])
    children = {data["tickets"].pk, data["chat"].pk}
    assert (group["id"], set(group["components"])) == (data["group"].pk, children)
    assert group["status"] == "partial_outage"
    assert {c["group_id"] for c in body["components"] if c["id"] in children} == {group["id"]}


def test_incidents_json_shape_with_timeline_newest_first(client, default_page, data):
    body = get(client, "/api/v2/incidents.json")
    assert list(body) == ["page", "incidents"]
    for i in body["incidents"]:
        check_incident(i)
    live = next(i for i in body["incidents"] if i["id"] == data["live"].pk)
    assert [u["status"] for u in live["incident_updates"]] == ["identified", "investigating"]
    first = live["incident_updates"][-1]["affected_components"]
    assert first == [
        {
            "code": data["tickets"].pk,
            "name": "Help Desk - Ticket Submission",
            "old_status": "operational",
            "new_status": "partial_outage",
        }
    ]
    past = next(i for i in body["incidents"] if i["id"] == data["past"].pk)
    assert past["status"] == "postmortem"
    # The page's time zone, Europe/Paris: +01:00 in winter, +02:00 in summer.
    created = datetime.fromisoformat(live["created_at"])
    assert created.utcoffset() == data["live"].created_at.astimezone(PARIS).utcoffset()


def test_incidents_json_holds_the_50_newest(client, default_page, component):
    for n in range(52):
        services.declare_incident(default_page, by=None, name=f"Incident {n}")
    body = get(client, "/api/v2/incidents.json")
    names = [i["name"] for i in body["incidents"]]
    assert (len(names), names[0], "Incident 1" in names) == (50, "Incident 51", False)


def test_unresolved_json_holds_only_open_incidents(client, default_page, data):
    body = get(client, "/api/v2/incidents/unresolved.json")
    assert list(body) == ["page", "incidents"]
    for i in body["incidents"]:
        check_incident(i)
    assert {i["status"] for i in body["incidents"]} == {"identified", "investigating"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/scheduled-maintenances/upcoming.json",
        "/api/v2/scheduled-maintenances/active.json",
        "/api/v2/scheduled-maintenances.json",
    ],
)
def test_scheduled_maintenance_endpoints_answer_empty_lists(client, default_page, data, path):
    body = get(client, path)
    assert list(body) == ["page", "scheduled_maintenances"]
    check_page(body["page"], default_page)
    assert body["scheduled_maintenances"] == []


def test_bare_v2_paths_answer_like_the_json_ones(client, default_page, data):
    assert client.get("/api/v2/summary").content == client.get("/api/v2/summary.json").content


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["operational", "operational"], ("none", "All Systems Operational")),
        (["degraded_performance", "operational"], ("minor", "Partially Degraded Service")),
        (["degraded_performance"] * 2, ("minor", "Degraded System Service")),
        (["partial_outage", "operational"], ("minor", "Minor Service Outage")),
        (["partial_outage"] * 2, ("major", "Partial System Outage")),
        (["major_outage", "operational"], ("major", "Partial System Outage")),
        (["major_outage"] * 2, ("critical", "Major System Outage")),
        (["under_maintenance", "operational"], ("maintenance", "Service Under Maintenance")),
    ],
)
def test_status_json_follows_the_rollup(client, default_page, statuses, expected):
    for n, status in enumerate(statuses):
        services.create_component(default_page, by=None, name=f"C{n}", status=status)
    status = get(client, "/api/v2/status.json")["status"]
    assert (status["indicator"], status["description"]) == expected
    banner = client.get("/").content.decode()
    assert f'class="banner i-{expected[0]}"' in banner and expected[1] in banner
