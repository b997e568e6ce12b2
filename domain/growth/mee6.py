"""Parse a MEE6 leaderboard export into ``(member_id, xp)`` rows, with line-numbered errors.

Accepted shapes (pure: takes the file's text, not a path):

- JSON list of objects: ``[{"id": "123", "xp": 4500, "level": 7, "username": "ann"}, ...]``
- JSON object with a list under ``players`` (MEE6's own leaderboard API), ``members``,
  ``users``, ``leaderboard``, ``data``, ``rows`` or ``entries``
- JSON object keyed by member id: ``{"123": 4500, "456": {"xp": 80}}``
- CSV (``,`` ``;`` tab or ``|`` separated) with a header naming the columns.

Column/key names are matched case-insensitively ignoring spaces, ``_`` and ``-``: the id is
``id``/``user_id``/``member_id``/``discord_id``/``uid``; XP is ``xp``/``exp``/``experience``/
``total_xp`` (MEE6's ``detailed_xp`` ``[into, needed, total]`` works too); optional ``level``/
``lvl`` and ``username``/``name``. A row with a level but no XP gets the MEE6 total for that
level (``xp_from_level=True``). Bad rows are reported (what, which line, how to fix) and
skipped; good rows are still returned, so the caller decides whether to import partially.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.growth.levels import mee6_total
from domain.i18n import t

MAX_XP = 10**12
MAX_LEVEL = 10_000
MAX_ERRORS = 200

_ID_KEYS = {"id", "userid", "memberid", "discordid", "uid", "snowflake"}
_XP_KEYS = {"xp", "exp", "experience", "totalxp", "xptotal"}
_LEVEL_KEYS = {"level", "lvl"}
_NAME_KEYS = {"username", "name", "user", "displayname", "nickname", "tag"}
_CONTAINER_KEYS = ("players", "members", "users", "leaderboard", "data", "rows", "entries")

_WS = re.compile(r"[ \t\n\r]*")
_DIGITS = re.compile(r"\d{1,20}")
_GROUPED = re.compile(r"\d{1,3}(?:[,_ ]\d{3})+")
_decoder = json.JSONDecoder()


def _norm_key(key: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(key)).casefold()


@dataclass(frozen=True, slots=True)
class Mee6Row:
    member_id: str  # raw Discord id (digits); the importer namespaces it ("dc:...")
    xp: int
    line: int
    level: int | None = None
    username: str | None = None
    xp_from_level: bool = False


@dataclass(frozen=True, slots=True)
class Mee6Problem:
    line: int
    code: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return t(f"growth.mee6.{self.code}", lang, line=self.line, **self.fields)


@dataclass(frozen=True, slots=True)
class Mee6Import:
    rows: tuple[Mee6Row, ...]
    errors: tuple[Mee6Problem, ...]
    format: str  # "json", "csv" or "empty"

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


class _Collector:
    def __init__(self) -> None:
        self.rows: list[Mee6Row] = []
        self.errors: list[Mee6Problem] = []
        self.first_line: dict[str, int] = {}

    def error(self, line: int, code: str, **fields: Any) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(Mee6Problem(line, code, fields))
        elif len(self.errors) == MAX_ERRORS:
            self.errors.append(Mee6Problem(line, "too_many_errors", {"limit": MAX_ERRORS}))

    def add(self, line: int, raw_id: Any, raw_xp: Any, raw_level: Any, raw_name: Any) -> None:
        member_id = _parse_id(raw_id)
        if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
            self.error(line, "missing_id")
            return
        if member_id is None:
            self.error(line, "bad_id", value=_show(raw_id))
            return
        level = _parse_int(raw_level) if raw_level not in (None, "") else None
        if level is not None and not 0 <= level <= MAX_LEVEL:
            level = None
        from_level = False
        if raw_xp is None or (isinstance(raw_xp, str) and not raw_xp.strip()):
            if level is None:
                self.error(line, "missing_xp", member=member_id)
                return
            xp, from_level = mee6_total(level), True
        else:
            xp = _parse_int(raw_xp)
            if xp is None:
                self.error(line, "bad_xp", member=member_id, value=_show(raw_xp))
                return
            if xp < 0:
                self.error(line, "negative_xp", member=member_id, value=xp)
                return
            if xp > MAX_XP:
                self.error(line, "absurd_xp", member=member_id, value=xp, limit=MAX_XP)
                return
        first = self.first_line.get(member_id)
        if first is not None:
            self.error(line, "duplicate", member=member_id, first=first)
            return
        self.first_line[member_id] = line
        name = raw_name.strip()[:100] if isinstance(raw_name, str) and raw_name.strip() else None
        self.rows.append(Mee6Row(member_id, xp, line, level, name, from_level))

    def result(self, fmt: str) -> Mee6Import:
        return Mee6Import(tuple(self.rows), tuple(self.errors), fmt)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        text = str(value) if 0 < value < 10**20 else ""
    elif isinstance(value, str):
        text = value.strip()
        if text.casefold().startswith("dc:"):
            text = text[3:]
    else:
        return None
    return text if _DIGITS.fullmatch(text) and text.lstrip("0") else None


def _parse_int(value: Any) -> int | None:
    """Whole number from an int, an integral float or digits (with 1,234 grouping)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    sign = 1
    if text and text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        text = text[1:].strip()
    if _GROUPED.fullmatch(text):
        text = re.sub(r"[,_ ]", "", text)
    if text.isascii() and text.isdigit() and len(text) <= 30:
        return sign * int(text)
    if re.fullmatch(r"\d{1,30}\.0*", text):
        return sign * int(text.split(".")[0])
    return None


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _skip(text: str, position: int) -> int:
    return _WS.match(text, position).end()  # type: ignore[union-attr]


def _array(text: str, position: int) -> tuple[list[tuple[int, Any]], int]:
    """Items of the JSON array starting at ``text[position] == '['`` with their offsets."""
    items: list[tuple[int, Any]] = []
    position = _skip(text, position + 1)
    if text.startswith("]", position):
        return items, position + 1
    while True:
        value, end = _decoder.raw_decode(text, position)
        items.append((position, value))
        position = _skip(text, end)
        if text.startswith(",", position):
            position = _skip(text, position + 1)
        elif text.startswith("]", position):
            return items, position + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter or ']'", text, position)


def _object(text: str, position: int) -> tuple[list[tuple[str, int, Any, bool]], int]:
    """Entries of the JSON object at ``position``: (key, offset, value, value_is_items).

    Lists under container keys are expanded into positioned items.
    """
    entries: list[tuple[str, int, Any, bool]] = []
    position = _skip(text, position + 1)
    if text.startswith("}", position):
        return entries, position + 1
    while True:
        if not text.startswith('"', position):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes",
                                       text, position)
        key, position = _decoder.raw_decode(text, position)
        position = _skip(text, position)
        if not text.startswith(":", position):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, position)
        position = _skip(text, position + 1)
        start = position
        if _norm_key(key) in _CONTAINER_KEYS and text.startswith("[", position):
            value, position = _array(text, position)
            entries.append((key, start, value, True))
        else:
            value, position = _decoder.raw_decode(text, position)
            entries.append((key, start, value, False))
        position = _skip(text, position)
        if text.startswith(",", position):
            position = _skip(text, position + 1)
        elif text.startswith("}", position):
            return entries, position + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter or '}'", text, position)


def _pick(mapping: Mapping[str, Any], keys: set[str]) -> Any:
    for key, value in mapping.items():
        if _norm_key(key) in keys:
            return value
    return None


def _add_object(out: _Collector, line: int, item: Any, fallback_id: Any = None) -> None:
    if not isinstance(item, dict):
        out.error(line, "not_an_object", kind=type(item).__name__)
        return
    raw_id = _pick(item, _ID_KEYS)
    if raw_id is None:
        raw_id = fallback_id
    raw_xp = _pick(item, _XP_KEYS)
    if raw_xp is None:
        detailed = _pick(item, {"detailedxp"})
        if isinstance(detailed, list) and len(detailed) == 3:
            raw_xp = detailed[2]
    out.add(line, raw_id, raw_xp, _pick(item, _LEVEL_KEYS), _pick(item, _NAME_KEYS))


def _parse_json(text: str) -> Mee6Import:
    out = _Collector()
    try:
        start = _skip(text, 0)
        if text.startswith("[", start):
            items, end = _array(text, start)
            for offset, item in items:
                _add_object(out, _line_of(text, offset), item)
        else:
            entries, end = _object(text, start)
            containers = [e for e in entries if e[3]]
            if containers:
                for offset, item in containers[0][2]:
                    _add_object(out, _line_of(text, offset), item)
            elif not entries:
                out.error(1, "json_shape")
            else:
                for key, offset, value, _ in entries:
                    line = _line_of(text, offset)
                    if isinstance(value, dict):
                        _add_object(out, line, value, fallback_id=key)
                    elif isinstance(value, list):
                        out.error(line, "json_shape")
                    else:
                        out.add(line, key, value, None, None)
        end = _skip(text, end)
        if end < len(text):
            out.error(_line_of(text, end), "json_syntax", detail="extra data after the end")
    except json.JSONDecodeError as exc:
        out.error(exc.lineno, "json_syntax", detail=exc.msg)
    except RecursionError:
        out.error(1, "json_syntax", detail="nested too deeply")
    except ValueError as exc:  # e.g. integers with more digits than Python allows
        out.error(1, "json_syntax", detail=str(exc)[:80])
    return out.result("json")


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse_csv(text: str) -> Mee6Import:
    out = _Collector()
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    columns: dict[str, int] | None = None
    header_line = 0
    header_size = 0
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                header_line = line
                header_size = len(row)
                keys = [_norm_key(cell) for cell in row]
                columns = {}
                for kind, names in (("id", _ID_KEYS), ("xp", _XP_KEYS),
                                    ("level", _LEVEL_KEYS), ("name", _NAME_KEYS)):
                    for position, key in enumerate(keys):
                        if key in names:
                            columns[kind] = position
                            break
                if "id" not in columns or ("xp" not in columns and "level" not in columns):
                    out.error(line, "csv_header", found=", ".join(c.strip() for c in row)[:80])
                    return out.result("csv")
                continue
            needed = max(columns.get(k, -1) for k in ("id", "xp"))
            if len(row) <= needed:
                out.error(line, "csv_columns", expected=header_size, found=len(row))
                continue

            cells = [
                row[p] if (p := columns.get(kind)) is not None and p < len(row) else None
                for kind in ("id", "xp", "level", "name")
            ]
            out.add(line, *cells)
    except csv.Error as exc:
        out.error(reader.line_num or header_line or 1, "csv_syntax", detail=str(exc)[:80])
    if columns is None:
        out.error(1, "empty")
    return out.result("csv")


def parse_mee6(text: str) -> Mee6Import:
    """Parse an export's text; never raises on bad input (see ``Mee6Import.errors``)."""
    if not isinstance(text, str):
        raise TypeError("parse_mee6 takes the file's text (str); decode bytes as UTF-8 first")
    text = text.lstrip("\ufeff")
    stripped = text.strip()
    if not stripped:
        return Mee6Import((), (Mee6Problem(1, "empty"),), "empty")
    if stripped[0] in "[{":
        return _parse_json(text)
    return _parse_csv(text)
