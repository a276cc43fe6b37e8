"""Text that would break a public document (XML feeds, JSON, HTML, email) is refused once, at the
service boundary, naming its field, for every text input of every service; nothing is written."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from candor.core import apikeys, services, setup, subscriptions
from candor.core.models import (
    ApiKey,
    AuditEntry,
    Component,
    ComponentGroup,
    Incident,
    IncidentUpdate,
    Page,
    Postmortem,
    PostmortemTimelineEntry,
    Subscriber,
    SubscriptionThrottle,
)

# Every kind the issue names: C0 controls but tab/LF/CR, DEL, C1, noncharacters (BMP and
# astral), a lone surrogate. \x00 is there too: PostgreSQL cannot store it at all.
UNSAFE = [
    "\x00",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x7f",
    "\x85",
    "\x9f",
    "\ufdd0",
    "\ufffe",
    "\uffff",
    "\U0001fffe",
    "\U0010ffff",
    "\ud800",
]

MODELS = (
    Page,
    Component,
    ComponentGroup,
    Incident,
    IncidentUpdate,
    Postmortem,
    PostmortemTimelineEntry,
    Subscriber,
    SubscriptionThrottle,
    ApiKey,
    AuditEntry,
    get_user_model(),
)


# What a request changes whatever it carries: the key's rate limit and last use, the session.
VOLATILE = {"last_used_at", "rate_tat", "last_login"}


def snapshot() -> dict:
    return {
        m.__name__: [
            {k: v for k, v in row.items() if k not in VOLATILE}
            for row in m.objects.order_by("pk").values()
        ]
        for m in MODELS
    }


@pytest.fixture
def world(page, bob, settings, tmp_path):
    """One of everything a text input can belong to."""
    settings.DATA_DIR = tmp_path
    group = services.create_group(page, by=None, name="Backend")
    component = services.create_component(page, by=None, name="Help Desk", group=group)
    incident = services.declare_incident(page, by=None, name="Outage", message="Looking.")
    past = timezone.now() - timedelta(hours=2)
    resolved = services.declare_incident(
        page, by=None, name="Past", status="resolved", started_at=past
    )
    services.save_postmortem(resolved, by=None, title="What happened")
    return {
        "page": page,
        "group": group,
        "component": component,
        "incident": incident,
        "update": incident.updates.get(),
        "resolved": resolved,
        "user": bob,
        "at": past + timedelta(minutes=5),
    }


def name(c):
    return f"ff{c}name"


def url(c):
    return f"https://status{c}.example.com/"


def address(c):
    return f"ann{c}x@example.com"


# (service call, field named in the error, a value carrying the character, single-line field?)
CASES = {
    "create_page.name": (
        lambda w, v: services.create_page(by=None, name=v),
        "name",
        name,
        True,
    ),
    "create_page.url": (
        lambda w, v: services.create_page(by=None, name="P", url=v),
        "url",
        url,
        True,
    ),
    "update_page.name": (
        lambda w, v: services.update_page(w["page"], by=None, name=v),
        "name",
        name,
        True,
    ),
    "update_page.url": (
        lambda w, v: services.update_page(w["page"], by=None, url=v),
        "url",
        url,
        True,
    ),
    "update_page.support_url": (
        lambda w, v: services.update_page(w["page"], by=None, support_url=v),
        "support_url",
        url,
        True,
    ),
    "create_component.name": (
        lambda w, v: services.create_component(w["page"], by=None, name=v),
        "name",
        name,
        True,
    ),
    "create_component.description": (
        lambda w, v: services.create_component(w["page"], by=None, name="X", description=v),
        "description",
        name,
        False,
    ),
    "update_component.name": (
        lambda w, v: services.update_component(w["component"], by=None, name=v),
        "name",
        name,
        True,
    ),
    "update_component.description": (
        lambda w, v: services.update_component(w["component"], by=None, description=v),
        "description",
        name,
        False,
    ),
    "create_group.name": (
        lambda w, v: services.create_group(w["page"], by=None, name=v),
        "name",
        name,
        True,
    ),
    "create_group.description": (
        lambda w, v: services.create_group(w["page"], by=None, name="G", description=v),
        "description",
        name,
        False,
    ),
    "update_group.name": (
        lambda w, v: services.update_group(w["group"], by=None, name=v),
        "name",
        name,
        True,
    ),
    "update_group.description": (
        lambda w, v: services.update_group(w["group"], by=None, description=v),
        "description",
        name,
        False,
    ),
    "declare_incident.name": (
        lambda w, v: services.declare_incident(w["page"], by=None, name=v),
        "name",
        name,
        True,
    ),
    "declare_incident.message": (
        lambda w, v: services.declare_incident(w["page"], by=None, name="N", message=v),
        "message",
        name,
        False,
    ),
    "post_update.message": (
        lambda w, v: services.post_update(w["incident"], by=None, status="identified", message=v),
        "message",
        name,
        False,
    ),
    "edit_incident.name": (
        lambda w, v: services.edit_incident(w["incident"], by=None, name=v),
        "name",
        name,
        True,
    ),
    "edit_update.body": (
        lambda w, v: services.edit_update(w["update"], by=None, body=v),
        "body",
        name,
        False,
    ),
    **{
        f"save_postmortem.{field}": (
            lambda w, v, field=field: services.save_postmortem(
                w["resolved"], by=None, **{field: v}
            ),
            field,
            name,
            field == "title",
        )
        for field in (
            "title",
            "summary",
            "impact_description",
            "root_cause",
            "corrective_actions",
            "body_draft",
        )
    },
    "save_postmortem.timeline": (
        lambda w, v: services.save_postmortem(w["resolved"], by=None, timeline=[(w["at"], v)]),
        "timeline",
        name,
        False,
    ),
    "create_user.username": (
        lambda w, v: services.create_user(
            by=None, username=v, email="a@example.com", password="correct horse battery"
        ),
        "username",
        name,
        True,
    ),
    "create_user.email": (
        lambda w, v: services.create_user(
            by=None, username="sam", email=v, password="correct horse battery"
        ),
        "email",
        address,
        True,
    ),
    "update_user.email": (
        lambda w, v: services.update_user(w["user"], by=None, email=v),
        "email",
        address,
        True,
    ),
    "create_first_admin.username": (
        lambda w, v: setup.create_first_admin(
            username=v, email="a@example.com", password="correct horse battery"
        ),
        "username",
        name,
        True,
    ),
    "create_first_admin.email": (
        lambda w, v: setup.create_first_admin(
            username="sam", email=v, password="correct horse battery"
        ),
        "email",
        address,
        True,
    ),
    "create_api_key.name": (
        lambda w, v: apikeys.create_api_key(by=None, name=v),
        "name",
        name,
        True,
    ),
    "subscribe_email.email": (
        lambda w, v: subscriptions.subscribe_email(w["page"], email=v),
        "email",
        address,
        True,
    ),
    "subscribe_webhook.endpoint": (
        lambda w, v: subscriptions.subscribe_webhook(
            w["page"], endpoint=v, email="ops@example.com"
        ),
        "endpoint",
        url,
        True,
    ),
    "subscribe_webhook.email": (
        lambda w, v: subscriptions.subscribe_webhook(
            w["page"], endpoint="https://hooks.example.com/x", email=v
        ),
        "email",
        address,
        True,
    ),
    "add_subscriber.email": (
        lambda w, v: subscriptions.add_subscriber(w["page"], by=None, mode="email", email=v),
        "email",
        address,
        True,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_text_input_refuses_unsafe_characters_naming_its_field(world, case):
    call, field, shape, one_line = CASES[case]
    before = snapshot()
    for char in UNSAFE:
        with pytest.raises(ValidationError) as error:
            call(world, shape(char))
        assert list(error.value.message_dict) == [field], (case, char)
        [refusal] = error.value.error_dict[field]
        assert refusal.code == "unsafe_character", (case, char, refusal.messages)
        assert f"U+{ord(char):04X}" in refusal.messages[0]
    assert snapshot() == before, case


def test_multi_line_text_keeps_tabs_and_line_breaks(world):
    body = "First line,\ttabbed.\r\nSecond line.\nThird.\rFourth, ü 日本 \u2028 fine."
    update = services.post_update(world["incident"], by=None, status="identified", message=body)
    assert update.body == body


@pytest.mark.parametrize("case", sorted(c for c in CASES if CASES[c][3] and CASES[c][2] is name))
def test_single_line_text_has_its_tabs_and_line_breaks_made_spaces(world, case):
    call, field, shape, _ = CASES[case]
    result = call(world, " ff\tname\r\nwith\n\nbreaks\u2028and\u2029more\n")
    row = result[0] if isinstance(result, tuple) else result
    # Whichever attribute holds it (name, title, username): it is one line now.
    values = [v for v in vars(row).values() if isinstance(v, str) and "breaks" in v]
    assert values == ["ff name with breaks and more"], case


def test_the_refusal_says_what_and_where(page):
    with pytest.raises(ValidationError) as error:
        services.declare_incident(page, by=None, name="ff\x0cname")
    assert error.value.message_dict["name"] == [
        "This text contains a control character (U+000C, at character 3), which cannot be "
        "published: remove it."
    ]


# --- Through each surface -------------------------------------------------------------------


def test_api_refuses_a_control_character_in_a_title_and_writes_nothing(page, key_of_page):
    """The issue's curl: 201 and a frozen public site before; now 422 naming the field."""
    before = snapshot()
    response = Client().post(
        f"/v1/pages/{page.pk}/incidents.json",
        '{"incident":{"name":"ff\\u000cname","status":"investigating","impact_override":"none"}}',
        content_type="application/json",
        **key_of_page.headers,
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["name"]
    assert "U+000C" in response.json()["error"]
    assert snapshot() == before


def test_api_refuses_a_noncharacter_in_an_update_body_under_its_api_name(page, key_of_page):
    incident = services.declare_incident(page, by=None, name="Outage")
    before = snapshot()
    response = Client().patch(
        f"/v1/pages/{page.pk}/incidents/{incident.pk}",
        '{"incident":{"status":"identified","body":"broken \\ufffe feed"}}',
        content_type="application/json",
        **key_of_page.headers,
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["body"]
    assert snapshot() == before


def test_api_refuses_a_control_character_in_a_component_description(page, key_of_page):
    before = snapshot()
    response = Client().post(
        f"/v1/pages/{page.pk}/components",
        "component[name]=Help+Desk&component[description]=a%1Fb",
        content_type="application/x-www-form-urlencoded",
        **key_of_page.headers,
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["description"]
    assert snapshot() == before


def test_rename_form_shows_the_refusal_and_changes_nothing(page, client_as_bob):
    incident = services.declare_incident(page, by=None, name="Outage")
    client = client_as_bob
    before = snapshot()
    response = client.post(f"/manage/incidents/{incident.pk}/rename/", {"name": "ff\x0cname"})
    assert response.status_code == 200
    [message] = response.context["form"].errors["name"]
    assert "control character (U+000C" in message
    assert snapshot() == before
    incident.refresh_from_db()
    assert incident.name == "Outage"


def test_public_subscribe_form_refuses_a_control_character_and_stores_nothing(page, settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    page.is_default = True
    page.save(update_fields=["is_default"])
    before = snapshot()
    response = Client().post(
        "/subscribe/",
        {"mode": "webhook", "w-endpoint": "https://hooks.example.com/\x7f", "w-email": "o@x.io"},
    )
    assert response.status_code == 400
    assert response.context["webhook_form"].errors
    response = Client().post("/subscribe/", {"mode": "email", "e-email": '"a\x0bb"@example.com'})
    assert response.status_code == 400
    after = snapshot()
    # Every request counts against the per-address throttle before it is read (docs/security.md).
    assert len(after.pop("SubscriptionThrottle")) == 2
    before.pop("SubscriptionThrottle")
    assert after == before


def test_cli_refuses_a_control_character_in_an_api_key_name(db):
    with pytest.raises(CommandError, match="U\\+001B"):
        call_command("apikey", "create", "--name", "deploy\x1bbot")
    assert not ApiKey.objects.exists()


def test_first_run_form_refuses_a_control_character_in_the_address(client, db):
    """Django's EmailField takes a quoted local part with a vertical tab; the service does not."""
    token = setup.issue_token()
    response = client.post(
        f"/setup/{token}/",
        {
            "username": "ada",
            "email": '"ada\x0b"@example.com',
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 200
    assert "U+000B" in response.context["form"].errors["email"][0]
    assert get_user_model().objects.count() == 0
