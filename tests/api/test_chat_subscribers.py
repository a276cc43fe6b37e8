"""Chat subscribers through the management API: `{"subscriber": {"endpoint": URL, "mode":
"slack"}}`, a test message first, `mode` in every subscriber, counts by mode."""

from candor.core.models import Subscriber
from tests.channels import formats


def test_api_adds_slack_teams_and_discord_subscribers(page, api, receiver, make_component):
    api_component = make_component("API")
    for mode in ("slack", "teams", "discord"):
        response = api.post(
            f"pages/{page.pk}/subscribers",
            {
                "subscriber": {
                    "endpoint": receiver.url(f"/{mode}"),
                    "mode": mode,
                    "component_ids": [api_component.pk],
                }
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["mode"], body["endpoint"], body["state"], body["components"]) == (
            mode,
            receiver.url(f"/{mode}"),
            "active",
            [api_component.pk],
        )
        assert "secret" not in body
        [test] = receiver.at(f"/{mode}")
        formats.VALIDATE[mode](test.json)
    listed = api.get(f"pages/{page.pk}/subscribers").json()
    assert sorted(s["mode"] for s in listed) == ["discord", "slack", "teams"]
    count = api.get(f"pages/{page.pk}/subscribers/count").json()
    assert (count["slack"], count["teams"], count["discord"], count["email"]) == (1, 1, 1, 0)
    histogram = api.get(f"pages/{page.pk}/subscribers/histogram_by_state").json()
    assert histogram["teams"] == {"active": 1, "unconfirmed": 0, "quarantined": 0, "total": 1}


def test_api_refuses_a_chat_url_that_does_not_take_the_test_message(page, api, receiver):
    receiver.script["/gone"] = [404]
    response = api.post(
        f"pages/{page.pk}/subscribers",
        {"subscriber": {"endpoint": receiver.url("/gone"), "mode": "discord"}},
    )
    assert response.status_code == 422
    assert "did not accept the test message" in response.json()["errors"]["endpoint"][0]
    assert not Subscriber.objects.exists()


def test_api_refuses_an_unknown_mode_or_a_chat_without_endpoint(page, api, receiver):
    bad_mode = api.post(
        f"pages/{page.pk}/subscribers", {"subscriber": {"endpoint": "x", "mode": "telegram"}}
    )
    no_url = api.post(f"pages/{page.pk}/subscribers", {"subscriber": {"mode": "slack"}})
    assert bad_mode.status_code == 422 and "mode" in bad_mode.json()["errors"]
    assert no_url.status_code == 422 and "endpoint" in no_url.json()["errors"]
    assert not Subscriber.objects.exists() and receiver.requests == []


def test_api_refuses_the_same_chat_url_twice(page, api, receiver):
    data = {"subscriber": {"endpoint": receiver.url("/slack"), "mode": "slack"}}
    first = api.post(f"pages/{page.pk}/subscribers", data)
    second = api.post(f"pages/{page.pk}/subscribers", data)
    assert (first.status_code, second.status_code) == (201, 409)
    assert Subscriber.objects.count() == 1
