"""Which component an alert holds, and at what status.

By default the `component` label names the component (its id, or its name in any case) and the
`severity` label picks the status. An integration's ordered rules come first: the first rule
whose Prometheus-style matchers (`=`, `!=`, `=~`, `!~`) all hold chooses the component, and
may fix the status.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from candor.core.enums import ComponentStatus

DEFAULT_SEVERITY: dict[str, str] = {
    "critical": ComponentStatus.MAJOR_OUTAGE,
    "major": ComponentStatus.PARTIAL_OUTAGE,
    "error": ComponentStatus.PARTIAL_OUTAGE,
    "warning": ComponentStatus.DEGRADED_PERFORMANCE,
    "minor": ComponentStatus.DEGRADED_PERFORMANCE,
}
FALLBACK_STATUS = ComponentStatus.PARTIAL_OUTAGE
# An alert may hold a component at an outage or degraded; maintenance is the maintenance's.
ALERT_STATUSES = (
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
)

OPERATORS = ("=~", "!~", "!=", "=")
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,"]*)\s*')

Matcher = tuple[str, str, str]  # label, operator, value


def parse_matchers(text: str) -> list[Matcher]:
    """`service=~"help.*", env="prod"` (braces optional) → [(label, op, value), ...]."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    matchers: list[Matcher] = []
    pos = 0
    while pos < len(text):
        found = _MATCHER.match(text, pos)
        if not found or not found.group(0).strip():
            raise ValueError(
                f'Cannot read a matcher at {text[pos : pos + 30]!r}: write label="value".'
            )
        label, op, value = found.groups()
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        else:
            # `[^,"]*` takes the spaces before a comma too; as in Alertmanager's parser they
            # are not part of an unquoted value (a quoted value keeps its spaces exactly).
            value = value.strip()
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"The regular expression {value!r} is invalid: {exc}.") from None
        matchers.append((label, op, value))
        pos = found.end()
        if pos < len(text):
            if text[pos] != ",":
                raise ValueError(f"Separate matchers with commas (at {text[pos : pos + 30]!r}).")
            pos += 1
    if not matchers:
        raise ValueError("A rule needs at least one matcher.")
    return matchers


def matches(matchers: Sequence[Sequence[str]], labels: Mapping[str, str]) -> bool:
    for label, op, value in matchers:
        have = labels.get(label, "")
        if op == "=" and have != value:
            return False
        if op == "!=" and have == value:
            return False
        # Prometheus anchors regular expressions at both ends.
        if op == "=~" and not re.fullmatch(value, have):
            return False
        if op == "!~" and re.fullmatch(value, have):
            return False
    return True


def format_matchers(matchers: Sequence[Sequence[str]]) -> str:
    return ", ".join(f'{label}{op}"{value}"' for label, op, value in matchers)


@dataclass(frozen=True)
class Target:
    component: str  # the component's id or name as written; "" when nothing names one
    status: str
    rule: int | None  # index of the rule that chose it, None for the default mapping


def severity_status(labels: Mapping[str, str], severity_map: Mapping[str, str]) -> str:
    severity = labels.get("severity", "").strip().lower()
    return severity_map.get(severity) or DEFAULT_SEVERITY.get(severity) or FALLBACK_STATUS


def target(
    labels: Mapping[str, str],
    rules: Sequence[Mapping[str, object]],
    severity_map: Mapping[str, str],
    status: str = "",
) -> Target:
    """What the alert asks for: rules in order, else the `component` label."""
    for index, rule in enumerate(rules):
        if matches(rule.get("matchers", []), labels):  # type: ignore[arg-type]
            chosen = str(rule.get("component") or labels.get("component", ""))
            fixed = str(rule.get("status") or "")
            return Target(chosen, fixed or status or severity_status(labels, severity_map), index)
    return Target(
        labels.get("component", ""), status or severity_status(labels, severity_map), None
    )
