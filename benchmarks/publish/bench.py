# ruff: noqa: S603, S607 - a benchmark driving local programs on 127.0.0.1 only
"""`make bench-publish`: from a write to the changed objects being readable from an S3 server.

Builds the bench page (benchmarks/public/populate.py: 20 components, 200 incidents) in a
database of its own (PostgreSQL when DATABASE_URL names one, else SQLite), starts moto's S3
server and one `candor worker` publishing to it (CANDOR_PUBLISH_TARGETS), waits for the first
full publish, then makes 100 writes through the services in this process (an update on one of
the two open incidents, alternating statuses), each with a marker in its message. For each write
it measures the time from the start of the write until both the incident's page and the front
page, read from the S3 server, show the marker; then, once the worker has recorded the
publish, how many objects it wrote (PUTs in the S3 server's request log). Everything listens on
127.0.0.1 only.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from common import free_port, percentile, scratch_database  # noqa: E402

ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
WRITES = int(os.environ.get("BENCH_WRITES", "100"))
BUCKET = "bench-status"
PUT = re.compile(r'"(?:\x1b\[[0-9;]*m)*PUT /' + BUCKET + r"/(\S+) HTTP")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="candor-bench-publish-"))
    url, drop = scratch_database(tmp)
    s3_port = free_port()
    endpoint = f"http://127.0.0.1:{s3_port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CANDOR_DATA_DIR": str(tmp / "data"),
        "DJANGO_SETTINGS_MODULE": "candor.settings",
        "CANDOR_PUBLISH_TARGETS": f"s3://{BUCKET}",
        "CANDOR_PUBLISH_S3_ENDPOINT": endpoint,
        "CANDOR_PUBLISH_S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    log = tmp / "moto.log"
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run([BIN / "candor", "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [BIN / "python", ROOT / "benchmarks/public/populate.py"],
            env=env,
            check=True,
            capture_output=True,
        )
        processes.append(
            subprocess.Popen(
                [BIN / "moto_server", "-H", "127.0.0.1", "-p", str(s3_port)],
                stdout=subprocess.DEVNULL,
                stderr=log.open("wb"),
            )
        )
        os.environ.update(env)
        import django

        from candor.datadir import prepare

        prepare()
        django.setup()
        import boto3
        from botocore.config import Config

        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 10}),
        )
        for _ in range(100):
            try:
                s3.create_bucket(Bucket=BUCKET)
                break
            except Exception:
                time.sleep(0.1)
        processes.append(
            subprocess.Popen(
                [BIN / "candor", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(tmp / "worker.log").open("wb"),
            )
        )
        run(s3, log)
    finally:
        print(f"logs in {tmp}", file=sys.stderr)
        for p in processes:
            p.terminate()
            p.wait(15)
        from django.db import connections

        connections.close_all()
        drop()


def run(s3, log: Path) -> None:
    from candor.core import services
    from candor.core.models import Incident, Page
    from candor.public.models import PublishTarget, RenderState

    def body(key: str) -> bytes:
        try:
            return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return b""

    def recorded() -> bool:
        generation = RenderState.objects.values_list("generation", flat=True).get()
        row = PublishTarget.objects.filter(url=f"s3://{BUCKET}").first()
        return row is not None and row.published_generation == generation and not row.lease_until

    started = time.perf_counter()
    while not recorded():
        time.sleep(0.05)
    first = time.perf_counter() - started
    total = len(PUT.findall(log.read_text(errors="replace")))
    page = Page.default()
    assert page is not None
    incidents = list(Incident.objects.active().filter(page=page))
    latencies, writes_s, objects = [], [], []
    statuses = ["identified", "monitoring", "investigating"]
    for n in range(WRITES):
        incident = incidents[n % len(incidents)]
        marker = f"Bench update {n}"
        offset = log.stat().st_size
        t0 = time.perf_counter()
        services.post_update(
            incident, by=None, status=statuses[n % 3], message=f"{marker}.", notify=False
        )
        writes_s.append(time.perf_counter() - t0)
        keys = (f"incidents/{incident.pk}/index.html", "index.html")
        while not all(marker.encode() in body(k) for k in keys):
            time.sleep(0.02)
        latencies.append(time.perf_counter() - t0)
        while not recorded():
            time.sleep(0.01)
        with log.open("rb") as f:
            f.seek(offset)
            objects.append(len(PUT.findall(f.read().decode(errors="replace"))))
        if n % 25 == 24:
            print(f"  {n + 1} writes", file=sys.stderr)

    from django.db import connection

    ms = [v * 1000 for v in latencies]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"database: {connection.vendor}")
    print(f"site: {total} objects; first full publish {first:.1f} s (worker start included)")
    print(
        f"write -> changed objects readable from S3, {WRITES} writes: "
        f"p50 {percentile(ms, 50):.0f} ms, p99 {percentile(ms, 99):.0f} ms, "
        f"max {max(ms):.0f} ms (the write itself: p50 "
        f"{statistics.median(writes_s) * 1000:.0f} ms)"
    )
    print(
        f"objects written per change: median {statistics.median(objects):.0f}, "
        f"min {min(objects)}, max {max(objects)} (of {total}); "
        f"{sum(objects)} in all for {WRITES} writes"
    )


if __name__ == "__main__":
    main()
