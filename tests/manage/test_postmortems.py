from datetime import timedelta

import pytest
from django.utils import timezone

from candor.core import services
from candor.core.models import Incident, Postmortem, PostmortemTimelineEntry


@pytest.fixture
def resolved(page):
    incident = services.declare_incident(
        page,
        by=None,
        name="Help Desk Outage",
        impact="major",
        message="Investigating.",
        display_at=timezone.now() - timedelta(hours=2),
    )
    services.post_update(incident, by=None, status="resolved", message="Fixed.")
    return incident


def url(incident):
    return f"/manage/incidents/{incident.pk}/postmortem/"


def local(dt, page):
    return timezone.localtime(dt, page.tz).strftime("%Y-%m-%dT%H:%M")


def form_data(page, entries=(), **overrides):
    data = {
        "title": "Post-Incident Report: Help Desk Outage",
        "summary": "Ticket submission failed for an hour.",
        "impact_description": "All clients, 55 minutes.",
        "root_cause": "A database connection pool ran dry.",
        "corrective_actions": "Alerting on pool usage.",
        "timeline-TOTAL_FORMS": str(len(entries)),
        "timeline-INITIAL_FORMS": "0",
        "timeline-MIN_NUM_FORMS": "0",
        "timeline-MAX_NUM_FORMS": "1000",
        "action": "save",
    }
    for i, (at, text) in enumerate(entries):
        data[f"timeline-{i}-at"] = local(at, page) if at else ""
        data[f"timeline-{i}-description"] = text
        data[f"timeline-{i}-ORDER"] = str(i + 1)
    data.update(overrides)
    return data


def test_postmortem_editor_is_prefilled_from_updates(client_as_bob, page, resolved):
    response = client_as_bob.get(url(resolved))
    html = response.content.decode()
    formset = response.context["formset"]
    assert response.status_code == 200
    assert [f.initial["description"] for f in formset] == [
        "Investigating: Investigating.",
        "Resolved: Fixed.",
    ]
    for label in (
        "Add Postmortem",
        "Title",
        "Summary",
        "Impact Description",
        "Root Cause",
        "Corrective Actions",
        "Timeline",
        "Save as Draft",
        "Publish",
        "Preview",
    ):
        assert label in html, label
    assert "Post-Incident Report: Help Desk Outage" in html


def test_postmortem_detail_offers_add_postmortem_only_when_resolved(client_as_bob, page, resolved):
    live = services.declare_incident(page, by=None, name="Live", impact="minor")
    assert (
        "Add Postmortem" in client_as_bob.get(f"/manage/incidents/{resolved.pk}/").content.decode()
    )
    assert (
        "Add Postmortem" not in client_as_bob.get(f"/manage/incidents/{live.pk}/").content.decode()
    )
    response = client_as_bob.get(url(live))
    assert response["Location"] == f"/manage/incidents/{live.pk}/"


def test_postmortem_save_as_draft(client_as_bob, page, resolved):
    at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    response = client_as_bob.post(url(resolved), form_data(page, [(at, "Alert fired")]))
    postmortem = Postmortem.objects.get()
    resolved.refresh_from_db()
    assert response["Location"] == url(resolved)
    assert (postmortem.title, postmortem.is_published, resolved.status) == (
        "Post-Incident Report: Help Desk Outage",
        False,
        "resolved",
    )
    assert list(postmortem.timeline.values_list("at", "description")) == [(at, "Alert fired")]


def test_postmortem_publish_then_revert(client_as_bob, page, resolved):
    client_as_bob.post(url(resolved), form_data(page, action="publish"))
    resolved.refresh_from_db()
    assert (resolved.status, Postmortem.objects.get().is_published) == ("postmortem", True)
    assert resolved.updates.first().deliver_notifications is False
    html = client_as_bob.get(url(resolved)).content.decode()
    assert "Revert to draft" in html
    client_as_bob.post(url(resolved), {"action": "revert"})
    resolved.refresh_from_db()
    assert (resolved.status, Postmortem.objects.get().is_published) == ("resolved", False)


def test_postmortem_timeline_entries_reorder_and_remove(client_as_bob, page, resolved):
    t1 = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    t2 = t1 + timedelta(minutes=5)
    data = form_data(page, [(t1, "first"), (t2, "second"), (t2, "gone")])
    data["timeline-0-ORDER"], data["timeline-1-ORDER"] = "2", "1"
    data["timeline-2-DELETE"] = "on"
    client_as_bob.post(url(resolved), data)
    assert list(PostmortemTimelineEntry.objects.values_list("description", flat=True)) == [
        "second",
        "first",
    ]


def test_postmortem_move_button_reorders_without_saving(client_as_bob, page, resolved):
    t1 = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    data = form_data(page, [(t1, "first"), (t1, "second")], move="1:up")
    response = client_as_bob.post(url(resolved), data)
    assert [f.initial["description"] for f in response.context["formset"]] == ["second", "first"]
    assert Postmortem.objects.count() == 0


def test_postmortem_add_entry_adds_a_blank_row(client_as_bob, page, resolved):
    t1 = timezone.now() - timedelta(hours=1)
    response = client_as_bob.post(url(resolved), form_data(page, [(t1, "a")], action="add_entry"))
    assert len(response.context["formset"].forms) == 2
    assert Postmortem.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "where", "message"),
    [
        ({"title": "x" * 256}, "title", "Ensure this value has at most 255 characters"),
        ({"timeline-0-at": ""}, "timeline", "Give the time of this entry."),
        ({"timeline-0-description": ""}, "timeline", "Describe what happened at this time."),
        ({"timeline-0-at": "yesterday"}, "timeline", "Enter a valid date/time."),
    ],
)
def test_postmortem_rejects_bad_input_and_writes_nothing(
    client_as_bob, page, resolved, overrides, where, message
):
    data = form_data(page, [(timezone.now() - timedelta(hours=1), "entry")], **overrides)
    response = client_as_bob.post(url(resolved), data)
    if where == "timeline":
        errors = [e for f in response.context["formset"] for es in f.errors.values() for e in es]
    else:
        errors = response.context["form"].errors[where]
    assert any(message in e for e in errors), errors
    assert Postmortem.objects.count() == 0


def test_postmortem_publish_empty_is_refused(client_as_bob, page, resolved):
    data = form_data(
        page,
        title="",
        summary="",
        impact_description="",
        root_cause="",
        corrective_actions="",
        action="publish",
    )
    response = client_as_bob.post(url(resolved), data)
    assert "Write the postmortem before publishing it." in response.content.decode()
    assert Postmortem.objects.count() == 0
    assert Incident.objects.get().status == "resolved"


def test_postmortem_preview_renders_sanitised_markdown(client_as_bob, page, resolved):
    data = form_data(page, summary="**Big** <script>x</script>", action="preview")
    html = client_as_bob.post(url(resolved), data).content.decode()
    assert "<p><strong>Big</strong> &lt;script&gt;x&lt;/script&gt;</p>" in html
    assert Postmortem.objects.count() == 0


def test_postmortem_of_deleted_incident_is_404(client_as_bob, page, resolved):
    services.delete_incident(resolved, by=None)
    assert client_as_bob.post(url(resolved), form_data(page)).status_code == 404
