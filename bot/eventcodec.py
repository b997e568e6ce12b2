"""JSON Lines <-> domain events (the replay format, documented in docs/events.md).

One event per line. Unknown fields, wrong types and bad times are reported with the line
number and the field, and that line is skipped; the rest of the file continues.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.events import (
    EARLIEST_YEAR,
    EVENT_NAMES,
    EVENT_TYPES,
    LATEST_YEAR,
    PLATFORM_PREFIX,
    Event,
    platform_of,
    time_in_range,
)

_ALIASES = {"community": "community_id", "member": "member_id", "channel": "channel_id",
            "message": "message_id", "time": "at", "timestamp": "at"}
_REQUIRED_BASE = ("community_id", "member_id", "at")


class EventFormatError(ValueError):
    """A line that is not a valid event; the message says which field and why."""


def _parse_time(value: Any) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise EventFormatError(
                f"'at' epoch seconds {value!r} are out of range; use seconds since 1970 "
                f"(years {EARLIEST_YEAR}-{LATEST_YEAR}) or an ISO-8601 time") from None
        return _in_range(parsed, value)
    if not isinstance(value, str):
        raise EventFormatError(f"'at' must be an ISO-8601 time or epoch seconds, got {value!r}")
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
        parsed = (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None
                  else parsed.astimezone(UTC))
    except (ValueError, OverflowError):
        raise EventFormatError(
            f"'at' is not an ISO-8601 time: {value!r} "
            f"(example: 2026-03-01T12:00:00Z; years {EARLIEST_YEAR}-{LATEST_YEAR})"
        ) from None
    return _in_range(parsed, value)


def _in_range(parsed: datetime, raw: Any) -> datetime:
    if not time_in_range(parsed):
        raise EventFormatError(
            f"'at' {raw!r} is in the year {parsed.year}; Hearth accepts times between "
            f"{EARLIEST_YEAR} and {LATEST_YEAR}")
    return parsed


def _qualify(platform: str, raw: Any, field: str) -> str:
    if raw is None or isinstance(raw, (bool, dict, list)) or str(raw).strip() == "":
        raise EventFormatError(f"'{field}' must be a non-empty id, got {raw!r}")
    text = str(raw)
    prefix = PLATFORM_PREFIX[platform]
    return text if text.startswith(prefix + ":") else f"{prefix}:{text}"


def event_from_dict(data: Any) -> Event:
    """Build an event from one decoded JSON object (raises EventFormatError)."""
    if not isinstance(data, dict):
        raise EventFormatError(f"each line must be a JSON object, got {type(data).__name__}")
    data = {_ALIASES.get(k, k): v for k, v in data.items()}
    kind = data.pop("type", None)
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise EventFormatError(f"'type' must be one of {sorted(EVENT_TYPES)}, got {kind!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise EventFormatError(f"unknown field(s) {unknown} for type {kind!r}; "
                               f"allowed: {sorted(fields)}")
    missing = [f.name for f in fields.values()
               if f.name not in data and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise EventFormatError(f"missing field(s) {missing} for type {kind!r}")
    community = data["community_id"]
    if not isinstance(community, str) or ":" not in community:
        raise EventFormatError(
            "'community_id' must be namespaced like 'console:demo' or 'dc:123', "
            f"got {community!r}")
    try:
        platform = platform_of(community)
    except ValueError as exc:
        raise EventFormatError(str(exc)) from None
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "at":
            values[name] = _parse_time(value)
        elif name in ("member_id", "reply_to_member_id", "target_member_id") and value is not None:
            values[name] = _qualify(platform, value, name)
        elif name == "community_id":
            values[name] = community
        elif name == "roles":
            if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
                raise EventFormatError("'roles' must be a list of strings")
            values[name] = frozenset(value)
        elif name == "mentions":
            if not isinstance(value, list):
                raise EventFormatError("'mentions' must be a list of member ids")
            values[name] = tuple(_qualify(platform, v, name) for v in value)
        else:
            values[name] = _coerce(name, value, fields[name].type)
    return cls(**values)


def _coerce(name: str, value: Any, annotation: Any) -> Any:
    text = str(annotation)
    if value is None:
        if "None" in text:
            return None
        raise EventFormatError(f"'{name}' must not be null")
    if text.startswith("str"):
        if isinstance(value, (dict, list, bool)):
            raise EventFormatError(f"'{name}' must be a string, got {value!r}")
        return str(value)
    if text in ("float",):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EventFormatError(f"'{name}' must be a number, got {value!r}")
        return float(value)
    if text in ("int",):
        if isinstance(value, bool) or not isinstance(value, int):
            raise EventFormatError(f"'{name}' must be a whole number, got {value!r}")
        return value
    if text in ("bool",):
        if not isinstance(value, bool):
            raise EventFormatError(f"'{name}' must be true or false, got {value!r}")
        return value
    if isinstance(value, (dict, list)):
        raise EventFormatError(f"'{name}' has the wrong type: {value!r}")
    return str(value) if "str" in text else value


def event_to_dict(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"type": EVENT_NAMES[type(event)]}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if value is None or (f.default is not dataclasses.MISSING and value == f.default):
            continue  # compared before conversion: () must match its default, [] would not
        if f.name == "at":
            value = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        elif isinstance(value, (frozenset, tuple)):
            value = sorted(value) if isinstance(value, frozenset) else list(value)
        out[f.name] = value
    return out


def dumps(event: Event) -> str:
    return json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))


def read_jsonl(path: Path) -> Iterator[tuple[int, Event | EventFormatError]]:
    """Yield (line number, event or the error for that line); blank lines are skipped."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, EventFormatError(f"not valid UTF-8 ({exc.reason} at byte "
                                               f"{exc.start})")
                continue
            if not line.strip():
                continue
            try:
                yield number, event_from_dict(json.loads(line))
            except json.JSONDecodeError as exc:
                yield number, EventFormatError(f"not valid JSON: {exc.msg} at column {exc.colno}")
            except RecursionError:
                yield number, EventFormatError("not valid JSON for an event: nested too deeply "
                                               "(an event is one flat JSON object)")
            except OverflowError as exc:
                yield number, EventFormatError(f"a value is out of range: {exc}")
            except EventFormatError as exc:
                yield number, exc
            except (TypeError, ValueError) as exc:
                yield number, EventFormatError(str(exc))
