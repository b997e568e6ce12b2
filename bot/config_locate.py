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
            if in_multiline in stripped:
                in_multiline = None
            continue
        if depth > 0:
            depth += stripped.count("[") + stripped.count("{")
            depth -= stripped.count("]") + stripped.count("}")
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
            rest = line[match.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
            depth = rest.count("[") + rest.count("{") - rest.count("]") - rest.count("}")
            depth = max(depth, 0)
    return lines


def line_of(lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...]) -> int | None:
    """Line of ``path`` or of its nearest ancestor that has one."""
    probe = tuple(path)
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe[:-1]
    return None
