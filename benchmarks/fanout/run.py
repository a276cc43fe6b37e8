"""`make bench-fanout`: one update to 10,000 email, 1,000 webhook and 1,000 chat (Slack, Teams,
Discord) subscribers, in rounds.

Local sinks (sinks.py) on 127.0.0.1; a real `candor worker` process; a fresh database (a new
PostgreSQL database beside DATABASE_URL's, or a temporary SQLite file). Each round posts one
update and reports the time from its commit to the first and the last delivery, and the rates;
then a plain smtplib loop sends the same messages to the same kind of sink over one connection.
The worker's turn and the loop's alternate, so that a burst of other work on a shared machine
does not land on one side only.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from common import free_port, scratch_database  # noqa: E402

EMAILS = int(os.environ.get("BENCH_EMAILS", "10000"))
WEBHOOKS = int(os.environ.get("BENCH_WEBHOOKS", "1000"))
# Chat subscribers, spread over Slack, Teams and Discord (the sink stands in for each service).
CHATS = int(os.environ.get("BENCH_CHATS", "1000"))
CHAT_MODES = ("slack", "teams", "discord")
# The worker's default thread count (CANDOR_WORKER_THREADS).
THREADS = os.environ.get("BENCH_THREADS", "4")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# One worker process per CPU, as docs/notifications.md recommends for a busy page.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))


def status(path: Path) -> tuple[int, float, float]:
    try:
        count, first, last = path.read_text().split()
    except (FileNotFoundError, ValueError):
        return 0, 0.0, 0.0
    return int(count), float(first), float(last)


def wait_for(path: Path, count: int, timeout: float = 900) -> tuple[int, float, float]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        seen = status(path)
        if seen[0] >= count:
            time.sleep(0.15)  # let the sink write its final line
            return status(path)
        time.sleep(0.05)
    raise SystemExit(f"timed out: {path.name} saw {status(path)[0]} of {count}")


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="candor-bench-")
    db_url, drop_database = scratch_database(Path(tmp))
    smtp_port, http_port, loop_port = free_port(), free_port(), free_port()
    chat_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "CANDOR_DATA_DIR": tmp,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "CANDOR_ALLOW_PRIVATE_WEBHOOK_TARGETS": "1",
        "DJANGO_SETTINGS_MODULE": "candor.settings",
    }
    os.environ.update(env)
    processes: list[subprocess.Popen[bytes]] = []
    rounds: list[Round] = []
    try:
        import django

        from candor.datadir import prepare

        prepare()  # the data directory and secret key, as the `candor` command makes them
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from candor.core import services
        from candor.core.models import Delivery, Subscriber
        from candor.core.services.base import now
        from candor.core.subscriptions import new_secret

        page = services.ensure_default_page()
        at = now()
        # Set-up only: ten thousand subscribe flows would measure something else.
        Subscriber.objects.bulk_create(
            [
                Subscriber(
                    page=page,
                    mode="email",
                    email=f"user{i}@example.com",
                    state="active",
                    confirmed_at=at,
                    created_at=at,
                    updated_at=at,
                )
                for i in range(EMAILS)
            ]
            + [
                Subscriber(
                    page=page,
                    mode="webhook",
                    email="ops@example.com",
                    state="active",
                    endpoint=f"http://127.0.0.1:{http_port}/hook/{i}",
                    secret=new_secret(),
                    confirmed_at=at,
                    created_at=at,
                    updated_at=at,
                )
                for i in range(WEBHOOKS)
            ]
            + [
                Subscriber(
                    page=page,
                    mode=CHAT_MODES[i % 3],
                    state="active",
                    endpoint=f"http://127.0.0.1:{chat_port}/chat/{CHAT_MODES[i % 3]}/{i}",
                    confirmed_at=at,
                    created_at=at,
                    updated_at=at,
                )
                for i in range(CHATS)
            ],
            batch_size=2000,
        )
        files = {k: Path(tmp) / f"{k}.status" for k in ("smtp", "http", "loop", "chat")}
        for kind, port, key in (
            ("smtp", smtp_port, "smtp"),
            ("http", http_port, "http"),
            ("smtp", loop_port, "loop"),
            ("http", chat_port, "chat"),
        ):
            sink = subprocess.Popen(  # noqa: S603
                [sys.executable, str(HERE / "sinks.py"), kind, str(port), str(files[key])]
            )
            processes.append(sink)
        loop_sink = sink
        workers = []
        for _ in range(WORKERS):
            worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "candor.cli", "worker", "--threads", THREADS],
                env=env,
                stderr=subprocess.DEVNULL,
            )
            processes.append(worker)
            workers.append(worker)
        time.sleep(3)  # the worker is up, idle, listening

        from candor.core.transports.email import Composer

        incident = None
        for number in range(ROUNDS):
            for path in files.values():
                reset(path)
            cpu_before = sum(cpu_seconds(w.pid) for w in workers)
            if incident is None:
                incident = services.declare_incident(
                    page,
                    by=None,
                    name="Help Desk Ticket Submission Disrupted",
                    message="We are aware of reports that help desk ticket submission is failing.",
                )
                update = incident.updates.get()
            else:
                update = services.post_update(
                    incident,
                    by=None,
                    status="identified",
                    message=f"Update {number}: we found the cause and are working on a fix.",
                )
            committed = time.time()
            _, email_first, email_last = wait_for(files["smtp"], EMAILS)
            _, hook_first, hook_last = wait_for(files["http"], WEBHOOKS)
            _, chat_first, chat_last = wait_for(files["chat"], CHATS)
            cpu = sum(cpu_seconds(w.pid) for w in workers) - cpu_before

            # The baseline: the same messages, prepared in advance, one smtplib connection.
            composer = Composer()
            prepared = [
                (d.subscriber.email, composer.compose_bytes(d))
                for d in Delivery.objects.filter(
                    update=update, subscriber__mode="email"
                ).select_related("subscriber__page", "update__incident__page")
            ]
            loop_seconds = smtplib_loop(loop_port, prepared, loop_sink.pid)
            rounds.append(
                Round(
                    first=min(email_first, hook_first) - committed,
                    email_time=email_last - committed,
                    loop_seconds=loop_seconds,
                    hook_first=hook_first,
                    hook_last=hook_last,
                    hook_time=hook_last - committed,
                    chat_first=chat_first,
                    chat_last=chat_last,
                    chat_time=chat_last - committed,
                    cpu_per_delivery=cpu / (EMAILS + WEBHOOKS + CHATS),
                )
            )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        drop_database()
        shutil.rmtree(tmp, ignore_errors=True)

    database = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    print(
        f"\nFan-out benchmark ({database}, {WORKERS} x worker --threads {THREADS}, "
        f"{EMAILS} email + {WEBHOOKS} webhook + {CHATS} chat subscribers, {ROUNDS} rounds "
        "of one update; "
        "the worker's round and the smtplib loop alternate)\n"
    )
    print(
        "| round | first delivery | last email | email rate | smtplib loop | worker / loop "
        "| last webhook | webhook rate | last chat | chat rate | worker CPU per delivery |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for number, r in enumerate(rounds, 1):
        print(
            f"| {number} | {r.first:.3f} s | {r.email_time:.2f} s | {r.email_rate:.0f}/s "
            f"| {r.loop_rate:.0f}/s | {100 * r.email_rate / r.loop_rate:.0f}% "
            f"| {r.hook_time:.2f} s | {r.hook_rate:.0f}/s "
            f"| {r.chat_time:.2f} s | {r.chat_rate:.0f}/s | {r.cpu_per_delivery * 1e6:.0f} us |"
        )
    median = statistics.median
    print(
        f"| median | {median(r.first for r in rounds):.3f} s "
        f"| {median(r.email_time for r in rounds):.2f} s "
        f"| {median(r.email_rate for r in rounds):.0f}/s "
        f"| {median(r.loop_rate for r in rounds):.0f}/s "
        f"| {median(100 * r.email_rate / r.loop_rate for r in rounds):.0f}% "
        f"| {median(r.hook_time for r in rounds):.2f} s "
        f"| {median(r.hook_rate for r in rounds):.0f}/s "
        f"| {median(r.chat_time for r in rounds):.2f} s "
        f"| {median(r.chat_rate for r in rounds):.0f}/s "
        f"| {median(r.cpu_per_delivery for r in rounds) * 1e6:.0f} us |"
    )
    print("\nTargets: first delivery <= 1 s, worker / loop >= 80%, webhooks >= 1,000/s.")


@dataclass
class Round:
    first: float
    email_time: float
    loop_seconds: float
    hook_first: float
    hook_last: float
    hook_time: float
    chat_first: float
    chat_last: float
    chat_time: float
    cpu_per_delivery: float

    @property
    def email_rate(self) -> float:
        return EMAILS / self.email_time

    @property
    def loop_rate(self) -> float:
        return EMAILS / self.loop_seconds

    @property
    def hook_rate(self) -> float:
        span = self.hook_last - self.hook_first
        return WEBHOOKS / span if span > 0 else float("inf")

    @property
    def chat_rate(self) -> float:
        """Chat messages a second, from the first to the last (each formatted for its service)."""
        span = self.chat_last - self.chat_first
        return CHATS / span if span > 0 else float("inf")


def smtplib_loop(port: int, prepared: list[tuple[str, bytes]], sink_pid: int) -> float:
    """Seconds for the loop, at its fastest: on this kind of VM a lock-step dialogue between
    two processes runs about twice as fast when both share one CPU (no cross-CPU wake-up per
    reply), so the loop and its sink are pinned to CPU 0 while it runs."""
    everywhere = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})
    os.sched_setaffinity(sink_pid, {0})
    try:
        start = time.time()
        with smtplib.SMTP("127.0.0.1", port) as client:
            for to, data in prepared:
                client.sendmail("noreply@127.0.0.1", [to], data)
        return time.time() - start
    finally:
        os.sched_setaffinity(0, everywhere)
        os.sched_setaffinity(sink_pid, everywhere)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset(path: Path) -> None:
    """Ask a sink to start counting afresh, and wait until it has."""
    flag = Path(str(path) + ".reset")
    flag.touch()
    while flag.exists():
        time.sleep(0.02)


if __name__ == "__main__":
    main()
