from datetime import timedelta

import pytest
from django.utils import timezone

from candor.core import services
from candor.core.models import Incident, Postmortem


@pytest.fixture
def resolved(page):
    start = timezone.now() - timedelta(hours=2)
    return services.declare_incident(
        page, by=None, name="Down", status="resolved", started_at=start
    )


def test_api_postmortem_draft_publish_revert_delete(page, api, resolved):
    path = f"pages/{page.pk}/incidents/{resolved.pk}/postmortem"
    at = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    saved = api.put(
        path,
        {
            "postmortem": {
                "title": "Post-Incident Report",
                "summary": "It broke.",
                "root_cause": "A disk.",
                "timeline": [{"at": at.isoformat(), "description": "Alarm"}],
            }
        },
    )
    got = api.get(path)
    published = api.put(f"{path}/publish", {"postmortem": {"notify_subscribers": False}})
    incident_after_publish = Incident.objects.get().status
    reverted = api.put(f"{path}/revert", {})
    incident_after_revert = Incident.objects.get().status
    deleted = api.delete(path)
    assert saved.status_code == 200
    assert saved.json()["body"] is None
    assert saved.json()["body_draft"].startswith(
        "# Post-Incident Report\n\n## Summary\n\nIt broke."
    )
    assert [e["description"] for e in got.json()["timeline"]] == ["Alarm"]
    assert published.json()["body"] == published.json()["body_draft"]
    assert published.json()["published_at"] is not None
    assert (incident_after_publish, incident_after_revert) == ("postmortem", "resolved")
    assert reverted.json()["published_at"] is None
    assert (deleted.status_code, Postmortem.objects.count()) == (204, 0)


def test_api_postmortem_body_draft_is_kept_as_written(page, api, resolved):
    path = f"pages/{page.pk}/incidents/{resolved.pk}/postmortem"
    response = api.put(path, {"postmortem": {"body_draft": "Plain *markdown*."}})
    assert response.json()["body_draft"] == "Plain *markdown*."


def test_api_incident_carries_published_postmortem_body(page, api, resolved):
    services.save_postmortem(resolved, by=None, title="Report", summary="Sum.")
    services.publish_postmortem(resolved, by=None)
    body = api.get(f"pages/{page.pk}/incidents/{resolved.pk}").json()
    assert (body["status"], body["postmortem_body"]) == (
        "postmortem",
        "# Report\n\n## Summary\n\nSum.",
    )


def test_api_postmortem_on_open_incident_is_a_409(page, api):
    live = services.declare_incident(page, by=None, name="Live")
    response = api.put(
        f"pages/{page.pk}/incidents/{live.pk}/postmortem", {"postmortem": {"title": "Early"}}
    )
    assert response.status_code == 409
    assert Postmortem.objects.count() == 0


def test_api_missing_postmortem_is_a_404(page, api, resolved):
    path = f"pages/{page.pk}/incidents/{resolved.pk}/postmortem"
    codes = [
        api.get(path).status_code,
        api.put(f"{path}/publish", {}).status_code,
        api.put(f"{path}/revert", {}).status_code,
        api.delete(path).status_code,
    ]
    assert codes == [404] * 4


def test_api_empty_postmortem_cannot_be_published(page, api, resolved):
    services.save_postmortem(resolved, by=None)
    response = api.put(f"pages/{page.pk}/incidents/{resolved.pk}/postmortem/publish", {})
    assert response.status_code == 422
    assert Postmortem.objects.get().published_at is None


def test_api_postmortem_timeline_without_time_writes_nothing(page, api, resolved):
    response = api.put(
        f"pages/{page.pk}/incidents/{resolved.pk}/postmortem",
        {"postmortem": {"title": "T", "timeline": [{"description": "No time"}]}},
    )
    assert response.status_code == 422
    assert Postmortem.objects.count() == 0
