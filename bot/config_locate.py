"""Find the line of a dotted key in a TOML file.

tomllib gives values but no positions; users need ``config.toml:14: growth.cooldown_seconds``.
This scanner follows table headers, arrays of tables and (dotted) keys well enough to place
every key a person writes by hand. Keys it cannot place fall back to their nearest parent.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*(#.*)?$")
_PART = r"""(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _split_key(raw: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_\-]+)', raw)
    return [a or b or c for a, b, c in parts]


def _scan(rest: str, depth: int) -> tuple[int, str | None]:
    """Bracket depth after ``rest`` and the open multi-line string quote, if any.

    Brackets inside strings and comments do not count (``pattern = "[a-z"`` or
    ``# see [docs`` must not make the scanner skip the following keys).
    """
    i = 0
    while i < len(rest):
        char = rest[i]
        if rest.startswith(('"""', "'''"), i):
            quote = rest[i:i + 3]
            end = rest.find(quote, i + 3)
            if end < 0:
                return depth, quote
            i = end + 3
            while i < len(rest) and rest[i] == quote[0]:  # up to two quotes may close it
                i += 1
            continue
        if char == '"':
            i += 1
            while i < len(rest) and rest[i] != '"':
                i += 2 if rest[i] == "\\" else 1
            i += 1
            continue
        if char == "'":
            end = rest.find("'", i + 1)
            i = len(rest) if end < 0 else end + 1
            continue
        if char == "#":
            break
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        i += 1
    return max(depth, 0), None


def key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Map every key path (``("communities", 0, "growth", "cooldown_seconds")``) to its line."""
    lines: dict[tuple[str | int, ...], int] = {}
    counts: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    in_multiline: str | None = None
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if in_multiline:
            end = line.find(in_multiline)
            if end < 0:
                continue
            rest = line[end + 3:].lstrip(in_multiline[0])
            in_multiline = None
            depth, in_multiline = _scan(rest, depth)
            continue
        if depth > 0:
            depth, in_multiline = _scan(line, depth)
            continue
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = _split_key(header.group(2))
            path: list[str | int] = []
            for i, name in enumerate(names):
                path.append(name)
                prefix = tuple(path)
                if i < len(names) - 1 and prefix in counts:
                    path.append(counts[prefix] - 1)
            if header.group(1) == "[[":
                key = tuple(path)
                counts[key] = counts.get(key, 0) + 1
                table = (*key, counts[key] - 1)
            else:
                table = tuple(path)
            lines.setdefault(table, number)
            continue
        match = _KEY.match(line)
        if match:
            full = (*table, *_split_key(match.group(1)))
            lines.setdefault(full, number)
            depth, in_multiline = _scan(line[match.end():], 0)
    return lines


def line_of(lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...]) -> int | None:
    """Line of ``path`` or of its nearest ancestor that has one."""
    probe = tuple(path)
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe[:-1]
    return None
