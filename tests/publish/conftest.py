import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _fresh_public_store(fresh_store):
    """tests/support/public.py: each test here reads a public site rendered afresh."""


@pytest.fixture
def export(tmp_path):
    """`candor export` into a new directory each call: name -> bytes."""
    runs = iter(range(1000))

    def run() -> dict[str, bytes]:
        directory = tmp_path / f"export-{next(runs)}"
        call_command("export", str(directory))
        return {
            p.relative_to(directory).as_posix(): p.read_bytes()
            for p in directory.rglob("*")
            if p.is_file()
        }

    return run
