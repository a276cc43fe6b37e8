"""One publish of the site to one target: what differs, then uploads in order, deletions last.

The diff: a file is unchanged when the target holds it with the same bytes (the MD5 it lists,
where it can tell) and the manifest (what Candor last wrote there: the SHA-256 of the bytes and
the headers) matches. Only files Candor wrote are ever deleted: the manifest names them, and it
names a file before its upload starts, so a worker killed in between leaves nothing a later run
does not find.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from candor.public.export import ASSET, FRONT, PAGE, SiteFile
from candor.public.publish.stores import Store, md5_of

# Uploads in flight at once, per target.
THREADS = 8
STAGES = (ASSET, PAGE, FRONT)
# Written last of all: it says when the copy was rendered, so it never runs ahead of the rest.
LAST = ("updated.json",)


def fingerprint(file: SiteFile) -> str:
    """The SHA-256 of what a reader gets: the bytes and the headers that go with them."""
    digest = hashlib.sha256()
    for part in (file.content_type, file.cache_control, file.content_encoding):
        digest.update(part.encode() + b"\0")
    digest.update(file.body)
    return digest.hexdigest()


@dataclass
class Plan:
    uploads: list[SiteFile]
    deletions: list[str]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not self.uploads and not self.deletions


def plan(
    files: Iterable[SiteFile], held: dict[str, str | None], manifest: dict[str, str], store: Store
) -> Plan:
    files = list(files)
    uploads = []
    for file in files:
        there = file.name in held
        same_bytes = there and held[file.name] in (None, md5_of(file.body))
        known = manifest.get(file.name) == fingerprint(file)
        if same_bytes and (known or (not store.keeps_headers and held[file.name] is not None)):
            continue
        uploads.append(file)
    names = {f.name for f in files}
    deletions = sorted(n for n in held if n not in names and n in manifest)
    uploads.sort(key=lambda f: (f.stage, f.name in LAST, f.name))
    return Plan(uploads, deletions, len(files) - len(uploads))


@dataclass
class Outcome:
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def execute(
    store: Store,
    todo: Plan,
    manifest: dict[str, str],
    *,
    keep: Callable[[dict[str, str]], None] = lambda m: None,
    renew: Callable[[], None] = lambda: None,
) -> Outcome:
    """Upload stage by stage (assets, pages, front documents), then delete. `manifest` is
    updated as each file lands, and `keep(manifest)` saves it: first with the new names about
    to be written (their fingerprint unknown yet), then after each stage and the deletions.
    On an error the stage's other uploads finish, what landed is kept, and it is raised."""
    outcome = Outcome()
    new = [f.name for f in todo.uploads if f.name not in manifest]
    if new:
        for name in new:
            manifest[name] = ""
        keep(manifest)
    by_stage: list[list[SiteFile]] = [
        [f for f in todo.uploads if f.stage == stage and f.name not in LAST] for stage in STAGES
    ]
    by_stage.append([f for f in todo.uploads if f.name in LAST])
    with ThreadPoolExecutor(THREADS, thread_name_prefix="candor-publish") as pool:
        for files in by_stage:
            if not files:
                continue
            futures = {pool.submit(store.put, f): f for f in files}
            pending = set(futures)
            error: BaseException | None = None
            while pending:
                done, pending = wait(pending, timeout=5.0, return_when=FIRST_EXCEPTION)
                renew()
                for future in done:
                    if future.cancelled():  # not started: another upload had failed
                        continue
                    exc = future.exception()
                    if exc is None:
                        file = futures[future]
                        manifest[file.name] = fingerprint(file)
                        outcome.uploaded.append(file.name)
                    elif error is None:
                        error = exc
                        for other in pending:
                            other.cancel()
            keep(manifest)
            if error is not None:
                raise error
        for name in todo.deletions:
            store.delete(name)
            manifest.pop(name, None)
            outcome.deleted.append(name)
    if todo.deletions:
        keep(manifest)
    return outcome
