"""Which PATCHes of a maintenance through the management API notify subscribers, counted where
they land: Delivery rows, and the mail the worker then sends over a real SMTP server.

The rules (docs/decisions.md, "Scheduled maintenance"): a cancellation follows the window's
`deliver_notifications` unless the request says otherwise, as the manage UI's Cancel and
`maintenance.cancel_maintenance` do; a start or completion by hand follows the request's
`deliver_notifications`, notifying when it does not say (as the manage UI's buttons do); an
entry that says it notified subscribers did, once, and one that did not says so."""

from datetime import timedelta

import pytest

from candor.core import apikeys
from candor.core.enums import ComponentStatus as CS
from candor.core.models import Component, Delivery, Incident
from candor.core.services import maintenance
from candor.core.services.base import now
from tests.api.conftest import Api
from tests.support.processes import drain


@pytest.fixture(params=["json", "form"])
def api(page, request):
    _, plain = apikeys.create_api_key(by=None, name="automation", page=page)
    return Api(plain, request.param)


@pytest.fixture
def db_component(make_component):
    return make_component("Database")


@pytest.fixture
def reader(subscribe, db_component):
    """One email subscriber of the window's component: one notice is one Delivery, one mail."""
    return subscribe("reader@example.com", components=[db_component])


def iso(value):
    return value.isoformat().replace("+00:00", "Z")


def create(api, page, component, *, hours=2, **fields):
    start = (now() + timedelta(hours=hours)).replace(microsecond=0)
    response = api.post(
        f"pages/{page.pk}/incidents",
        {
            "incident": {
                "name": "Database upgrade",
                "status": "scheduled",
                "scheduled_for": iso(start),
                "scheduled_until": iso(start + timedelta(hours=1)),
                "component_ids": [component.pk],
                "body": "We are upgrading the database.",
                **fields,
            }
        },
    )
    assert response.status_code == 201, response.content
    return Incident.objects.get(pk=response.json()["id"])


def patch(api, page, window, **fields):
    response = api.patch(f"pages/{page.pk}/incidents/{window.pk}", {"incident": fields})
    assert response.status_code == 200, response.content
    return response.json()


def sent(smtp) -> list[tuple[str, str]]:
    """Runs the worker until the ledger is empty; (subject, text) of every mail sent since."""
    drain()
    found = [(str(m["Subject"]), m.get_body(("plain",)).get_content()) for m in list(smtp.messages)]
    smtp.messages.clear()
    return found


def deliveries(window) -> int:
    return Delivery.objects.filter(update__incident=window).count()


def state(window) -> dict:
    """What a PATCH could change besides the notice: the window's fields and its timeline."""
    window = Incident.objects.get(pk=window.pk)
    return {
        "name": window.name,
        "status": window.status,
        "scheduled_for": window.scheduled_for,
        "scheduled_until": window.scheduled_until,
        "sequence": window.sequence,
        "announced_at": window.announced_at,
        **{name: getattr(window, name) for name in maintenance.FLAG_FIELDS},
        "entries": list(
            window.updates.order_by("display_at", "created_at").values_list(
                "status", "body", "deliver_notifications"
            )
        ),
    }


# --- 1. Cancel, start and complete through PATCH ------------------------------------------


def test_a_cancel_through_the_api_follows_the_windows_notices_off_setting(
    api, page, db_component, reader, smtp, fast
):
    """The reviewer's case: PATCH cancelled, no deliver_notifications, on a window created with
    notices off. The service (and the manage UI's Cancel) sends nothing; so does the API."""
    quiet = create(api, page, db_component, deliver_notifications=False)
    aloud = create(api, page, db_component, hours=4)  # notices on: proves the worker sends
    assert [s for s, _ in sent(smtp)] == ["[Maintenance scheduled] Database upgrade"]
    before = state(quiet)

    data = patch(api, page, quiet, status="cancelled")
    patch(api, page, aloud, status="cancelled")

    assert (data["status"], data["cancelled"]) == ("completed", True)
    assert [s for s, _ in sent(smtp)] == ["[Maintenance cancelled] Database upgrade"]
    assert (deliveries(quiet), deliveries(aloud)) == (0, 2)  # aloud: created, cancelled
    after = state(quiet)
    cancelled = after.pop("entries")[-1]
    assert cancelled == ("cancelled", maintenance.CANCELLED, False)  # it says it did not notify
    # Nothing else changed: the window keeps its settings, the calendar's SEQUENCE rose once.
    expected = {**before, "status": "cancelled", "sequence": before["sequence"] + 1}
    del expected["entries"]
    assert after == expected
    assert state(quiet)["entries"][:-1] == before["entries"]
    assert Component.objects.get(pk=db_component.pk).status == CS.OPERATIONAL


def test_a_cancel_through_the_api_notifies_when_the_request_asks(
    api, page, db_component, reader, smtp, fast
):
    quiet = create(api, page, db_component, deliver_notifications=False)

    patch(api, page, quiet, status="cancelled", deliver_notifications=True)

    ((subject, text),) = sent(smtp)
    assert subject == "[Maintenance cancelled] Database upgrade"
    assert maintenance.CANCELLED in text
    assert deliveries(quiet) == 1
    assert quiet.updates.order_by("-created_at").first().deliver_notifications is True


def test_the_api_and_the_service_cancel_alike(api, page, db_component, reader, smtp, fast):
    """Same window, same (absent) choice: the same count whichever way it is cancelled."""
    for notices in (False, True):
        by_api = create(api, page, db_component, deliver_notifications=notices)
        by_service = create(api, page, db_component, deliver_notifications=notices, hours=4)
        sent(smtp)
        patch(api, page, by_api, status="cancelled")
        maintenance.cancel_maintenance(by_service, by=None)
        assert len(sent(smtp)) == 2 * notices
        assert deliveries(by_api) == deliveries(by_service) == 2 * notices


def test_start_and_complete_through_the_api_follow_the_requests_choice(
    api, page, db_component, reader, smtp, fast
):
    """By hand, a start or completion notifies unless the request says not to, whatever the
    window's deliver_notifications (that one governs creation, reschedule and cancellation),
    as the manage UI's Start now and Complete do."""
    window = create(api, page, db_component, deliver_notifications=False)
    assert sent(smtp) == []

    patch(api, page, window, status="in_progress")
    assert [s for s, _ in sent(smtp)] == ["[Maintenance in progress] Database upgrade"]
    assert Component.objects.get(pk=db_component.pk).status == CS.UNDER_MAINTENANCE

    patch(api, page, window, status="completed")
    assert [s for s, _ in sent(smtp)] == ["[Maintenance completed] Database upgrade"]
    assert deliveries(window) == 2
    assert Component.objects.get(pk=db_component.pk).status == CS.OPERATIONAL

    told = create(api, page, db_component, hours=4)
    sent(smtp)
    patch(api, page, told, status="in_progress", deliver_notifications=False)
    patch(api, page, told, status="completed", deliver_notifications=False)
    assert sent(smtp) == []
    assert deliveries(told) == 1  # its creation notice only
    entries = state(told)["entries"]
    assert [(s, n) for s, _, n in entries] == [
        ("scheduled", True),
        ("in_progress", False),
        ("completed", False),
    ]


# --- 2. A body with a rename or a settings change -----------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"name": "Database upgrade, part 1"}, {"scheduled_remind_prior": True}],
    ids=["rename", "settings"],
)
def test_a_body_with_a_rename_or_settings_change_is_sent_once_like_a_body_alone(
    api, page, db_component, reader, smtp, fast, change
):
    window = create(api, page, db_component)
    alone = create(api, page, db_component, hours=4)
    sent(smtp)
    before = state(window)

    patch(api, page, alone, body="Replicas first.")
    data = patch(api, page, window, body="Replicas first.", **change)

    assert data["incident_updates"][0]["body"] == "Replicas first."
    assert data["incident_updates"][0]["deliver_notifications"] is True
    notices = sent(smtp)
    assert len(notices) == 2
    assert all("Replicas first." in text for _, text in notices)
    assert deliveries(window) == deliveries(alone) == 2  # created, then the body
    after = state(window)
    # Nothing else changed: the change asked for, one entry, the calendar's SEQUENCE once.
    expected = {
        **before,
        **change,
        "sequence": before["sequence"] + 1,
        "entries": [*before["entries"], ("scheduled", "Replicas first.", True)],
    }
    assert after == expected


def test_a_body_with_a_rename_on_a_window_with_notices_off_says_it_sent_nothing(
    api, page, db_component, reader, smtp, fast
):
    window = create(api, page, db_component, deliver_notifications=False)
    asked = create(api, page, db_component, deliver_notifications=False, hours=4)

    data = patch(api, page, window, name="Renamed", body="Replicas first.")
    patch(api, page, asked, name="Renamed", body="Replicas first.", deliver_notifications=True)

    assert data["incident_updates"][0]["deliver_notifications"] is False
    assert deliveries(window) == 0
    ((_, text),) = sent(smtp)
    assert "Replicas first." in text
    assert deliveries(asked) == 1
    latest = asked.updates.order_by("-created_at").first()
    assert (latest.body, latest.deliver_notifications) == ("Replicas first.", True)


def test_a_body_with_a_rename_on_a_window_not_yet_public_says_it_sent_nothing(
    api, page, db_component, reader, smtp, fast
):
    later = iso(now() + timedelta(hours=1))
    window = create(api, page, db_component, public_from=later)

    data = patch(api, page, window, name="Renamed", body="Replicas first.")

    assert data["incident_updates"][0]["deliver_notifications"] is False
    assert sent(smtp) == []
    assert deliveries(window) == 0
