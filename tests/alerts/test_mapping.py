"""Which component an alert holds, and at what status (candor/core/alerting/mapping.py).

Through the real path (a payload posted to the hook, the worker's job run, the component read
back): the component named by its id, every default severity, the integration's severity map
changing what a component is held at, and rules with `!=` and `!~`. Then the operators and the
severity table on their own."""

from __future__ import annotations

import pytest

from candor.core.alerting import mapping
from candor.core.models import AlertPayload
from candor.core.services import integrations
from tests.alerts.conftest import process, status_of
from tests.alerts.helpers import am_alert, am_payload

# --- The default mapping, through the hook -------------------------------------------------------


@pytest.mark.django_db
def test_component_label_may_name_the_component_by_its_id(hook, make_component):
    helpdesk = make_component("Help Desk")
    website = make_component("Website")
    post = hook()
    labels = {"alertname": "SiteDown", "component": website.pk, "severity": "critical"}
    assert post(am_payload(am_alert(labels))).status_code == 202
    process()
    assert status_of(website) == "major_outage"
    assert status_of(helpdesk) == "operational"
    assert AlertPayload.objects.get().outcome == [
        "'SiteDown': firing. Holds Website at Major Outage."
    ]


@pytest.mark.django_db
def test_component_name_is_matched_in_any_case_but_never_as_a_pattern(hook, make_component):
    helpdesk = make_component("Help Desk")
    post = hook()
    post(
        am_payload(
            am_alert({"alertname": "Upper", "component": "HELP DESK", "severity": "warning"}),
            # LIKE's wildcards are not wildcards here: neither names Help Desk.
            am_alert({"alertname": "Wild", "component": "help_desk", "severity": "critical"}),
            am_alert({"alertname": "Percent", "component": "%", "severity": "critical"}),
        )
    )
    process()
    assert status_of(helpdesk) == "degraded_performance"
    assert AlertPayload.objects.get().outcome == [
        "'Upper': firing. Holds Help Desk at Degraded Performance.",
        "'Wild': firing. Not acted on: no matching component ('help_desk').",
        "'Percent': firing. Not acted on: no matching component ('%').",
    ]


@pytest.mark.django_db
def test_component_name_beyond_ascii_is_matched_in_any_case_on_every_database(hook, make_component):
    # SQLite's LIKE folds only ASCII letters: "RÉSEAU" must still name "Réseau" there, as on
    # PostgreSQL.
    reseau = make_component("Réseau")
    helpdesk = make_component("Help Desk")
    post = hook()
    labels = {"alertname": "NetDown", "component": "RÉSEAU", "severity": "critical"}
    assert post(am_payload(am_alert(labels))).status_code == 202
    process()
    assert status_of(reseau) == "major_outage"
    assert status_of(helpdesk) == "operational"
    assert AlertPayload.objects.get().outcome == [
        "'NetDown': firing. Holds Réseau at Major Outage."
    ]


@pytest.mark.django_db
def test_a_rule_may_name_a_component_beyond_ascii_in_any_case(hook, make_component):
    reseau = make_component("Réseau")
    post = hook(rules='team="net" -> RÉSEAU: degraded_performance')
    assert post.integration.rules == [
        {
            "matchers": [["team", "=", "net"]],
            "component": reseau.pk,
            "status": "degraded_performance",
        }
    ]
    post(am_payload(am_alert({"alertname": "Slow", "team": "net", "severity": "critical"})))
    process()
    assert status_of(reseau) == "degraded_performance"


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("critical", "major_outage"),
        ("major", "partial_outage"),
        ("error", "partial_outage"),
        ("warning", "degraded_performance"),
        ("minor", "degraded_performance"),
        ("info", "partial_outage"),  # anything else: partial outage
        ("CRITICAL", "major_outage"),
        ("Minor", "degraded_performance"),
        (" Warning ", "degraded_performance"),
    ],
)
@pytest.mark.django_db
def test_default_severity_picks_the_held_status(hook, make_component, severity, expected):
    helpdesk = make_component("Help Desk")
    post = hook()
    labels = {"alertname": "Down", "component": "Help Desk", "severity": severity}
    post(am_payload(am_alert(labels)))
    process()
    assert status_of(helpdesk) == expected


# --- The integration's severity map, through the hook --------------------------------------------


@pytest.mark.django_db
def test_severity_map_overrides_the_default_table_and_adds_severities(hook, make_component):
    helpdesk = make_component("Help Desk")
    website = make_component("Website")
    api = make_component("API")
    # Keys are read in any case; a severity the map lacks keeps the default table.
    post = hook(severity_map={"Warning": "major_outage", "ticket": "degraded_performance"})
    assert post.integration.severity_map == {
        "warning": "major_outage",
        "ticket": "degraded_performance",
    }
    post(
        am_payload(
            am_alert({"alertname": "Slow", "component": "Help Desk", "severity": "warning"}),
            am_alert({"alertname": "Ticket", "component": "Website", "severity": "TICKET"}),
            am_alert({"alertname": "Minor", "component": "API", "severity": "minor"}),
        )
    )
    process()
    assert status_of(helpdesk) == "major_outage"  # the table says degraded performance
    assert status_of(website) == "degraded_performance"  # the table says partial outage
    assert status_of(api) == "degraded_performance"
    assert AlertPayload.objects.get().outcome == [
        "'Slow': firing. Holds Help Desk at Major Outage.",
        "'Ticket': firing. Holds Website at Degraded Performance.",
        "'Minor': firing. Holds API at Degraded Performance.",
    ]


@pytest.mark.django_db
def test_a_changed_severity_map_moves_a_held_component_when_the_alert_fires_again(
    hook, make_component, alice
):
    helpdesk = make_component("Help Desk")
    post = hook()
    body = am_payload(
        am_alert({"alertname": "Slow", "component": "Help Desk", "severity": "warning"})
    )
    post(body)
    process()
    assert status_of(helpdesk) == "degraded_performance"

    integrations.update_integration(
        post.integration,
        by=alice,
        name="Prometheus",
        mode="status",
        rules="",
        severity_map={"warning": "partial_outage"},
        hold_down_seconds=0,
        clear_delay_seconds=0,
        flap_limit=10,
    )
    # A firing alert keeps its status until it fires again.
    assert status_of(helpdesk) == "degraded_performance"
    post(body)  # Alertmanager repeats a firing alert every repeat_interval
    process()
    assert status_of(helpdesk) == "partial_outage"
    assert AlertPayload.objects.order_by("id").last().outcome == [
        "'Slow': updated. Holds Help Desk at Partial Outage."
    ]


@pytest.mark.django_db
def test_a_rules_fixed_status_beats_the_severity_map_which_beats_the_table(hook, make_component):
    website = make_component("Website")
    api = make_component("API")
    post = hook(
        rules='team="web" -> Website: degraded_performance\nteam="db" -> API',
        severity_map={"critical": "partial_outage"},
    )
    post(
        am_payload(
            am_alert({"alertname": "Web", "team": "web", "severity": "critical"}),
            am_alert({"alertname": "Db", "team": "db", "severity": "critical"}),
        )
    )
    process()
    assert status_of(website) == "degraded_performance"
    assert status_of(api) == "partial_outage"


# --- Rules, through the hook ---------------------------------------------------------------------


@pytest.mark.django_db
def test_not_equal_rule_skips_its_value_and_matches_a_missing_label(hook, make_component):
    helpdesk = make_component("Help Desk")
    website = make_component("Website")
    api = make_component("API")
    post = hook(rules='env!="staging", service="helpdesk" -> Help Desk: major_outage')
    post(
        am_payload(
            # env is staging: the rule does not apply, the component label does.
            am_alert(
                {
                    "alertname": "Staging",
                    "service": "helpdesk",
                    "env": "staging",
                    "component": "Website",
                    "severity": "warning",
                }
            ),
            # No env label reads as "", which is not "staging": the rule applies.
            am_alert(
                {
                    "alertname": "NoEnv",
                    "service": "helpdesk",
                    "component": "API",
                    "severity": "warning",
                }
            ),
        )
    )
    process()
    assert status_of(website) == "degraded_performance"
    assert status_of(helpdesk) == "major_outage"
    assert status_of(api) == "operational"
    assert AlertPayload.objects.get().outcome == [
        "'Staging': firing. Holds Website at Degraded Performance.",
        "'NoEnv': firing. Holds Help Desk at Major Outage.",
    ]


@pytest.mark.django_db
def test_negative_regex_rule_is_anchored_at_both_ends(hook, make_component):
    helpdesk = make_component("Help Desk")
    website = make_component("Website")
    api = make_component("API")
    post = hook(rules='service=~"help.*", env!~"stag.*|dev" -> Help Desk')
    post(
        am_payload(
            # "staging-eu" matches stag.*: the rule is excluded.
            am_alert(
                {
                    "alertname": "Staging",
                    "service": "helpdesk",
                    "env": "staging-eu",
                    "component": "Website",
                    "severity": "critical",
                }
            ),
            # "devel" is not the whole of "dev": `!~` holds, the rule applies, with the
            # severity's status since the rule fixes none.
            am_alert(
                {
                    "alertname": "Devel",
                    "service": "helpdesk-api",
                    "env": "devel",
                    "component": "API",
                    "severity": "warning",
                }
            ),
        )
    )
    process()
    assert status_of(website) == "major_outage"
    assert status_of(helpdesk) == "degraded_performance"
    assert status_of(api) == "operational"


@pytest.mark.django_db
def test_an_unquoted_value_before_a_spaced_comma_still_matches(hook, make_component):
    website = make_component("Website")
    helpdesk = make_component("Help Desk")
    post = hook(rules="env=prod , team=web -> Website")
    assert post.integration.rules[0]["matchers"] == [["env", "=", "prod"], ["team", "=", "web"]]
    labels = {
        "alertname": "Web",
        "env": "prod",
        "team": "web",
        "component": "Help Desk",
        "severity": "major",
    }
    post(am_payload(am_alert(labels)))
    process()
    assert status_of(website) == "partial_outage"
    assert status_of(helpdesk) == "operational"


@pytest.mark.django_db
def test_first_matching_rule_wins_and_an_empty_component_keeps_the_label(hook, make_component):
    helpdesk = make_component("Help Desk")
    website = make_component("Website")
    api = make_component("API")
    post = hook(rules='team="db" -> API: major_outage\nteam=~".+" -> : degraded_performance')
    assert post.integration.rules == [
        {"matchers": [["team", "=", "db"]], "component": api.pk, "status": "major_outage"},
        {"matchers": [["team", "=~", ".+"]], "component": "", "status": "degraded_performance"},
    ]
    post(
        am_payload(
            am_alert({"alertname": "Db", "team": "db", "component": "Website"}),
            am_alert(
                {
                    "alertname": "Ops",
                    "team": "ops",
                    "component": "Help Desk",
                    "severity": "critical",
                }
            ),
        )
    )
    process()
    assert status_of(api) == "major_outage"
    assert status_of(website) == "operational"
    assert status_of(helpdesk) == "degraded_performance"


# --- The operators, the parser and the severity table on their own -------------------------------


def test_parse_matchers_reads_every_operator_braces_quotes_and_escapes():
    text = r'{a="x", b!="y", c=~"x,y|z", d!~"q\\d+", e="say \"hi\""}'
    assert mapping.parse_matchers(text) == [
        ("a", "=", "x"),
        ("b", "!=", "y"),
        ("c", "=~", "x,y|z"),
        ("d", "!~", r"q\d+"),
        ("e", "=", 'say "hi"'),
    ]
    # Unquoted values and spaces around the operator.
    assert mapping.parse_matchers("env =~ prod.*, team!=ops") == [
        ("env", "=~", "prod.*"),
        ("team", "!=", "ops"),
    ]


def test_parse_matchers_trims_unquoted_values_and_keeps_quoted_ones_exactly():
    # As Alertmanager's matcher parser: spaces around an unquoted value are not part of it.
    assert mapping.parse_matchers('env=prod , team="a"') == [
        ("env", "=", "prod"),
        ("team", "=", "a"),
    ]
    assert mapping.parse_matchers("{env=~ prod.* ,team!= web ops }") == [
        ("env", "=~", "prod.*"),
        ("team", "!=", "web ops"),  # spaces inside the value are kept
    ]
    assert mapping.parse_matchers('env=prod\t, team=" a ", zone = ') == [
        ("env", "=", "prod"),
        ("team", "=", " a "),
        ("zone", "=", ""),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "A rule needs at least one matcher."),
        ("   ", "A rule needs at least one matcher."),
        ("env", "Cannot read a matcher at 'env': write label=\"value\"."),
        ('1env="prod"', 'Cannot read a matcher at \'1env="prod"\': write label="value".'),
        ('a="b" c="d"', "Separate matchers with commas (at 'c=\"d\"')."),
        (
            'a=~"("',
            "The regular expression '(' is invalid: "
            "missing ), unterminated subpattern at position 0.",
        ),
        (
            'a!~"[z-a]"',
            "The regular expression '[z-a]' is invalid: bad character range z-a at position 1.",
        ),
    ],
)
def test_parse_matchers_refuses_what_it_cannot_read(text, message):
    with pytest.raises(ValueError) as raised:
        mapping.parse_matchers(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("matcher", "labels", "expected"),
    [
        # =
        (("env", "=", "prod"), {"env": "prod"}, True),
        (("env", "=", "prod"), {"env": "Prod"}, False),
        (("env", "=", "prod"), {}, False),
        (("env", "=", ""), {}, True),  # a missing label reads as ""
        # !=
        (("env", "!=", "staging"), {"env": "prod"}, True),
        (("env", "!=", "staging"), {"env": "staging"}, False),
        (("env", "!=", "staging"), {}, True),
        (("env", "!=", ""), {}, False),
        (("env", "!=", ""), {"env": "prod"}, True),
        # =~ anchored at both ends
        (("service", "=~", "help.*"), {"service": "helpdesk"}, True),
        (("service", "=~", "help"), {"service": "helpdesk"}, False),
        (("service", "=~", "desk"), {"service": "helpdesk"}, False),
        (("service", "=~", "a|b"), {"service": "ab"}, False),
        (("service", "=~", "a|b"), {"service": "b"}, True),
        (("service", "=~", ".*"), {}, True),
        (("service", "=~", ".+"), {}, False),
        # !~ anchored at both ends
        (("env", "!~", "stag.*|dev"), {"env": "staging"}, False),
        (("env", "!~", "stag.*|dev"), {"env": "dev"}, False),
        (("env", "!~", "stag.*|dev"), {"env": "devel"}, True),
        (("env", "!~", "stag.*|dev"), {"env": "prestaging"}, True),
        (("env", "!~", ".+"), {}, True),
        (("env", "!~", ".+"), {"env": "x"}, False),
        (("env", "!~", ""), {}, False),
    ],
)
def test_each_operator(matcher, labels, expected):
    assert mapping.matches([matcher], labels) is expected


def test_every_matcher_must_hold_and_none_is_always_true():
    matchers = [("service", "=~", "help.*"), ("env", "!=", "staging")]
    assert mapping.matches(matchers, {"service": "helpdesk", "env": "prod"}) is True
    assert mapping.matches(matchers, {"service": "helpdesk", "env": "staging"}) is False
    assert mapping.matches(matchers, {"service": "billing", "env": "prod"}) is False
    assert mapping.matches([], {"anything": "x"}) is True


@pytest.mark.parametrize(
    ("severity", "severity_map", "expected"),
    [
        ("critical", {}, "major_outage"),
        ("major", {}, "partial_outage"),
        ("error", {}, "partial_outage"),
        ("warning", {}, "degraded_performance"),
        ("minor", {}, "degraded_performance"),
        ("info", {}, "partial_outage"),
        ("", {}, "partial_outage"),
        (None, {}, "partial_outage"),  # no severity label at all
        (" CRITICAL ", {}, "major_outage"),
        ("Minor", {}, "degraded_performance"),
        ("warning", {"warning": "major_outage"}, "major_outage"),
        ("WARNING", {"warning": "partial_outage"}, "partial_outage"),
        ("page", {"page": "degraded_performance"}, "degraded_performance"),
        ("minor", {"page": "major_outage"}, "degraded_performance"),
        ("info", {"page": "major_outage"}, "partial_outage"),
    ],
)
def test_severity_status(severity, severity_map, expected):
    labels = {} if severity is None else {"severity": severity}
    assert mapping.severity_status(labels, severity_map) == expected


def test_target_names_the_rule_that_chose_or_none_for_the_default():
    rules = [
        {"matchers": [["env", "!=", "prod"]], "component": "c1", "status": ""},
        {"matchers": [["env", "=", "prod"]], "component": "", "status": "major_outage"},
    ]
    assert mapping.target({"env": "dev", "severity": "minor"}, rules, {}) == mapping.Target(
        "c1", "degraded_performance", 0
    )
    assert mapping.target(
        {"env": "prod", "component": "Help Desk", "severity": "minor"}, rules, {}
    ) == mapping.Target("Help Desk", "major_outage", 1)
    assert mapping.target({"component": "Help Desk", "severity": "minor"}, [], {}) == (
        mapping.Target("Help Desk", "degraded_performance", None)
    )
    # The generic form's own status beats the severity, not a rule's fixed status.
    assert mapping.target({"env": "dev"}, rules, {}, "major_outage") == mapping.Target(
        "c1", "major_outage", 0
    )
    assert mapping.target({"env": "prod"}, rules, {}, "degraded_performance") == (
        mapping.Target("", "major_outage", 1)
    )
