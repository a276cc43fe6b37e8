"""Operator text on the public site: always through the shared, sanitising Markdown renderer."""

from __future__ import annotations

from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe

from candor.core.markdown import render_markdown


@lru_cache(maxsize=16384)
def _html(text: str) -> str:
    return render_markdown(text)


def markdown(text: str) -> SafeString:
    # Every render of the site shows the same messages again: keep what was already converted.
    return mark_safe(_html(text))  # noqa: S308 - render_markdown sanitises with nh3
