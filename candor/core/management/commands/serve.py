import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from candor.core import setup
from candor.core.services import ensure_default_page

logger = logging.getLogger("candor.serve")


class Command(BaseCommand):
    help = "Apply migrations, then run Candor's production web server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.CANDOR_WEB_WORKERS or (os.cpu_count() or 1),
            help="web server processes (default: one per CPU)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.CANDOR_WEB_THREADS,
            help="Python threads per process (default 4; see docs/performance.md)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the delivery worker beside it"
        )

    def handle(
        self,
        *args: object,
        host: str,
        port: int,
        workers: int,
        threads: int,
        no_worker: bool = False,
        **options: object,
    ) -> None:
        from granian import Granian

        call_command("migrate", interactive=False, verbosity=0)
        ensure_default_page()
        if setup.needs_setup():
            token = setup.issue_token()
            self.stdout.write(
                "\nNo administrator exists yet. Open this one-time link to create one:\n\n"
                f"    {settings.BASE_URL}/setup/{token}/\n\n"
                "(It was printed only here; it stops working once an account exists.)\n"
            )
        self.stdout.write(f"Candor is serving on http://{host}:{port}/ (Ctrl-C stops it)")
        connections.close_all()  # the web workers open their own
        # One delivery worker beside the web server, restarted whenever it exits; `candor
        # worker` alone scales out. The watching is done by a process of its own: granian's
        # serve() holds this process's interpreter (a thread here would rarely get to run).
        supervisor = None if no_worker else start_supervisor()
        try:
            Granian(
                # Each web process calls candor.wsgi.web_process() to build its application.
                "candor.wsgi:web_process",
                factory=True,
                address=host,
                port=port,
                interface="wsgi",  # type: ignore[arg-type]
                workers=workers,
                # A few threads per process: the GIL runs one at a time, and the public pages are
                # answered in microseconds from memory; more threads only add contention and tail
                # latency (docs/performance.md), while a few keep slow management requests apart.
                blocking_threads=threads,
                backpressure=threads * 16,
                respawn_failed_workers=True,
                log_access=False,
            ).serve()
        finally:
            if supervisor is not None and supervisor.is_alive():
                supervisor.terminate()  # it stops the worker, which finishes what it is sending
                supervisor.join(timeout=40)


def start_supervisor() -> "multiprocessing.context.ForkProcess":
    process = multiprocessing.get_context("fork").Process(
        target=supervise, args=([sys.executable, "-m", "candor.cli", "worker"],), daemon=False
    )
    process.start()
    return process


def supervise(command: list[str]) -> None:
    """The supervising process: restarts the worker until told to stop (SIGTERM, or Ctrl-C)."""
    told = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: told.set())
    supervisor = Supervisor(command)
    supervisor.start()
    while not told.wait(1.0):
        pass
    supervisor.stop()


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets the worker finish what it is sending; a stuck one is killed after 35 s."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=35)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


# A worker that ran this long was healthy: its next failure restarts it after the first delay.
HEALTHY_AFTER = 60.0


class Supervisor(threading.Thread):
    """Runs `command` and starts it again whenever it exits, after a delay that doubles on each
    quick failure (CANDOR_WORKER_RESTART_DELAY up to CANDOR_WORKER_RESTART_MAX_DELAY), so that
    a worker that cannot start does not spin; every exit and restart is logged."""

    def __init__(self, command: list[str]) -> None:
        super().__init__(name="candor-supervisor", daemon=True)
        self.command = command
        self.first_delay = settings.CANDOR_WORKER_RESTART_DELAY
        self.max_delay = max(self.first_delay, settings.CANDOR_WORKER_RESTART_MAX_DELAY)
        self.stopping = threading.Event()
        self._lock = threading.Lock()  # `process` is started and stopped under it
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self.stopping.is_set():
                return None
            self.process = subprocess.Popen(self.command)  # noqa: S603 - our own command
        logger.info("delivery worker started (pid %d)", self.process.pid)
        return self.process

    def run(self) -> None:
        delay = self.first_delay
        while not self.stopping.is_set():
            began = time.monotonic()
            try:
                process = self._spawn()
            except OSError as exc:  # no such interpreter, no memory: retried like an exit
                outcome = f"could not be started ({exc})"
            else:
                if process is None:
                    return
                outcome = f"(pid {process.pid}) {_describe_exit(self._wait(process))}"
            if self.stopping.is_set():
                return
            if time.monotonic() - began >= HEALTHY_AFTER:
                delay = self.first_delay
            logger.error("delivery worker %s; starting another in %g s", outcome, delay)
            self.restarts += 1
            if self.stopping.wait(delay):
                return
            delay = min(delay * 2, self.max_delay)

    def _wait(self, process: subprocess.Popen[bytes]) -> int:
        # Polled rather than a blocking wait(): once granian runs, it may reap children itself
        # (a blocking waitpid would then wait for every child, the web processes included).
        while (code := process.poll()) is None:
            if self.stopping.wait(0.5):
                return process.wait()
        return code

    def stop(self) -> None:
        """No more restarts; the running worker finishes what it is sending (stop_worker)."""
        with self._lock:
            self.stopping.set()
            process = self.process
        if process is not None:
            stop_worker(process)
        self.join(timeout=5)


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"
