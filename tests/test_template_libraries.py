"""Candor's template libraries register only what some template uses."""

import re
from pathlib import Path

from django.conf import settings
from django.template import engines

TEMPLATE_ROOT = Path(settings.TEMPLATES[0]["DIRS"][0])


def candor_libraries():
    libraries = engines["django"].engine.template_libraries  # type: ignore[attr-defined]
    return {
        name: library
        for name, library in libraries.items()
        if any(f.__module__.startswith("candor.") for f in library.filters.values())
        or any(t.__module__.startswith("candor.") for t in library.tags.values())
    }


def template_sources() -> str:
    return "\n".join(p.read_text() for p in TEMPLATE_ROOT.rglob("*") if p.is_file())


def test_every_filter_and_tag_of_candor_libraries_is_used_by_a_template():
    sources = template_sources()
    libraries = candor_libraries()
    unused = [
        f"{name}: filter {f}"
        for name, library in libraries.items()
        for f in library.filters
        if not re.search(rf"\|\s*{re.escape(f)}\b", sources)
    ] + [
        f"{name}: tag {t}"
        for name, library in libraries.items()
        for t in library.tags
        if not re.search(rf"{{%\s*{re.escape(t)}\b", sources)
    ]
    assert sorted(libraries) == ["candor_markdown", "candor_time", "manage", "public"]
    assert unused == []


# Django's date-format characters that write a time of day or a zone.
TIME_OF_DAY = set("aAfgGhHiOPsTuveZ")


def test_every_time_of_day_is_written_by_candor_time():
    # timefmt writes times one way everywhere ("5 Mar 2026, 14:05 UTC+01:00"): a template that
    # formats one with Django's |date (12-hour clocks, "CET") writes it another way. A date
    # alone ("j M Y") and the machine-readable 'c' of a <time> element are fine.
    found = [
        f"{path.relative_to(TEMPLATE_ROOT)}: {spec}"
        for path in TEMPLATE_ROOT.rglob("*.html")
        for spec in re.findall(r"\|\s*date:\s*[\"']([^\"']*)[\"']", path.read_text())
        if spec != "c" and set(re.sub(r"\\.", "", spec)) & TIME_OF_DAY
    ]
    assert found == []
