import pytest

from candor.core import subscriptions
from candor.core.models import AuditEntry, Delivery, Subscriber


@pytest.fixture(autouse=True)
def private_targets(settings):
    settings.CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS = True


def _email(page, address, **kw):
    subscriber, _ = subscriptions.add_subscriber(page, by=None, mode="email", email=address, **kw)
    return subscriber


def test_api_creates_an_email_subscriber_confirmed_at_once(page, api, make_component):
    help_desk = make_component("Help Desk")
    response = api.post(
        f"pages/{page.pk}/subscribers",
        {"subscriber": {"email": "ops@example.com", "component_ids": [help_desk.pk]}},
    )
    body = response.json()
    assert response.status_code == 201
    assert (body["mode"], body["email"], body["state"], body["components"]) == (
        "email",
        "ops@example.com",
        "active",
        [help_desk.pk],
    )
    assert "secret" not in body
    assert not Delivery.objects.exists()  # no mail: confirmed by the operator


def test_api_webhook_subscriber_gets_its_secret_once(page, api):
    created = api.post(
        f"pages/{page.pk}/subscribers",
        {"subscriber": {"endpoint": "http://127.0.0.1:9/hook", "email": "dev@example.com"}},
    )
    again = api.get(f"pages/{page.pk}/subscribers/{created.json()['id']}")
    stored = Subscriber.objects.get()
    assert (created.status_code, created.json()["mode"]) == (201, "webhook")
    assert created.json()["secret"] == stored.secret
    assert created.json()["secret"].startswith("whsec_")
    assert "secret" not in again.json()


def test_api_duplicate_subscriber_is_a_409(page, api):
    _email(page, "ops@example.com")
    response = api.post(
        f"pages/{page.pk}/subscribers", {"subscriber": {"email": "ops@example.com"}}
    )
    assert (response.status_code, Subscriber.objects.count()) == (409, 1)


def test_api_invalid_subscriber_writes_nothing(page, api):
    before = AuditEntry.objects.count()
    responses = [
        api.post(f"pages/{page.pk}/subscribers", {"subscriber": {"email": "not-an-address"}}),
        api.post(f"pages/{page.pk}/subscribers", {"subscriber": {"phone_number": "555"}}),
        api.post(
            f"pages/{page.pk}/subscribers",
            {"subscriber": {"email": "a@example.com", "component_ids": ["nope"]}},
        ),
        api.post(f"pages/{page.pk}/subscribers", {"subscriber": {"email": ""}}),
    ]
    assert [r.status_code for r in responses] == [422] * 4
    assert (Subscriber.objects.count(), AuditEntry.objects.count()) == (0, before)


def test_api_webhook_port_out_of_range_is_422_and_writes_nothing(page, api):
    before = AuditEntry.objects.count()
    response = api.post(
        f"pages/{page.pk}/subscribers",
        {"subscriber": {"endpoint": "http://example.com:99999/", "email": "dev@example.com"}},
    )
    assert response.status_code == 422
    assert "Enter a port from 1 to 65535." in response.content.decode()
    assert (Subscriber.objects.count(), AuditEntry.objects.count()) == (0, before)


def test_api_lists_subscribers_with_filters(page, api):
    for address in ("a@example.com", "b@example.com", "c@other.org"):
        _email(page, address)
    quiet = _email(page, "q@example.com")
    subscriptions.unsubscribe(quiet, by=None)
    base = f"/v1/pages/{page.pk}/subscribers{api.suffix}"
    auth = {"HTTP_AUTHORIZATION": f"OAuth {api.key}"}
    active = api.client.get(base, **auth).json()
    everyone = api.client.get(base + "?state=all", **auth).json()
    searched = api.client.get(
        base + "?q=example.com&limit=1&page=1&sort_field=primary&sort_direction=asc", **auth
    ).json()
    webhooks = api.client.get(base + "?type=webhook", **auth).json()
    bad = api.client.get(base + "?state=bored", **auth)
    assert (len(active), len(everyone), webhooks) == (3, 4, [])
    assert [s["email"] for s in searched] == ["b@example.com"]
    assert bad.status_code == 400


def test_api_gets_patches_and_deletes_a_subscriber(page, api, make_component):
    help_desk = make_component("Help Desk")
    subscriber = _email(page, "ops@example.com")
    path = f"pages/{page.pk}/subscribers/{subscriber.pk}"
    got = api.get(path)
    patched = api.patch(path, {"subscriber": {"component_ids": [help_desk.pk]}})
    deleted = api.delete(path)
    assert (got.status_code, got.json()["components"]) == (200, [])
    assert patched.json()["components"] == [help_desk.pk]
    assert (deleted.status_code, deleted.json()["state"]) == (200, "unsubscribed")
    assert Subscriber.objects.get().state == "unsubscribed"


def test_api_counts_subscribers_by_type_and_state(page, api):
    _email(page, "a@example.com")
    _email(page, "b@example.com")
    subscriptions.add_subscriber(
        page, by=None, mode="webhook", endpoint="http://127.0.0.1:9/x", email="d@example.com"
    )
    subscriptions.quarantine(_email(page, "c@example.com").pk, "bounced")
    count = api.get(f"pages/{page.pk}/subscribers/count").json()
    histogram = api.get(f"pages/{page.pk}/subscribers/histogram_by_state").json()
    assert count == {
        "email": 2,
        "sms": 0,
        "webhook": 1,
        "integration_partner": 0,
        "slack": 0,
        "teams": 0,
        "discord": 0,
    }
    assert histogram["email"] == {"active": 2, "unconfirmed": 0, "quarantined": 1, "total": 3}
    assert histogram["webhook"]["total"] == 1


def test_api_bulk_unsubscribe_reactivate_and_resend(page, api):
    a, b = _email(page, "a@example.com"), _email(page, "b@example.com")
    subscriptions.quarantine(b.pk, "bounced")
    subscriptions.subscribe_email(page, email="new@example.com")
    pending = Subscriber.objects.get(email="new@example.com")
    reactivated = api.post(f"pages/{page.pk}/subscribers/reactivate", {"subscribers": [b.pk]})
    resent = api.post(
        f"pages/{page.pk}/subscribers/resend_confirmation", {"subscribers": [pending.pk]}
    )
    one = api.post(f"pages/{page.pk}/subscribers/{pending.pk}/resend_confirmation", {})
    gone = api.post(f"pages/{page.pk}/subscribers/unsubscribe", {"subscribers": [a.pk]})
    assert (reactivated.status_code, reactivated.json()) == (202, {"subscribers": [b.pk]})
    assert resent.json() == {"subscribers": [pending.pk]}
    assert one.status_code == 201
    # The request only writes ledger rows (the one from subscribing, and two resent).
    assert Delivery.objects.filter(kind="confirm", subscriber=pending).count() == 3
    assert gone.json() == {"subscribers": [a.pk]}
    assert dict(Subscriber.objects.values_list("email", "state")) == {
        "a@example.com": "unsubscribed",
        "b@example.com": "active",
        "new@example.com": "unconfirmed",
    }


def test_api_bulk_unsubscribe_all_of_a_type(page, api):
    _email(page, "a@example.com")
    subscriptions.add_subscriber(
        page, by=None, mode="webhook", endpoint="http://127.0.0.1:9/x", email="d@example.com"
    )
    response = api.post(
        f"pages/{page.pk}/subscribers/unsubscribe", {"subscribers": "all", "type": "email"}
    )
    assert response.status_code == 202
    assert dict(Subscriber.objects.values_list("mode", "state")) == {
        "email": "unsubscribed",
        "webhook": "active",
    }


def test_api_bulk_with_unknown_ids_changes_nothing(page, api, other_page):
    mine = _email(page, "a@example.com")
    theirs = _email(other_page, "b@example.com")
    response = api.post(
        f"pages/{page.pk}/subscribers/unsubscribe", {"subscribers": [mine.pk, theirs.pk]}
    )
    assert response.status_code == 422
    assert set(Subscriber.objects.values_list("state", flat=True)) == {"active"}


def test_api_subscriber_of_another_page_is_a_404(page, json_api, other_page):
    theirs = _email(other_page, "b@example.com")
    responses = [
        json_api.get(f"pages/{page.pk}/subscribers/{theirs.pk}"),
        json_api.delete(f"pages/{page.pk}/subscribers/{theirs.pk}"),
        json_api.get(f"pages/{other_page.pk}/subscribers"),
    ]
    assert [r.status_code for r in responses] == [404] * 3
    assert Subscriber.objects.get().state == "active"
