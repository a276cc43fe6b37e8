"""A counter shared by every process of one host: "new public documents were stored".

A process that stores documents bumps it once its transaction has committed, before the write's
response goes out. Every web process compares it with the value it last acted on, on every
public request: eight bytes read from a shared memory map, no system call, no database round
trip. When it moved, the process reloads from the database before it answers, so a read that
starts after a write has returned shows that write, whichever process of the host answers it.

The file lives in the data directory: processes that share it (one `candor serve`, the `candor`
commands run beside it) share the counter. Other hosts learn of changes over PostgreSQL
LISTEN/NOTIFY instead (candor.public.store).
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import threading
from pathlib import Path

from django.conf import settings

SIZE = 8


class HostSignal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.pid = os.getpid()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < SIZE:
                os.ftruncate(fd, SIZE)
            self._map = mmap.mmap(fd, SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        self.counter = memoryview(self._map).cast("Q")

    def value(self) -> int:
        return int(self.counter[0])

    def bump(self) -> None:
        # The lock only orders writers of several processes; readers never take it.
        with open(self.path, "rb") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                self.counter[0] = (self.counter[0] + 1) % (1 << 64)
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


_signal: HostSignal | None = None
_lock = threading.Lock()


def host_signal() -> HostSignal:
    """This process's view of the counter (mapped again after a fork or a data directory move)."""
    global _signal
    path = Path(settings.DATA_DIR) / "public" / "generation"
    current = _signal
    if current is not None and current.pid == os.getpid() and current.path == path:
        return current
    with _lock:
        if _signal is None or _signal.pid != os.getpid() or _signal.path != path:
            _signal = HostSignal(path)
        return _signal


def bump() -> None:
    # A read-only data directory: readers still poll the database.
    with contextlib.suppress(OSError):
        host_signal().bump()
