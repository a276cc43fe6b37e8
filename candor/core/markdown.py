"""The one Markdown renderer: CommonMark without raw HTML, then nh3 with a strict allow-list.

Every surface (management UI, public page, emails) renders operator text through here, so a
`<script>` or a `javascript:` link typed into any field never reaches a reader.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# Raw HTML in the source is shown as text; markdown-it refuses javascript:/vbscript:/data: links.
_parser = MarkdownIt("commonmark", {"html": False})

ALLOWED_TAGS: set[str] = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "ul",
}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES: set[str] = {"http", "https", "mailto"}


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Safe HTML for operator-written Markdown; an empty text gives an empty string."""
    if not text or not text.strip():
        return ""
    return sanitize(_parser.render(text))
