# ruff: noqa: S310 - a benchmark talking to 127.0.0.1 only
"""Writes through the management API, and when readers see them (issue #10's figures).

- same host: after each write's response, the next read on a new connection must already show
  it (lag 0); otherwise the time until it does is counted;
- the other host: a second `candor serve` with a data directory of its own on the same
  database; the time from the write's response until a reader there sees it;
- the write itself: how long the management API takes to answer (its render included), with
  200 and with 10,000 incidents in the history.
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class Api:
    base: str
    key: str
    page: str = ""

    def call(self, method: str, path: str, body: object = None) -> object:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"OAuth {self.key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
        return json.loads(raw) if raw.strip() else None


@dataclass
class Figures:
    write: list[float] = field(default_factory=list)
    same_host_lag: list[float] = field(default_factory=list)
    other_host_lag: list[float] = field(default_factory=list)

    def extend(self, other: Figures) -> None:
        self.write += other.write
        self.same_host_lag += other.same_host_lag
        self.other_host_lag += other.other_host_lag

    @staticmethod
    def summary(values: list[float]) -> str:
        if not values:
            return "n/a"
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return (
            f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms (n={len(ordered)})"
        )


def _lag(base: str, path: str, shows, started: float, *, zero_if_first: bool) -> float:
    """Seconds from `started` until a read shows the write; with `zero_if_first`, 0 when the
    very first read already does (the same-host promise: visible when the write returns)."""
    first = True
    limit = 30.0
    while True:
        status, body = get(base + path)
        if shows(status, body):
            return 0.0 if first and zero_if_first else time.perf_counter() - started
        first = False
        if time.perf_counter() - started > limit:
            return float("inf")
        time.sleep(0.002)


def run_writes(api: Api, count: int, *, other: str | None, name: str, start: int = 0) -> Figures:
    """`count` writes (create, update, resolve, in turn); after each, what each host shows."""
    figures = Figures()
    incident = ""
    for n in range(start, start + count):
        step = n % 3
        started = time.perf_counter()
        if step == 0:
            created = api.call(
                "POST",
                f"/v1/pages/{api.page}/incidents.json",
                {"incident": {"name": f"{name} {n}", "status": "investigating"}},
            )
            incident = created["id"]  # type: ignore[index]
            path = "/api/v2/incidents/unresolved.json"
            needle = incident.encode()

            def shows(status: int, body: bytes, needle: bytes = needle) -> bool:
                return status == 200 and needle in body

        elif step == 1:
            text = f"Update {n} of {name}."
            api.call(
                "PATCH",
                f"/v1/pages/{api.page}/incidents/{incident}.json",
                {"incident": {"status": "identified", "body": text}},
            )
            path = f"/incidents/{incident}"

            def shows(status: int, body: bytes, needle: bytes = text.encode()) -> bool:
                return status == 200 and needle in body

        else:
            api.call(
                "PATCH",
                f"/v1/pages/{api.page}/incidents/{incident}.json",
                {"incident": {"status": "resolved"}},
            )
            path = "/api/v2/incidents/unresolved.json"

            def shows(status: int, body: bytes, needle: bytes = incident.encode()) -> bool:
                return status == 200 and needle not in body

        returned = time.perf_counter()
        figures.write.append(returned - started)
        figures.same_host_lag.append(_lag(api.base, path, shows, returned, zero_if_first=True))
        if other:
            figures.other_host_lag.append(_lag(other, path, shows, returned, zero_if_first=False))
    return figures


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def web_processes(serve_pid: int) -> list[int]:
    """The granian worker processes under a `candor serve` (its children's children too)."""
    found, todo = [], [serve_pid]
    while todo:
        pid = todo.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            todo.append(child)

    def delivery_worker(pid: int) -> bool:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        return b"candor.cli" in args and b"worker" in args

    return [p for p in found if not delivery_worker(p)]
