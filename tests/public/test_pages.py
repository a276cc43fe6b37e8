import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from candor.core import services, timefmt
from candor.core.uptime import Day
from candor.public.render.html import bar_day as _bar_day
from candor.public.render.html import compact
from tests.public.factories import full_page


@pytest.fixture
def data(default_page):
    services.update_page(default_page, by=None, time_zone="Europe/Paris")
    return full_page(default_page)


def html(client, path="/"):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_status_page_shows_components_with_words_and_icons(client, data):
    page = html(client)
    assert "Ticket Submission" in page and "Creating tickets" in page
    status = re.search(
        r'<span class="status s-partial_outage"><span class="icon" aria-hidden="true">(.)</span>'
        r" Partial Outage</span>",
        page,
    )
    assert status is not None and status.group(1) == "◐"
    assert page.count("s-operational") >= 2  # Live Chat and Email, with "Operational" spelled out


def test_status_page_shows_90_day_bars_with_tooltips_and_percentages(client, data):
    page = html(client)
    bars = re.findall(
        r'<div class="bars" role="group" aria-label="([^"]+)" data-bars>(.*?)</div>', page
    )
    assert len(bars) == 3
    label, days = bars[0]
    assert re.search(
        r"uptime (over the past 90 days|since \d{1,2} [A-Z][a-z]{2} \d{4}), one mark a day$", label
    )
    assert days.startswith("<ol><li") and days.endswith("</ol>")
    marks = re.findall(r'<li(?: class="(dp|po|mo|um|nd)")? data-d="([^"]+)">', days)
    assert len(marks) == 90
    # Every day's tooltip names the day and says its uptime (or that there is no data).
    for cls, title in marks:
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}: (no data|\d{1,3}(\.\d\d)?%.*)", title), title
        assert (cls == "nd") == title.endswith("no data")
    today = timezone.localtime(timezone=ZoneInfo("Europe/Paris"))
    assert marks[-1][1].startswith(f"{today.day} {today:%b}: ")
    assert re.search(r"\d+\.\d\d% uptime", page)


def test_a_bar_day_says_its_uptime_and_what_happened():
    day = date(2026, 11, 27)
    full = 24 * 3600.0
    assert _bar_day(Day(day)) == ("nd", "27 Nov: no data")
    assert _bar_day(Day(day, tracked=full)) == ("", "27 Nov: 100%")
    partial = Day(day, tracked=full, seconds={"partial_outage": 3900.0})
    assert _bar_day(partial) == ("po", "27 Nov: 98.65%, partial outage 1 h 5 min")
    both = Day(day, tracked=full, seconds={"degraded_performance": 600.0, "major_outage": 60.0})
    assert _bar_day(both) == (
        "mo",
        "27 Nov: 99.93%, degraded performance 10 min, major outage 1 min",
    )
    # Degraded performance is not downtime by default, and a second of outage is never "100%".
    assert _bar_day(Day(day, tracked=full, seconds={"degraded_performance": 600.0})) == (
        "dp",
        "27 Nov: 100%, degraded performance 10 min",
    )
    assert _bar_day(Day(day, tracked=full, seconds={"major_outage": 1.0}))[1] == (
        "27 Nov: 99.99%, major outage less than a minute"
    )


def test_compact_drops_indentation_but_not_inside_pre():
    html = "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n<pre><code>x\n    y</code></pre>\n  <p>c</p>"
    assert (
        compact(html)
        == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<pre><code>x\n    y</code></pre>\n<p>c</p>"
    )


def test_status_page_shows_active_incidents_with_their_whole_timeline(client, data):
    page = html(client)
    active = page.split('id="active-title"')[1].split('id="components-title"')[0]
    assert "Help Desk Ticket Submission Disrupted" in active and "Slow logins" in active
    assert "A database connectivity issue." in active
    assert "help desk ticket submission is failing" in active
    assert "Delayed email notifications" not in active


def test_status_page_lists_14_days_of_history(client, data):
    page = html(client).split('id="past-title"')[1]
    assert page.count('class="day-title"') == 14
    assert page.count("No incidents reported.") == 12  # today and two days ago had incidents
    assert "Delayed email notifications" in page


def test_status_page_links_to_subscribe_history_and_feeds(client, data):
    page = html(client)
    for link in ('href="/subscribe/"', 'href="/history"', 'href="/history.atom"'):
        assert link in page


def test_status_page_shows_times_in_the_page_time_zone_with_offset(client, data):
    page = html(client)
    # +01:00 in winter, +02:00 in summer: the offset in force now, as the page states it.
    hours = timefmt.offset(timezone.now().astimezone(ZoneInfo("Europe/Paris")))[3:]
    times = rf"<time datetime=\"[^\"]+\{hours}\">\d+ \w+ \d{{4}}, \d\d:\d\d UTC\{hours}"
    assert re.search(times, page)
    assert f"Times are shown in Europe/Paris (UTC{hours})" in page


def test_status_page_refreshes_itself_with_a_script_and_works_without(client, data):
    page = html(client)
    assert 'data-refresh="60"' in page
    assert re.search(r'<script src="/static/public/status\.js\?v=[0-9a-f]+" defer>', page)
    assert "<script>" not in page  # nothing inline: the content security policy forbids it


def test_history_is_paginated_by_month(client, default_page):
    old = timezone.now() - timedelta(days=200)
    services.declare_incident(
        default_page,
        by=None,
        name="An old outage",
        status="resolved",
        started_at=old,
        resolved_at=old + timedelta(hours=1),
    )
    first = html(client, "/history")
    assert "Page 1 of 3" in first and 'href="/history/2"' in first
    assert first.count("No incidents reported.") == 3
    pages = [html(client, p) for p in ("/history/2", "/history/3")]
    assert sum("An old outage" in p for p in pages) == 1
    assert client.get("/history/4").status_code == 404


def test_incident_page_shows_timeline_components_duration_and_postmortem(client, data):
    page = html(client, f"/incidents/{data['past'].pk}")
    assert "Delayed email notifications" in page
    assert "Emails were delayed by up to 20 minutes." in page
    assert "<dt>Affected components</dt><dd>Email</dd>" in page
    assert "<dt>Duration</dt><dd>1 h</dd>" in page
    assert f'href="/incidents/{data["past"].pk}/postmortem"' in page


def test_incident_page_has_a_hidden_link_to_the_management_view(client, data):
    page = html(client, f"/incidents/{data['live'].pk}")
    manage_url = f"/manage/incidents/{data['live'].pk}/"
    assert f'<a id="manage-link" href="{manage_url}" data-operator-link hidden>' in page
    assert (
        '<a href="/manage/" id="incidents-tab-link" data-operator-link hidden>Incidents</a>' in page
    )
    assert "<dt>Duration</dt><dd>Ongoing</dd>" in page


def test_postmortem_page_is_public_only_once_published(client, data):
    page = html(client, f"/incidents/{data['past'].pk}/postmortem")
    assert "Post-incident report" in page and "A queue filled up." in page
    services.revert_postmortem(data["past"], by=None)
    assert client.get(f"/incidents/{data['past'].pk}/postmortem").status_code == 404


def test_whoami_tells_the_script_whether_an_operator_is_signed_in(client, alice):
    assert client.get("/whoami").json() == {"operator": False}
    client.force_login(alice)
    response = client.get("/whoami")
    assert response.json() == {"operator": True}
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))


def test_same_document_for_an_operator_and_a_visitor(client, alice, data):
    path = f"/incidents/{data['live'].pk}"
    anonymous = client.get(path).content
    client.force_login(alice)
    assert client.get(path).content == anonymous


def test_very_long_titles_and_messages_are_kept_whole(client, default_page):
    title = "x" * 255
    message = "y" * 5000
    services.declare_incident(default_page, by=None, name=title, message=message)
    page = html(client)
    assert title in page and message in page


def test_messages_are_rendered_as_sanitised_markdown(client, default_page):
    services.declare_incident(
        default_page, by=None, name="Slow", message="**Bold** and [docs](https://example.com)"
    )
    page = html(client)
    assert "<strong>Bold</strong>" in page
    assert '<a href="https://example.com" rel="nofollow noopener">docs</a>' in page
