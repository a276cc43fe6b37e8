"""Operator text on the public site: always through the shared, sanitising Markdown renderer."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from candor.core.markdown import render_markdown


def markdown(text: str) -> SafeString:
    return mark_safe(render_markdown(text))  # noqa: S308 - render_markdown sanitises with nh3
