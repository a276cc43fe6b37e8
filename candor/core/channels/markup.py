"""Operator Markdown in each chat service's own dialect.

The text is parsed once as CommonMark (markdown-it, raw HTML off: `<b>` stays text), and the
tree is written out by a Dialect: Slack's mrkdwn, Discord's Markdown, the Markdown subset of
Adaptive Cards. Literal characters that a dialect would read as formatting or as a mention are
escaped, so that an update can neither break the message nor ping anyone.

Too long a text is cut between blocks (paragraphs, list items, code blocks), never inside one's
formatting; a block that alone is too long is cut as plain text at a word. A "read more" link to
the incident ends what was cut.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

_parser = MarkdownIt("commonmark", {"html": False})

ZWSP = "\u200b"


class Dialect:
    """CommonMark-like output (Discord, Teams); subclasses change what differs."""

    # Characters escaped with a backslash in literal text.
    special = "\\*_`[]~|<>#"

    def text(self, value: str) -> str:
        out = "".join(f"\\{c}" if c in self.special else c for c in value)
        # "@everyone" and "@here" never ping (allowed_mentions says so too); shown unchanged.
        return out.replace("@", "@" + ZWSP)

    def raw(self, value: str) -> str:
        """Text inside code: no formatting applies there, only what the wire needs."""
        return value

    def strong(self, inner: str) -> str:
        return f"**{inner}**" if inner.strip() else inner

    def em(self, inner: str) -> str:
        return f"_{inner}_" if inner.strip() else inner

    def code(self, value: str) -> str:
        fence = "``" if "`" in value else "`"
        value = self.raw(value.replace(fence, ""))
        return f"{fence}{value}{fence}" if value.strip() else value

    def link(self, inner: str, url: str) -> str:
        return f"[{inner or self.text(url)}]({_url(url)})"

    def code_block(self, value: str) -> str:
        return "```\n" + self.raw(value.replace("```", "'''").rstrip("\n")) + "\n```"

    def quote(self, inner: str) -> str:
        return "\n".join("> " + line for line in inner.split("\n"))

    def heading(self, inner: str) -> str:
        return self.strong(inner)

    def item(self, marker: str, inner: str) -> str:
        pad = " " * (len(marker) + 1)
        return marker + " " + inner.replace("\n", "\n" + pad)

    def bullet(self) -> str:
        return "-"

    def plain(self, value: str) -> str:
        """Literal text outside any formatting (a cut block)."""
        return self.text(value)

    def read_more(self, url: str) -> str:
        return self.link("Read more", url)


def _url(url: str) -> str:
    """A URL as it goes between parentheses or angle brackets: nothing that ends it early."""
    for c, encoded in (
        (" ", "%20"),
        ("(", "%28"),
        (")", "%29"),
        ("<", "%3C"),
        (">", "%3E"),
        ("|", "%7C"),
    ):
        url = url.replace(c, encoded)
    return url


def _inline(dialect: Dialect, node: SyntaxTreeNode) -> str:
    return "".join(_runs(dialect, node))


def _runs(dialect: Dialect, node: SyntaxTreeNode) -> list[str]:
    """Each inline child of `node`, written out."""
    out: list[str] = []
    for child in node.children:
        kind = child.type
        if kind == "text":
            out.append(dialect.text(child.content))
        elif kind == "strong":
            out.append(dialect.strong(_inline(dialect, child)))
        elif kind == "em":
            out.append(dialect.em(_inline(dialect, child)))
        elif kind == "code_inline":
            out.append(dialect.code(child.content))
        elif kind == "link":
            out.append(dialect.link(_inline(dialect, child), str(child.attrs.get("href", ""))))
        elif kind == "image":
            alt = child.content or str(child.attrs.get("src", ""))
            out.append(dialect.link(dialect.text(alt), str(child.attrs.get("src", ""))))
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        else:
            out.append(_inline(dialect, child) if child.children else dialect.text(child.content))
    return out


def _plain(node: SyntaxTreeNode) -> str:
    """The words of a block, without formatting."""
    if node.type in ("text", "code_inline", "code_block", "fence"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return "\n"
    parts = [_plain(child) for child in node.children]
    joiner = "\n" if node.type in ("bullet_list", "ordered_list", "root", "blockquote") else ""
    return joiner.join(parts)


def _block(dialect: Dialect, node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "paragraph":
        return _inline(dialect, node.children[0]) if node.children else ""
    if kind == "inline":
        return _inline(dialect, node)
    if kind == "heading":
        return dialect.heading(_inline(dialect, node.children[0]))
    if kind in ("fence", "code_block"):
        return dialect.code_block(node.content)
    if kind == "blockquote":
        return dialect.quote("\n".join(_block(dialect, c) for c in node.children))
    if kind in ("bullet_list", "ordered_list"):
        start = int(node.attrs.get("start", 1) or 1)
        lines = []
        for n, item in enumerate(node.children):
            marker = f"{start + n}." if kind == "ordered_list" else dialect.bullet()
            inner = "\n".join(_block(dialect, c) for c in item.children)
            lines.append(dialect.item(marker, inner))
        return "\n".join(lines)
    if kind == "hr":
        return "———"
    return dialect.plain(_plain(node))


def convert(markdown: str, dialect: Dialect, limit: int, more_url: str) -> str:
    """The text in `dialect`, at most `limit` characters, with a "read more" link if cut."""
    tree = SyntaxTreeNode(_parser.parse(markdown or ""))
    blocks = [(_block(dialect, node), node) for node in tree.children]
    whole = "\n\n".join(text for text, _ in blocks if text)
    if len(whole) <= limit:
        return whole
    more = "… " + dialect.read_more(more_url)
    room = limit - len(more) - 2
    kept: list[str] = []
    used = 0
    for text, node in blocks:
        if not text:
            continue
        cost = len(text) + (2 if kept else 0)
        if used + cost <= room:
            kept.append(text)
            used += cost
            continue
        # This block does not fit: as much of it as fits (whole formatted runs of a paragraph,
        # then words of plain text), never half a formatting.
        left = room - used - (2 if kept else 0)
        if node.type == "paragraph" and node.children:
            words = _cut_inline(dialect, node.children[0], left)
        else:
            words = _cut(dialect, _plain(node), left)
        if words:
            kept.append(words)
        break
    return "\n\n".join(kept) + ("\n\n" if kept else "") + more


def _cut_inline(dialect: Dialect, inline: SyntaxTreeNode, room: int) -> str:
    out = ""
    for child, piece in zip(inline.children, _runs(dialect, inline), strict=True):
        if len(out) + len(piece) <= room:
            out += piece
            continue
        if child.type == "text":
            out += _cut(dialect, child.content, room - len(out))
        break
    return out.rstrip()


def _cut(dialect: Dialect, words: str, room: int) -> str:
    """The longest plain prefix, cut at a space, whose escaped form fits in `room`."""
    if room <= 0:
        return ""
    low, high = 0, len(words)
    while low < high:  # the escaped length grows with the prefix: bisect it
        mid = (low + high + 1) // 2
        if len(dialect.plain(words[:mid])) <= room:
            low = mid
        else:
            high = mid - 1
    prefix = words[:low]
    if low < len(words) and " " in prefix:
        prefix = prefix[: prefix.rindex(" ")]
    return dialect.plain(prefix.rstrip())
