"""Operator text on the public site: always through the shared, sanitising Markdown renderer."""

from __future__ import annotations

from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

try:
    from candor.core.markdown import render_markdown
except ImportError:  # pragma: no cover - until the shared helper lands: plain, escaped text

    def render_markdown(text: str) -> str:
        return linebreaks(escape(text)) if text.strip() else ""


def markdown(text: str) -> SafeString:
    return mark_safe(render_markdown(text))  # noqa: S308 - render_markdown sanitises with nh3
