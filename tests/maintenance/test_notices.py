"""Notices of one window's reschedule and cancellation, and the manage page's opt-out, as
subscribers get them: through the delivery ledger and the in-process worker, over a real SMTP
server (aiosmtpd) and a real HTTP receiver; and the RSS feed's maintenance entries.

Times are computed from now and moved in UTC; only what a subscriber reads is put in the
page's zone (Europe/Berlin), so no test depends on when it runs."""

from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import feedparser
import pytest

from candor.core import services
from candor.core.models import Delivery, DeliveryState, Subscriber
from candor.core.services import maintenance
from candor.core.services.base import now
from tests.support.processes import drain

from .conftest import BERLIN

NAME = "Database upgrade"


@pytest.fixture
def hook(receiver):
    return receiver.url("/hook")


def mail(smtp) -> dict[str, list[tuple[str, str]]]:
    """Runs the worker until the ledger is empty; each address's (subject, text) in order."""
    drain()
    by_address: dict[str, list[tuple[str, str]]] = {}
    for message in list(smtp.messages):
        text = message.get_body(("plain",)).get_content()
        by_address.setdefault(message["To"], []).append((str(message["Subject"]), text))
    return by_address


def hooks(receiver) -> list[dict]:
    return [r.json for r in receiver.at("/hook")]


def local(moment: datetime) -> str:
    """A time as Candor writes it for a subscriber: in the page's zone, named."""
    return f"{moment.astimezone(BERLIN):%Y-%m-%d %H:%M} Europe/Berlin"


def new_window() -> tuple[datetime, datetime]:
    """Three days ahead on a whole minute, 90 minutes long, added in UTC."""
    start = (now() + timedelta(days=3)).replace(second=0, microsecond=0)
    return start, start + timedelta(minutes=90)


def all_sent() -> None:
    rows = list(Delivery.objects.values_list("state", flat=True))
    assert rows and set(rows) == {DeliveryState.SENT}, rows


# --- 1. A reschedule and a cancellation reach subscribers once -----------------------------


def test_a_reschedule_reaches_an_email_and_a_webhook_subscriber_once_with_the_new_time(
    page, make_component, schedule, subscribe, smtp, receiver, hook, fast
):
    db = make_component("Database")
    window = schedule(NAME, components=[db])
    # Subscribed after the window was announced: what arrives is the reschedule's notice only.
    reader = subscribe("reader@example.com", components=[db])
    subscribe(endpoint=hook)
    subscribe("other@example.com", components=[make_component("API")])  # not its component
    assert (reader.state, reader.confirmed_at is not None) == ("active", True)
    start, end = new_window()

    maintenance.edit_maintenance(window, by=None, scheduled_for=start, scheduled_until=end)

    sent = mail(smtp)
    assert list(sent) == ["reader@example.com"]
    ((subject, text),) = sent["reader@example.com"]
    assert subject == f"[Maintenance scheduled] {NAME}"
    assert (
        f"This maintenance has been rescheduled: it now runs from {local(start)} "
        f"to {local(end)}." in text
    )
    berlin = start.astimezone(BERLIN)
    assert f"Window: {berlin.day} {berlin:%b %Y %H:%M} – " in text
    assert "(Europe/Berlin)" in text
    (body,) = hooks(receiver)
    incident = body["incident"]
    assert (incident["id"], incident["status"]) == (window.pk, "scheduled")
    assert datetime.fromisoformat(incident["scheduled_for"]) == start
    assert datetime.fromisoformat(incident["scheduled_until"]) == end
    assert incident["incident_updates"][0]["body"].startswith(
        "This maintenance has been rescheduled"
    )
    # Both went through the ledger, one row each, both sent.
    assert Delivery.objects.filter(update__incident=window).count() == 2
    all_sent()


def test_a_cancellation_reaches_an_email_and_a_webhook_subscriber_once(
    page, make_component, schedule, subscribe, smtp, receiver, hook, fast
):
    db = make_component("Database")
    window = schedule(NAME, components=[db])
    subscribe("reader@example.com", components=[db])
    subscribe(endpoint=hook)

    maintenance.cancel_maintenance(window, by=None)

    sent = mail(smtp)
    assert list(sent) == ["reader@example.com"]
    ((subject, text),) = sent["reader@example.com"]
    assert subject == f"[Maintenance cancelled] {NAME}"
    assert "This scheduled maintenance has been cancelled." in text
    (body,) = hooks(receiver)
    incident = body["incident"]
    # Statuspage's clients know no `cancelled`: the wire says completed, the entry says why.
    assert (incident["id"], incident["status"]) == (window.pk, "completed")
    assert incident["incident_updates"][0]["body"] == (
        "This scheduled maintenance has been cancelled."
    )
    assert Delivery.objects.filter(update__incident=window).count() == 2
    all_sent()


def test_a_cancellation_with_a_message_sends_it(page, schedule, subscribe, smtp, fast):
    window = schedule(NAME)
    subscribe("reader@example.com")

    maintenance.cancel_maintenance(window, by=None, message="The vendor postponed the upgrade.")

    ((subject, text),) = mail(smtp)["reader@example.com"]
    assert subject == f"[Maintenance cancelled] {NAME}"
    assert "The vendor postponed the upgrade." in text


def test_a_window_with_notices_off_is_rescheduled_and_cancelled_without_a_notice(
    page, schedule, subscribe, smtp, receiver, hook, fast
):
    moved = schedule("Moved quietly", deliver_notifications=False)
    dropped = schedule("Dropped quietly", deliver_notifications=False)
    control = schedule("Dropped aloud")  # notices on: proves the worker did send
    subscribe("reader@example.com")
    subscribe(endpoint=hook)
    start, end = new_window()

    maintenance.edit_maintenance(moved, by=None, scheduled_for=start, scheduled_until=end)
    maintenance.cancel_maintenance(dropped, by=None)
    maintenance.cancel_maintenance(control, by=None)

    sent = mail(smtp)
    assert [subject for subject, _ in sent["reader@example.com"]] == [
        "[Maintenance cancelled] Dropped aloud"
    ]
    assert [b["incident"]["name"] for b in hooks(receiver)] == ["Dropped aloud"]
    assert not Delivery.objects.filter(update__incident__in=[moved, dropped]).exists()
    # The entries are on the timeline all the same, marked as not notified.
    for window in (moved, dropped):
        latest = window.updates.order_by("-created_at").first()
        assert latest.deliver_notifications is False


def test_notify_false_silences_a_reschedule_and_a_cancellation(
    page, schedule, subscribe, smtp, receiver, hook, fast
):
    moved = schedule("Moved quietly")
    dropped = schedule("Dropped quietly")
    control = schedule("Moved aloud")
    subscribe("reader@example.com")
    subscribe(endpoint=hook)
    start, end = new_window()

    maintenance.edit_maintenance(
        moved, by=None, scheduled_for=start, scheduled_until=end, notify=False
    )
    maintenance.cancel_maintenance(dropped, by=None, notify=False)
    maintenance.edit_maintenance(control, by=None, scheduled_for=start, scheduled_until=end)

    sent = mail(smtp)
    ((subject, text),) = sent["reader@example.com"]
    assert subject == "[Maintenance scheduled] Moved aloud"
    assert local(start) in text
    assert [b["incident"]["name"] for b in hooks(receiver)] == ["Moved aloud"]
    assert not Delivery.objects.filter(update__incident__in=[moved, dropped]).exists()


# --- 2. Opting out on the manage page, as a browser submits it -----------------------------


class Forms(HTMLParser):
    """The page's forms: each one's attributes and its input elements' attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": attributes, "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(attributes)


def form_with(html: str, field: str) -> dict:
    parser = Forms()
    parser.feed(html)
    (form,) = [f for f in parser.forms if any(i.get("name") == field for i in f["inputs"])]
    return form


def submission(form: dict, *, untick: str) -> dict[str, list[str]]:
    """What a browser posts: named text and hidden inputs, and ticked boxes (less `untick`)."""
    data: dict[str, list[str]] = {}
    for field in form["inputs"]:
        name, kind = field.get("name"), field.get("type", "text")
        if not name or kind in ("submit", "button", "reset"):
            continue
        if kind in ("checkbox", "radio"):
            if "checked" not in field or name == untick:
                continue
            value = field.get("value") or "on"
        else:
            value = field.get("value") or ""
        data.setdefault(name, []).append(value)
    return data


def test_a_subscriber_who_unticks_maintenance_notices_on_the_manage_page_gets_none(
    client, page, make_component, schedule, subscribe, smtp, fast
):
    db = make_component("Database")
    make_component("API")
    subscribe("keen@example.com", components=[db])
    quiet = subscribe("quiet@example.com", components=[db])
    schedule(NAME, components=[db])

    # The link is the one in the notice: "Manage your subscription (or stop maintenance notices)".
    ((_, text),) = mail(smtp)["quiet@example.com"]
    line = next(li for li in text.splitlines() if "or stop maintenance notices" in li)
    link = urlsplit(line.rsplit(" ", 1)[1])
    assert link.path.startswith("/subscribe/manage/")
    manage = link.path

    shown = client.get(manage)
    assert shown.status_code == 200
    form = form_with(shown.content.decode(), "maintenance_notices")
    assert form["attrs"].get("method") == "post"
    (box,) = [i for i in form["inputs"] if i.get("name") == "maintenance_notices"]
    assert "checked" in box  # on until the subscriber says otherwise
    data = submission(form, untick="maintenance_notices")
    assert data == {"components": [db.pk]}  # the component choice is sent back as it was

    saved = client.post(form["attrs"].get("action") or manage, data)
    assert saved.status_code == 200
    assert "Saved." in saved.content.decode()
    again = form_with(client.get(manage).content.decode(), "maintenance_notices")
    (box,) = [i for i in again["inputs"] if i.get("name") == "maintenance_notices"]
    assert "checked" not in box
    quiet.refresh_from_db()
    assert (quiet.state, quiet.maintenance_notices) == ("active", False)
    assert list(quiet.components.values_list("pk", flat=True)) == [db.pk]

    smtp.messages.clear()
    later = schedule("Network maintenance", components=[db], start=timedelta(hours=5))
    maintenance.cancel_maintenance(later, by=None)
    sent = mail(smtp)
    assert [s for s, _ in sent["keen@example.com"]] == [
        "[Maintenance scheduled] Network maintenance",
        "[Maintenance cancelled] Network maintenance",
    ]
    assert "quiet@example.com" not in sent
    assert not Delivery.objects.filter(
        subscriber__email="quiet@example.com", update__incident=later
    ).exists()

    # Incident notices still reach them: they opted out of maintenance only.
    smtp.messages.clear()
    services.declare_incident(
        page, by=None, name="Slow queries", status="investigating", components=[db]
    )
    assert sorted(mail(smtp)) == ["keen@example.com", "quiet@example.com"]
    assert Subscriber.objects.get(pk=quiet.pk).maintenance_notices is False


# --- 3. The RSS feed carries maintenances (as the Atom feed does) --------------------------


def test_the_rss_feed_carries_maintenances(client, page, schedule):
    window = schedule(NAME)
    response = client.get("/history.rss")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert (feed.bozo, feed.version) == (False, "rss20")
    assert [e.title for e in feed.entries] == [f"Maintenance: {NAME}"]
    (entry,) = feed.entries
    assert entry.link.endswith(f"/incidents/{window.pk}")
    assert "We are upgrading the database." in entry.summary
