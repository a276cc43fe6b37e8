"""A page's branding, checked before it is saved: accent colours (AA contrast against the
public page's backgrounds in their scheme), header and footer links, custom CSS, and the
canonical IANA time zone names the settings offer."""

from __future__ import annotations

import functools
import re
import zoneinfo
from pathlib import Path
from typing import Any

# The public page's backgrounds (status.css: --bg and --card), per scheme: an accent colour is
# used for links and button faces on both, so it must reach 4.5:1 against each.
BACKGROUNDS = {"light": ("#f7f8fa", "#ffffff"), "dark": ("#0d1117", "#161b22")}
AA = 4.5
MAX_LINKS = 8
MAX_CSS = 20_000
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of "#rrggbb"."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def colour_problem(value: str, scheme: str) -> str | None:
    """Why `value` cannot be the accent colour of `scheme`; None when it can (or is empty)."""
    if not value:
        return None
    if not _HEX.match(value):
        return "Enter a colour as #rrggbb, for example #0a58ca."
    worst = min(contrast(value, bg) for bg in BACKGROUNDS[scheme])
    if worst < AA:
        return (
            f"{value} has a contrast of {worst:.2f}:1 against the {scheme} background; links and "
            f"buttons need at least {AA}:1 (WCAG AA). Choose a "
            f"{'darker' if scheme == 'light' else 'lighter'} colour."
        )
    return None


def parse_links(text: str) -> tuple[list[dict[str, str]], str | None]:
    """ "Label | https://…" per line → [{"label", "url"}]; or the first problem, naming its line."""
    links: list[dict[str, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        label, bar, url = line.rpartition("|")
        label, url = label.strip(), url.strip()
        if not bar or not label:
            return [], f"Line {n}: write the label, then | and the address (Docs | https://…)."
        if not re.match(r"^https?://[^\s/$.?#][^\s]*$", url) and not url.startswith("/"):
            return [], f"Line {n}: {url!r} is not a full http:// or https:// address."
        if len(label) > 60 or len(url) > 500:
            return [], f"Line {n}: keep the label to 60 characters and the address to 500."
        links.append({"label": label, "url": url})
    if len(links) > MAX_LINKS:
        return [], f"At most {MAX_LINKS} links."
    return links, None


def links_text(links: list[dict[str, str]]) -> str:
    return "\n".join(f"{link['label']} | {link['url']}" for link in links)


def css_problem(css: str) -> str | None:
    """Custom CSS is served as its own file (/brand.css; the policy allows no inline style):
    it may restyle the page but not load anything from elsewhere or close its own file."""
    if len(css) > MAX_CSS:
        return f"Keep the custom CSS to {MAX_CSS // 1000} KB."
    lowered = css.lower()
    if "@import" in lowered:
        return "@import is not allowed: put the rules themselves here."
    if re.search(r"url\(\s*['\"]?\s*(https?:|//|javascript:|data:text)", lowered):
        return "Images and fonts from other sites are not allowed (the page's policy blocks them)."
    if "</" in css:
        return "The custom CSS may not contain '</'."
    return None


def brand_css(accent_light: str, accent_dark: str, custom_css: str) -> str:
    """The /brand.css document: the accent colours as status.css's variable, then custom CSS."""
    out = []
    if accent_light:
        out.append(f":root {{ --link: {accent_light}; }}")
    if accent_dark:
        out.append(f"@media (prefers-color-scheme: dark) {{ :root {{ --link: {accent_dark}; }} }}")
    if custom_css.strip():
        out.append("/* Custom CSS (Page settings) */\n" + custom_css.strip())
    return "\n".join(out) + "\n"


@functools.cache
def _tzdata() -> tuple[tuple[str, ...], dict[str, str]]:
    """Zones and aliases from the tz database's compact source, where the system has it."""
    zones: list[str] = []
    aliases: dict[str, str] = {}
    for root in zoneinfo.TZPATH:
        source = Path(root) / "tzdata.zi"
        if source.is_file():
            for line in source.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "Z":
                    zones.append(parts[1])
                elif len(parts) >= 3 and parts[0] == "L":
                    aliases[parts[2]] = parts[1]
            break
    return tuple(zones), aliases


def _regional(name: str) -> bool:
    # Etc/GMT+5 and the like are real zones but read backwards (GMT+5 is UTC-05:00): UTC stands
    # for them all; the other names are places.
    return "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))


@functools.cache
def canonical_time_zones() -> tuple[str, ...]:
    """The IANA zones a page can pick: canonical names only (no deprecated aliases such as
    US/Eastern or Asia/Calcutta), plus UTC; sorted."""
    zones, aliases = _tzdata()
    available = zoneinfo.available_timezones()
    if zones:
        names = {z for z in zones if _regional(z) and z in available}
    else:
        names = {z for z in available if _regional(z) and z not in aliases}
    return ("UTC", *sorted(names))


def canonical_for(name: str) -> str | None:
    """The canonical zone an alias stands for ("US/Eastern" → "America/New_York")."""
    target = _tzdata()[1].get(name)
    if target == "Etc/UTC":
        return "UTC"
    return target


def display_title(name: str) -> str:
    """The page's title: "Acme Status" for a page named Acme, never "Status status"."""
    return name if name.strip().lower().endswith("status") else f"{name} Status"


def json_links(value: Any) -> list[dict[str, str]]:
    """A stored list of links as the API gives it: label and url strings only."""
    if not isinstance(value, list):
        return []
    return [
        {"label": str(v.get("label", "")), "url": str(v.get("url", ""))}
        for v in value
        if isinstance(v, dict)
    ]
