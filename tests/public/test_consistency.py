"""Read-your-writes on one host: a real `candor serve` with two web processes.

Two hundred writes of every kind that changes the public site go through the management API
while four threads hammer `/` and summary.json. After each write returns, ten reads of every
document it affects, each on a new connection (so either process may answer), must all show it.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from tests.support.servers import Api, Server, candor_env, fetch, prepare, scratch_database

WRITES = 200
READS_PER_CHECK = 10

Check = tuple[str, Callable[[int, bytes], bool], str]


def has(text: str) -> Callable[[int, bytes], bool]:
    needle = text.encode()
    return lambda status, body: status == 200 and needle in body


def lacks(text: str) -> Callable[[int, bytes], bool]:
    needle = text.encode()
    return lambda status, body: status == 200 and needle not in body


def missing(status: int, body: bytes) -> bool:
    return status == 404


def component_status(component_id: str, status: str) -> Callable[[int, bytes], bool]:
    def check(code: int, body: bytes) -> bool:
        if code != 200:
            return False
        rows = json.loads(body)["components"]
        return any(c["id"] == component_id and c["status"] == status for c in rows)

    return check


@dataclass
class Scenario:
    """The writes, in an order that gives every kind its turn, with what each must show."""

    api: Api
    n: int = 0
    log: list[str] = field(default_factory=list)

    def steps(self) -> Iterator[tuple[str, Callable[[], list[Check]]]]:
        for cycle in itertools.count():
            yield from self.cycle(cycle)

    def cycle(self, k: int) -> Iterator[tuple[str, Callable[[], list[Check]]]]:
        api = self.api
        state: dict[str, str] = {}

        def create_component() -> list[Check]:
            name = f"Service {k}"
            state["component"] = api.call(
                "POST", api.page_path("/components.json"), {"component": {"name": name}}
            )["id"]
            return [
                ("/api/v2/components.json", has(f'"name":"{name}"'), name),
                ("/", has(name), ""),
            ]

        def create_incident() -> list[Check]:
            name = f"Outage number {k}"
            body = {
                "incident": {
                    "name": name,
                    "status": "investigating",
                    "impact_override": "critical",
                    "component_ids": [state["component"]],
                    "body": f"Investigating {k}.",
                }
            }
            incident = api.call("POST", api.page_path("/incidents.json"), body)["id"]
            state["incident"] = incident
            return [
                ("/api/v2/summary.json", has(incident), "in summary"),
                ("/api/v2/incidents/unresolved.json", has(incident), "unresolved"),
                (
                    "/api/v2/components.json",
                    component_status(state["component"], "major_outage"),
                    "",
                ),
                (f"/incidents/{incident}", has(name), "incident page"),
                ("/", has(name), "front page"),
            ]

        def post_update() -> list[Check]:
            text = f"Identified cause {k}."
            incident = state["incident"]
            api.call(
                "PATCH",
                api.page_path(f"/incidents/{incident}.json"),
                {"incident": {"status": "identified", "body": text}},
            )
            return [
                (f"/incidents/{incident}", has(text), "update shown"),
                ("/", has(text), "update on front"),
                ("/history.atom", has(text), "update in feed"),
            ]

        def overlap() -> list[Check]:
            body = {
                "incident": {
                    "name": f"Second outage {k}",
                    "status": "investigating",
                    "impact_override": "minor",
                    "component_ids": [state["component"]],
                }
            }
            state["second"] = api.call("POST", api.page_path("/incidents.json"), body)["id"]
            return [("/api/v2/summary.json", has(state["second"]), "second incident")]

        def resolve_first() -> list[Check]:
            incident = state["incident"]
            api.call(
                "PATCH",
                api.page_path(f"/incidents/{incident}.json"),
                {"incident": {"status": "resolved", "body": f"Fixed {k}."}},
            )
            return [
                ("/api/v2/incidents/unresolved.json", lacks(incident), "resolved"),
                (
                    "/api/v2/components.json",
                    component_status(state["component"], "degraded_performance"),
                    "the second incident still holds it",
                ),
                (f"/incidents/{incident}", has(f"Fixed {k}."), ""),
            ]

        def resolve_second() -> list[Check]:
            api.call(
                "PATCH",
                api.page_path(f"/incidents/{state['second']}.json"),
                {"incident": {"status": "resolved"}},
            )
            return [
                (
                    "/api/v2/components.json",
                    component_status(state["component"], "operational"),
                    "",
                ),
                ("/api/v2/status.json", has('"indicator":"none"'), ""),
            ]

        def publish_postmortem() -> list[Check]:
            incident = state["incident"]
            title = f"Report {k}"
            api.call(
                "PUT",
                api.page_path(f"/incidents/{incident}/postmortem.json"),
                {"postmortem": {"title": title, "summary": "What happened."}},
            )
            api.call(
                "PUT",
                api.page_path(f"/incidents/{incident}/postmortem/publish.json"),
                {"postmortem": {"notify_subscribers": False}},
            )
            return [
                (f"/incidents/{incident}/postmortem", has(title), "published"),
                (f"/incidents/{incident}", has(f"/incidents/{incident}/postmortem"), "linked"),
            ]

        def unpublish_postmortem() -> list[Check]:
            incident = state["incident"]
            api.call("PUT", api.page_path(f"/incidents/{incident}/postmortem/revert.json"), {})
            return [(f"/incidents/{incident}/postmortem", missing, "unpublished")]

        def retroactive() -> list[Check]:
            body = {
                "incident": {
                    "name": f"Backfilled {k}",
                    "backfilled": True,
                    "backfill_date": "2026-01-15",
                    "impact_override": "minor",
                }
            }
            state["retro"] = api.call("POST", api.page_path("/incidents.json"), body)["id"]
            today = datetime.now(UTC).date()
            number = ((today.year * 12 + today.month) - (2026 * 12 + 1)) // 3 + 1
            history = "/history" if number == 1 else f"/history/{number}"
            return [
                (f"/incidents/{state['retro']}", has(f"Backfilled {k}"), ""),
                (history, has(f"Backfilled {k}"), "in its month's history"),
            ]

        def delete_incident() -> list[Check]:
            retro = state["retro"]
            api.call("DELETE", api.page_path(f"/incidents/{retro}.json"))
            return [
                (f"/incidents/{retro}", missing, "deleted"),
                ("/api/v2/incidents.json", lacks(retro), ""),
            ]

        def rename_component() -> list[Check]:
            name = f"Renamed service {k}"
            api.call(
                "PATCH",
                api.page_path(f"/components/{state['component']}.json"),
                {"component": {"name": name}},
            )
            return [
                ("/api/v2/components.json", has(f'"name":"{name}"'), ""),
                ("/", has(name), ""),
                (f"/incidents/{state['incident']}", has(name), "old incident page"),
            ]

        def component_baseline() -> list[Check]:
            api.call(
                "PATCH",
                api.page_path(f"/components/{state['component']}.json"),
                {"component": {"status": "partial_outage"}},
            )
            return [
                (
                    "/api/v2/components.json",
                    component_status(state["component"], "partial_outage"),
                    "",
                ),
                ("/api/v2/status.json", lacks('"indicator":"none"'), ""),
            ]

        def component_operational() -> list[Check]:
            api.call(
                "PATCH",
                api.page_path(f"/components/{state['component']}.json"),
                {"component": {"status": "operational"}},
            )
            return [
                ("/api/v2/components.json", component_status(state["component"], "operational"), "")
            ]

        def group() -> list[Check]:
            name = f"Group {k}"
            api.call(
                "POST",
                api.page_path("/component-groups.json"),
                {"component_group": {"name": name, "components": [state["component"]]}},
            )
            return [("/api/v2/components.json", has(f'"name":"{name}"'), ""), ("/", has(name), "")]

        def page_settings() -> list[Check]:
            name = f"Acme status {k}"
            api.call("PATCH", api.page_path(".json"), {"page": {"name": name}})
            return [
                ("/api/v2/summary.json", has(f'"name":"{name}"'), ""),
                ("/", has(name), ""),
                (f"/incidents/{state['incident']}", has(name), "old incident page"),
                ("/history", has(name), "history page"),
            ]

        yield "component create", create_component
        yield "incident create", create_incident
        yield "post update", post_update
        yield "second incident", overlap
        yield "resolve", resolve_first
        yield "resolve the other", resolve_second
        yield "postmortem publish", publish_postmortem
        yield "postmortem unpublish", unpublish_postmortem
        yield "retroactive", retroactive
        yield "delete", delete_incident
        yield "component rename", rename_component
        yield "component status", component_baseline
        yield "component operational", component_operational
        yield "component group", group
        yield "page settings", page_settings


class Readers:
    """Four threads reading `/` and summary.json as fast as they can, until stopped."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.stop = threading.Event()
        self.counts = [0] * 4
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(4)]

    def run(self, n: int) -> None:
        paths = itertools.cycle(["/", "/api/v2/summary.json"])
        while not self.stop.is_set():
            path = next(paths)
            try:
                status, _ = fetch(self.base + path)
            except OSError as exc:
                self.errors.append(f"{path}: {exc}")
                continue
            if status != 200:
                self.errors.append(f"{path}: {status}")
            self.counts[n] += 1

    def __enter__(self) -> Readers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


@pytest.mark.slow
def test_every_write_is_visible_on_every_process_when_it_returns(tmp_path):
    with scratch_database(tmp_path) as url:
        env = candor_env(url, tmp_path)
        key = prepare(env)
        server = Server(env, workers=2)
        try:
            api = Api(server.base, key)
            scenario = Scenario(api)
            stale: list[str] = []
            reads = 0
            kinds: set[str] = set()
            with Readers(server.base) as readers:
                for number, (kind, write) in enumerate(scenario.steps()):
                    if number == WRITES:
                        break
                    kinds.add(kind)
                    for path, shows, what in write():
                        for _ in range(READS_PER_CHECK):
                            status, body = fetch(server.base + path)
                            reads += 1
                            if not shows(status, body):
                                stale.append(f"write {number} ({kind}): {path} {what} {status}")
            hammered = sum(readers.counts)
        finally:
            server.stop()
    print(f"{WRITES} writes, {reads} checking reads, {hammered} reads by the four readers")
    assert len(kinds) == 15
    assert readers.errors == []
    assert stale == []
