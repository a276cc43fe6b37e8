"""Reading back the QR code Candor draws: the dark modules of segno's SVG path, as a matrix to
compare with the one segno makes for the expected text (no image decoding needed)."""

from __future__ import annotations

import re

import segno

# segno draws each row's dark runs as one path: "M4 4.5h7m1 0h1…m-37 1h1…" (module units).
_STEP = re.compile(r"([Mmh])\s*(-?\d+(?:\.\d+)?)(?:\s+(-?\d+(?:\.\d+)?))?")


def dark_path(svg: str) -> str:
    match = re.search(r'<path class="qr-dark"[^>]*\sd="([^"]+)"', svg)
    assert match, "no QR path in the SVG"
    return match.group(1)


def matrix_of_path(d: str, size: int) -> list[list[int]]:
    rows = [[0] * size for _ in range(size)]
    x = y = 0.0
    for op, a, b in _STEP.findall(d):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                rows[int(y)][column] = 1
            x += float(a)
    return rows


def expected_matrix(text: str, error: str = "m", border: int = 4) -> list[list[int]]:
    code = segno.make(text, error=error, micro=False)
    size = code.symbol_size(border=border)[0]
    return [[int(bool(v)) for v in row] for row in code.matrix_iter(border=border)][:size]


def encodes(svg: str, text: str) -> bool:
    """Whether `svg` (Candor's inline QR code) draws exactly the code segno makes for `text`."""
    want = expected_matrix(text)
    return matrix_of_path(dark_path(svg), len(want)) == want
