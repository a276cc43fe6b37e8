from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from candor.core import services, timefmt
from candor.core.enums import ComponentStatus, IncidentStatus
from candor.core.models import AuditEntry, Incident, IncidentUpdate
from tests.support.personas import PASSWORD

SEED_TITLE = "Help Desk Ticket Submission Disrupted"


def create_data(**overrides):
    data = {"name": SEED_TITLE, "status": "investigating", "impact": "minor", "notify": "on"}
    data.update(overrides)
    return data


def declare(page, name=SEED_TITLE, **kwargs):
    kwargs.setdefault("impact", "minor")
    return services.declare_incident(page, by=None, name=name, **kwargs)


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/manage/", "/manage/incidents/new/", "/manage/components/", "/manage/settings/"]
)
def test_manage_pages_send_anonymous_visitors_to_login(client, page, url):
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/manage/login/?next={url}")


def test_incident_create_expired_session_goes_to_login_then_back_to_form(client, page):
    response = client.post("/manage/incidents/new/", create_data())
    assert (response.status_code, response["Location"]) == (
        302,
        "/manage/login/?next=/manage/incidents/new/",
    )
    assert Incident.objects.count() == 0


# --- list ----------------------------------------------------------------------------------------


def test_incident_list_shows_active_first_then_history(client_as_bob, page, make_component):
    component = make_component("Ticket Submission")
    declare(page, name="Old outage", status="resolved", started_at=timezone.now() - timedelta(1))
    declare(page, name="Live outage", components=[component])
    response = client_as_bob.get("/manage/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Live outage") < html.index("History") < html.index("Old outage")
    assert "Ticket Submission" in html
    assert "Create Incident" in html


def test_incident_list_flags_an_active_incident_without_recent_update(client_as_bob, page):
    incident = declare(page, display_at=timezone.now() - timedelta(minutes=31))
    response = client_as_bob.get("/manage/")
    assert incident.last_update_at < timezone.now() - timedelta(minutes=30)
    assert "No update for 31" in response.content.decode()


def test_incident_list_does_not_flag_a_fresh_incident(client_as_bob, page):
    declare(page)
    response = client_as_bob.get("/manage/")
    assert "No update for" not in response.content.decode()


def test_incident_list_stale_limit_follows_page_setting(client_as_bob, page):
    services.update_page(page, by=None, stale_after_minutes=60)
    declare(page, display_at=timezone.now() - timedelta(minutes=31))
    response = client_as_bob.get("/manage/")
    assert "No update for" not in response.content.decode()


def test_incident_list_paginates_history(client_as_bob, page):
    start = timezone.now() - timedelta(days=2)
    for i in range(21):
        declare(page, name=f"Past {i:02}", status="resolved", started_at=start)
    first = client_as_bob.get("/manage/").content.decode()
    second = client_as_bob.get("/manage/?page=2").content.decode()
    assert (first.count("Past "), second.count("Past ")) == (20, 1)


@pytest.mark.parametrize("n", [1, 3])
def test_incident_list_query_count_does_not_grow(
    client_as_bob, page, make_component, django_assert_max_num_queries, n
):
    component = make_component()
    for i in range(n):
        declare(page, name=f"Live {i}", components=[component])
        declare(
            page,
            name=f"Past {i}",
            status="resolved",
            started_at=timezone.now(),
            components=[component],
        )
    # Ten, whatever the number of incidents: with the alerts' open proposals and the managed
    # page's time zone (candor/manage/zone.py).
    with django_assert_max_num_queries(10):
        response = client_as_bob.get("/manage/")
    assert response.status_code == 200


# --- create --------------------------------------------------------------------------------------


def test_incident_create_form_has_the_seed_labels(client_as_bob):
    html = client_as_bob.get("/manage/incidents/new/").content.decode()
    for label in (
        "Create Incident",
        "Title",
        "Status",
        "Impact",
        "Affected Components",
        "Initial Message",
        "Notify subscribers",
        ">Create</button>",
        "Investigating a potential issue with no confirmed client impact",
        "Small subset of users affected or minimal service degradation",
        "Most users experiencing disruption; service usability significantly reduced",
        "Complete outage; service unavailable to all or nearly all users",
        "Team is aware and looking into the cause",
        "Service is confirmed restored",
    ):
        assert label in html, label
    assert 'value="investigating" checked' in html


def test_incident_create_declares_with_components_and_message(client_as_bob, page, make_component):
    help_desk = make_component("Help Desk")
    email = make_component("Email")
    data = create_data(
        impact="critical",
        components=[help_desk.pk, email.pk],
        **{f"status_{email.pk}": "degraded_performance"},
        message="We are aware of reports that help desk ticket submission is failing.",
    )
    response = client_as_bob.post("/manage/incidents/new/", data)
    incident = Incident.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        f"/manage/incidents/{incident.pk}/",
    )
    help_desk.refresh_from_db()
    email.refresh_from_db()
    assert (incident.name, incident.status, incident.impact) == (
        SEED_TITLE,
        "investigating",
        "critical",
    )
    assert (help_desk.status, email.status) == ("major_outage", "degraded_performance")
    update = incident.updates.get()
    assert (update.body, update.author_name, update.deliver_notifications) == (
        data["message"],
        "Bob Baker",
        True,
    )
    followed = client_as_bob.get(response["Location"]).content.decode()
    assert f"Incident “{SEED_TITLE}” created." in followed


def test_incident_create_without_notify_tick_does_not_notify(client_as_bob, page):
    data = create_data()
    del data["notify"]
    client_as_bob.post("/manage/incidents/new/", data)
    assert IncidentUpdate.objects.get().deliver_notifications is False


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 256}, "name", "Ensure this value has at most 255 characters (it has 256)."),
        ({"status": ""}, "status", "This field is required."),
        ({"status": "postmortem"}, "status", "Select a valid choice."),
        ({"impact": ""}, "impact", "This field is required."),
        ({"impact": "catastrophic"}, "impact", "Select a valid choice."),
        ({"status": "resolved"}, "started_at", "A retroactive incident needs the time it started."),
        ({"components": ["nope"]}, "components", "Select a valid choice."),
        ({"message": "x" * 25001}, "message", "Keep it to 25000 characters or fewer"),
    ],
)
def test_incident_create_rejects_bad_input_and_writes_nothing(
    client_as_bob, page, overrides, field, message
):
    response = client_as_bob.post("/manage/incidents/new/", create_data(**overrides))
    form = response.context["form"]
    assert response.status_code == 200
    assert any(message in e for e in form.errors[field]), form.errors
    assert (Incident.objects.count(), IncidentUpdate.objects.count()) == (0, 0)
    assert "Nothing was saved." in response.content.decode()


def test_incident_create_service_error_is_shown_next_to_the_field(client_as_bob, page):
    # Two hours from now, then in local time: local wall-clock arithmetic could land in a
    # daylight-saving gap, a time that does not exist.
    future = timezone.localtime(timezone.now() + timedelta(hours=2), page.tz).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = client_as_bob.post(
        "/manage/incidents/new/", create_data(status="resolved", started_at=future)
    )
    assert response.context["form"].errors["started_at"] == ["This time is in the future."]
    assert Incident.objects.count() == 0


def test_incident_create_escapes_script_in_title_and_message(client_as_bob, page):
    data = create_data(
        name="<script>alert(1)</script>",
        message="<script>alert(2)</script> [x](javascript:alert(3))",
    )
    response = client_as_bob.post("/manage/incidents/new/", data, follow=True)
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_incident_create_retroactive(client_as_bob, page, make_component):
    component = make_component()
    tz = page.tz
    started = (timezone.now() - timedelta(hours=3)).astimezone(tz)
    resolved = (timezone.now() - timedelta(hours=2)).astimezone(tz)
    response = client_as_bob.post(
        "/manage/incidents/new/",
        {
            "name": "Brief outage",
            "status": "resolved",
            "impact": "major",
            "components": [component.pk],
            "started_at": started.strftime("%Y-%m-%dT%H:%M"),
            "resolved_at": resolved.strftime("%Y-%m-%dT%H:%M"),
            "message": "Ticket submission failed for 40 minutes.",
        },
    )
    incident = Incident.objects.get()
    component.refresh_from_db()
    assert response.status_code == 302
    assert (incident.status, incident.backfilled, component.status) == (
        "resolved",
        True,
        "operational",
    )
    assert incident.started_at == started.replace(second=0, microsecond=0)
    assert incident.resolved_at == resolved.replace(second=0, microsecond=0)
    assert incident.updates.get().deliver_notifications is False


def test_a_time_in_the_repeated_hour_is_its_first_pass_and_a_skipped_one_is_refused(
    client_as_bob, page
):
    """Paris, on the nights the clocks change: 02:30 happened twice on 25 October 2026 (taken as
    the first, still summer time, UTC+02:00) and never on 29 March 2026."""
    autumn = create_data(
        status="resolved", started_at="2026-10-25T02:30", resolved_at="2026-10-25T04:00"
    )
    assert client_as_bob.post("/manage/incidents/new/", autumn).status_code == 302
    incident = Incident.objects.get()
    assert incident.started_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert incident.resolved_at == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)

    spring = create_data(
        status="resolved", started_at="2026-03-29T02:30", resolved_at="2026-03-29T04:00"
    )
    response = client_as_bob.post("/manage/incidents/new/", spring)
    assert response.context["form"].errors["started_at"] == [
        "There is no 02:30 on 29 March 2026 in Europe/Paris: the clocks go forward then. "
        "Choose a time before or after."
    ]
    assert Incident.objects.count() == 1


def test_incident_create_retroactive_form_starts_unticked(client_as_bob):
    html = client_as_bob.get("/manage/incidents/new/?status=resolved").content.decode()
    assert 'value="resolved" checked' in html
    assert 'name="notify" id="id_notify" data-follow-status>' in html


def form_key(response):
    """The idempotency key the form was drawn with (a hidden field)."""
    return response.context["form"]["key"].value()


def test_incident_create_double_submit_creates_one_incident(client_as_bob, page):
    key = form_key(client_as_bob.get("/manage/incidents/new/"))
    first = client_as_bob.post("/manage/incidents/new/", create_data(key=key))
    second = client_as_bob.post("/manage/incidents/new/", create_data(key=key))
    assert Incident.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_incident_create_two_forms_with_one_title_declare_two_incidents(client_as_bob, page):
    # Two incidents may share a title (a second outage of the same service): only the same
    # form, submitted twice, is one declaration.
    keys = [form_key(client_as_bob.get("/manage/incidents/new/")) for _ in range(2)]
    for key in keys:
        client_as_bob.post("/manage/incidents/new/", create_data(key=key))
    assert (keys[0] != keys[1], Incident.objects.count()) == (True, 2)


def test_incident_create_preview_renders_markdown_and_writes_nothing(client_as_bob, page):
    response = client_as_bob.post(
        "/manage/incidents/new/", create_data(message="**bold** <script>", preview="1")
    )
    html = response.content.decode()
    assert "<p><strong>bold</strong> &lt;script&gt;</p>" in html
    assert Incident.objects.count() == 0


# --- detail and Post Update ----------------------------------------------------------------------


def test_incident_detail_shows_timeline_in_page_time_zone(client_as_bob, page):
    at = timezone.now().replace(hour=13, minute=5, second=0, microsecond=0) - timedelta(days=1)
    incident = declare(page, message="We are *investigating*.", display_at=at)
    html = client_as_bob.get(f"/manage/incidents/{incident.pk}/").content.decode()
    local = timezone.localtime(at, page.tz)
    # Written as everywhere (candor/core/timefmt.py): 24-hour, with the numeric offset.
    assert f"{local:%H:%M} {timefmt.offset(local)}" in html
    assert "<em>investigating</em>" in html
    assert "Post Update" in html
    assert "Update Message" in html
    assert ">Post</button>" in html
    assert ">Delete</a>" in html


def test_incident_detail_links_delivery_counts_with_one_query(
    client_as_bob, page, django_assert_max_num_queries
):
    incident = declare(page)
    for i in range(3):
        services.post_update(incident, by=None, status="identified", message=f"m{i}")
    update = incident.updates.first()
    with django_assert_max_num_queries(14):
        html = client_as_bob.get(f"/manage/incidents/{incident.pk}/").content.decode()
    assert f'href="/manage/subscribers/deliveries/{update.pk}/"' in html
    assert "0 sent · 0 pending · 0 failing" in html


def test_incident_detail_of_unknown_incident_is_404(client_as_bob):
    assert client_as_bob.get("/manage/incidents/nope/").status_code == 404


def test_post_update_appends_to_timeline(client_as_bob, bob, page, make_component):
    component = make_component()
    incident = declare(page, components=[component])
    response = client_as_bob.post(
        f"/manage/incidents/{incident.pk}/update/",
        {
            "status": "identified",
            "message": "We have identified a database connectivity issue.",
            "impact": "critical",
            "components": [component.pk],
            "notify": "on",
        },
    )
    incident.refresh_from_db()
    component.refresh_from_db()
    assert response.status_code == 302
    assert (incident.status, incident.impact, component.status) == (
        "identified",
        "critical",
        "major_outage",
    )
    assert incident.updates.count() == 2
    # Bob posted it: the timeline and the audit log both say so.
    latest = incident.updates.order_by("-display_at", "-id").first()
    entry = AuditEntry.objects.filter(action="incident.update").get()
    assert (latest.author, latest.author_name) == (bob, "Bob Baker")
    assert (entry.user, entry.actor, entry.object_id) == (bob, "Bob Baker", str(incident.pk))


def test_post_update_resolved_restores_components(client_as_bob, page, make_component):
    component = make_component()
    incident = declare(page, components=[component])
    client_as_bob.post(
        f"/manage/incidents/{incident.pk}/update/",
        {"status": "resolved", "message": "Fully operational.", "impact": "minor", "notify": "on"},
    )
    incident.refresh_from_db()
    component.refresh_from_db()
    assert (incident.status, component.status) == ("resolved", ComponentStatus.OPERATIONAL)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"status": ""}, "status", "This field is required."),
        ({"status": "postmortem"}, "status", "Select a valid choice."),
        ({"message": ""}, "message", "This field is required."),
        ({"impact": "huge"}, "impact", "Select a valid choice."),
    ],
)
def test_post_update_rejects_bad_input_and_writes_nothing(
    client_as_bob, page, overrides, field, message
):
    incident = declare(page)
    data = {"status": "identified", "message": "m", "impact": "minor", **overrides}
    response = client_as_bob.post(f"/manage/incidents/{incident.pk}/update/", data)
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert incident.updates.count() == 1


def test_post_update_double_submit_posts_once(client_as_bob, page):
    incident = declare(page)
    key = form_key(client_as_bob.get(f"/manage/incidents/{incident.pk}/"))
    data = {"status": "identified", "message": "Found it.", "impact": "minor", "key": key}
    client_as_bob.post(f"/manage/incidents/{incident.pk}/update/", data)
    client_as_bob.post(f"/manage/incidents/{incident.pk}/update/", data)
    assert list(incident.updates.values_list("status", flat=True)) == [
        "identified",
        "investigating",
    ]


def test_post_update_to_deleted_incident_is_404(client_as_bob, page):
    incident = declare(page)
    services.delete_incident(incident, by=None)
    response = client_as_bob.post(
        f"/manage/incidents/{incident.pk}/update/",
        {"status": "identified", "message": "m", "impact": "minor"},
    )
    assert response.status_code == 404


def test_post_update_get_goes_to_the_incident(client_as_bob, page):
    incident = declare(page)
    response = client_as_bob.get(f"/manage/incidents/{incident.pk}/update/")
    assert response["Location"] == f"/manage/incidents/{incident.pk}/"


def test_post_update_expired_session_returns_to_the_form_after_login(client, bob, page):
    incident = declare(page)
    url = f"/manage/incidents/{incident.pk}/update/"
    response = client.post(url, {"status": "identified", "message": "m", "impact": "minor"})
    assert response["Location"] == f"/manage/login/?next={url}"
    login = client.post("/manage/login/", {"username": "bob", "password": PASSWORD, "next": url})
    assert login["Location"] == url
    assert client.get(url)["Location"] == f"/manage/incidents/{incident.pk}/"
    assert incident.updates.count() == 1


def test_post_update_is_csrf_protected(bob, page):
    from django.test import Client

    incident = declare(page)
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post(
        f"/manage/incidents/{incident.pk}/update/",
        {"status": "identified", "message": "m", "impact": "minor"},
    )
    assert response.status_code == 403
    assert incident.updates.count() == 1


# --- delete ------------------------------------------------------------------------------------


def test_incident_delete_asks_for_confirmation_naming_what_goes(client_as_bob, page):
    incident = declare(page)
    services.post_update(incident, by=None, status="resolved", message="done")
    html = client_as_bob.get(f"/manage/incidents/{incident.pk}/delete/").content.decode()
    assert "permanently removes the incident" in html
    assert "all its 2 updates" in html
    assert Incident.objects.count() == 1


def test_incident_delete_removes_incident(client_as_bob, page, make_component):
    component = make_component()
    incident = declare(page, components=[component], impact="critical")
    response = client_as_bob.post(f"/manage/incidents/{incident.pk}/delete/", follow=True)
    component.refresh_from_db()
    assert (Incident.objects.count(), IncidentUpdate.objects.count()) == (0, 0)
    assert component.status == "operational"
    assert f"Incident “{SEED_TITLE}” deleted." in response.content.decode()


def test_incident_delete_twice_is_404(client_as_bob, page):
    incident = declare(page)
    client_as_bob.post(f"/manage/incidents/{incident.pk}/delete/")
    assert client_as_bob.post(f"/manage/incidents/{incident.pk}/delete/").status_code == 404


def test_incident_status_is_postmortem_label_known():
    assert IncidentStatus.POSTMORTEM.label == "Postmortem"


def test_markdown_preview_returns_sanitised_html(client_as_bob):
    response = client_as_bob.post(
        "/manage/incidents/preview/", {"text": "*hi* [x](javascript:alert(1)) <script>"}
    )
    assert response.content.decode() == (
        "<p><em>hi</em> [x](javascript:alert(1)) &lt;script&gt;</p>\n"
    )


def test_markdown_preview_needs_login(client, db):
    response = client.post("/manage/incidents/preview/", {"text": "x"})
    assert response.status_code == 302


def test_incident_rename_changes_title_without_timeline_entry(client_as_bob, page):
    incident = declare(page)
    response = client_as_bob.post(
        f"/manage/incidents/{incident.pk}/rename/", {"name": "Ticket submission failing"}
    )
    incident.refresh_from_db()
    assert response["Location"] == f"/manage/incidents/{incident.pk}/"
    assert (incident.name, incident.updates.count()) == ("Ticket submission failing", 1)


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "This field is required."), ("x" * 256, "Ensure this value has at most 255")],
)
def test_incident_rename_rejects_bad_title(client_as_bob, page, name, message):
    incident = declare(page)
    response = client_as_bob.post(f"/manage/incidents/{incident.pk}/rename/", {"name": name})
    assert message in response.context["form"].errors["name"][0]
    incident.refresh_from_db()
    assert incident.name == SEED_TITLE
