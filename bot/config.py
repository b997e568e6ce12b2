"""Configuration: one TOML file, validated by pydantic, with per-community overrides.

Why this shape: admins edit a single file; each feature owns a section model (growth, safety,
sentiment, platforms …). A ``[[communities]]`` entry may override any section; the effective
settings of a community are the global section deep-merged with its override and validated
again, so an override can never smuggle in an invalid value. Errors carry file, line and
dotted key, e.g. ``config.toml:14: communities[1].growth.cooldown_seconds: must be >= 0``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.config_locate import key_lines, line_of

TOKEN_ENV = {"discord": "HEARTH_DISCORD_TOKEN", "telegram": "HEARTH_TELEGRAM_TOKEN"}


class Section(BaseModel):
    """Base for every config section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(Section):
    url: str = Field(
        "sqlite+aiosqlite:///hearth.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///FILE or "
        "postgresql+asyncpg://USER@HOST:PORT/DB",
    )
    upgrade_on_start: bool = Field(True, description="Run Alembic upgrade to head at start.")
    busy_timeout_ms: int = Field(5000, ge=0, description="SQLite busy timeout.")
    pool_size: int = Field(5, ge=1, description="PostgreSQL connection pool size.")
    echo: bool = Field(False, description="Log every SQL statement (debugging only).")

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(async drivers), got {value!r}"
            )
        return value


class PipelineSettings(Section):
    batch_size: int = Field(2000, ge=1, le=100_000, description="Flush after N buffered events.")
    flush_interval_ms: int = Field(
        50, ge=1, le=60_000, description="Flush at least this often while events arrive."
    )
    state_cache_size: int = Field(
        200_000, ge=100, description="Members whose growth state stays cached in memory."
    )


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_format: bool = Field(False, alias="json", description="One JSON object per line.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CommunityEntry(Section):
    """One server or group Hearth serves. Any global section may be overridden inside it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    platform: Literal["discord", "telegram", "console"]
    id: str = Field(description="Platform id: guild id, chat id, or a console name.")
    name: str = ""
    language: Literal["en", "zh"] = "en"
    timezone: str = "UTC"

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
            raise ValueError("must be a non-empty string or integer id")
        return str(value)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like Asia/Shanghai"
            ) from None
        return value

    @property
    def community_id(self) -> str:
        from domain.events import namespaced

        return namespaced(self.platform, self.id)


def section_models() -> dict[str, type[BaseModel]]:
    """Every section a config file may contain, global and per community.

    Feature sections are imported here, so a feature registers its settings in one place.
    """
    sections: dict[str, type[BaseModel]] = {
        "database": DatabaseSettings,
        "pipeline": PipelineSettings,
        "logging": LoggingSettings,
    }
    sections.update(_feature_sections())
    return sections


def _feature_sections() -> dict[str, type[BaseModel]]:
    from bot.growth_config import GrowthSettings
    from bot.insights.config import InsightsSettings
    from bot.ops.config import MetricsSettings, PrivacySettings
    from bot.platform.config import DiscordSettings, PermissionSettings, TelegramSettings
    from bot.safety.config import SafetySettings
    from bot.scheduler.config import SchedulerSettings
    from bot.scoring.config import SentimentSettings

    found: dict[str, type[BaseModel]] = {
        "growth": GrowthSettings,
        "insights": InsightsSettings,
        "safety": SafetySettings,
        "sentiment": SentimentSettings,
        "discord": DiscordSettings,
        "telegram": TelegramSettings,
        "permissions": PermissionSettings,
        "metrics": MetricsSettings,
        "privacy": PrivacySettings,
        "scheduler": SchedulerSettings,
    }
    return found


# Sections that only make sense once per process (not overridable per community).
PROCESS_SECTIONS = {"database", "pipeline", "logging", "discord", "telegram", "metrics"}


@dataclass(frozen=True)
class CommunitySettings:
    """Effective settings of one community: its entry plus every merged section."""

    entry: CommunityEntry
    sections: dict[str, Any]

    @cached_property
    def id(self) -> str:
        return self.entry.community_id

    @property
    def platform(self) -> str:
        return self.entry.platform

    @property
    def language(self) -> str:
        return self.entry.language

    @property
    def timezone(self) -> str:
        return self.entry.timezone

    @property
    def name(self) -> str:
        return self.entry.name or self.entry.id

    def __getattr__(self, name: str) -> Any:
        sections = object.__getattribute__(self, "sections")
        if name in sections:
            return sections[name]
        raise AttributeError(name)


@dataclass(frozen=True)
class Config:
    """The whole validated file."""

    path: Path | None
    sections: dict[str, Any]
    communities: dict[str, CommunitySettings]

    def __getattr__(self, name: str) -> Any:
        sections = object.__getattribute__(self, "sections")
        if name in sections:
            return sections[name]
        raise AttributeError(name)

    def community(self, community_id: str) -> CommunitySettings | None:
        return self.communities.get(community_id)


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(Exception):
    """All problems of one file, each with file, line and dotted key."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _describe(error: dict[str, Any], model: type[BaseModel] | None) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "greater_than_equal":
        return f"must be >= {ctx.get('ge')}, got {given!r}"
    if kind == "greater_than":
        return f"must be > {ctx.get('gt')}, got {given!r}"
    if kind == "less_than_equal":
        return f"must be <= {ctx.get('le')}, got {given!r}"
    if kind == "less_than":
        return f"must be < {ctx.get('lt')}, got {given!r}"
    if kind == "missing":
        return "is required but missing; add it"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {given!r}"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"must be a whole number, got {given!r}"
    if kind in {"float_parsing", "float_type"}:
        return f"must be a number, got {given!r}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"must be true or false, got {given!r}"
    if kind == "string_type":
        return f"must be a string in quotes, got {given!r}"
    if kind in {"model_type", "dict_type"}:
        return f"must be a table (section), got {given!r}"
    if kind == "list_type":
        return f"must be a list [...], got {given!r}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return f"{error['msg']}, got {given!r}"


def _model_at(model: type[BaseModel], path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of ``path`` (for suggestions)."""
    current: Any = model
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        annotation = fields[part].annotation
        inner = _unwrap_model(annotation)
        if inner is None:
            return None
        current = inner
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean '{close[0]}'?"
    return f"unknown key; valid keys here: {', '.join(sorted(choices))}"


# ``token``, ``bot_token``, ``discord-token`` … but not ``tokenizer`` or ``max_tokens``.
_TOKEN_KEY = re.compile(r"^(?:.*[_\-])?token$", re.IGNORECASE)


def _find_tokens(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found: list[tuple[str | int, ...]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            here = (*path, key)
            if isinstance(key, str) and _TOKEN_KEY.match(key) and not isinstance(value, dict):
                found.append(here)
            else:
                found.extend(_find_tokens(value, here))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_find_tokens(value, (*path, i)))
    return found


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return override


class _Collector:
    def __init__(self, file: str, lines: dict[tuple[str | int, ...], int]):
        self.file = file
        self.lines = lines
        self.issues: list[ConfigIssue] = []

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        line = line_of(self.lines, path)
        self.issues.append(ConfigIssue(self.file, line, dotted(path), message))

    def validate(
        self, model: type[BaseModel], data: Any, prefix: tuple[str | int, ...]
    ) -> BaseModel | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
                path = (*prefix, *loc)
                if error["type"] == "extra_forbidden":
                    owner = _model_at(model, loc)
                    names = list(owner.model_fields) if owner else []
                    self.add(path, _suggest(str(loc[-1]), names) if names else "unknown key")
                else:
                    self.add(path, _describe(error, model))
            return None


def load_config(path: str | Path) -> Config:
    """Read, validate and resolve ``path``; raise ConfigError listing every problem."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(str(file), None, "", "file not found; copy "
                                       "config.example.toml and edit it")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(str(file), None, "", f"cannot read file: {exc}")]) from None
    return parse_config(text, str(file), file)


def parse_config(text: str, name: str = "config.toml", path: Path | None = None) -> Config:
    """Validate TOML ``text`` (``name`` is used in messages)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python < 3.14 has no ``lineno`` attribute; the position is only in the message.
        line = getattr(exc, "lineno", None)
        position = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        if line is None and position:
            line = int(position.group(1))
        message = re.sub(r" \(at (line \d+, column \d+|end of document)\)", "", str(exc))
        if position:
            message += f" (column {position.group(2)})"
        elif "end of document" in str(exc):
            message += " (at the end of the file: something is left unclosed)"
        raise ConfigError([ConfigIssue(name, line, "", f"not valid TOML: {message}")]) from None
    collector = _Collector(name, key_lines(text))
    models = section_models()

    token_paths = set(_find_tokens(raw))
    for token_path in sorted(token_paths, key=str):
        platform = next((p for p in TOKEN_ENV if p in map(str, token_path)), "discord")
        collector.add(
            token_path,
            "tokens must not be written in the config file; delete this line and set the "
            f"environment variable {TOKEN_ENV[platform]} instead",
        )
    raw = _strip_paths(raw, token_paths)

    allowed_top = [*models, "communities"]
    sections: dict[str, Any] = {}
    for key in raw:
        if key not in allowed_top:
            collector.add((key,), _suggest(key, allowed_top))
    for key, model in models.items():
        value = collector.validate(model, raw.get(key, {}), (key,))
        if value is not None:
            sections[key] = value

    communities: dict[str, CommunitySettings] = {}
    entries = raw.get("communities", [])
    if not isinstance(entries, list):
        collector.add(("communities",), "must be an array of tables: write [[communities]]")
        entries = []
    overridable = [k for k in models if k not in PROCESS_SECTIONS]
    entry_keys = list(CommunityEntry.model_fields)
    seen_ids: set[str] = set()
    for index, item in enumerate(entries):
        prefix: tuple[str | int, ...] = ("communities", index)
        if not isinstance(item, dict):
            collector.add(prefix, "must be a table with platform and id")
            continue
        plain = {k: v for k, v in item.items() if k in entry_keys}
        for key in item:
            if key not in entry_keys and key not in overridable:
                if key in PROCESS_SECTIONS:
                    collector.add((*prefix, key), f"[{key}] is process-wide; set it at the top "
                                  "level, not per community")
                else:
                    collector.add((*prefix, key), _suggest(key, entry_keys + overridable))
        # Duplicates are checked on the raw values, so a duplicate of an entry that has other
        # errors is still reported in the same run.
        duplicate = _raw_community_id(item) in seen_ids
        if duplicate:
            collector.add((*prefix, "id"), f"duplicate community {_raw_community_id(item)}; "
                          "each platform id may appear once")
        elif _raw_community_id(item) is not None:
            seen_ids.add(_raw_community_id(item))
        entry = collector.validate(CommunityEntry, plain, prefix)
        merged: dict[str, Any] = {}
        for key in overridable:
            if key not in item:
                if key in sections:
                    merged[key] = sections[key]
                continue
            value = collector.validate(
                models[key], _merge(raw.get(key, {}), item[key]), (*prefix, key)
            )
            if value is not None:
                merged[key] = value
        if entry is None or duplicate:
            continue
        assert isinstance(entry, CommunityEntry)
        settings = CommunitySettings(entry, merged)
        communities[settings.id] = settings

    if collector.issues:
        raise ConfigError(sorted(collector.issues, key=lambda i: (i.line or 0, i.key)))
    return Config(path, sections, communities)


def _raw_community_id(item: dict[str, Any]) -> str | None:
    """``console:a`` from an unvalidated entry, or None when platform/id are unusable."""
    from domain.events import PLATFORM_PREFIX, namespaced

    platform, raw_id = item.get("platform"), item.get("id")
    if platform not in PLATFORM_PREFIX or isinstance(raw_id, bool):
        return None
    if not isinstance(raw_id, (str, int)) or str(raw_id) == "":
        return None
    return namespaced(str(platform), raw_id)


def _strip_paths(data: Any, paths: set[tuple[str | int, ...]], here: tuple = ()) -> Any:
    if not paths:
        return data
    if isinstance(data, dict):
        return {k: _strip_paths(v, paths, (*here, k)) for k, v in data.items()
                if (*here, k) not in paths}
    if isinstance(data, list):
        return [_strip_paths(v, paths, (*here, i)) for i, v in enumerate(data)]
    return data


def default_config(database_url: str | None = None, communities: list[dict] | None = None,
                   **sections: Any) -> Config:
    """Build a Config from Python values (demo, tests, console without a file)."""
    data: dict[str, Any] = {k: v for k, v in sections.items()}
    if database_url:
        data.setdefault("database", {})["url"] = database_url
    data["communities"] = communities or []

    return parse_config(_to_toml(data), "<defaults>")


def _to_toml(data: dict[str, Any]) -> str:
    """Minimal TOML writer for plain dicts (used to reuse the one validation path)."""
    import json

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        raise TypeError(f"cannot write {type(v).__name__} to TOML")

    out: list[str] = []
    for key, val in data.items():
        if key == "communities":
            continue
        if isinstance(val, dict):
            out.append(f"[{key}]")
            out.extend(f"{json.dumps(k)} = {value(v)}" for k, v in val.items())
    for community in data.get("communities", []):
        out.append("[[communities]]")
        out.extend(f"{json.dumps(k)} = {value(v)}" for k, v in community.items())
    return "\n".join(out) + "\n"
