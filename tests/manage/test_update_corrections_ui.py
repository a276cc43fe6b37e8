"""Edit and Delete of a posted update, without a browser: errors name the field, write nothing."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from candor.core import services
from candor.core.models import IncidentUpdate, IncidentUpdateRevision


def url(entry, action="edit"):
    return f"/manage/incidents/{entry.incident_id}/updates/{entry.pk}/{action}/"


def test_edit_update_before_the_start_is_refused_next_to_the_field(client_as_bob, page):
    incident = services.declare_incident(page, by=None, name="Down", message="Tpyo")
    entry = incident.updates.get()
    earlier = timezone.localtime(incident.started_at - timedelta(hours=1), page.tz)
    response = client_as_bob.post(
        url(entry),
        {
            "status": "investigating",
            "message": "Typo",
            "display_at": earlier.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert "An update cannot come before the incident started." in response.text
    assert IncidentUpdate.objects.get(pk=entry.pk).body == "Tpyo"
    assert IncidentUpdateRevision.objects.count() == 0


def test_edit_update_saves_a_revision_by_the_responder(client_as_bob, bob, page):
    incident = services.declare_incident(page, by=None, name="Down", message="Tpyo")
    entry = incident.updates.get()
    shown = timezone.localtime(entry.display_at, page.tz).strftime("%Y-%m-%dT%H:%M")
    response = client_as_bob.post(
        url(entry), {"status": "identified", "message": "Typo", "display_at": shown}
    )
    assert response.status_code == 302
    revision = IncidentUpdateRevision.objects.get()
    # The minute shown and sent back unchanged keeps the exact time it had.
    assert revision.new_display_at == revision.old_display_at == entry.display_at
    assert (revision.author, revision.new_status, revision.new_body) == (
        bob,
        "identified",
        "Typo",
    )
    assert "Tpyo" in client_as_bob.get(url(entry)).text  # the history shows the old text


def test_delete_of_the_only_update_is_refused_with_the_reason(client_as_bob, page):
    incident = services.declare_incident(page, by=None, name="Down")
    entry = incident.updates.get()
    response = client_as_bob.post(url(entry, "delete"))
    assert response.status_code == 409
    assert "delete the incident instead" in response.text
    assert IncidentUpdate.objects.filter(pk=entry.pk).exists()


def test_update_of_another_page_is_a_404(client_as_bob, page):
    other = services.create_page(by=None, name="Other")
    theirs = services.declare_incident(other, by=None, name="Theirs").updates.get()
    assert client_as_bob.get(url(theirs)).status_code == 404
    assert client_as_bob.post(url(theirs, "delete")).status_code == 404


def test_an_update_posted_in_the_repeated_hour_is_saved_with_its_time_unchanged(
    client_as_bob, bob, page
):
    """Paris, 25 October 2026: 02:35 came twice. An update posted at the first 02:35 (00:35 UTC)
    is shown as 02:35; sent back unchanged, it keeps its time (PEP 495 makes a time in that hour
    unequal to any other zone's, which read as a move before the start)."""
    at = datetime(2026, 10, 25, 0, 30, 15, tzinfo=UTC)
    resolved = at + timedelta(minutes=5)
    incident = services.declare_incident(
        page,
        by=None,
        name="Down",
        message="Tpyo",
        status="resolved",
        started_at=at,
        resolved_at=resolved,
    )
    entry = incident.updates.get()
    shown = timezone.localtime(entry.display_at, page.tz).strftime("%Y-%m-%dT%H:%M")
    assert (entry.display_at, shown) == (resolved, "2026-10-25T02:35")
    response = client_as_bob.post(
        url(entry), {"status": "resolved", "message": "Typo", "display_at": shown}
    )
    assert response.status_code == 302
    revision = IncidentUpdateRevision.objects.get()
    assert revision.new_display_at == revision.old_display_at == resolved
