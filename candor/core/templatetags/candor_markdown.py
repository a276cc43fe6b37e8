from django import template
from django.utils.safestring import SafeString, mark_safe

from candor.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """`{{ update.body|markdown }}`: rendered, then sanitised by nh3 (safe to output as is)."""
    return mark_safe(render_markdown(text or ""))  # noqa: S308 - nh3 has cleaned it
