"""Line numbers for dotted config keys (``config.toml:14: growth.cooldown_seconds``).

The property test writes TOML documents the way people do (tables, arrays of tables,
sub-tables of the last array element, dotted and quoted keys, comments, multi-line arrays and
strings, values containing brackets) and checks every key path maps to its own line.
"""

from __future__ import annotations

import tomllib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config_locate import key_lines, line_of

BARE = st.builds(lambda a, b: a + b, st.sampled_from("abcxyz"),
                 st.text(alphabet="abz09_-", max_size=6))
QUOTED = st.builds(lambda a, b: f"{a}{b}{a}", st.sampled_from("qrs"),
                   st.text(alphabet="ab .-", max_size=5))
NAME = st.one_of(BARE, BARE, BARE, QUOTED)
TEXT = st.text(alphabet=st.sampled_from(list("ab [ ] { } # = , ' é 中")), max_size=8)


def _name(name: str) -> str:
    return name if all(c.isalnum() or c in "_-" for c in name) else f'"{name}"'


KINDS = st.sampled_from(["int", "bool", "str", "literal", "array", "multiarray", "inline",
                         "multistr", "float"])
INTS = st.integers(-10**6, 10**6)
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
BOOLS = st.sampled_from(["true", "false"])
TEXTS = st.lists(TEXT, max_size=3)
TEXTS1 = st.lists(TEXT, min_size=1, max_size=3)


@st.composite
def _value(draw: Any) -> list[str]:
    """Rendered value lines (the first continues the ``key =`` line)."""
    kind = draw(KINDS)
    if kind == "int":
        return [str(draw(INTS))]
    if kind == "float":
        return [repr(draw(FLOATS))]
    if kind == "bool":
        return [draw(BOOLS)]
    if kind == "str":
        text = draw(TEXT)
        return ['"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"']
    if kind == "literal":
        return ["'" + draw(TEXT).replace("'", "") + "'"]
    if kind == "array":
        items = draw(TEXTS)
        return ["[" + ", ".join('"' + i.replace('"', "") + '"' for i in items) + "]"]
    if kind == "multiarray":
        items = draw(TEXTS1)
        return ["[", *[f'  "{i.replace(chr(34), "")}",  # item [' for i in items], "]"]
    if kind == "inline":
        return ["{ a = 1, b = \"x]\" }"]
    body = [line.replace('"', "") for line in draw(TEXTS1)]
    return ['"""', *body, '"""']


def _keys(draw: Any, taken: set[str]) -> list[tuple[tuple[str, ...], list[str], str]]:
    """(key parts, value lines, trailing comment) with first parts unique."""
    names = [n for n in draw(NAME_LISTS) if n not in taken]
    out = []
    for name in names:
        taken.add(name)
        parts: tuple[str, ...] = (name,)
        if draw(ONE_IN_FIVE) == 0:
            parts = (name, draw(NAME))
        comment = draw(COMMENTS)
        out.append((parts, draw(VALUES), comment))
    return out


ONE_IN_FIVE = st.integers(0, 4)
NAME_LISTS = st.lists(NAME, max_size=4, unique=True)
COMMENTS = st.sampled_from(["", "  # note", "  # see [docs", "  # } ] {"])
VALUES = _value()
FILLER = st.lists(st.sampled_from(["", "# comment [x", "   ", "# a = 1"]), max_size=2)
BLOCKS = st.lists(st.tuples(NAME, st.booleans(), st.integers(1, 3), st.booleans()), max_size=4)


@st.composite
def documents(draw: Any) -> tuple[str, dict[tuple[str | int, ...], int]]:
    lines: list[str] = []
    expected: dict[tuple[str | int, ...], int] = {}

    def filler() -> None:
        lines.extend(draw(FILLER))

    def emit_keys(table: tuple[str | int, ...], keys: list) -> None:
        for parts, value, comment in keys:
            filler()
            rendered = ".".join(_name(p) for p in parts)
            lines.append(f"{rendered} = {value[0]}" + (comment if len(value) == 1 else ""))
            expected[(*table, *parts)] = len(lines)
            lines.extend(value[1:])

    top_taken: set[str] = set()
    emit_keys((), _keys(draw, top_taken))
    for name, is_array, count, with_sub in draw(BLOCKS):
        if name in top_taken:
            continue
        top_taken.add(name)
        for index in range(count if is_array else 1):
            filler()
            table: tuple[str | int, ...] = (name, index) if is_array else (name,)
            lines.append(f"[[{_name(name)}]]" if is_array else f"[{_name(name)}]")
            expected[table] = len(lines)
            taken: set[str] = set()
            emit_keys(table, _keys(draw, taken))
            sub = draw(NAME)
            if with_sub and sub not in taken:
                filler()
                lines.append(f"[{_name(name)}.{_name(sub)}]  # sub-table")
                expected[(*table, sub)] = len(lines)
                emit_keys((*table, sub), _keys(draw, set()))
    return "\n".join(lines) + "\n", expected


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_every_key_maps_to_the_line_it_is_written_on(doc: tuple[str, dict]) -> None:
    text, expected = doc
    tomllib.loads(text)  # the generator writes valid TOML
    found = key_lines(text)
    wrong = {path: (found.get(path), line) for path, line in expected.items()
             if found.get(path) != line}
    assert not wrong, f"(found, expected) per path: {wrong}\n---\n{text}"


def test_examples_from_a_real_config() -> None:
    text = """# Hearth
[database]
busy_timeout_ms = -5   # oops

[[communities]]
platform = "discord"
id = "1"
[communities.growth]
cooldown_seconds = 10

[[communities]]
platform = "telegram"
id = "-100"
[communities.growth]
cooldown_seconds = -5
"""
    lines = key_lines(text)
    assert lines[("database", "busy_timeout_ms")] == 3
    assert lines[("communities", 0, "growth", "cooldown_seconds")] == 9
    assert lines[("communities", 1, "growth", "cooldown_seconds")] == 15
    assert lines[("communities", 1, "id")] == 13
    # unknown deeper paths fall back to the nearest written ancestor
    assert line_of(lines, ("communities", 1, "growth", "nope", "deeper")) == 14
    assert line_of(lines, ("nowhere",)) is None


def test_brackets_inside_strings_and_comments_do_not_hide_later_keys() -> None:
    text = 'pattern = "[a-z"\nlevel = 1  # see [docs\nname = \'x{\'\nafter = 2\n'
    assert key_lines(text)[("after",)] == 4
    assert key_lines(text)[("level",)] == 2
