"""Render ``config.example.toml`` from the settings models.

Why generated: the example must document every key with its default and meaning, and the
models are where both live (``Field(default, description=…)``). Regenerate with
``hearth config-example > config.example.toml``; a test fails when the file is stale.
"""

from __future__ import annotations

import json
from typing import Any, get_args, get_origin

from pydantic import BaseModel

HEADER = """\
# Hearth configuration — every key with its default and meaning.
# Generated from the settings models: `hearth config-example > config.example.toml`.
# Validate a file with:  hearth check-config FILE
#
# Tokens are NEVER written here: set HEARTH_DISCORD_TOKEN / HEARTH_TELEGRAM_TOKEN in the
# environment. Any feature section below may be overridden per community inside
# [[communities]] (all but the process-wide ones: database, pipeline, logging, discord,
# telegram), e.g.
#
#   [[communities]]
#   platform = "discord"
#   id = "123456789012345678"
#   [communities.growth.anti_farming]
#   cooldown_seconds = 30
"""

COMMUNITIES = """\
# ---------------------------------------------------------------------------------------
# One entry per server (Discord guild) or group (Telegram chat) Hearth serves.
[[communities]]
# discord | telegram | console
platform = "console"
# Guild id, chat id (e.g. -1001234567890), or a console name.
id = "demo"
# Display name used in reports.
name = "Hearth demo"
# Language of replies: en or zh.
language = "en"
# IANA time zone for schedules, quiet hours and reports.
timezone = "UTC"
"""


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, BaseModel):
        return toml_value(value.model_dump(mode="json", by_alias=True, exclude_none=True))
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return "[" + ", ".join(toml_value(v) for v in items) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()
                          if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    return json.dumps(str(value))


def _key(name: object) -> str:
    name = str(name)
    plain = name.replace("_", "").replace("-", "").isalnum() and name.isascii()
    return name if plain else json.dumps(name)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is None:
        return None
    for arg in get_args(annotation):
        if arg is type(None):
            continue
        found = _model_of(arg)
        if found is not None and get_origin(annotation) not in (list, dict, tuple):
            return found
    return None


def _list_model(annotation: Any) -> type[BaseModel] | None:
    if get_origin(annotation) in (list, tuple):
        args = get_args(annotation)
        if args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            return args[0]
    for arg in get_args(annotation):
        found = _list_model(arg) if get_origin(arg) in (list, tuple) else None
        if found is not None:
            return found
    return None


def _comment(text: str | None) -> list[str]:
    if not text:
        return []
    words = " ".join(text.split()).split(" ")
    lines, line = [], "#"
    for word in words:
        if len(line) + len(word) + 1 > 92:
            lines.append(line)
            line = "#"
        line += " " + word
    lines.append(line)
    return lines


def render_model(path: str, model: BaseModel, *, array: bool = False) -> list[str]:
    """Lines for one table (and its sub-tables) holding the values of ``model``."""
    cls = type(model)
    out = [f"[[{path}]]" if array else f"[{path}]"]
    nested: list[tuple[str, Any, Any]] = []
    for name, info in cls.model_fields.items():
        key = info.alias or name
        value = getattr(model, name)
        sub_model = _model_of(info.annotation)
        list_model = _list_model(info.annotation)
        if isinstance(value, BaseModel) and sub_model is not None:
            nested.append((key, info, value))
            continue
        if list_model is not None and isinstance(value, (list, tuple)) and value:
            nested.append((key, info, value))
            continue
        out.extend(_comment(info.description))
        if value is None:
            out.append(f"# {_key(key)} =   (unset by default)")
        else:
            out.append(f"{_key(key)} = {toml_value(value)}")
    for key, info, value in nested:
        out.append("")
        out.extend(_comment(info.description))
        if isinstance(value, BaseModel):
            out.extend(render_model(f"{path}.{_key(key)}", value))
        else:
            for item in value:
                out.extend(render_model(f"{path}.{_key(key)}", item, array=True))
                out.append("")
            if out[-1] == "":
                out.pop()
    return out


def render_example() -> str:
    from bot.config import section_models

    parts = [HEADER]
    for name, cls in section_models().items():
        model = cls()
        doc = (cls.__doc__ or "").strip().splitlines()
        parts.append("# " + "-" * 87)
        if doc:
            parts.extend(_comment(doc[0]))
        parts.append("\n".join(render_model(_key(name), model)) + "\n")
    parts.append(COMMUNITIES)
    return "\n".join(parts)
