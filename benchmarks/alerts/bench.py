# ruff: noqa: S603, S607, S310 - a benchmark driving local programs on 127.0.0.1 only
"""`make bench-alerts`: from an Alertmanager notification to the component's status being public.

Issue 14's bar: the hook answers 202 at once and the worker processes the stored payload within
a second. Builds the bench page (benchmarks/public/populate.py: 20 components, 200 incidents) in
a database of its own (PostgreSQL when DATABASE_URL names one, else SQLite), creates an
Alertmanager integration in status mode through the services, starts `candor serve --no-worker`
and one `candor worker` on it, then posts 100 real Alertmanager v4 payloads to the hook over
HTTP, one at a time: firing (severity critical, so Major Outage) on a component, then resolved,
then the next component. For each it measures the hook's response time (202 expected) and the
time from the 202 to the change being visible in the same server's public
/api/v2/components.json (read every 10 ms). A random pause of up to 1 s comes before each post.
After the run, the worker's own share: each payload's processed_at minus received_at, and the
render of the front documents that follows a change (timed in this process). Bar: processed
within 1 s (p99). Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from common import fetch, free_port, percentile, scratch_database, wait_up  # noqa: E402

ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
POSTS = int(os.environ.get("BENCH_POSTS", "100"))
POLL = float(os.environ.get("BENCH_POLL_SECONDS", "0.01"))
# A random pause before each post, so that posts arrive at any moment of the worker's poll
# (SQLite, PostgreSQL without NOTIFY) rather than right after the tick that showed the last one.
GAP = float(os.environ.get("BENCH_GAP_SECONDS", "1.0"))
TIMEOUT = 30.0  # a change not visible after this long is reported as such
BAR = 1.0  # seconds, issue 14


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def am_payload(component: str, *, firing: bool, starts_at: datetime) -> bytes:
    """One alert as Alertmanager's webhook (version 4) sends it; as tests/alerts/helpers.py."""
    labels = {"alertname": "BenchDown", "component": component, "severity": "critical"}
    alert = {
        "status": "firing" if firing else "resolved",
        "labels": labels,
        "annotations": {"summary": f"Bench alert on {component}"},
        "startsAt": iso(starts_at),
        "endsAt": "0001-01-01T00:00:00Z" if firing else iso(datetime.now(UTC)),
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": f"bench-{component}",
    }
    return json.dumps(
        {
            "version": "4",
            "groupKey": '{}:{alertname="BenchDown"}',
            "truncatedAlerts": 0,
            "status": alert["status"],
            "receiver": "candor",
            "groupLabels": {"alertname": "BenchDown"},
            "commonLabels": labels,
            "commonAnnotations": alert["annotations"],
            "externalURL": "http://alertmanager.example",
            "alerts": [alert],
        }
    ).encode()


def post(url: str, body: bytes) -> tuple[int, float]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - t0


def main() -> None:
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    tmp = Path(tempfile.mkdtemp(prefix="candor-bench-alerts-"))
    url, drop = scratch_database(tmp)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CANDOR_DATA_DIR": str(tmp / "data"),
        "CANDOR_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "candor.settings",
    }
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run([BIN / "candor", "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [BIN / "python", ROOT / "benchmarks/public/populate.py"],
            env=env,
            check=True,
            capture_output=True,
        )
        os.environ.update(env)
        import django

        from candor.datadir import prepare

        prepare()
        django.setup()
        from candor.core.models import Integration, Page
        from candor.core.services import integrations

        page = Page.default()
        assert page is not None
        integration, token = integrations.create_integration(
            page, by=None, kind="alertmanager", name="Bench", mode="status"
        )
        # The flapping guard counts changes per component and hour (10 by default); 100 posts
        # over 20 components stay under it, more would freeze the integration mid-run.
        Integration.objects.filter(pk=integration.pk).update(flap_limit=1_000_000)
        from django.db import connections

        connections.close_all()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        web_log = (tmp / "serve.log").open("wb")
        processes.append(
            subprocess.Popen(
                [BIN / "candor", "serve", "--port", str(port), "--no-worker"],
                env=env,
                stdout=web_log,
                stderr=web_log,
            )
        )
        wait_up(base + "/api/v2/components.json", processes[-1])
        processes.append(
            subprocess.Popen(
                [BIN / "candor", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(tmp / "worker.log").open("wb"),
            )
        )
        time.sleep(2)  # the worker's start (and, on PostgreSQL, its LISTEN)
        run(base, f"{base}/hooks/alerts/{token}", integration.pk, load_before)
    finally:
        print(f"logs in {tmp}", file=sys.stderr)
        for p in processes:
            p.terminate()
            p.wait(15)
        from django.db import connections

        connections.close_all()
        drop()


def statuses(base: str) -> dict[str, str]:
    data = json.loads(fetch(base + "/api/v2/components.json"))
    return {c["id"]: c["status"] for c in data["components"] if not c.get("group")}


def run(base: str, hook: str, integration_id: str, load_before: str) -> None:
    from django.db import connection

    from candor.core.models import AlertPayload

    before = statuses(base)
    targets = [pk for pk, status in before.items() if status == "operational"]
    if not targets:
        sys.exit("no operational component to alert on")
    hook_s, visible_s, late = [], [], 0
    starts_at = datetime.now(UTC)
    rng = random.Random(14)
    for n in range(POSTS):
        time.sleep(rng.uniform(0, GAP))
        component = targets[(n // 2) % len(targets)]
        firing = n % 2 == 0
        if firing:
            # A new alert each time: Alertmanager's (fingerprint, startsAt) names one alert.
            starts_at = datetime.now(UTC) - timedelta(seconds=1)
        want = "major_outage" if firing else "operational"
        status, took = post(hook, am_payload(component, firing=firing, starts_at=starts_at))
        answered = time.perf_counter()
        if status != 202:
            sys.exit(f"post {n}: the hook answered {status}")
        hook_s.append(took)
        while True:
            if statuses(base).get(component) == want:
                visible_s.append(time.perf_counter() - answered)
                break
            if time.perf_counter() - answered > TIMEOUT:
                late += 1
                visible_s.append(TIMEOUT)
                break
            time.sleep(POLL)
        if n % 25 == 24:
            print(f"  {n + 1} posts", file=sys.stderr)
    load_after = " ".join(f"{x:.1f}" for x in os.getloadavg())

    worker_s = [
        (p.processed_at - p.received_at).total_seconds()
        for p in AlertPayload.objects.filter(integration_id=integration_id)
        if p.processed_at
    ]

    def figures(values: list[float]) -> str:
        ms = [v * 1000 for v in values]
        return (
            f"p50 {percentile(ms, 50):.0f} ms, p99 {percentile(ms, 99):.0f} ms, "
            f"max {max(ms):.0f} ms"
        )

    # What the worker does after processing, before a reader can see it: render the page's front
    # documents (then the web processes reload). The same render, timed here, 5 times.
    from candor.core.models import Page
    from candor.public.render import render_page

    page = Page.default()
    assert page is not None
    renders = []
    for _ in range(5):
        t0 = time.perf_counter()
        render_page(page.pk)
        renders.append(time.perf_counter() - t0)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"load average (1, 5, 15 min): before {load_before}; after {load_after}")
    print(f"database: {connection.vendor}")
    print(f"{POSTS} Alertmanager posts (firing, resolved in turn) on {len(targets)} components")
    print(f"hook answers 202: {figures(hook_s)}")
    print(
        f"202 -> status visible in /api/v2/components.json: {figures(visible_s)}"
        + (f" ({late} not visible within {TIMEOUT:.0f} s)" if late else "")
    )
    print(
        f"worker's share (processed_at - received_at, {len(worker_s)} payloads): "
        f"{figures(worker_s)}; mean {statistics.mean(worker_s) * 1000:.0f} ms"
    )
    render_ms = statistics.median(renders) * 1000
    print(f"front documents render (this process, 5 times): median {render_ms:.0f} ms")
    for what, values in (("processed", worker_s), ("visible", visible_s)):
        p99 = percentile(values, 99)
        print(
            f"bar, {what} within {BAR:.0f} s (p99): "
            + ("met" if p99 <= BAR else f"NOT met ({p99:.2f} s)")
        )


if __name__ == "__main__":
    main()
